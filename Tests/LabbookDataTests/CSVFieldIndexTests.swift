import Foundation
import LabbookCore
import Testing

@testable import LabbookData

/// The field index reads a large file in pieces, in parallel, guessing that each piece begins a row. The
/// promise is that nothing shows it: every field, row count, error and line number is what one pass over
/// the whole file gives (one pass is what CSVImportTests check against pandas). Pieces of a few bytes here
/// make every awkward place a piece boundary: inside quotes, on a doubled quote, between CR and LF.
@Suite struct CSVFieldIndexTests {
  struct Index: Equatable {
    var columns: Int
    var rows: Int
    var fields: [[String]]
  }

  enum Outcome: Equatable {
    case success(Index)
    case failure(message: String)
  }

  static func index(_ text: String, threads: Int, pieceSize: Int) -> Outcome {
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { buffer in
      do {
        let index = try FieldIndex(buffer, source: "x.csv", threads: threads, pieceSize: pieceSize)
        let fields = (0..<index.rowCount).map { row in
          (0..<index.columnCount).map { column in
            let (start, end, quoted) = index.range(row: row, column: column)
            return "\(start)-\(end)\(quoted ? "q" : "")"
          }
        }
        return .success(Index(columns: index.columnCount, rows: index.rowCount, fields: fields))
      } catch {
        return .failure(message: "\(error)")
      }
    }
  }

  /// A CSV of `rows` rows and three columns whose fields are plain, quoted, quoted with commas, doubled
  /// quotes and line breaks, or empty; some lines end in CRLF, some rows are blank lines.
  static func randomCSV(rows: Int, generator: inout SeededGenerator) -> String {
    var text = "a,b,c\n"
    let kinds = ["12.5", "x", "\"q\"", "\"with, comma\"", "\"two\nlines\"", "\"say \"\"hi\"\"\"", "", "\"\"", "-3e4"]
    for _ in 0..<rows {
      if generator.uniform(below: 10) == 0 { text += "\n" }
      text += (0..<3).map { _ in kinds[generator.uniform(below: kinds.count)] }.joined(separator: ",")
      text += generator.uniform(below: 4) == 0 ? "\r\n" : "\n"
    }
    return text
  }

