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
    try readHashing(path: path, name: name, threads: threads).table
  }

  /// The table, and the sha256 of exactly the bytes it was read from (hashed beside the parse, so the
  /// file is read once and a change to it after the read cannot make the two disagree).
  public static func readHashing(path: String, name: String, threads: Int = defaultThreadCount) throws -> (
    table: Table, sha256: String
  ) {
    let bytes = try fileBytes(path: path, threads: threads)
    return try concurrently(
      { try bytes.withUnsafeBufferPointer { try parse($0, name: name, source: path, threads: threads) } },
      beside: { _ in bytes.withUnsafeBytes { SHA256Digest.hex($0) } })
  }

  /// The whole of a regular file (a device or pipe is refused, not read). Large files are read in bands
  /// by parallel `pread`s into one buffer: most of a read's cost is faulting in the fresh pages it
  /// copies into (0.11 s for 161 MB on one core), and page faults proceed in parallel.
  static func fileBytes(path: String, threads: Int) throws -> [UInt8] {
    let (descriptor, size): (Int32, Int)
    switch RegularFile.open(path) {
    case .opened(let opened, let length): (descriptor, size) = (opened, length)
    case .missing: throw DataError("no such file: '\(path)'")
    case .notRegular: throw DataError("'\(path)' is not a regular file")
    case .failed(let error): throw DataError("cannot read '\(path)': \(String(cString: strerror(error)))")
    }
    defer { close(descriptor) }
    let band = 16 << 20
    let bands = (size + band - 1) / band
    var bytes = [UInt8].unfilled(count: size)
    // Per band: 0 read whole, -1 ended early (the file shrank), else the errno of a failed read.
    let outcome = Slots<Int32>(count: bands)
    bytes.withUnsafeMutableBufferPointer { buffer in
      let out = Shared(buffer)
      parallelFor(count: bands, threads: threads) { b in
        var offset = b * band
        let end = min(size, offset + band)
        var result: Int32 = 0
        while offset < end {
          let count = pread(descriptor, out.value.baseAddress! + offset, end - offset, off_t(offset))
          if count < 0, errno == EINTR { continue }
          if count <= 0 {
            result = count == 0 ? -1 : errno
            break
          }
          offset += count
        }
        outcome.store(result, at: b)
      }
    }
    for result in outcome.values where result != 0 {
      throw DataError(
        result < 0
          ? "'\(path)' became shorter while it was read"
          : "cannot read '\(path)': \(String(cString: strerror(result)))")
    }
    // A file that grew while it was read: the rest, as a plain read would have taken it.
    var more = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let count = more.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, $0.count, off_t(bytes.count)) }
      if count < 0, errno == EINTR { continue }
      if count <= 0 { break }
      bytes += more.prefix(count)
    }
    return bytes
  }

  public static func parse(_ data: Data, name: String, source: String, threads: Int = defaultThreadCount) throws
    -> Table
  {
    try data.withUnsafeBytes { raw in
      try parse(raw.bindMemory(to: UInt8.self), name: name, source: source, threads: threads)
    }
  }

  static func parse(
    _ bytes: UnsafeBufferPointer<UInt8>, name: String, source: String, threads: Int,
    pieceSize: Int = FieldIndex.pieceSize
  ) throws -> Table {
    let fields = try FieldIndex(bytes, source: source, threads: threads, pieceSize: pieceSize)
    guard fields.columnCount > 0 else { throw DataError("'\(source)' is empty: a CSV file needs a header row") }
    var names: [String] = []
    for column in 0..<fields.columnCount {
      let header = fields.text(row: 0, column: column, in: bytes).trimmingCharacters(in: .whitespaces)
      if header.isEmpty { throw DataError("'\(source)' line 1: column \(column + 1) has no name") }
      names.append(header)
    }
    let shared = SharedBytes(buffer: bytes)
    var (numbers, numeric) = parseNumbers(fields, shared, threads: threads)
    // The columns that are not numbers become categories, independently, so in parallel; each lands in
    // its own slot, so the result does not depend on scheduling.
    let textColumns = (0..<fields.columnCount).filter { !numeric[$0] }
    let categorical = Slots<Column>(count: textColumns.count)
    let headers = names
    parallelFor(count: textColumns.count, threads: threads) { t in
      let column = textColumns[t]
      categorical.store(categories(name: headers[column], column: column, fields: fields, bytes: shared.buffer), at: t)
    }
    var columns: [Column] = []
    var nextText = categorical.values.makeIterator()
    for column in 0..<fields.columnCount {
      if numeric[column] {
        columns.append(.numeric(names[column], numbers[column]))
        numbers[column] = []
      } else {
        columns.append(nextText.next()!)
      }
    }
    return try Table(name: name, columns: columns)
  }

  /// Every field as a number, row by row, the pieces in parallel (each writes only its own rows, and reads
  /// its bytes and fields front to back); a column is numeric when no piece found a field in it that is
  /// neither a number nor a missing marker. The arrays of other columns are garbage, to be dropped.
  static func parseNumbers(_ fields: FieldIndex, _ bytes: SharedBytes, threads: Int) -> ([[Double]], [Bool]) {
    let width = fields.columnCount
    let rows = max(fields.rowCount - 1, 0)
    // A header alone: empty columns, numeric as an empty column of numbers is.
    if rows == 0 { return (Array(repeating: [], count: width), Array(repeating: true, count: width)) }
    var numbers = (0..<width).map { _ in [Double].unfilled(count: rows) }
    let pieces = fields.pieces
    let failed = Slots<[Bool]>(count: pieces.count)
    var outputs: [UnsafeMutablePointer<Double>] = []
    for column in 0..<width { outputs.append(numbers[column].withUnsafeMutableBufferPointer { $0.baseAddress! }) }
    // (The arrays are not resized or copied until the loop below ends, so their storage stays put.)
    let columnOutputs = Shared(outputs)
    parallelFor(count: pieces.count, threads: threads) { p in
      let piece = pieces[p]
      var columnFailed = [Bool](repeating: false, count: width)
      var quotedCursor = FieldIndex.QuotedCursor()
      let firstRow = fields.firstRow(ofPiece: p)
      let buffer = bytes.buffer
      for row in (p == 0 ? 1 : 0)..<piece.rows {
        let out = firstRow + row - 1
        for column in 0..<width {
          let field = row * width + column
          if columnFailed[column] { continue }
          let quoted = quotedCursor.isQuoted(field, in: piece)
          if let value = number(piece.starts[field], piece.ends[field], quoted, in: buffer) {
            columnOutputs.value[column][out] = value
          } else {
            columnFailed[column] = true
          }
        }
      }
      failed.store(columnFailed, at: p)
    }
    let failures = failed.values
    let numeric = (0..<width).map { column in !failures.contains { $0[column] } }
    return (numbers, numeric)
  }

  /// A field's number: NaN for a missing marker, nil when it is neither. A quoted field is text as
  /// written (after undoubling quotes); it may still be a number.
  @inline(__always) static func number(_ start: Int, _ end: Int, _ quoted: Bool, in bytes: UnsafeBufferPointer<UInt8>)
    -> Double?
  {
    if quoted {
      let text = FieldIndex.text(start, end, true, in: bytes).trimmingCharacters(in: .whitespaces)
      return missingMarkers.contains(text) ? .nan : Double(text)
    }
    let (s, e) = trimmed(bytes, start, end)
    return isMissing(bytes, s, e) ? .nan : parseNumber(bytes, s, e)
  }

  /// A column of text fields as categories: levels sorted, as pandas orders them; missing markers -1.
  static func categories(name: String, column: Int, fields: FieldIndex, bytes: UnsafeBufferPointer<UInt8>) -> Column {
    var codeOf: [String: Int32] = [:]
    var firstSeen: [String] = []
    var codes = [Int32]()
    codes.reserveCapacity(max(fields.rowCount - 1, 0))
    fields.forEachField(column: column) { start, end, quoted in
      let text = FieldIndex.text(start, end, quoted, in: bytes)
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
    // Remap the codes of first appearance to the sorted levels' positions.
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
