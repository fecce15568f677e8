import CLabbookSupport
import Foundation
import LabbookCore

/// The common case of a CSV file, read without a field index: after the header, every field a number or a
/// missing marker, unquoted, every row as wide as the header. Each piece of the file is parsed field by
/// field straight into numbers: a number's own end is where its field ends (fast_float's way of reading
/// a list of numbers), and the byte after it must be the delimiter the row needs there. Fields that are
/// not plain numbers (spaces, missing markers, CRLF, more than 19 digits) take the general reading of one
/// field, the same as `CSVImport.number`; blank lines are skipped, as the general reading skips them.
///
/// Anything else (a text field, a quote, a ragged row, an empty file) gives nil, and the caller
/// reads the file the general way (`FieldIndex`), whose tables and errors, with their line numbers, are
/// the reference: a test reads the same files both ways. The field index cost 16 bytes of fresh memory a
/// field and a pass of its own; a table of numbers is read here in one pass over its bytes.
enum NumericCSV {
  /// The header's names and the columns, or nil when the file is not of that form.
  static func read(_ bytes: UnsafeBufferPointer<UInt8>, source: String, threads: Int, pieceSize: Int) throws
    -> (names: [String], columns: [[Double]])?
  {
    guard let (names, width, dataStart) = try header(bytes, source: source) else { return nil }
    guard
      let pieces = parse(bytes, from: dataStart, atFileEnd: true, width: width, threads: threads, pieceSize: pieceSize)
    else { return nil }
    return (names, columns(pieces, width: width, threads: threads))
  }

  /// The header's names, its width and where the rows begin, when the header is a whole line in `bytes`.
  static func header(_ bytes: UnsafeBufferPointer<UInt8>, source: String) throws -> ([String], Int, Int)? {
    let first = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0  // UTF-8 byte-order mark
    var header = FieldIndex.Piece(start: first, columnCount: nil)
    header.scan(bytes, to: bytes.count, rowLimit: 1)
    guard header.error == nil, let width = header.columnCount, width > 0, header.end < bytes.count,
      bytes[header.end - 1] == 0x0A
    else { return nil }
    return (try FieldIndex.names(ofHeader: header, in: bytes, source: source), width, header.end)
  }

  /// The rows of bytes[start...] (whole rows, `start` beginning one), in pieces in parallel: each piece's
  /// fields in row order, or nil.
  static func parse(
    _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, atFileEnd: Bool, width: Int, threads: Int, pieceSize: Int
  ) -> [[Double]]? {
    let bounds = FieldIndex.pieceBounds(bytes, from: start, pieceSize: pieceSize)
    let pieces = Slots<[Double]?>(count: bounds.count - 1)
    let giveUp = StopFlag()
    let shared = SharedBytes(buffer: bytes)
    parallelFor(count: bounds.count - 1, threads: threads) { p in
      let last = p == bounds.count - 2
      let values =
        giveUp.isSet
        ? nil
        : rows(shared.buffer, from: bounds[p], to: bounds[p + 1], atFileEnd: atFileEnd && last, width: width, giveUp)
      if values == nil { giveUp.stop() }
      pieces.store(values, at: p)
    }
    return giveUp.isSet ? nil : pieces.values.map { $0! }
  }

  /// The pieces' rows, field after field, put in their places in the columns.
  static func columns(_ parsed: [[Double]], width: Int, threads: Int) -> [[Double]] {
    var rowCounts = [0]
    for values in parsed { rowCounts.append(rowCounts.last! + values.count / width) }
    let firstRows = rowCounts
    var columns = (0..<width).map { _ in [Double].unfilled(count: firstRows.last!) }
    let outputs = Shared(columns.indices.map { c in columns[c].withUnsafeMutableBufferPointer { $0.baseAddress! } })
    // (The arrays are not resized or copied until the loop below ends, so their storage stays put.)
    parallelFor(count: parsed.count, threads: threads) { p in
      parsed[p].withUnsafeBufferPointer { values in
        let rows = values.count / width
        for column in 0..<width {
          let out = outputs.value[column] + firstRows[p]
          for row in 0..<rows { out[row] = values[row * width + column] }
        }
      }
    }
    _ = columns.count  // keeps the arrays alive past the loop above, which wrote through their pointers
    return columns
  }

