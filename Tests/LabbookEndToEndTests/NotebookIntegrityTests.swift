import Foundation
import LabbookCore
import Testing

/// What `verify` must tell apart: re-saving a notebook in the tools people use (not tampering) from
/// every kind of edit (tampering), and a re-hashed chain from the signer's (signatures, registry lineage).
@Suite struct NotebookIntegrityTests {
  static let script = """
    # Checking german_credit.
    ## Load
    credit = load "datasets/german_credit.h5"
    describe credit
    train, test = split credit ratio 0.8 seed 42 stratify risk
    m = train tree on train target risk depth 3
    evaluate m on test
    # trailing note
    """

  /// Records the script (signed when a key is given) and returns the notebook's path.
  func record(in directory: String, sign key: String? = nil) throws -> String {
    let script = directory + "/c.lab"
    try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
    let notebook = directory + "/c.ipynb"
    var arguments = ["run", script, "--notebook", notebook]
    if let key { arguments += ["--sign", key] }
    let result = try Labbook.run(arguments)
    #expect(result.status == 0, "\(result.stderr)")
    return notebook
  }

  @Test func commentsBecomeMarkdownCellsThatReplayKeeps() throws {
    let directory = try Labbook.temporaryDirectory()
    let notebook = try record(in: directory)
    let cells = try #require(try Labbook.notebook(notebook)["cells"]?.arrayValue)
    let kinds = cells.map { $0["cell_type"]?.stringValue ?? "" }
    #expect(kinds == ["markdown", "code", "code", "code", "code", "code", "markdown"])
    #expect(cells[0]["source"]?.stringValue == "Checking german_credit.\n# Load")
    #expect(cells[6]["source"]?.stringValue == "trailing note")
    let next = directory + "/next.ipynb"
    let replay = try Labbook.run(["replay", notebook, "--check", "--output", next])
    #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
    let replayed = try #require(try Labbook.notebook(next)["cells"]?.arrayValue)
    #expect(replayed.map { $0["source"] ?? .null } == cells.map { $0["source"] ?? .null })
    #expect(try Labbook.run(["verify", next]).status == 0)
  }

  @Test func savingWithNbformatIsNotTampering() throws {
    let python = try #require(Labbook.python, "nbformat is needed (.ci/run installs it; LABBOOK_TEST_PYTHON)")
    let directory = try Labbook.temporaryDirectory()
    let notebook = try record(in: directory)
    let resaved = directory + "/resaved.ipynb"
    let save = try Labbook.runPython(
      python,
      """
      import nbformat, sys
      nb = nbformat.read(sys.argv[1], as_version=4)
      nbformat.validate(nb)
      nbformat.write(nb, sys.argv[2])
      text = open(sys.argv[2]).read()
      print("lists" if '"source": [' in text or '"text/plain": [' in text else "strings")
      """, arguments: [notebook, resaved])
    #expect(save.status == 0, "\(save.stderr)")
    #expect(save.stdout == "lists\n", "nbformat should have split multi-line strings into lines")
    let verify = try Labbook.run(["verify", resaved])
    #expect(verify.status == 0, "\(verify.stdout)")
    #expect(try Labbook.run(["replay", resaved, "--check"]).status == 0)
  }

  /// Each edit, applied with Python's json to the recorded file, must make verify fail.
  @Test func everyKindOfEditIsTampering() throws {
    let python = try #require(Labbook.systemPython)
    let directory = try Labbook.temporaryDirectory()
    let notebook = try record(in: directory)
    let edits: [(String, String)] = [
      ("source", "nb['cells'][2]['source'] = 'describe train'"),
      ("a markdown cell", "nb['cells'][0]['source'] = 'Checking something else.'"),
      ("text output", "nb['cells'][5]['outputs'][0]['data']['text/plain'] += ' '"),
      ("html output", "nb['cells'][5]['outputs'][0]['data']['text/html'] = '<p>fine</p>'"),
      (
        "structured output",
        "nb['cells'][5]['outputs'][0]['data']['application/vnd.labbook+json']['accuracy'] = 0.99"
      ),
      ("execution count", "nb['cells'][3]['execution_count'] = 9"),
      ("cell metadata", "nb['cells'][1]['metadata']['labbook']['inputs'][0]['sha256'] = '0' * 64"),
      ("timing", "nb['cells'][4]['metadata']['labbook']['elapsed_ms'] += 1"),
      ("cell order", "nb['cells'][2], nb['cells'][3] = nb['cells'][3], nb['cells'][2]"),
      ("deleted cell", "del nb['cells'][3]"),
      ("seed", "nb['metadata']['labbook']['seed'] = 7"),
      ("overrides", "nb['metadata']['labbook']['overrides'] = {'data': 'other.h5'}"),
    ]
    for (label, edit) in edits {
      let edited = directory + "/edited.ipynb"
      let apply = try Labbook.runPython(
        python,
        "import json, sys\nnb = json.load(open(sys.argv[1]))\n\(edit)\njson.dump(nb, open(sys.argv[2], 'w'), indent=1)",
        arguments: [notebook, edited])
      #expect(apply.status == 0, "\(label): \(apply.stderr)")
      let verify = try Labbook.run(["verify", edited])
      #expect(verify.status == 1, "\(label) went unnoticed: \(verify.stdout)")
      #expect(verify.stdout.contains("tampered"), "\(label): \(verify.stdout)")
    }
  }

