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
    var out: [UInt8] = []
    produce(table) { out.append(contentsOf: $0) }
    return out
  }

  /// Writes the stream to `descriptor` as it is produced: the columns go from the table's own arrays,
  /// so no copy of the table is built (a 64 MB matrix was copied twice on its way to the pipe).
  /// Returns false when a write fails (the reader went away).
  public static func write(_ table: Table, to descriptor: Int32) -> Bool {
    var failed = false
    produce(table) { piece in
      var offset = 0
      while !failed && offset < piece.count {
        let written = Foundation.write(descriptor, piece.baseAddress! + offset, piece.count - offset)
        if written < 0 && errno == EINTR { continue }
        if written <= 0 { failed = true } else { offset += written }
      }
    }
    return !failed
  }

  /// The stream in pieces: the small fields gathered, each column's values straight from its array.
  static func produce(_ table: Table, _ emit: (UnsafeRawBufferPointer) -> Void) {
    var small = magic
    func flush() {
      small.withUnsafeBytes(emit)
      small.removeAll(keepingCapacity: true)
    }
    func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { small.append(contentsOf: $0) } }
    func u64(_ v: Int) { withUnsafeBytes(of: UInt64(v).littleEndian) { small.append(contentsOf: $0) } }
    func string(_ s: String) {
      let bytes = Array(s.utf8)
      u32(bytes.count)
      small.append(contentsOf: bytes)
      if small.count >= 1 << 16 { flush() }
    }
    func optional(_ s: String?) {
      small.append(s == nil ? 0 : 1)
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
        small.append(0)
        flush()
        values.withUnsafeBytes(emit)
      case .categorical(let codes, let levels):
        small.append(1)
        u32(levels.count)
        for level in levels { string(level) }
        flush()
        codes.withUnsafeBytes(emit)
      }
    }
    flush()
  }

  public static func decode(_ bytes: [UInt8], name: String) throws -> Table {
    var source = BytesSource(bytes: bytes)
    return try decode(from: &source, name: name)
  }

  /// Decodes the stream as it arrives on `descriptor`, each column read straight into its array;
  /// at most `limit` bytes are accepted (the reader's memory limit), so a count in the stream cannot
  /// size an allocation beyond it. The descriptor is read to its end.
  public static func read(from descriptor: Int32, limit: Int, name: String) throws -> Table {
    var source = DescriptorSource(descriptor: descriptor, limit: limit)
    return try decode(from: &source, name: name)
  }

  static func decode<Source: WireSource>(from source: inout Source, name: String) throws -> Table {
    guard try source.take(magic.count) == magic else { throw DataError("not a Labbook table stream") }
    let target = try source.optionalString()
    let protected = try source.optionalString()
    let rows = try source.u64()
    let columnCount = try source.u32()
    var columns: [Column] = []
    for _ in 0..<columnCount {
      let columnName = try source.string()
      switch try source.byte() {
      case 0:
        guard rows <= source.remaining / 8 else { throw DataError("table stream: a column is cut short") }
        var values = [Double].unfilled(count: rows)
        try values.withUnsafeMutableBytes { try source.fill($0) }
        columns.append(.numeric(columnName, values))
      case 1:
        let levelCount = try source.u32()
        guard levelCount <= source.remaining / 4 else { throw DataError("table stream: too many levels") }
        var levels: [String] = []
        levels.reserveCapacity(min(levelCount, 1 << 16))
        for _ in 0..<levelCount { levels.append(try source.string()) }
        guard rows <= source.remaining / 4 else { throw DataError("table stream: a column is cut short") }
        var codes = [Int32].unfilled(count: rows)
        try codes.withUnsafeMutableBytes { try source.fill($0) }
        guard codes.allSatisfy({ $0 >= -1 && Int($0) < levelCount }) else {
          throw DataError("table stream: a code has no level")
        }
        columns.append(Column(name: columnName, values: .categorical(codes: codes, levels: levels)))
      default: throw DataError("table stream: unknown column kind")
      }
    }
    guard try source.atEnd() else { throw DataError("table stream: bytes after the last column") }
    return try Table(name: name, columns: columns, target: target, protected: protected)
  }
}

