import Foundation
import LabbookCore
import Testing

@testable import LabbookData

/// A file of numbers is read without the field index (`NumericCSV`), in one pass per piece. The promise is
/// that nothing shows it: the table, or the error with its line number, is what the general reading
/// through the field index gives (which `CSVFieldIndexTests` and the importer's tests check on their
/// own). Pieces of a few dozen bytes put every awkward place at a piece boundary.
@Suite struct NumericCSVTests {
  enum Outcome: Equatable {
    case table(names: [String], bits: [[UInt64]])
    case failure(String)
  }

  static func outcome(_ read: () throws -> Table) -> Outcome {
    do {
      let table = try read()
      return .table(
        names: table.columns.map(\.name),
        bits: table.columns.map { column in
          guard case .numeric(let values) = column.values else { return [] }
          return values.map(\.bitPattern)
        })
    } catch {
      return .failure("\(error)")
    }
  }

  /// Whether the one-pass reading took the file, and the outcome of the whole import beside the general one.
  static func both(_ text: String, threads: Int, pieceSize: Int) throws -> (fast: Bool, got: Outcome, expected: Outcome)
  {
    let bytes = Array(text.utf8)
    return try bytes.withUnsafeBufferPointer { buffer in
      let fast = (try? NumericCSV.read(buffer, source: "x.csv", threads: threads, pieceSize: pieceSize)) ?? nil != nil
      let got = outcome {
        try CSVImport.parse(buffer, name: "t", source: "x.csv", threads: threads, pieceSize: pieceSize)
      }
      let expected = outcome {
        try CSVImport.parseIndexed(buffer, name: "t", source: "x.csv", threads: threads, pieceSize: pieceSize)
      }
      return (fast, got, expected)
    }
  }

  /// Numbers written in every way the importer takes them: %.17g, whole numbers, signs, exponents, a bare
  /// point, spaces around them, missing markers and empty fields, infinities, more than 19 digits; lines
  /// ending in LF or CRLF, some blank lines, sometimes a byte-order mark or no final line break.
  static func numericCSV(rows: Int, width: Int, generator: inout SeededGenerator) -> String {
    let forms = [
      "1", "-0", "+2", "0.5", ".5", "5.", "1e5", "1E-3", "-2.5e+10", " 3.25 ", "\t7", "NA", "nan", "", "inf", "-inf",
      "1234567890123456789012345", "0.000000000000000000000000123", "4.9e-324", "1.7976931348623157e308", "1e400",
    ]
    var text = generator.uniform(below: 4) == 0 ? "\u{FEFF}" : ""
    text += (0..<width).map { "c\($0)" }.joined(separator: ",") + "\n"
    for _ in 0..<rows {
      if generator.uniform(below: 12) == 0 { text += generator.uniform(below: 2) == 0 ? "\n" : "\r\n" }
      let fields = (0..<width).map { _ -> String in
        if generator.uniform(below: 3) == 0 {
          let value = Double(bitPattern: generator.next() >> 2 | 0x3FF0_0000_0000_0000) * 1e-3
          return String(format: "%.17g", generator.uniform(below: 2) == 0 ? value : -value)
        }
        let form = forms[generator.uniform(below: forms.count)]
        // A lone empty field on a line is a blank line, not a missing value.
        return width == 1 && form.trimmingCharacters(in: .whitespaces).isEmpty ? "0" : form
      }
      text += fields.joined(separator: ",") + (generator.uniform(below: 4) == 0 ? "\r\n" : "\n")
    }
    if generator.uniform(below: 3) == 0 { text.removeLast() }
    return text
  }

  @Test func numbersReadInOnePassGiveWhatTheFieldIndexGives() throws {
    var generator = SeededGenerator(seed: 41)
    for trial in 0..<60 {
      let width = [1, 2, 3, 8][trial % 4]
      let text = Self.numericCSV(rows: 20 + trial * 5, width: width, generator: &generator)
      for (threads, pieceSize) in [(1, 1 << 20), (2, 40), (2, 97), (1, 13)] {
        let (fast, got, expected) = try Self.both(text, threads: threads, pieceSize: pieceSize)
        #expect(fast, "trial \(trial): a file of numbers went the general way")
        #expect(got == expected, "trial \(trial), threads \(threads), pieces of \(pieceSize)")
        if case .failure(let message) = expected { Issue.record("trial \(trial): the file was refused: \(message)") }
      }
    }
  }

