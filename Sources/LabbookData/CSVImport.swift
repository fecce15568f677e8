import CLabbookSupport
import Foundation
import LabbookCore

/// Reads a CSV file (RFC 4180: quoted fields, doubled quotes, CRLF or LF) with a header row.
/// A column is numeric when every non-missing field parses as a number, else categorical.
///
/// Works on bytes: a pass (pieces in parallel, `FieldIndex`) records where each field starts and ends,
/// then each column is typed and converted on its own, so no string is made for a numeric field.
public enum CSVImport {
  /// Field spellings that mean "missing", as pandas reads them by default.
  public static let missingMarkers: Set<String> = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A"]

  public static func read(path: String, name: String, threads: Int = defaultThreadCount) throws -> Table {
    guard FileManager.default.fileExists(atPath: path) else { throw DataError("no such file: '\(path)'") }
    guard let data = FileManager.default.contents(atPath: path) else { throw DataError("cannot read '\(path)'") }
    return try parse(data, name: name, source: path, threads: threads)
  }

  public static func parse(_ data: Data, name: String, source: String, threads: Int = defaultThreadCount) throws
    -> Table
  {
    try data.withUnsafeBytes { raw in
      try parse(raw.bindMemory(to: UInt8.self), name: name, source: source, threads: threads)
    }
  }

  static func parse(_ bytes: UnsafeBufferPointer<UInt8>, name: String, source: String, threads: Int) throws -> Table {
    let fields = try FieldIndex(bytes, source: source, threads: threads)
    guard fields.columnCount > 0 else { throw DataError("'\(source)' is empty: a CSV file needs a header row") }
    var names: [String] = []
    for column in 0..<fields.columnCount {
      let header = fields.text(row: 0, column: column, in: bytes).trimmingCharacters(in: .whitespaces)
      if header.isEmpty { throw DataError("'\(source)' line 1: column \(column + 1) has no name") }
      names.append(header)
    }
    // Columns convert independently, so they convert in parallel; each lands in its own slot, so
    // the result does not depend on scheduling.
    let slots = Slots<Column>(count: fields.columnCount)
    let shared = SharedBytes(buffer: bytes)
    let headers = names
    parallelFor(count: fields.columnCount, threads: threads) { column in
      slots.store(inferColumn(name: headers[column], column: column, fields: fields, bytes: shared.buffer), at: column)
    }
    return try Table(name: name, columns: slots.values)
  }

  static func inferColumn(name: String, column: Int, fields: FieldIndex, bytes: UnsafeBufferPointer<UInt8>) -> Column {
    let rows = fields.rowCount - 1
    // Written row by row below; if a field is not a number the array is dropped.
    var numbers = [Double].unfilled(count: max(rows, 0))
    let numeric = numbers.withUnsafeMutableBufferPointer { numbers -> Bool in
      for row in 1...max(rows, 1) where rows > 0 {
        let (start, end, quoted) = fields.range(row: row, column: column)
        if quoted {
          // A quoted field is text as written (after undoubling quotes); it may still be a number.
          let text = fields.text(row: row, column: column, in: bytes).trimmingCharacters(in: .whitespaces)
          if missingMarkers.contains(text) {
            numbers[row - 1] = .nan
          } else if let value = Double(text) {
            numbers[row - 1] = value
          } else {
            return false
          }
          continue
        }
        let (s, e) = trimmed(bytes, start, end)
        if isMissing(bytes, s, e) {
          numbers[row - 1] = .nan
        } else if let value = parseNumber(bytes, s, e) {
          numbers[row - 1] = value
        } else {
          return false
        }
      }
      return true
    }
    if numeric { return .numeric(name, numbers) }
    var codeOf: [String: Int32] = [:]
    var firstSeen: [String] = []
    var codes = [Int32]()
    codes.reserveCapacity(rows)
    for row in 1...max(rows, 1) where rows > 0 {
      let text = fields.text(row: row, column: column, in: bytes)
      if missingMarkers.contains(text.trimmingCharacters(in: .whitespaces)) {
        codes.append(-1)
      } else if let code = codeOf[text] {
        codes.append(code)
      } else {
        let code = Int32(firstSeen.count)
        codeOf[text] = code
        firstSeen.append(text)
        codes.append(code)
      }
    }
    // Levels sorted, as pandas orders categories; remap the codes of first appearance.
    let levels = firstSeen.sorted()
    var rank = [Int32](repeating: 0, count: firstSeen.count)
    for (position, level) in levels.enumerated() { rank[Int(codeOf[level]!)] = Int32(position) }
    return Column(name: name, values: .categorical(codes: codes.map { $0 < 0 ? -1 : rank[Int($0)] }, levels: levels))
  }

  @inline(__always) static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (Int, Int) {
    var s = start
    var e = end
    while s < e, bytes[s] == 0x20 || bytes[s] == 0x09 { s += 1 }
    while e > s, bytes[e - 1] == 0x20 || bytes[e - 1] == 0x09 { e -= 1 }
    return (s, e)
  }

  static func isMissing(_ bytes: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
    let length = e - s
    if length == 0 { return true }
    if length > 4 { return false }
    return missingMarkers.contains(String(decoding: UnsafeBufferPointer(rebasing: bytes[s..<e]), as: UTF8.self))
  }

  /// A decimal number in bytes[s..<e] (no surrounding space), or nil. Numbers of up to 19 significant
  /// digits take Clinger's fast path or the Eisel-Lemire algorithm (`lb_parse_decimal`, after fast_float;
  /// correctly rounded, a test compares them bit for bit with the standard library); longer ones and
  /// anything unusual go to the C library's strtod in the "C" locale (the decimal point never depends on
  /// the user's locale).
  static func parseNumber(_ bytes: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Double? {
    let length = e - s
    guard length > 0, length < 64 else {
      return length == 0 ? nil : Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[s..<e]), as: UTF8.self))
    }
    // Most fields: lb_parse_decimal accepts only a whole plain decimal ([sign] digits [. digits]
    // [e [sign] digits], up to 19 significant digits), so the scan below is needed only when it declines.
    var fast = 0.0
    if lb_parse_decimal(bytes.baseAddress! + s, length, &fast) != 0 { return fast }
    // Only characters a decimal number can hold; this also keeps strtod away from hex and "nan".
    for index in s..<e {
      switch bytes[index] {
      case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"),
        UInt8(ascii: "e"), UInt8(ascii: "E"):
        continue
      case UInt8(ascii: "i"), UInt8(ascii: "n"), UInt8(ascii: "f"), UInt8(ascii: "I"), UInt8(ascii: "N"),
        UInt8(ascii: "F"):
        return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[s..<e]), as: UTF8.self)).flatMap {
          $0.isInfinite ? $0 : nil
        }
      default:
        return nil
      }
    }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer -> Double? in
      for offset in 0..<length { buffer[offset] = CChar(bitPattern: bytes[s + offset]) }
      buffer[length] = 0
      var end: UnsafeMutablePointer<CChar>?
      let value = lb_strtod_c(buffer.baseAddress!, &end)
      guard let end, end - buffer.baseAddress! == length else { return nil }
      return value
    }
  }
}

/// The file's bytes, read (never written) by the parallel workers while `parse` holds them.
struct SharedBytes: @unchecked Sendable {
  let buffer: UnsafeBufferPointer<UInt8>
}