  @Test func piecesInParallelGiveWhatOnePassGives() {
    var generator = SeededGenerator(seed: 21)
    for trial in 0..<40 {
      var text = Self.randomCSV(rows: 30 + trial * 7, generator: &generator)
      if trial % 3 == 0 { text.removeLast() }  // no line break after the last row
      let onePass = Self.index(text, threads: 1, pieceSize: FieldIndex.pieceSize)
      guard case .success(let expected) = onePass else {
        Issue.record("one pass failed: \(onePass)")
        continue
      }
      #expect(expected.rows > 30)
      for pieceSize in [1, 5, 16, 64] {
        for threads in [2, 3] {
          #expect(
            Self.index(text, threads: threads, pieceSize: pieceSize) == onePass,
            "trial \(trial), pieces of \(pieceSize), \(threads) threads")
        }
      }
    }
  }

  @Test func errorsNameTheSameLineInPieces() {
    var generator = SeededGenerator(seed: 4)
    let body = Self.randomCSV(rows: 60, generator: &generator)
    let cases = [
      body + "1,2\n" + body.dropFirst(6),  // a short row in the middle, rows after it
      body + "\"never closed,1,2\n3,4,5\n",  // an open quote to the end of the file
      "a,b,c\n" + String(repeating: "1,\"x\ny\",3\n", count: 40) + "4,5\n",  // a short row after quoted breaks
    ]
    for text in cases {
      guard case .failure(let expected) = Self.index(text, threads: 1, pieceSize: FieldIndex.pieceSize) else {
        Issue.record("one pass accepted a bad file")
        continue
      }
      for pieceSize in [1, 7, 33] {
        guard case .failure(let error) = Self.index(text, threads: 2, pieceSize: pieceSize) else {
          Issue.record("pieces accepted a bad file")
          continue
        }
        #expect(error == expected, "pieces of \(pieceSize)")
      }
    }
    // The line is the file's: the short row of the last case is on line 1 + 40 × 2 + 1.
    if case .failure(let error) = Self.index(
      "a,b,c\n" + String(repeating: "1,\"x\ny\",3\n", count: 40) + "4,5\n", threads: 2, pieceSize: 9)
    {
      #expect(error.contains("line 82: 2 fields"), "\(error)")
    } else {
      Issue.record("no error")
    }
  }

  /// The table from pieces converted row by row in parallel is the table the file holds: expected
  /// columns are built from the values the file was written from (Swift's shortest round-trip spelling),
  /// not by parsing. Column `late` is numbers until its last row, so only the last piece finds it is
  /// text; `quoted` holds numbers in quotes, which stay numbers.
  @Test func tablesFromPiecesHoldTheValuesWritten() throws {
    var generator = SeededGenerator(seed: 8)
    let rows = 400
    var x: [Double] = []
    var late: [String] = []
    var quoted: [Double] = []
    var text = "x,late,quoted,label\n"
    for row in 0..<rows {
      let value =
        generator.uniform(below: 7) == 0 ? Double.nan : Double(generator.uniform(below: 2_000_001)) / 997 - 1000
      x.append(value)
      late.append(row == rows - 1 ? "end" : "\(row % 5)")
      quoted.append(Double(row) * 0.25)
      let spelled = value.isNaN ? (row % 2 == 0 ? "" : "NA") : "\(value)"
      text += "\(spelled),\(late[row]),\"\(quoted[row])\",\(row % 3 == 0 ? "a" : "b")"
      text += row % 4 == 0 ? "\r\n" : "\n"
    }
    let bytes = Array(text.utf8)
    for (threads, pieceSize) in [(1, FieldIndex.pieceSize), (2, 1), (2, 300), (3, 2_000)] {
      let table = try bytes.withUnsafeBufferPointer {
        try CSVImport.parse($0, name: "t", source: "x.csv", threads: threads, pieceSize: pieceSize)
      }
      let context = "\(threads) threads, pieces of \(pieceSize)"
      guard case .numeric(let parsedX) = try table.column("x").values else {
        Issue.record("x is not numeric, \(context)")
        continue
      }
      #expect(parsedX.count == rows)
      #expect(zip(parsedX, x).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }, "\(context)")
      #expect(try table.column("quoted").values == .numeric(quoted), "\(context)")
      let lateColumn = try table.column("late")
      #expect(!lateColumn.isNumeric, "\(context)")
      #expect((0..<rows).map { lateColumn.text(at: $0) } == late, "\(context)")
      let label = try table.column("label")
      #expect((0..<rows).map { label.text(at: $0) } == (0..<rows).map { $0 % 3 == 0 ? "a" : "b" }, "\(context)")
    }
  }

  /// The eight-bytes-at-a-time search finds what a byte-by-byte loop finds, with the comma or line feed
  /// at every offset of a word, near bytes that differ from them by one bit, and none at all.
  @Test func delimiterSearchMatchesAByteLoop() {
    var generator = SeededGenerator(seed: 12)
    let alphabet: [UInt8] = [0x2C, 0x0A, 0x2D, 0x2E, 0x0B, 0x08, 0xAC, 0x8A, 0x41, 0x30, 0x00, 0xFF, 0x2B, 0x0D]
    for trial in 0..<3_000 {
      let count = generator.uniform(below: 40)
      var bytes = (0..<count).map { _ in alphabet[2 + generator.uniform(below: alphabet.count - 2)] }
      if count > 0, trial % 4 != 0 { bytes[generator.uniform(below: count)] = alphabet[generator.uniform(below: 2)] }
      let from = count == 0 ? 0 : generator.uniform(below: count)
      var expected = from
      while expected < count, bytes[expected] != 0x2C, bytes[expected] != 0x0A { expected += 1 }
      let found = bytes.withUnsafeBufferPointer { FieldIndex.Piece.delimiterOrNewline($0, from: from, to: count) }
      #expect(found == expected, "\(bytes) from \(from)")
    }
  }

  /// Bytes that are not UTF-8 (a Latin-1 file) are refused with their line and column, in pieces or not,
  /// rather than read as U+FFFD: "José" and "Josè" in Latin-1 both decoded to "Jos\u{FFFD}", one category,
  /// and the difference was lost without a word. A field holding U+FFFD itself, written as UTF-8, is kept.
  @Test func textThatIsNotUTF8IsRefusedWithItsPlace() throws {
    func read(_ bytes: [UInt8], threads: Int = 1, pieceSize: Int = FieldIndex.pieceSize) throws -> Table {
      try bytes.withUnsafeBufferPointer {
        try CSVImport.parse($0, name: "t", source: "x.csv", threads: threads, pieceSize: pieceSize)
      }
    }
    func failure(_ bytes: [UInt8], threads: Int = 1, pieceSize: Int = FieldIndex.pieceSize) -> String {
      do {
        _ = try read(bytes, threads: threads, pieceSize: pieceSize)
        return "accepted"
      } catch { return "\(error)" }
    }
    // name,city / José,München / Josè,Berlin, in Latin-1 (é E9, ü FC, è E8).
    let latin1: [UInt8] =
      Array("name,city\nJos".utf8) + [0xE9] + Array(",M".utf8) + [0xFC] + Array("nchen\nJos".utf8)
      + [0xE8] + Array(",Berlin\n".utf8)
    for (threads, pieceSize) in [(1, FieldIndex.pieceSize), (2, 5), (2, 1)] {
      let message = failure(latin1, threads: threads, pieceSize: pieceSize)
      #expect(message.hasPrefix("'x.csv' line 2, column 'name': not UTF-8 text (bytes 4A 6F 73 E9)"), "\(message)")
    }
    // In the header; and after quoted fields that span lines, the line is the file's (5, where the field
    // is, not 3, its row).
    #expect(
      failure(Array("n".utf8) + [0xE4] + Array("me,b\n1,2\n".utf8)).hasPrefix(
        "'x.csv' line 1, the name of column 1: not UTF-8 text (bytes 6E E4 6D 65)"))
    #expect(
      failure(Array("a,b\n\"x\ny\",ok\n\"p\nq\",Jos".utf8) + [0xE9] + [0x0A]).hasPrefix(
        "'x.csv' line 5, column 'b': not UTF-8 text"))
    // UTF-8 spellings of the same names, and of U+FFFD itself, read as written.
    let table = try read(Array("name,mark\nJosé,\u{FFFD}\nJosè,x\n".utf8))
    let name = try table.column("name")
    #expect((0..<2).map { name.text(at: $0) } == ["José", "Josè"])
    #expect(try table.column("mark").text(at: 0) == "\u{FFFD}")
  }

  /// A file that is not text at all gets an error saying what it is, not where the CSV reading tripped:
  /// an HDF5 file (its signature), UTF-16 (its byte-order mark, as Excel saves "Unicode text"), any other
  /// binary file (a NUL byte); from bytes in memory and from a file (the first 4 KB read again).
  @Test func filesThatAreNotTextSayWhatTheyAre() throws {
    let hdf5: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0, 0x2C, 0x0A, 0x41]
    let utf16: [UInt8] = [0xFF, 0xFE] + Array("a,b\n1,x\n".utf8).flatMap { [$0, 0] }
    let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0xE9, 0x0A, 0x2C]
    let expected = [
      "is an HDF5 file, not CSV text: read it with `load`", "is UTF-16 text", "is not a text file (it holds NUL bytes)",
    ]
    for (bytes, message) in zip([hdf5, utf16, elf], expected) {
      do {
        _ = try bytes.withUnsafeBufferPointer { try CSVImport.parse($0, name: "t", source: "x.csv", threads: 1) }
        Issue.record("accepted: \(message)")
      } catch {
        #expect("\(error)".hasPrefix("'x.csv' " + message), "\(error)")
      }
      let path = NSTemporaryDirectory() + "/labbook-not-text-\(getpid()).csv"
      defer { try? FileManager.default.removeItem(atPath: path) }
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      do {
        _ = try CSVImport.readHashing(path: path, name: "t", threads: 2)
        Issue.record("accepted from a file: \(message)")
      } catch {
        #expect("\(error)".hasPrefix("'\(path)' " + message), "\(error)")
      }
    }
  }

  /// A file separated by semicolons (with decimal commas, as spreadsheets in many locales save CSV) fails
  /// at its second line; the error says why. Semicolons in a comma-separated header add nothing.
  @Test func semicolonSeparatedFilesAreNamedInTheError() {
    func failure(_ text: String) -> String {
      do {
        _ = try Array(text.utf8).withUnsafeBufferPointer {
          try CSVImport.parse($0, name: "t", source: "x.csv", threads: 1)
        }
        return "accepted"
      } catch { return "\(error)" }
    }
    #expect(
      failure("a;b;c\n1,5;2;x\n")
        == "'x.csv' line 2: 2 fields, but the header has 1; its header line is separated by semicolons, not commas: "
        + "save it as comma-separated CSV (in a spreadsheet: CSV, comma delimited)")
    #expect(failure("a;b,c\n1,2,3\n") == "'x.csv' line 2: 3 fields, but the header has 2")
  }
}
