import Foundation
import HDF5Kit
import LabbookCore

/// Where every field of a CSV file starts and ends. The header row is read first; the rest of a large file
/// is cut into pieces just after line breaks and the pieces are indexed in parallel, each as if it began
/// a row. That guess is right unless a quoted field holds the line break a piece begins after; a piece
/// knows when its last field ran past its end inside quotes, and from there the file is indexed in one
/// pass instead. (Speculative parsing of this kind: Ge et al., *Speculative Distributed CSV Data
/// Parsing for Big Data Analytics*, SIGMOD 2019.) The result, errors and line numbers included, is the
/// same as one pass over the whole file.
struct FieldIndex: Sendable {
  /// The header's piece, then the rest of the file's in file order; each keeps its own fields (no copy
  /// into one array: at 8 numbers a row that copy was 16 bytes a field of fresh memory).
  private(set) var pieces: [Piece] = []
  /// The first row of each piece (row 0 is the header).
  private var firstRows: [Int] = []
  private(set) var columnCount = 0
  private(set) var rowCount = 0

  /// Files with less than twice this much after the header are indexed in one pass.
  static let pieceSize = 4 << 20

  init(_ bytes: UnsafeBufferPointer<UInt8>, source: String, threads: Int = 1, pieceSize: Int = FieldIndex.pieceSize)
    throws
  {
    let first = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0  // UTF-8 byte-order mark
    var header = Piece(start: first, columnCount: nil)
    header.scan(bytes, to: bytes.count, rowLimit: 1)
    try take(header, firstLine: 1, source: source)
    guard header.end < bytes.count else { return }  // (`take` threw any error of the header's)
    var line = 1 + header.lines
    let bounds =
      threads > 1 ? Self.pieceBounds(bytes, from: header.end, pieceSize: pieceSize) : [header.end, bytes.count]
    let indexed = Slots<Piece>(count: bounds.count - 1)
    let shared = SharedBytes(buffer: bytes)
    let columns = columnCount
    let cuts = bounds
    parallelFor(count: cuts.count - 1, threads: threads) { p in
      var piece = Piece(start: cuts[p], columnCount: columns)
      piece.scan(shared.buffer, to: cuts[p + 1], rowLimit: nil)
      indexed.store(piece, at: p)
    }
    for piece in indexed.values {
      if piece.endedInsideQuotes {
        // A quoted field runs on into the next piece, which began inside it: one pass from here.
        var rest = Piece(start: piece.start, columnCount: columns)
        rest.scan(bytes, to: bytes.count, rowLimit: nil)
        try take(rest, firstLine: line, source: source)
        return
      }
      try take(piece, firstLine: line, source: source)
      line += piece.lines
    }
  }

  /// Where pieces of about `pieceSize` begin, each just after a line break, from `start`; the last bound
  /// is the file's end. A file with less than twice `pieceSize` after `start` is one piece.
  static func pieceBounds(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, pieceSize: Int) -> [Int] {
    var bounds = [start]
    while bytes.count - bounds.last! >= 2 * pieceSize {
      var cut = bounds.last! + pieceSize
      while cut < bytes.count, bytes[cut - 1] != 0x0A { cut += 1 }
      if cut >= bytes.count { break }
      bounds.append(cut)
    }
    bounds.append(bytes.count)
    return bounds
  }

  /// The header's column names (a piece read with `rowLimit: 1`), trimmed; a name left empty is an error.
  static func names(ofHeader header: Piece, in bytes: UnsafeBufferPointer<UInt8>, source: String) throws -> [String] {
    try (0..<(header.columnCount ?? 0)).map { column in
      let (start, end, quoted) = header.range(field: column)
      guard let raw = text(start, end, quoted, in: bytes) else {
        throw notUTF8(source: source, place: "the name of column \(column + 1)", start: start, end: end, in: bytes)
      }
      let name = raw.trimmingCharacters(in: .whitespaces)
      if name.isEmpty { throw DataError("'\(source)' line 1: column \(column + 1) has no name") }
      return name
    }
  }

  /// Appends a piece and its rows; throws its error, with the line counted from `firstLine`.
  private mutating func take(_ piece: Piece, firstLine: Int, source: String) throws {
    if rowCount == 0 {
      columnCount = piece.columnCount ?? 0
    }
    pieces.append(piece)
    firstRows.append(rowCount)
    rowCount += piece.rows
    switch piece.error {
    case nil: return
    case .unclosedQuote(let line):
      throw DataError("'\(source)' line \(firstLine + line): a quoted field is never closed")
    case .ragged(let line, let fields):
      throw DataError("'\(source)' line \(firstLine + line): \(fields) fields, but the header has \(columnCount)")
    }
  }