  /// Reads an open file of numbers alone as it streams in: bands of `band` bytes are read into one of two
  /// buffers and hashed while the other buffer's whole rows are parsed, so the file is never held whole
  /// (a fresh 161 MB buffer cost more in page faults than its read) and reading overlaps parsing. The
  /// names, the columns and the sha256 of every byte read; nil when the file is not of this form (the
  /// caller reads it the general way).
  static func stream(
    _ descriptor: Int32, source: String, threads: Int, band: Int = 16 << 20, pieceSize: Int = FieldIndex.pieceSize
  ) throws -> (names: [String], columns: [[Double]], sha256: String)? {
    let reader = BandReader(descriptor, source: source, capacity: band)
    defer { reader.release() }
    try reader.fill(reader.current, kept: 0)
    // A header longer than a band (no line break yet): more room until it ends.
    while !reader.atEnd, !reader.bytes(reader.current).contains(0x0A) { try reader.growKeeping(from: 0) }
    guard let (names, width, dataStart) = try header(reader.bytes(reader.current), source: source) else { return nil }
    var start = dataStart
    var parsed: [[Double]] = []
    while true {
      let view = reader.bytes(reader.current)
      // Whole rows only: up to the last line break, unless this is the file's end.
      var cut = view.count
      if !reader.atEnd {
        while cut > start, view[cut - 1] != 0x0A { cut -= 1 }
        if cut == start {
          try reader.growKeeping(from: start)  // a line longer than a band
          start = 0
          continue
        }
      }
      let rows = UnsafeBufferPointer(rebasing: view[..<cut])
      if reader.atEnd {
        guard
          let pieces = parse(rows, from: start, atFileEnd: true, width: width, threads: threads, pieceSize: pieceSize)
        else { return nil }
        parsed += pieces
        break
      }
      // The unfinished line goes to the front of the other buffer, which is filled and hashed while
      // this one's rows are parsed.
      let next = 1 - reader.current
      let rest = view.count - cut
      reader.buffers[next].copyMemory(
        from: UnsafeRawBufferPointer(rebasing: reader.buffers[reader.current][cut..<view.count]))
      let (pieces, _) = try concurrently(
        { parse(rows, from: start, atFileEnd: false, width: width, threads: threads, pieceSize: pieceSize) },
        beside: { _ in try reader.fill(next, kept: rest) })
      guard let pieces else { return nil }
      parsed += pieces
      reader.current = next
      start = 0
    }
    return (names, columns(parsed, width: width, threads: threads), reader.hasher.finalize())
  }

  /// Two buffers a file is read into band after band, and the sha256 of every byte read so far. Only one
  /// thread at a time uses it: `fill` runs beside a parse that reads the other buffer, and `stream`
  /// waits for it before looking again.
  final class BandReader: @unchecked Sendable {
    let descriptor: Int32
    let source: String
    var capacity: Int
    var buffers: [UnsafeMutableRawBufferPointer]
    var hasher = ContentHasher()
    /// The buffer being parsed, how many bytes it holds, where the next read starts, and whether the last
    /// read reached the file's end.
    var current = 0
    var held = 0
    var offset = 0
    var atEnd = false

    init(_ descriptor: Int32, source: String, capacity: Int) {
      self.descriptor = descriptor
      self.source = source
      self.capacity = capacity
      buffers = (0..<2).map { _ in .allocate(byteCount: capacity, alignment: 64) }
    }

    func release() { for buffer in buffers { buffer.deallocate() } }

    func bytes(_ b: Int) -> UnsafeBufferPointer<UInt8> {
      UnsafeBufferPointer(start: buffers[b].baseAddress!.assumingMemoryBound(to: UInt8.self), count: held)
    }

    /// Reads the next band into buffer `b` after its first `kept` bytes, hashes it, and makes `b` hold both.
    func fill(_ b: Int, kept: Int) throws {
      let wanted = capacity - kept
      let got = try CSVImport.readFully(
        descriptor, into: buffers[b].baseAddress! + kept, count: wanted, at: offset, path: source)
      hasher.update(bytes: UnsafeRawBufferPointer(rebasing: buffers[b][kept..<(kept + got)]))
      offset += got
      held = kept + got
      atEnd = got < wanted
    }

