import Foundation
import LabbookCore
import Testing

@testable import LabbookNotebook

@Suite struct CanonicalJSONTests {
  @Test func sortedKeysCompactNumbersAndEscapes() throws {
    let value = JSONValue.object([
      ("b", .array([.bool(true), .null, .string("q\n\u{1}\"")])), ("a", .number(1)), ("é", .number(0.1)),
      ("c", .num(.nan)),
    ])
    #expect(value.canonicalString == "{\"a\":1,\"b\":[true,null,\"q\\n\\u0001\\\"\"],\"c\":null,\"é\":0.1}")
    #expect(value.compactString.hasPrefix("{\"b\":"))
    #expect(try JSONValue.parse(value.prettyString()).canonicalString == value.canonicalString)
  }

  @Test func parserKeepsOrderAndRejectsGarbage() throws {
    let parsed = try JSONValue.parse("{\"z\": 1, \"a\": [1.5e3, \"\\u00e9\\ud83d\\ude00\"]}")
    guard case .object(let pairs) = parsed else {
      Issue.record("not an object")
      return
    }
    #expect(pairs.map(\.0) == ["z", "a"])
    #expect(parsed["a"]?.arrayValue?[0].doubleValue == 1500)
    #expect(parsed["a"]?.arrayValue?[1].stringValue == "é😀")
    #expect(throws: JSONParseError.self) { try JSONValue.parse("{\"a\": }") }
    #expect(throws: JSONParseError.self) { try JSONValue.parse("[1] x") }
  }
}

@Suite struct HashChainTests {
  // Expected digests from Python: hashlib.sha256(b'ab[]').hexdigest() and
  // hashlib.sha256(('prev' + 'x = 1' + '[{"a":1,"b":[true,null,"q\\n"]}]').encode()).hexdigest().
  @Test func formatOneLinkIsSHA256OfPreviousSourceAndCanonicalOutputs() {
    #expect(
      HashChain.linkFormat1(previous: "a", source: "b", outputs: [])
        == "e387591bc803c316d80efa9ad22af61063f1052a940b3f98ebe7548466ca6db7")
    let output = JSONValue.object([("b", .array([.bool(true), .null, .string("q\n")])), ("a", .number(1))])
    #expect(
      HashChain.linkFormat1(previous: "prev", source: "x = 1", outputs: [output])
        == "e6ccf0c2ea7c8e514501a874e094c0e028bd8880993cba51ace6bf201063f896")
  }

  /// Format 2 hashes the cell as nbformat loads it. Expected digest from Python:
  /// c = json.dumps(cell, sort_keys=True, separators=(',', ':'), ensure_ascii=False) for the canonical cell
  /// {cell_type, execution_count, source, outputs (without metadata), labbook (without hash)}, then
  /// hashlib.sha256(('labbook-cell-v2\0' + 'prev' + '\0' + c).encode()).hexdigest().
  @Test func formatTwoLinkHashesTheCanonicalCellWhateverItsLayout() throws {
    let stored = """
      {"cell_type": "code", "execution_count": 1, "id": "cell-1",
       "metadata": {"labbook": {"elapsed_ms": 3, "hash": "ignored"}, "vscode": {"x": 1}},
       "outputs": [{"data": {"application/vnd.labbook+json": {"kind": "value", "value": 1}, "text/plain": ["1"]},
                    "execution_count": 1, "metadata": {"added": true}, "output_type": "execute_result"}],
       "source": ["x ", "= 1"]}
      """
    let expected = "0d392f69696006013dde8acdc1a51ffc1e06065ec45d1f84e746ab94ead7fb82"
    #expect(HashChain.link(previous: "prev", cell: try JSONValue.parse(stored)) == expected)
    // The same cell as Labbook writes it hashes the same.
    let written = NotebookCell(
      index: 1, source: "x = 1",
      outputs: [
        .result(
          executionCount: 1,
          data: [
            ("application/vnd.labbook+json", .object([("kind", .string("value")), ("value", .number(1))])),
            ("text/plain", .string("1")),
          ])
      ], previousHash: "prev", elapsedMilliseconds: 3)
    #expect(written.hash == expected)
  }
}

