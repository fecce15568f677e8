import CLabbookSupport
import Foundation
import LabbookCore

/// Reads a CSV file (RFC 4180: quoted fields, doubled quotes, CRLF or LF) with a header row.
/// A column is numeric when every non-missing field parses as a number, else categorical.
///
/// Works on bytes. A file of numbers alone is read in one pass (`NumericCSV`); any other, a pass (pieces
/// in parallel, `FieldIndex`) records where each field starts and ends, then each column is typed and
/// converted on its own, so no string is made for a numeric field.
public enum CSVImport {
  /// Field spellings that mean "missing", as pandas reads them by default.
  public static let missingMarkers: Set<String> = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A"]

  public static func read(path: String, name: String, threads: Int = defaultThreadCount) throws -> Table {
    try readHashing(path: path, name: name, threads: threads).table
  }

  /// The table, and the sha256 of exactly the bytes it was read from (hashed as they are read, so the
  /// file is read once and a change to it after the read cannot make the two disagree). A file of
  /// numbers alone is parsed as it streams in (`NumericCSV.stream`); any other is read whole, then
  /// parsed through the field index.
  public static func readHashing(path: String, name: String, threads: Int = defaultThreadCount) throws -> (
    table: Table, sha256: String
  ) {
    let (descriptor, size) = try open(path)
    defer { close(descriptor) }
    do {
      if let numeric = try NumericCSV.stream(descriptor, source: path, threads: threads) {
        let columns = zip(numeric.names, numeric.columns).map { Column.numeric($0, $1) }
        return (try Table(name: name, columns: columns), numeric.sha256)
      }
      let bytes = try fileBytes(descriptor, size: size, path: path, threads: threads)
      return try concurrently(
        {
          try bytes.withUnsafeBufferPointer {
            try parseIndexed($0, name: name, source: path, threads: threads, pieceSize: FieldIndex.pieceSize)
          }
        },
        beside: { _ in bytes.withUnsafeBytes { SHA256Digest.hex($0) } })
    } catch let error as DataError {
      var start = [UInt8](repeating: 0, count: 4096)
      let count =
        (try? start.withUnsafeMutableBytes {
          try readFully(descriptor, into: $0.baseAddress!, count: 4096, at: 0, path: path)
        }) ?? 0
      throw start.withUnsafeBufferPointer {
        explained(error, UnsafeBufferPointer(rebasing: $0[0..<count]), source: path)
      }
    }
  }

  /// The error of a failed reading, said in terms of what the file is when its first bytes tell:
  /// not text at all (`notText`), or text separated by semicolons or tabs rather than commas (a header
  /// line with one of them and no comma; spreadsheets in many locales save CSV so, with decimal commas,
  /// and the reading trips at line 2: "2 fields, but the header has 1").
  static func explained(_ error: DataError, _ start: UnsafeBufferPointer<UInt8>, source: String) -> DataError {
    if let notText = notText(start, source: source) { return notText }
    guard let separator = otherSeparator(inHeader: start.prefix { $0 != 0x0A }) else { return error }
    return DataError(error.message + "; its header line is separated by \(separator), not commas: " + commaAdvice)
  }

  /// "semicolons" or "tabs" when a header line has no comma but those: a file separated by them, which
  /// fails to read (decimal commas make later lines longer) or reads as one column named by the whole line.
  public static func otherSeparator(inHeader header: some Sequence<UInt8>) -> String? {
    var (comma, semicolon, tab) = (false, false, false)
    for byte in header {
      comma = comma || byte == 0x2C
      semicolon = semicolon || byte == 0x3B
      tab = tab || byte == 0x09
    }
    if comma { return nil }
    return semicolon ? "semicolons" : tab ? "tabs" : nil
  }

  /// What to do about a file separated by something other than commas.
  public static let commaAdvice = "save it as comma-separated CSV (in a spreadsheet: CSV, comma delimited)"