    /// Twice the room, the current buffer's bytes from `start` on moved to its front, and read on.
    func growKeeping(from start: Int) throws {
      let line = held - start
      capacity *= 2
      for b in 0..<2 {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 64)
        if b == current { bigger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffers[b][start..<held])) }
        buffers[b].deallocate()
        buffers[b] = bigger
      }
      try fill(current, kept: line)
    }
  }

  /// The fields of bytes[start..<bound] (whole rows; `start` begins one), row after row, or nil.
  /// `atFileEnd`: `bound` is the file's end (not only the end of the bytes at hand).
  static func rows(
    _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to bound: Int, atFileEnd: Bool, width: Int,
    _ giveUp: StopFlag
  ) -> [Double]? {
    let base = bytes.baseAddress!
    var values: [Double] = []
    // A row of numbers written as %.17g takes about 21 bytes a field.
    values.reserveCapacity((bound - start) / 16 + width)
    var index = start
    var rowsRead = 0
    while index < bound {
      if rowsRead & 1023 == 1023, giveUp.isSet { return nil }
      // A blank line (LF or CRLF alone) is not a row.
      if bytes[index] == 0x0A {
        index += 1
        continue
      }
      if bytes[index] == 0x0D, index + 1 < bound, bytes[index + 1] == 0x0A {
        index += 2
        continue
      }
      for column in 0..<width {
        let last = column == width - 1
        let delimiter = last ? UInt8(ascii: "\n") : UInt8(ascii: ",")
        // The fast way: a plain number, then the delimiter (or, closing the last row of the file, its end).
        var value = 0.0
        let taken = index < bound ? lb_parse_decimal_prefix(base + index, bound - index, &value) : 0
        if taken > 0 {
          let next = index + taken
          if next < bound, bytes[next] == delimiter {
            values.append(value)
            index = next + 1
            continue
          }
          if last, next == bound, atFileEnd {
            values.append(value)
            index = next
            continue
          }
          if last, next + 1 < bound, bytes[next] == 0x0D, bytes[next + 1] == 0x0A {
            values.append(value)
            index = next + 2
            continue
          }
        }
        // The general reading of one field, as `FieldIndex.Piece.scan` and `CSVImport.number` have it.
        if index == bound, last, atFileEnd {
          values.append(.nan)  // a delimiter just before the file's end: one more field, empty
          continue
        }
        guard index < bound, bytes[index] != UInt8(ascii: "\"") else { return nil }
        let stop = FieldIndex.Piece.delimiterOrNewline(bytes, from: index, to: bound)
        if stop == bound {
          guard last, atFileEnd else { return nil }
        } else if bytes[stop] != delimiter {
          return nil
        }
        var end = stop
        if end > index, bytes[end - 1] == 0x0D { end -= 1 }
        // (A lone empty field is a blank line, skipped above unless it is a bare CR at the file's end.)
        if width == 1, end == index { return nil }
        let (s, e) = CSVImport.trimmed(bytes, index, end)
        if CSVImport.isMissing(bytes, s, e) {
          values.append(.nan)
        } else if let number = CSVImport.parseNumber(bytes, s, e) {
          values.append(number)
        } else {
          return nil
        }
        index = stop == bound ? bound : stop + 1
      }
      rowsRead += 1
    }
    return values
  }
}

extension CSVImport {
  /// For the `csv` fuzz target: reads `bytes` (also written at `path`) the one-pass ways, in pieces and
  /// bands of a few bytes, and the general way, and says how they disagree (nil when they agree, or when
  /// the file is not numbers alone). Columns compare bit for bit, so NaN meets NaN.
  public static func disagreement(_ bytes: [UInt8], path: String) throws -> String? {
    let general = try? bytes.withUnsafeBufferPointer {
      try parseIndexed($0, name: "t", source: path, threads: 1, pieceSize: FieldIndex.pieceSize)
    }
    func bits(_ columns: [[Double]]) -> [[UInt64]] { columns.map { $0.map(\.bitPattern) } }
    var expected: [[UInt64]]?
    if let general {
      expected = general.columns.map { column -> [UInt64] in
        if case .numeric(let values) = column.values { return values.map(\.bitPattern) }
        return []
      }
    }
    if let numeric = try bytes.withUnsafeBufferPointer({
      try NumericCSV.read($0, source: path, threads: 2, pieceSize: 7)
    }) {
      // The table itself may still be refused (a name given twice), as the general reading refuses it.
      let table = try? Table(name: "t", columns: zip(numeric.names, numeric.columns).map { Column.numeric($0, $1) })
      if table == nil, general == nil { return nil }
      guard table != nil, let general,
        general.columns.allSatisfy({ if case .numeric = $0.values { true } else { false } })
      else {
        return
          "read as numbers alone, but the general reading gave \(general.map { "\($0.columns.count) columns" } ?? "an error")"
      }
      if numeric.names != general.columns.map(\.name) { return "names differ" }
      if bits(numeric.columns) != expected { return "values differ, read in pieces" }
    }
    let (descriptor, _) = try CSVImport.open(path)
    defer { close(descriptor) }
    if let streamed = try NumericCSV.stream(descriptor, source: path, threads: 2, band: 16, pieceSize: 8) {
      if expected == nil {
        let table = try? Table(name: "t", columns: zip(streamed.names, streamed.columns).map { Column.numeric($0, $1) })
        return table == nil ? nil : "streamed as numbers alone, but the general reading failed"
      }
      if bits(streamed.columns) != expected { return "values differ, streamed" }
      if streamed.sha256 != bytes.withUnsafeBytes({ SHA256Digest.hex($0) }) { return "the hash differs" }
    }
    return nil
  }
}