@Suite struct RecorderTests {
  @Test func everyAppendLeavesACompleteNotebookAndNoTemporaryFiles() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nb-\(getpid())-\(UUID().uuidString)")
    let path = directory.appendingPathComponent("sub/session.ipynb").path
    let recorder = NotebookRecorder(path: path, metadata: NotebookMetadata(created: "2026-01-01T00:00:00Z", seed: 9))
    let first = NotebookCell(
      index: 1, source: "x = 1",
      outputs: [.result(executionCount: 1, data: [("text/plain", .string("1"))])],
      previousHash: recorder.chainHead, elapsedMilliseconds: 3, inputs: [RecordedInput(path: "a.h5", sha256: "00")])
    try recorder.append(first)
    let second = NotebookCell(
      index: 2, source: "bad", outputs: [.error(name: "LabbookError", message: "boom", traceback: ["error: boom"])],
      previousHash: recorder.chainHead, elapsedMilliseconds: 1)
    try recorder.append(second)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let json = try JSONValue.parse(text)
    #expect(json["nbformat"]?.doubleValue == 4 && json["nbformat_minor"]?.doubleValue == 5)
    let cells = try #require(json["cells"]?.arrayValue)
    #expect(cells.count == 2)
    #expect(cells[1]["outputs"]?.arrayValue?[0]["output_type"]?.stringValue == "error")
    let labbook = try #require(json["metadata"]?["labbook"])
    #expect(labbook["chain"]?.stringValue == second.hash)
    #expect(labbook["seed"]?.doubleValue == 9)
    #expect(labbook["inputs"]?.arrayValue?.count == 1)
    #expect(second.hash == HashChain.link(previous: first.hash, cell: cells[1]))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
    #expect(leftovers == ["session.ipynb"])
  }

  /// Cells after the first are written over the old tail; the file must be exactly what writing the whole
  /// notebook gives, after every cell, as parameters and inputs change; a file moved away mid-session is
  /// written anew, never into the moved one.
  @Test func appendingInPlaceGivesTheSameBytesAsAWholeWrite() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nb-\(getpid())-\(UUID().uuidString)")
    let path = directory.appendingPathComponent("s.ipynb").path
    let recorder = NotebookRecorder(path: path, metadata: NotebookMetadata(created: "2026-01-01T00:00:00Z", seed: 2))
    for index in 1...12 {
      if index % 4 == 0 { recorder.setParams([("p\(index)", .string(String(repeating: "v", count: index)))]) }
      let inputs =
        index % 3 == 0 ? [RecordedInput(path: "f\(index).h5", sha256: String(repeating: "a", count: 64))] : []
      try recorder.append(
        NotebookCell(
          index: index, source: "x\(index) = \(index)",
          outputs: [.result(executionCount: index, data: [("text/plain", .string("\(index)"))])],
          previousHash: recorder.chainHead, elapsedMilliseconds: index, inputs: inputs))
      #expect(try String(contentsOfFile: path, encoding: .utf8) == recorder.notebook.fileText, "after cell \(index)")
      if index == 6 {
        try FileManager.default.moveItem(atPath: path, toPath: path + ".moved")
      }
    }
    let moved = try JSONValue.parse(try String(contentsOfFile: path + ".moved", encoding: .utf8))
    #expect(moved["cells"]?.arrayValue?.count == 6, "the moved file keeps what it had")
  }
}

@Suite struct SeededGeneratorTests {
  // Reference: a direct Python transcription of xoshiro256** (Blackman & Vigna) seeded by four
  // SplitMix64 outputs from 42.
  @Test func matchesTheReferenceSequence() {
    var generator = SeededGenerator(seed: 42)
    #expect(
      [generator.next(), generator.next(), generator.next()] == [
        1_546_998_764_402_558_742, 6_990_951_692_964_543_102, 12_544_586_762_248_559_009,
      ])
  }

  @Test func uniformStaysInRangeAndShuffleIsAPermutation() {
    var generator = SeededGenerator(seed: 1)
    #expect((0..<1000).allSatisfy { _ in (0..<7).contains(generator.uniform(below: 7)) })
    var items = Array(0..<50)
    generator.shuffle(&items)
    #expect(items.sorted() == Array(0..<50) && items != Array(0..<50))
  }
}