  /// The file read as it streams in, in bands of a few dozen bytes (so a line often outgrows a band and
  /// the buffers grow): the same table as the general reading of the whole file, and the sha256 of the
  /// file's bytes (against `SHA256Digest` over the whole file at once).
  @Test func streamingInBandsGivesTheWholeFilesTableAndHash() throws {
    var generator = SeededGenerator(seed: 43)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("numeric-csv-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    for trial in 0..<24 {
      let text = Self.numericCSV(rows: 10 + trial * 9, width: [1, 3, 8][trial % 3], generator: &generator)
      let bytes = Array(text.utf8)
      let path = folder.appendingPathComponent("t\(trial).csv").path
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      let expected = bytes.withUnsafeBufferPointer { buffer in
        Self.outcome { try CSVImport.parseIndexed(buffer, name: "t", source: path, threads: 1, pieceSize: 1 << 20) }
      }
      let digest = bytes.withUnsafeBytes { SHA256Digest.hex($0) }
      for (band, pieceSize) in [(16, 8), (50, 20), (129, 40), (1 << 20, 1 << 20)] {
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        let streamed = try #require(
          try NumericCSV.stream(descriptor, source: path, threads: 2, band: band, pieceSize: pieceSize),
          "trial \(trial), bands of \(band): a file of numbers went the general way")
        let got = Self.outcome {
          try Table(name: "t", columns: zip(streamed.names, streamed.columns).map { Column.numeric($0, $1) })
        }
        #expect(got == expected, "trial \(trial), bands of \(band), pieces of \(pieceSize)")
        #expect(streamed.sha256 == digest, "trial \(trial), bands of \(band)")
      }
      // The whole import, as `load` calls it: the same table and hash.
      let (table, sha256) = try CSVImport.readHashing(path: path, name: "t", threads: 2)
      #expect(Self.outcome { table } == expected)
      #expect(sha256 == digest)
    }
    // A file with text is hashed the same when it goes the general way.
    let path = folder.appendingPathComponent("text.csv").path
    let text = Array("a,b\n1,x\n2,y\n".utf8)
    try Data(text).write(to: URL(fileURLWithPath: path))
    #expect(
      try CSVImport.readHashing(path: path, name: "t", threads: 2).sha256
        == text.withUnsafeBytes { SHA256Digest.hex($0) })
  }

  /// Files that are not numbers alone go the general way, with the same table or the same error.
  @Test func anythingElseGoesTheGeneralWay() throws {
    let cases = [
      "a,b\n1,2\n3,x\n",  // a text field
      "a,b\n1,2\n\"3\",4\n",  // a quoted number (quoted fields are read the general way)
      "a,b\n1,2\n3\n",  // a short row
      "a,b\n1,2\n3,4,5\n",  // a long row
      "a,b\n1,2\n3,4,",  // a trailing delimiter at the end of the file
      "a,b\n1,2\n3,\"unclosed\n",  // a quote never closed
      "a,b\n",  // a header alone
      "a,b",  // a header without a line break
      "",  // nothing
      "a,\n1,2\n",  // a column without a name
      "a\n1\n\r",  // a bare CR closing a one-column file
      "a,b\n1,2\n3,4\n5,\"two\nlines\"\n6,7\n",  // a line break inside quotes
    ]
    for text in cases {
      for (threads, pieceSize) in [(1, 1 << 20), (2, 4)] {
        let (fast, got, expected) = try Self.both(text, threads: threads, pieceSize: pieceSize)
        #expect(!fast, "\(text.debugDescription) was read as numbers alone")
        #expect(got == expected, "\(text.debugDescription), threads \(threads), pieces of \(pieceSize)")
      }
    }
    // Numbers under a name given twice: read in one pass, then refused as the general way refuses them.
    let (fast, got, expected) = try Self.both("a,a\n1,2\n", threads: 1, pieceSize: 1 << 20)
    #expect(fast)
    #expect(got == expected)
    guard case .failure = got else {
      Issue.record("a name given twice was accepted")
      return
    }
  }

  /// Text in the last piece only: the pieces already read as numbers are dropped and the file is read
  /// the general way, so the column is categorical.
  @Test func textFarIntoTheFileStillMakesACategory() throws {
    var text = "x,y\n"
    for row in 0..<500 { text += "\(row),\(Double(row) / 7)\n" }
    text += "501,later\n"
    let (fast, got, expected) = try Self.both(text, threads: 2, pieceSize: 64)
    #expect(!fast)
    #expect(got == expected)
    let table = try Array(text.utf8).withUnsafeBufferPointer {
      try CSVImport.parse($0, name: "t", source: "x.csv", threads: 2, pieceSize: 64)
    }
    guard case .categorical(_, let levels) = table.columns[1].values else {
      Issue.record("y is not categorical")
      return
    }
    #expect(levels.contains("later"))
  }

  /// The values themselves, against literals (what the C library's strtod gives for each spelling).
  @Test func valuesAreTheNumbersWritten() throws {
    let text = "a,b,c\n0.1,-2.5e3,NA\r\n 7 ,1e400,.5\n\n1234567890123456789012345,-0,5.\n"
    let table = try Array(text.utf8).withUnsafeBufferPointer {
      try #require(try NumericCSV.read($0, source: "x.csv", threads: 1, pieceSize: 1 << 20))
    }
    #expect(table.names == ["a", "b", "c"])
    #expect(table.columns[0].map(\.bitPattern) == [0.1, 7, 1.2345678901234568e24].map(\.bitPattern))
    #expect(table.columns[1].map(\.bitPattern) == [-2500, .infinity, -0.0].map(\.bitPattern))
    #expect(table.columns[2][0].isNaN)
    #expect(table.columns[2][1...].map(\.bitPattern) == [0.5, 5].map(\.bitPattern))
  }
}