  /// The first row of piece `p` (the pieces' rows follow one another).
  func firstRow(ofPiece p: Int) -> Int { firstRows[p] }

  func range(row: Int, column: Int) -> (Int, Int, Bool) {
    // The last piece whose first row is at or before `row`.
    var low = 0
    var high = firstRows.count - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if firstRows[middle] <= row { low = middle } else { high = middle - 1 }
    }
    return pieces[low].range(field: (row - firstRows[low]) * columnCount + column)
  }

  /// The field's text, with doubled quotes undone for a quoted field; nil when its bytes are not UTF-8
  /// (decoding them anyway would turn each bad sequence into U+FFFD, so "José" and "Jos\u{E8}" written in
  /// Latin-1 would become one category, "Jos\u{FFFD}", and the difference be lost).
  static func text(_ start: Int, _ end: Int, _ quoted: Bool, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
    guard let text = UTF8Text.validated(UnsafeBufferPointer(rebasing: bytes[start..<end])) else { return nil }
    return quoted ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
  }

  /// The error for a field whose bytes are not UTF-8: its line (counted in the file's bytes, so right
  /// also after quoted fields that span lines), its column and its bytes, and how to convert the file.
  static func notUTF8(source: String, place: String, start: Int, end: Int, in bytes: UnsafeBufferPointer<UInt8>)
    -> DataError
  {
    let line = 1 + UnsafeBufferPointer(rebasing: bytes[0..<start]).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    let shown = bytes[start..<min(end, start + 24)].map { String($0, radix: 16, uppercase: true) }
      .map { $0.count == 1 ? "0" + $0 : $0 }.joined(separator: " ")
    return DataError(
      "'\(source)' line \(line), \(place): not UTF-8 text (bytes \(shown)\(end - start > 24 ? " …" : "")); "
        + "Labbook reads CSV files as UTF-8, as pandas does; if the file is Latin-1 or Windows-1252, convert it "
        + "first: iconv -f windows-1252 -t utf-8 in.csv > out.csv")
  }

  /// Calls `body(start, end, quoted)` for `column`'s field in every row after the header, in row order.
  func forEachField(column: Int, _ body: (Int, Int, Bool) -> Void) {
    for (p, piece) in pieces.enumerated() {
      var quoted = QuotedCursor()
      for row in (p == 0 ? 1 : 0)..<piece.rows {
        let field = row * columnCount + column
        body(piece.starts[field], piece.ends[field], quoted.isQuoted(field, in: piece))
      }
    }
  }

  /// Whether fields of a piece were quoted, asked in increasing field order: a position in the piece's
  /// sorted list of quoted fields that only moves forward, so a pass over a piece costs one walk of it.
  struct QuotedCursor {
    private var next = 0

    mutating func isQuoted(_ field: Int, in piece: Piece) -> Bool {
      while next < piece.quoted.count, piece.quoted[next] < field { next += 1 }
      return next < piece.quoted.count && piece.quoted[next] == field
    }
  }

  /// The fields of whole rows from `start` (a row's start, if the guess is right) up to a bound.
  struct Piece: Sendable {
    enum Problem: Sendable {
      /// Lines counted from the piece's first line (0).
      case unclosedQuote(line: Int)
      case ragged(line: Int, fields: Int)
    }

    let start: Int
    /// The header's width; nil while reading the header, whose first row sets it.
    var columnCount: Int?
    var starts: [Int] = []
    var ends: [Int] = []
    /// Indices into `starts` of quoted fields.
    var quoted: [Int] = []
    /// Rows kept (blank lines are not rows) and line breaks passed.
    var rows = 0
    var lines = 0
    /// Where scanning stopped.
    var end = 0
    var error: Problem?
    /// A quoted field was still open at the bound (not the file's end): the next piece began inside it.
    var endedInsideQuotes = false

    init(start: Int, columnCount: Int?) {
      self.start = start
      self.columnCount = columnCount
    }

    /// A field of this piece by its index (row × columns + column): start, end, and whether quoted.
    func range(field: Int) -> (Int, Int, Bool) {
      (starts[field], ends[field], Self.binarySearch(quoted, field))
    }

    private static func binarySearch(_ sorted: [Int], _ value: Int) -> Bool {
      var low = 0
      var high = sorted.count
      while low < high {
        let middle = (low + high) / 2
        if sorted[middle] < value { low = middle + 1 } else { high = middle }
      }
      return low < sorted.count && sorted[low] == value
    }

    /// Reads rows from `start` up to `bound` (or `rowLimit` rows): RFC 4180 fields, doubled quotes,
    /// CRLF or LF, anything between a closing quote and the delimiter ignored as pandas does.
    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>, to bound: Int, rowLimit: Int?) {
      let atFileEnd = bound == bytes.count
      var index = start
      var line = 0
      var fieldsInRow = 0
      starts.reserveCapacity((bound - start) / 8)
      ends.reserveCapacity((bound - start) / 8)
      defer {
        end = min(index, bound)
        lines = line
      }
      while index < bound {
        // One field.
        let fieldStart = index
        var isQuoted = false
        var fieldFirst = index
        var fieldEnd = index
        if bytes[index] == UInt8(ascii: "\"") {
          isQuoted = true
          let quoteLine = line
          index += 1
          fieldFirst = index
          while true {
            guard index < bound else {
              if atFileEnd { error = .unclosedQuote(line: quoteLine) } else { endedInsideQuotes = true }
              return
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
              if index + 1 < bound, bytes[index + 1] == UInt8(ascii: "\"") {
                index += 2
                continue
              }
              break
            }
            if byte == 0x0A { line += 1 }
            index += 1
          }
          fieldEnd = index
          index += 1  // closing quote
          while index < bound, bytes[index] != UInt8(ascii: ","), bytes[index] != 0x0A { index += 1 }
        } else {
          index = Self.delimiterOrNewline(bytes, from: index, to: bound)
          fieldEnd = index
          if fieldEnd > fieldStart, bytes[fieldEnd - 1] == 0x0D { fieldEnd -= 1 }
        }
        if isQuoted { quoted.append(starts.count) }
        starts.append(fieldFirst)
        ends.append(fieldEnd)
        fieldsInRow += 1
        if index < bound, bytes[index] == UInt8(ascii: ",") {
          index += 1
          if index == bound {  // a trailing delimiter before the end of the file: one more empty field
            starts.append(index)
            ends.append(index)
            fieldsInRow += 1
          } else {
            continue
          }
        } else {
          index += 1  // newline or end
        }
        if !endRow(&fieldsInRow, line: line) { return }
        line += 1
        if let rowLimit, rows >= rowLimit { return }
      }
      if fieldsInRow > 0 { _ = endRow(&fieldsInRow, line: line) }
    }

    /// The first comma or line feed in bytes[from..<bound], or `bound`. Eight bytes at a time: a byte
    /// equal to c is a zero byte of x ^ c, and (y − 0x01…01) & ~y & 0x80…80 flags the zero bytes of y;
    /// borrows can flag a byte above a true zero but never below one, so the lowest flag is the first match.
    @inline(__always) static func delimiterOrNewline(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to bound: Int)
      -> Int
    {
      var index = from
      while bound - index >= 8, let base = UnsafeRawPointer(bytes.baseAddress) {
        let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
        let commas = word ^ 0x2C2C_2C2C_2C2C_2C2C
        let newlines = word ^ 0x0A0A_0A0A_0A0A_0A0A
        let flags =
          ((commas &- 0x0101_0101_0101_0101) & ~commas | (newlines &- 0x0101_0101_0101_0101) & ~newlines)
          & 0x8080_8080_8080_8080
        if flags != 0 { return index + flags.trailingZeroBitCount / 8 }
        index += 8
      }
      while index < bound, bytes[index] != UInt8(ascii: ","), bytes[index] != 0x0A { index += 1 }
      return index
    }

    /// Closes a row; false (and `error` set) when it has the wrong number of fields.
    private mutating func endRow(_ fieldsInRow: inout Int, line: Int) -> Bool {
      defer { fieldsInRow = 0 }
      guard let width = columnCount else {
        columnCount = fieldsInRow
        rows = 1
        return true
      }
      if fieldsInRow == 1, starts[starts.count - 1] == ends[ends.count - 1], quoted.last != starts.count - 1 {
        starts.removeLast()  // a blank line
        ends.removeLast()
        return true
      }
      guard fieldsInRow == width else {
        error = .ragged(line: line, fields: fieldsInRow)
        return false
      }
      rows += 1
      return true
    }
  }
}