  /// Someone who edits an output and recomputes every hash (the format is documented) passes a plain
  /// verify; a signature by the real key, or the registry's record of the chain, catches them.
  @Test func aReHashedChainFailsTheSignatureAndTheRegistry() throws {
    let python = try #require(Labbook.systemPython)
    let directory = try Labbook.temporaryDirectory()
    let key = directory + "/me"
    #expect(try Labbook.run(["keygen", "--out", key, "--signer", "tester"]).status == 0)
    let registry = directory + "/registry"
    let script = directory + "/r.lab"
    try """
    credit = load "datasets/german_credit.h5"
    m = train tree on credit target risk depth 2
    evaluate m on credit
    register m as "audited"
    """.write(toFile: script, atomically: true, encoding: .utf8)
    let notebook = directory + "/r.ipynb"
    let run = try Labbook.run(["run", script, "--notebook", notebook, "--sign", key + ".key", "--registry", registry])
    #expect(run.status == 0, "\(run.stderr)")
    let signed = try Labbook.run(["verify", notebook, "--key", key + ".pub", "--registry", registry])
    #expect(signed.status == 0, "\(signed.stdout)")
    #expect(signed.stdout.contains("signed by 'tester'"))
    #expect(signed.stdout.contains("audited@1 (cell 4) matches the registry's lineage"))
    let forged = directory + "/forged.ipynb"
    let rehash = try Labbook.runPython(
      python,
      """
      import hashlib, json, sys
      def canon(x): return json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
      nb = json.load(open(sys.argv[1]))
      nb["cells"][2]["outputs"][0]["data"]["application/vnd.labbook+json"]["accuracy"] = 0.99
      meta = nb["metadata"]["labbook"]
      keys = ["format", "tool_version", "created", "revision", "parent", "overrides", "seed", "source"]
      prev = hashlib.sha256(("labbook-notebook-v2\\0" + canon({k: meta.get(k) for k in keys})).encode()).hexdigest()
      for cell in nb["cells"]:
          form = {"cell_type": cell["cell_type"], "source": cell["source"], "execution_count": cell["execution_count"],
                  "outputs": [{k: v for k, v in o.items() if k != "metadata"} for o in cell["outputs"]],
                  "labbook": {k: v for k, v in cell["metadata"]["labbook"].items() if k != "hash"}}
          prev = hashlib.sha256(("labbook-cell-v2\\0" + prev + "\\0" + canon(form)).encode()).hexdigest()
          cell["metadata"]["labbook"]["hash"] = prev
      meta["chain"] = prev
      json.dump(nb, open(sys.argv[2], "w"), indent=1)
      """, arguments: [notebook, forged])
    #expect(rehash.status == 0, "\(rehash.stderr)")
    // The chain is consistent again, but the signature was over the old head.
    let plain = try Labbook.run(["verify", forged])
    #expect(plain.status == 1 && plain.stdout.contains("signature does not match"), "\(plain.stdout)")
    // Without the signature at all, a plain verify cannot tell; the key and the registry can.
    let unsigned = directory + "/unsigned.ipynb"
    _ = try Labbook.runPython(
      python,
      "import json, sys\nnb = json.load(open(sys.argv[1]))\ndel nb['metadata']['labbook']['signature']\njson.dump(nb, open(sys.argv[2], 'w'))",
      arguments: [forged, unsigned])
    #expect(try Labbook.run(["verify", unsigned]).status == 0)
    let withKey = try Labbook.run(["verify", unsigned, "--key", key + ".pub"])
    #expect(withKey.status == 1 && withKey.stdout.contains("not signed"), "\(withKey.stdout)")
    // The edit was before the register cell, so the cells before it no longer hash as registered.
    let withRegistry = try Labbook.run(["verify", unsigned, "--registry", registry])
    #expect(withRegistry.status == 1, "\(withRegistry.stdout)")
    #expect(withRegistry.stdout.contains("rewritten after registration"), "\(withRegistry.stdout)")
  }
}