  /// The error for a file that is not text at all, from its first bytes: an HDF5 file given to `import`
  /// (the signature), UTF-16 (a byte-order mark), or any other binary file (a NUL byte); nil for text.
  /// Asked only once reading it as CSV has failed, so that the error says what the file is rather than
  /// where the CSV reading tripped ("line 1, the name of column 1: not UTF-8 text (bytes 89 48 44 46)"
  /// for an HDF5 file).
  static func notText(_ start: UnsafeBufferPointer<UInt8>, source: String) -> DataError? {
    if start.starts(with: HDF5TableReader.signature) {
      return DataError("'\(source)' is an HDF5 file, not CSV text: read it with `load`")
    }
    if start.starts(with: [0xFF, 0xFE]) || start.starts(with: [0xFE, 0xFF]) {
      return DataError(
        "'\(source)' is UTF-16 text (as Excel saves \"Unicode text\"); Labbook reads CSV files as UTF-8: convert it "
          + "first: iconv -f utf-16 -t utf-8 in.csv > out.csv")
    }
    if start.contains(0) {
      return DataError("'\(source)' is not a text file (it holds NUL bytes): `import` reads CSV text")
    }
    return nil
  }

  /// A regular file opened for reading, and its size; a device or pipe is refused, not read.
  static func open(_ path: String) throws -> (descriptor: Int32, size: Int) {
    switch RegularFile.open(path) {
    case .opened(let opened, let length): return (opened, length)
    case .missing: throw DataError("no such file: '\(path)'")
    case .notRegular: throw DataError("'\(path)' is not a regular file")
    case .failed(let error): throw DataError("cannot read '\(path)': \(String(cString: strerror(error)))")
    }
  }

  /// Reads up to `count` bytes at `offset` into `destination`, retrying short reads: the bytes read, fewer
  /// than `count` only at the file's end.
  static func readFully(
    _ descriptor: Int32, into destination: UnsafeMutableRawPointer, count: Int, at offset: Int, path: String
  ) throws -> Int {
    var done = 0
    while done < count {
      let got = pread(descriptor, destination + done, count - done, off_t(offset + done))
      if got < 0, errno == EINTR { continue }
      if got < 0 { throw DataError("cannot read '\(path)': \(String(cString: strerror(errno)))") }
      if got == 0 { break }
      done += got
    }
    return done
  }

  /// The whole of a regular file (a device or pipe is refused, not read).
  public static func fileBytes(path: String, threads: Int) throws -> [UInt8] {
    let (descriptor, size) = try open(path)
    defer { close(descriptor) }
    return try fileBytes(descriptor, size: size, path: path, threads: threads)
  }

  /// The whole of an open file of (about) `size` bytes. Large files are read in bands by parallel
  /// `pread`s into one buffer: most of a read's cost is faulting in the fresh pages it copies into
  /// (0.11 s for 161 MB on one core), and page faults proceed in parallel.
  static func fileBytes(_ descriptor: Int32, size: Int, path: String, threads: Int) throws -> [UInt8] {
    let band = 16 << 20
    let bands = (size + band - 1) / band
    var bytes = [UInt8].unfilled(count: size)
    let outcome = Slots<Result<Int, any Error>>(count: bands)
    bytes.withUnsafeMutableBufferPointer { buffer in
      let out = Shared(buffer)
      parallelFor(count: bands, threads: threads) { b in
        let offset = b * band
        let length = min(size, offset + band) - offset
        outcome.store(
          Result {
            try readFully(descriptor, into: out.value.baseAddress! + offset, count: length, at: offset, path: path)
          },
          at: b)
      }
    }
    for (b, result) in outcome.values.enumerated() where try result.get() < min(size, (b + 1) * band) - b * band {
      throw DataError("'\(path)' became shorter while it was read")
    }
    // A file that grew while it was read: the rest, as a plain read would have taken it.
    var more = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let count = try more.withUnsafeMutableBytes {
        try readFully(descriptor, into: $0.baseAddress!, count: $0.count, at: bytes.count, path: path)
      }
      bytes += more.prefix(count)
      if count < more.count { break }
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

  /// The table in `bytes`, a whole CSV file.
  public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, name: String, source: String, threads: Int) throws
    -> Table
  {
    try parse(bytes, name: name, source: source, threads: threads, pieceSize: FieldIndex.pieceSize)
  }

