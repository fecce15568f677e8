import Foundation
import LabbookCore

/// Where every field of a CSV file starts and ends. The header row is read first; the rest of a large file
/// is cut into pieces just after line breaks and the pieces are indexed in parallel, each as if it began
/// a row. That guess is right unless a quoted field holds the line break a piece begins after; a piece
/// knows when its last field ran past its end inside quotes, and from there the file is indexed in one
/// pass instead. (Speculative parsing of this kind: Ge et al., *Speculative Distributed CSV Data
/// Parsing for Big Data Analytics*, SIGMOD 2019.) The result, errors and line numbers included, is the
/// same as one pass over the whole file.
struct FieldIndex: Sendable {
  /// Per field: start offset, end offset (exclusive), and whether it was quoted.
  private var starts: [Int] = []
  private var ends: [Int] = []
  private var quotedFields: Set<Int> = []
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
    // Pieces of about `pieceSize`, each ending just after a line break.
    var bounds = [header.end]
    while threads > 1, bytes.count - bounds.last! >= 2 * pieceSize {
      var cut = bounds.last! + pieceSize
      while cut < bytes.count, bytes[cut - 1] != 0x0A { cut += 1 }
      if cut >= bytes.count { break }
      bounds.append(cut)
    }
    bounds.append(bytes.count)
    let pieces = Slots<Piece>(count: bounds.count - 1)
    let shared = SharedBytes(buffer: bytes)
    let columns = columnCount
    let cuts = bounds
    parallelFor(count: cuts.count - 1, threads: threads) { p in
      var piece = Piece(start: cuts[p], columnCount: columns)
      piece.scan(shared.buffer, to: cuts[p + 1], rowLimit: nil)
      pieces.store(piece, at: p)
    }
    let indexed = pieces.values
    let pieceFields = indexed.reduce(0) { $0 + $1.starts.count }
    starts.reserveCapacity(starts.count + pieceFields)
    ends.reserveCapacity(ends.count + pieceFields)
    for piece in indexed {
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

  /// Appends a piece's fields and rows; throws its error, with the line counted from `firstLine`.
  private mutating func take(_ piece: Piece, firstLine: Int, source: String) throws {
    if rowCount == 0 {
      columnCount = piece.columnCount ?? 0
    }
    let offset = starts.count
    starts += piece.starts
    ends += piece.ends
    for field in piece.quoted { quotedFields.insert(offset + field) }
    rowCount += piece.rows
    switch piece.error {
    case nil: return
    case .unclosedQuote(let line):
      throw DataError("'\(source)' line \(firstLine + line): a quoted field is never closed")
    case .ragged(let line, let fields):
      throw DataError("'\(source)' line \(firstLine + line): \(fields) fields, but the header has \(columnCount)")
    }
  }

  @inline(__always) func range(row: Int, column: Int) -> (Int, Int, Bool) {
    let field = row * columnCount + column
    return (starts[field], ends[field], !quotedFields.isEmpty && quotedFields.contains(field))
  }

  /// The field as text, with doubled quotes undone for quoted fields.
  func text(row: Int, column: Int, in bytes: UnsafeBufferPointer<UInt8>) -> String {
    let (start, end, quoted) = range(row: row, column: column)
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    return quoted ? text.replacingOccurrences(of: "\"\"", with: "\"") : text
  }

  /// The fields of whole rows from `start` (a row's start, if the guess is right) up to a bound.
  private struct Piece: Sendable {
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
          while index < bound, bytes[index] != UInt8(ascii: ","), bytes[index] != 0x0A { index += 1 }
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