/// Where a table stream is decoded from: bytes in memory, or a pipe.
protocol WireSource {
  /// The most bytes that can still come: what is left of the bytes, or of a pipe's limit.
  var remaining: Int { get }
  /// Fills `buffer` with the next bytes, all of them, or throws "cut short".
  mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) throws
  /// Whether the stream has ended (a pipe is read to its end).
  mutating func atEnd() throws -> Bool
}

extension WireSource {
  /// The next `count` bytes, taken a mebibyte at a time, so a count the stream claims sizes no
  /// allocation beyond the bytes that actually came.
  mutating func take(_ count: Int) throws -> [UInt8] {
    guard count >= 0, count <= remaining else { throw DataError("table stream: cut short") }
    var bytes: [UInt8] = []
    while bytes.count < count {
      let taken = bytes.count
      bytes.append(contentsOf: repeatElement(0, count: min(count - taken, 1 << 20)))
      try bytes.withUnsafeMutableBytes { try fill(UnsafeMutableRawBufferPointer(rebasing: $0[taken...])) }
    }
    return bytes
  }
  mutating func byte() throws -> UInt8 { try take(1)[0] }
  mutating func u32() throws -> Int {
    try take(4).reversed().reduce(0) { $0 << 8 | Int($1) }
  }
  mutating func u64() throws -> Int {
    let value = try take(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
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

struct BytesSource: WireSource {
  let bytes: [UInt8]
  var index = 0
  var remaining: Int { bytes.count - index }

  mutating func fill(_ buffer: UnsafeMutableRawBufferPointer) throws {
    guard buffer.count <= remaining else { throw DataError("table stream: cut short") }
    bytes.withUnsafeBytes {
      buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[index..<(index + buffer.count)]))
    }
    index += buffer.count
  }
  mutating func atEnd() throws -> Bool { remaining == 0 }
}

/// A pipe, read through a 64 KiB buffer for the small fields and straight into the destination for
/// the columns.
struct DescriptorSource: WireSource {
  let descriptor: Int32
  /// Bytes the stream may still bring.
  var remaining: Int
  private var buffer = [UInt8](repeating: 0, count: 1 << 16)
  private var start = 0
  private var end = 0

  init(descriptor: Int32, limit: Int) {
    self.descriptor = descriptor
    self.remaining = limit
  }

  mutating func fill(_ destination: UnsafeMutableRawBufferPointer) throws {
    guard destination.count <= remaining else { throw DataError("table stream: longer than the reader's limit") }
    var filled = min(destination.count, end - start)
    if filled > 0 {
      buffer.withUnsafeBytes {
        UnsafeMutableRawBufferPointer(rebasing: destination[..<filled])
          .copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[start..<(start + filled)]))
      }
      start += filled
    }
    while filled < destination.count {
      let wanted = destination.count - filled
      if wanted < buffer.count {
        // A small field: refill the buffer and copy from it.
        let count = try Self.readSome(descriptor, into: &buffer)
        guard count > 0 else { throw DataError("table stream: cut short") }
        (start, end) = (0, count)
        let taken = min(count, wanted)
        buffer.withUnsafeBytes {
          UnsafeMutableRawBufferPointer(rebasing: destination[filled..<(filled + taken)])
            .copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[..<taken]))
        }
        start = taken
        filled += taken
      } else {
        let count = Foundation.read(descriptor, destination.baseAddress! + filled, wanted)
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { throw DataError("table stream: cut short") }
        filled += count
      }
    }
    remaining -= destination.count
  }

  private static func readSome(_ descriptor: Int32, into buffer: inout [UInt8]) throws -> Int {
    while true {
      let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress!, $0.count) }
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { throw DataError("table stream: the pipe could not be read (errno \(errno))") }
      return count
    }
  }

  mutating func atEnd() throws -> Bool {
    guard start == end else { return false }
    return try Self.readSome(descriptor, into: &buffer) == 0
  }
}