  static func parse(
    _ bytes: UnsafeBufferPointer<UInt8>, name: String, source: String, threads: Int, pieceSize: Int
  ) throws -> Table {
    do {
      if let numeric = try NumericCSV.read(bytes, source: source, threads: threads, pieceSize: pieceSize) {
        return try Table(name: name, columns: zip(numeric.names, numeric.columns).map { .numeric($0, $1) })
      }
      return try parseIndexed(bytes, name: name, source: source, threads: threads, pieceSize: pieceSize)
    } catch let error as DataError {
      throw explained(error, UnsafeBufferPointer(rebasing: bytes[0..<min(bytes.count, 4096)]), source: source)
    }
  }

  /// Any CSV file, through the field index: the general reading, which `NumericCSV` must agree with.
  static func parseIndexed(
    _ bytes: UnsafeBufferPointer<UInt8>, name: String, source: String, threads: Int, pieceSize: Int
  ) throws -> Table {
    let fields = try FieldIndex(bytes, source: source, threads: threads, pieceSize: pieceSize)
    guard fields.columnCount > 0 else { throw DataError("'\(source)' is empty: a CSV file needs a header row") }
    let names = try FieldIndex.names(ofHeader: fields.pieces[0], in: bytes, source: source)
    let shared = SharedBytes(buffer: bytes)
    var (numbers, numeric) = parseNumbers(fields, shared, threads: threads)
    // The columns that are not numbers become categories, independently, so in parallel; each lands in
    // its own slot, so the result does not depend on scheduling.
    let textColumns = (0..<fields.columnCount).filter { !numeric[$0] }
    let categorical = Slots<Result<Column, Error>>(count: textColumns.count)
    let headers = names
    parallelFor(count: textColumns.count, threads: threads) { t in
      let column = textColumns[t]
      categorical.store(
        Result {
          try categories(name: headers[column], column: column, fields: fields, bytes: shared.buffer, source: source)
        }, at: t)
    }
    // The first column's error, whatever the scheduling.
    let textColumnsRead = try categorical.values.map { try $0.get() }
    var columns: [Column] = []
    var nextText = textColumnsRead.makeIterator()
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
      // Not UTF-8: not a number either.
      guard let text = FieldIndex.text(start, end, true, in: bytes)?.trimmingCharacters(in: .whitespaces) else {
        return nil
      }
      return missingMarkers.contains(text) ? .nan : Double(text)
    }
    let (s, e) = trimmed(bytes, start, end)
    return isMissing(bytes, s, e) ? .nan : parseNumber(bytes, s, e)
  }

  /// A column of text fields as categories: levels sorted, as pandas orders them; missing markers -1.
  /// Throws at the first field that is not UTF-8.
  static func categories(
    name: String, column: Int, fields: FieldIndex, bytes: UnsafeBufferPointer<UInt8>, source: String
  ) throws(DataError) -> Column {
    var codeOf: [String: Int32] = [:]
    var firstSeen: [String] = []
    var codes = [Int32]()
    codes.reserveCapacity(max(fields.rowCount - 1, 0))
    var notUTF8: DataError?
    fields.forEachField(column: column) { start, end, quoted in
      guard notUTF8 == nil else { return }
      guard let text = FieldIndex.text(start, end, quoted, in: bytes) else {
        notUTF8 = FieldIndex.notUTF8(source: source, place: "column '\(name)'", start: start, end: end, in: bytes)
        return
      }
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
    if let notUTF8 { throw notUTF8 }
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
