import Foundation
import LabbookCore
import Testing

/// replay, --check, revisions, parameters, changed inputs and verify, through the real executable.
@Suite struct ReplayTests {
  /// Every statement kind of this version, including a failing one recorded by the REPL.
  static let everyStatement = """
    param data = "datasets/german_credit.h5"
    param ratio = 0.75
    credit = load data
    iris = load "datasets/iris.h5" path "/iris"
    wine = import "datasets/wine.csv"
    describe credit
    check wine
    credit = derive credit monthly = credit_amount / duration
    credit = derive credit older = age > 40 and not (sex == "male")
    young = filter credit where age < 25 or duration is missing
    small = select credit [age, sex, monthly]
    rest = drop credit [purpose, job]
    a, b = split credit ratio ratio seed 3 stratify risk
    c, d = split iris ratio 0.5
    show a rows 4
    n = a.rows
    cols = small.columns
    x = [1, 2.5, "three", 30s]
    save small to "OUT/small.h5" path "/small" target age protected sex
    again = load "OUT/small.h5"
    select credit [nope]
    prep = pipeline impute median, encode onehot, scale standard [age, monthly]
    m = train logistic on a target risk with prep
    g = train gbm on a target risk trees 30
    f = train forest on a target risk trees 10
    evaluate m on b
    cv g on a folds 3
    scored = predict f on b
    importance g on b repeats 2
    r = train ridge on iris target target task regression alpha 0.5
    vars
    help split
    help train gbm
    history
    """

  func recordThroughRepl(_ script: String, in directory: String) throws -> String {
    let text = script.replacingOccurrences(of: "OUT", with: directory)
    let notebook = directory + "/every.ipynb"
    let result = try Labbook.run(["--notebook", notebook], stdin: text)
    #expect(result.status == 1)  // the one failing statement
    return notebook
  }

  @Test func everyStatementKindReplaysIdentically() throws {
    let directory = try Labbook.temporaryDirectory()
    let notebook = try recordThroughRepl(Self.everyStatement, in: directory)
    let cells = try #require(try Labbook.notebook(notebook)["cells"]?.arrayValue)
    #expect(cells.count == 34)
    let replay = try Labbook.run(["replay", notebook, "--check"])
    #expect(replay.status == 0, "\(replay.stdout)\n\(replay.stderr)")
    #expect(replay.stdout.contains("replayed 34 of 34 cells: every output identical"))
  }

  @Test func aReplayedNotebookIsTheNextRevisionAndReplaysAgain() throws {
    let directory = try Labbook.temporaryDirectory()
    let notebook = try recordThroughRepl(Self.everyStatement, in: directory)
    let second = directory + "/second.ipynb"
    let third = directory + "/third.ipynb"
    #expect(try Labbook.run(["replay", notebook, "--output", second]).status == 0)
    #expect(try Labbook.run(["replay", second, "--check", "--output", third]).status == 0)
    let first = try Labbook.notebook(notebook)
    let next = try Labbook.notebook(second)
    let last = try Labbook.notebook(third)
    #expect(next["metadata"]?["labbook"]?["revision"]?.doubleValue == 2)
    #expect(last["metadata"]?["labbook"]?["revision"]?.doubleValue == 3)
    #expect(next["metadata"]?["labbook"]?["parent"]?.stringValue == (try SHA256Digest.hex(fileAt: notebook)))
    #expect(last["metadata"]?["labbook"]?["parent"]?.stringValue == (try SHA256Digest.hex(fileAt: second)))
    // Same outputs in every revision; each revision's chain starts from its own header (revision, parent).
    let outputs = { (notebook: JSONValue) in (notebook["cells"]?.arrayValue ?? []).map { $0["outputs"] ?? .null } }
    #expect(outputs(first) == outputs(last))
    #expect(first["metadata"]?["labbook"]?["chain"] != last["metadata"]?["labbook"]?["chain"])
    #expect(try Labbook.run(["verify", third]).status == 0)
  }

