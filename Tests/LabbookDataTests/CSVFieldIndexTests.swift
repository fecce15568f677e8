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
}
