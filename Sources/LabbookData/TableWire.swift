import Foundation

/// A table as bytes, for handing it from the process that read a file to the one that asked
/// (`IsolatedReader`). Little-endian (the byte order of every machine Labbook builds for, so arrays are
/// copied as they are); strings as a UInt32 byte count and UTF-8; numbers as raw float64.
///
///     "LBTABLE1" · target · protected (flag byte + string) · UInt64 rows · UInt32 columns ·
///     per column: name · kind byte (0 numeric, 1 categorical) ·
///       numeric: rows × float64 · categorical: UInt32 level count · levels · rows × Int32 codes
///
/// Decoding trusts nothing: every count is checked against the bytes left before anything is
/// allocated, and codes against the level count.
public enum TableWire {
  static let magic = Array("LBTABLE1".utf8)

  public static func encode(_ table: Table) -> [UInt8] {
    var out = magic
    func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) } }
    func u64(_ v: Int) { withUnsafeBytes(of: UInt64(v).littleEndian) { out.append(contentsOf: $0) } }
    func string(_ s: String) {
      let bytes = Array(s.utf8)
      u32(bytes.count)
      out.append(contentsOf: bytes)
    }
    func optional(_ s: String?) {
      out.append(s == nil ? 0 : 1)
      if let s { string(s) }
    }
    optional(table.target)
    optional(table.protected)
    u64(table.rowCount)
    u32(table.columns.count)
    for column in table.columns {
      string(column.name)
      switch column.values {
      case .numeric(let values):
        out.append(0)
        values.withUnsafeBytes { out.append(contentsOf: $0) }
      case .categorical(let codes, let levels):
        out.append(1)
        u32(levels.count)
        for level in levels { string(level) }
        codes.withUnsafeBytes { out.append(contentsOf: $0) }
      }
    }
    return out
  }

  public static func decode(_ bytes: [UInt8], name: String) throws -> Table {
    var reader = Reader(bytes: bytes)
    guard try reader.take(magic.count) == magic[...] else { throw DataError("not a Labbook table stream") }
    let target = try reader.optionalString()
    let protected = try reader.optionalString()
    let rows = try reader.u64()
    let columnCount = try reader.u32()
    var columns: [Column] = []
    for _ in 0..<columnCount {
      let columnName = try reader.string()
      switch try reader.byte() {
      case 0:
        guard rows <= reader.remaining / 8 else { throw DataError("table stream: a column is cut short") }
        let raw = try reader.take(rows * 8)
        let values = [Double](unsafeUninitializedCapacity: rows) { buffer, initialized in
          raw.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
          initialized = rows
        }
        columns.append(.numeric(columnName, values))
      case 1:
        let levelCount = try reader.u32()
        guard levelCount <= reader.remaining / 4 else { throw DataError("table stream: too many levels") }
        var levels: [String] = []
        levels.reserveCapacity(levelCount)
        for _ in 0..<levelCount { levels.append(try reader.string()) }
        guard rows <= reader.remaining / 4 else { throw DataError("table stream: a column is cut short") }
        let raw = try reader.take(rows * 4)
        let codes = [Int32](unsafeUninitializedCapacity: rows) { buffer, initialized in
          raw.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
          initialized = rows
        }
        guard codes.allSatisfy({ $0 >= -1 && Int($0) < levelCount }) else {
          throw DataError("table stream: a code has no level")
        }
        columns.append(Column(name: columnName, values: .categorical(codes: codes, levels: levels)))
      default: throw DataError("table stream: unknown column kind")
      }
    }
    guard reader.remaining == 0 else { throw DataError("table stream: bytes after the last column") }
    return try Table(name: name, columns: columns, target: target, protected: protected)
  }

  struct Reader {
    let bytes: [UInt8]
    var index = 0
    var remaining: Int { bytes.count - index }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
      guard count >= 0, count <= remaining else { throw DataError("table stream: cut short") }
      defer { index += count }
      return bytes[index..<(index + count)]
    }
    mutating func byte() throws -> UInt8 { try take(1).first! }
    mutating func u32() throws -> Int {
      let raw = try take(4)
      return raw.reversed().reduce(0) { $0 << 8 | Int($1) }
    }
    mutating func u64() throws -> Int {
      let raw = try take(8)
      let value = raw.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      guard let count = Int(exactly: value) else { throw DataError("table stream: a count is too large") }
      return count
    }
    mutating func string() throws -> String { String(decoding: try take(try u32()), as: UTF8.self) }
    mutating func optionalString() throws -> String? {
      switch try byte() {
      case 0: return nil
      case 1: return try string()
      default: throw DataError("table stream: malformed optional text")
      }
    }
  }
}