  @Test func checkReportsDifferencesCellByCell() throws {
    let directory = try Labbook.temporaryDirectory()
    let script = directory + "/p.lab"
    try "param data = \"datasets/iris.h5\"\nt = load data\nn = t.rows\n".write(
      toFile: script, atomically: true, encoding: .utf8)
    #expect(try Labbook.run(["run", script]).status == 0)
    let notebook = directory + "/p.ipynb"
    let output = directory + "/wine.ipynb"
    let result = try Labbook.run([
      "replay", notebook, "--check", "--param", "data=datasets/wine.h5", "--output", output,
    ])
    #expect(result.status == 1)
    #expect(result.stdout.contains("cell 1    DIFFERS"))
    #expect(result.stdout.contains("outputs[0].data.application/vnd.labbook+json.value"))
    #expect(result.stdout.contains("recorded: \"datasets/iris.h5\""))
    #expect(result.stdout.contains("replayed: \"datasets/wine.h5\""))
    #expect(result.stdout.contains("recorded: 150") && result.stdout.contains("replayed: 178"))
    #expect(result.stdout.contains("replayed 3 of 3 cells: 3 differ"))
    #expect(!FileManager.default.fileExists(atPath: output))  // a failed check writes nothing
    // Without --check the same redirect is a retraining run: it succeeds and records the new values.
    let retrain = try Labbook.run(["replay", notebook, "--param", "data=datasets/wine.h5", "--output", output])
    #expect(retrain.status == 0, "\(retrain.stderr)")
    let labbook = try #require(try Labbook.notebook(output)["metadata"]?["labbook"])
    #expect(labbook["params"]?["data"]?.stringValue == "datasets/wine.h5")
    #expect(labbook["inputs"]?.arrayValue?.first?["path"]?.stringValue == "datasets/wine.h5")
    // A name the notebook has no parameter for is refused, and nothing is written.
    let misspelt = directory + "/misspelt.ipynb"
    let typo = try Labbook.run(["replay", notebook, "--param", "dta=datasets/wine.h5", "--output", misspelt])
    #expect(typo.status == 2)
    #expect(
      typo.stderr.contains("error: --param dta: the notebook neither declares nor uses 'dta' (it declares 'data')"))
    #expect(!FileManager.default.fileExists(atPath: misspelt))
  }

  @Test func aChangedInputIsNamedAndStopsACheck() throws {
    let directory = try Labbook.temporaryDirectory()
    let data = directory + "/data.csv"
    try "a,b\n1,2\n3,4\n".write(toFile: data, atomically: true, encoding: .utf8)
    let script = directory + "/c.lab"
    try "t = import \"\(data)\"\ndescribe t\n".write(toFile: script, atomically: true, encoding: .utf8)
    #expect(try Labbook.run(["run", script]).status == 0)
    let recordedHash = try SHA256Digest.hex(fileAt: data)
    try "a,b\n1,2\n3,5\n".write(toFile: data, atomically: true, encoding: .utf8)
    let nowHash = try SHA256Digest.hex(fileAt: data)
    let notebook = directory + "/c.ipynb"
    let check = try Labbook.run(["replay", notebook, "--check"])
    #expect(check.status == 1)
    #expect(check.stderr.contains("input '\(data)' changed"))
    #expect(check.stderr.contains(recordedHash) && check.stderr.contains(nowHash))
    #expect(check.stderr.contains("--allow-changed-inputs"))
    #expect(!check.stdout.contains("cell 2"))  // stopped before running anything
    let allowed = try Labbook.run(["replay", notebook, "--check", "--allow-changed-inputs"])
    #expect(allowed.status == 1)  // it runs, and the changed data changes the outputs
    #expect(allowed.stdout.contains("cell 2    DIFFERS"))
    let plain = try Labbook.run(["replay", notebook])
    #expect(plain.status == 0 && plain.stderr.contains("changed since it was recorded"))
    try FileManager.default.removeItem(atPath: data)
    let missing = try Labbook.run(["replay", notebook])
    #expect(missing.status == 1 && missing.stderr.contains("is missing"))
    #expect(!missing.stderr.contains("--param"))  // the path was written in the script, not a parameter
    // A missing file named by a parameter: the error says how to point the parameter elsewhere.
    try "a,b\n1,2\n".write(toFile: data, atomically: true, encoding: .utf8)
    let parameterized = directory + "/p.lab"
    try "param data = \"\(data)\"\nt = import data\n".write(toFile: parameterized, atomically: true, encoding: .utf8)
    #expect(try Labbook.run(["run", parameterized]).status == 0)
    try FileManager.default.removeItem(atPath: data)
    let moved = try Labbook.run(["replay", directory + "/p.ipynb"])
    #expect(moved.status == 1)
    #expect(
      moved.stderr.contains("is missing") && moved.stderr.contains("give its new place: --param data=\"NEW/PATH\""))
  }

  @Test func badNotebooksAreClearErrors() throws {
    let directory = try Labbook.temporaryDirectory()
    let cases: [(String, String, String)] = [
      ("garbage.ipynb", "{\"cells\": [", "not valid JSON"),
      ("old.ipynb", "{\"nbformat\": 3, \"cells\": []}", "not an nbformat 4 notebook"),
      (
        "jupyter.ipynb", "{\"nbformat\": 4, \"nbformat_minor\": 5, \"metadata\": {}, \"cells\": []}",
        "not written by Labbook"
      ),
    ]
    for (name, text, message) in cases {
      let path = directory + "/" + name
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      for arguments in [["replay", path, "--output", directory + "/out.ipynb"], ["verify", path]] {
        let result = try Labbook.run(arguments)
        #expect(result.status == 1 && result.stderr.contains(message), "\(arguments[0]) \(name): \(result.stderr)")
      }
      #expect(try String(contentsOfFile: path, encoding: .utf8) == text)  // nothing overwritten
    }
    #expect(!FileManager.default.fileExists(atPath: directory + "/out.ipynb"))
    #expect(try Labbook.run(["replay", directory + "/absent.ipynb"]).status == 1)
  }

  @Test func aCellThatNowFailsStopsTheReplayAndNamesIt() throws {
    let directory = try Labbook.temporaryDirectory()
    let data = directory + "/d.csv"
    try "a,b\n1,2\n".write(toFile: data, atomically: true, encoding: .utf8)
    let script = directory + "/f.lab"
    try "t = import \"\(data)\"\nu = select t [b]\n".write(toFile: script, atomically: true, encoding: .utf8)
    #expect(try Labbook.run(["run", script]).status == 0)
    try "a,c\n1,2\n".write(toFile: data, atomically: true, encoding: .utf8)
    let output = directory + "/out.ipynb"
    let result = try Labbook.run(["replay", directory + "/f.ipynb", "--output", output])
    #expect(result.status == 1)
    #expect(result.stderr.contains("cell 2 (`u = select t [b]`) failed on replay: no column 'b'"))
    #expect(!FileManager.default.fileExists(atPath: output))
  }

  @Test func everyCommittedNotebookReplaysWithCheck() throws {
    let folder = Labbook.repositoryRoot + "/notebooks"
    let notebooks = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
      $0.hasSuffix(".ipynb") && !$0.hasPrefix("session-")
    }.sorted()
    #expect(notebooks.count >= 3)
    for name in notebooks {
      let result = try Labbook.run(["replay", "notebooks/" + name, "--check"])
      #expect(result.status == 0, "\(name): \(result.stdout)\n\(result.stderr)")
      #expect(try Labbook.run(["verify", "notebooks/" + name]).status == 0, "\(name)")
    }
  }
}

@Suite struct VerifyTests {
  func recorded() throws -> (String, JSONValue) {
    let directory = try Labbook.temporaryDirectory()
    let script = directory + "/v.lab"
    try "t = load \"datasets/iris.h5\"\ndescribe t\ncheck t\nn = t.rows\nshow t rows 2\n".write(
      toFile: script, atomically: true, encoding: .utf8)
    #expect(try Labbook.run(["run", script]).status == 0)
    let path = directory + "/v.ipynb"
    return (path, try Labbook.notebook(path))
  }

  /// Applies `edit` to the notebook's JSON, writes it beside, and runs verify on it.
  func verifyEdited(_ edit: (inout [JSONValue], inout JSONValue) -> Void) throws -> Labbook.Result {
    let (path, notebook) = try recorded()
    guard case .object(var top) = notebook, var cells = notebook["cells"]?.arrayValue else {
      throw NotebookFixtureError()
    }
    var metadata = notebook["metadata"] ?? .null
    edit(&cells, &metadata)
    top = top.map { key, value in
      key == "cells" ? (key, .array(cells)) : key == "metadata" ? (key, metadata) : (key, value)
    }
    let edited = path.replacingOccurrences(of: ".ipynb", with: "-edited.ipynb")
    try JSONValue.object(top).prettyString().write(toFile: edited, atomically: true, encoding: .utf8)
    return try Labbook.run(["verify", edited])
  }

  struct NotebookFixtureError: Error {}

  func replacing(_ value: JSONValue, at path: [String], with new: JSONValue) -> JSONValue {
    guard let key = path.first, case .object(let pairs) = value else { return new }
    return .object(pairs.map { $0.0 == key ? ($0.0, replacing($0.1, at: Array(path.dropFirst()), with: new)) : $0 })
  }

  @Test func anIntactNotebookVerifies() throws {
    let (path, _) = try recorded()
    let result = try Labbook.run(["verify", path])
    #expect(result.status == 0)
    #expect(result.stdout.contains("intact: 5 cells"))
    #expect(result.stdout.contains("input unchanged  datasets/iris.h5"))
  }

  @Test func eachKindOfEditIsDetectedAtTheFirstCellItTouches() throws {
    let source = try verifyEdited { cells, _ in
      cells[1] = replacing(cells[1], at: ["source"], with: .string("describe  t"))
    }
    #expect(source.status == 1 && source.stdout.contains("tampered: cell 2 "))
    let output = try verifyEdited { cells, _ in
      cells[3] = replacing(cells[3], at: ["outputs"], with: .array([]))
    }
    #expect(output.status == 1 && output.stdout.contains("tampered: cell 4 "))
    let hash = try verifyEdited { cells, _ in
      cells[2] = replacing(
        cells[2], at: ["metadata", "labbook", "hash"], with: .string(String(repeating: "0", count: 64)))
    }
    #expect(hash.status == 1 && hash.stdout.contains("tampered: cell 3 "))
    let reordered = try verifyEdited { cells, _ in cells.swapAt(1, 2) }
    #expect(
      reordered.status == 1 && reordered.stdout.contains("tampered: cell 2 (`check t`) is intact but out of place"))
    let deleted = try verifyEdited { cells, _ in cells.remove(at: 2) }
    #expect(deleted.status == 1 && deleted.stdout.contains("tampered: cell 3 (`n = t.rows`) does not follow"))
    let inserted = try verifyEdited { cells, _ in cells.insert(cells[0], at: 2) }
    #expect(
      inserted.status == 1
        && inserted.stdout.contains("tampered: cell 3 (`t = load \"datasets/iris.h5\"`) is intact but out of place"))
    let truncated = try verifyEdited { cells, _ in cells.removeLast() }
    #expect(truncated.status == 1 && truncated.stdout.contains("chain head does not match the last cell"))
    let inputs = try verifyEdited { _, metadata in
      metadata = replacing(metadata, at: ["labbook", "inputs"], with: .array([]))
    }
    #expect(inputs.status == 1 && inputs.stdout.contains("list of inputs"))
  }
}
