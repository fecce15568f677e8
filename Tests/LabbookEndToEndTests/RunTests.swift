import Foundation
import LabbookCore
import Testing

/// `labbook run` and the piped REPL, through the real executable, checking the notebook it records.
@Suite struct RunTests {
  static let tour = """
    # A short tour over the bundled german_credit dataset.
    param data = "datasets/german_credit.h5"
    credit = load data
    describe credit
    credit = derive credit monthly = credit_amount / duration
    train, test = split credit ratio 0.8 seed 42 stratify risk
    show train rows 3
    """

  func write(_ text: String, _ name: String, in directory: String) throws -> String {
    let path = directory + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test func runRecordsAValidNotebook() throws {
    let directory = try Labbook.temporaryDirectory()
    let script = try write(Self.tour, "tour.lab", in: directory)
    let result = try Labbook.run(["run", script])
    #expect(result.status == 0, "stderr: \(result.stderr)")
    #expect(result.stdout.contains("train: 800 rows × 11 columns"))
    let notebook = try Labbook.notebook(directory + "/tour.ipynb")
    #expect(notebook["nbformat"]?.doubleValue == 4 && notebook["nbformat_minor"]?.doubleValue == 5)
    let allCells = try #require(notebook["cells"]?.arrayValue)
    // The script's comment is a markdown cell (one '#' taken off), then one code cell per statement.
    #expect(allCells.count == 7)
    #expect(allCells[0]["cell_type"]?.stringValue == "markdown")
    #expect(allCells[0]["source"]?.stringValue == "A short tour over the bundled german_credit dataset.")
    let cells = Array(allCells.dropFirst())
    #expect(cells.map { $0["source"]?.stringValue ?? "" }[1] == "credit = load data")
    for cell in cells {
      let output = try #require(cell["outputs"]?.arrayValue?.first)
      #expect(output["output_type"]?.stringValue == "execute_result")
      #expect(output["data"]?["text/plain"]?.stringValue?.isEmpty == false)
      #expect(output["data"]?["application/vnd.labbook+json"]?["kind"] != nil)
      #expect(output["data"]?["application/json"] == nil, "plain JSON would win the display over HTML")
      #expect(cell["metadata"]?["labbook"]?["hash"]?.stringValue?.count == 64)
    }
    // Tables carry HTML; a parameter, which is one line, does not.
    #expect(cells[2]["outputs"]?.arrayValue?.first?["data"]?["text/html"]?.stringValue?.contains("<table") == true)
    #expect(cells[0]["outputs"]?.arrayValue?.first?["data"]?["text/html"] == nil)
    let labbook = try #require(notebook["metadata"]?["labbook"])
    #expect(labbook["format"]?.doubleValue == 2)
    #expect(labbook["revision"]?.doubleValue == 1)
    #expect(labbook["params"]?["data"]?.stringValue == "datasets/german_credit.h5")
    let input = try #require(labbook["inputs"]?.arrayValue?.first)
    #expect(input["path"]?.stringValue == "datasets/german_credit.h5")
    #expect(
      input["sha256"]?.stringValue
        == (try SHA256Digest.hex(fileAt: Labbook.repositoryRoot + "/datasets/german_credit.h5")))
    #expect(labbook["chain"]?.stringValue == cells.last?["metadata"]?["labbook"]?["hash"]?.stringValue)
  }

  /// Recomputes the hash chain with Python's hashlib and json (an implementation independent of Labbook's,
  /// written from README's description of format 2: the chain starts from the header's hash, and each cell
  /// is hashed in the form nbformat loads, with Labbook's metadata but not its hash).
  @Test func hashChainVerifiesIndependently() throws {
    let python = try #require(Labbook.systemPython, "python3 is needed to verify the chain independently")
    let directory = try Labbook.temporaryDirectory()
    let script = try write(Self.tour, "tour.lab", in: directory)
    #expect(try Labbook.run(["run", script]).status == 0)
    let check = """
      import hashlib, json, sys
      def canon(x): return json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
      def text(v): return "".join(v) if isinstance(v, list) else v
      nb = json.load(open(sys.argv[1]))
      meta = nb["metadata"]["labbook"]
      header = {k: meta.get(k) for k in ["format", "tool_version", "created", "revision", "parent", "overrides", "seed", "source"]}
      prev = hashlib.sha256(("labbook-notebook-v2\\0" + canon(header)).encode()).hexdigest()
      for i, cell in enumerate(nb["cells"]):
          form = {"cell_type": cell["cell_type"], "source": text(cell["source"])}
          if "execution_count" in cell: form["execution_count"] = cell["execution_count"]
          if "outputs" in cell:
              form["outputs"] = []
              for o in cell["outputs"]:
                  o = {k: v for k, v in o.items() if k not in ("metadata", "transient")}
                  if "data" in o:
                      o["data"] = {m: (v if m == "application/json" or m.endswith("+json") else text(v)) for m, v in o["data"].items()}
                  form["outputs"].append(o)
          form["labbook"] = {k: v for k, v in cell["metadata"]["labbook"].items() if k != "hash"}
          digest = hashlib.sha256(("labbook-cell-v2\\0" + prev + "\\0" + canon(form)).encode()).hexdigest()
          if digest != cell["metadata"]["labbook"]["hash"]:
              print("mismatch at cell", i + 1); sys.exit(1)
          prev = digest
      assert meta["chain"] == prev
      print("ok", len(nb["cells"]))
      """
    let result = try Labbook.runPython(python, check, arguments: [directory + "/tour.ipynb"])
    #expect(result.stdout == "ok 7\n", "python said: \(result.stdout) \(result.stderr)")
  }

  @Test func paramOverrideIsRecorded() throws {
    let directory = try Labbook.temporaryDirectory()
    let script = try write("param data = \"datasets/german_credit.h5\"\nt = load data\n", "p.lab", in: directory)
    let result = try Labbook.run(["run", script, "--param", "data=datasets/iris.h5", "--json"])
    #expect(result.status == 0, "stderr: \(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 2)
    let param = try JSONValue.parse(lines[0])
    #expect(param["kind"]?.stringValue == "param" && param["source"]?.stringValue == "override")
    let table = try JSONValue.parse(lines[1])
    #expect(table["kind"]?.stringValue == "table" && table["rows"]?.doubleValue == 150)
    let notebook = try Labbook.notebook(directory + "/p.ipynb")
    #expect(notebook["metadata"]?["labbook"]?["params"]?["data"]?.stringValue == "datasets/iris.h5")
  }

  /// A `--param` the script does not declare (a typo: `dat` for `data`) is refused before anything runs,
  /// with the names it does declare; before, it was ignored and the run used the default data.
  @Test func paramTheScriptDoesNotDeclareIsRefused() throws {
    let directory = try Labbook.temporaryDirectory()
    let script = try write("param data = \"datasets/german_credit.h5\"\nt = load data\n", "p.lab", in: directory)
    let result = try Labbook.run(["run", script, "--param", "dat=datasets/iris.h5"])
    #expect(result.status == 2)
    #expect(
      result.stderr.contains("error: --param dat: the script neither declares nor uses 'dat' (it declares 'data')"))
    #expect(result.stdout.isEmpty && !FileManager.default.fileExists(atPath: directory + "/p.ipynb"))
    let none = try write("t = load \"datasets/iris.h5\"\n", "q.lab", in: directory)
    #expect(try Labbook.run(["run", none, "--param", "data=x"]).stderr.contains("(it declares none)"))
    // A name the script uses without declaring it is a predefined variable (SPEC §2), and is taken.
    let used = try write("t = load \"datasets/iris.h5\"\na, b = split t ratio r seed 1\n", "r.lab", in: directory)
    let predefined = try Labbook.run(["run", used, "--param", "r=0.5"])
    #expect(predefined.status == 0, "stderr: \(predefined.stderr)")
    #expect(predefined.stdout.contains("a: 75 rows"))
  }

  @Test func aFailingStatementStopsTheRunAndIsRecorded() throws {
    let directory = try Labbook.temporaryDirectory()
    let script = try write("t = load \"datasets/iris.h5\"\nselect t [petal]\nshow t\n", "fail.lab", in: directory)
    let result = try Labbook.run(["run", script, "--notebook", directory + "/out.ipynb"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("error: no column 'petal' in table 't'"))
    #expect(result.stderr.contains("fail.lab:2:11"))
    #expect(result.stderr.contains("          ^^^^^"))
    let cells = try #require(try Labbook.notebook(directory + "/out.ipynb")["cells"]?.arrayValue)
    #expect(cells.count == 2)
    #expect(cells[1]["outputs"]?.arrayValue?.first?["output_type"]?.stringValue == "error")
    // In the notebook the error is located within its cell, so replaying the cell alone reproduces it.
    #expect(cells[1]["metadata"]?["labbook"]?["error"]?["line"]?.doubleValue == 1)
    #expect(cells[1]["metadata"]?["labbook"]?["error"]?["column"]?.doubleValue == 11)
    let traceback = cells[1]["outputs"]?.arrayValue?.first?["traceback"]?.arrayValue?.compactMap(\.stringValue) ?? []
    #expect(traceback.contains(" --> cell 2:1:11"))
  }

  @Test func aSyntaxErrorAnywhereRunsNothing() throws {
    let directory = try Labbook.temporaryDirectory()
    let body =
      "t = load \"datasets/iris.h5\"\nsave t to \"\(directory)/written.h5\"\n"
      + String(repeating: "describe t\n", count: 37)
    let script = try write(body + "select t [a,\n", "syntax.lab", in: directory)
    let result = try Labbook.run(["run", script])
    #expect(result.status == 1)
    #expect(result.stderr.contains("syntax.lab:40:"))
    #expect(!FileManager.default.fileExists(atPath: directory + "/written.h5"))
    #expect(!FileManager.default.fileExists(atPath: directory + "/syntax.ipynb"))
  }

  @Test func commandLineUsage() throws {
    let version = try Labbook.run(["--version"])
    #expect(
      version.status == 0
        && version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == LabbookCore.Labbook.version)
    let help = try Labbook.run(["--help"])
    #expect(help.status == 0 && help.stdout.contains("run") && help.stdout.contains("Examples"))
    let missing = try Labbook.run(["run", "/nonexistent.lab"])
    #expect(missing.status == 2 && missing.stderr.contains("no such script"))
    let badParam = try Labbook.run(["run", "notebooks/tour.lab", "--param", "novalue"])
    #expect(badParam.status == 2 && badParam.stderr.contains("--param takes NAME=VALUE"))
    let badThreads = try Labbook.run(["run", "notebooks/tour.lab", "--threads", "0"])
    #expect(badThreads.status == 2 && badThreads.stderr.contains("--threads must be at least 1"))
  }

  @Test func savedTablesReadBackInH5py() throws {
    let python = try #require(Labbook.python.map { $0 } ?? Labbook.systemPython)
    let probe = try Labbook.runPython(python, "import h5py")
    try #require(probe.status == 0, "h5py is not installed for \(python); .ci/run installs it (LABBOOK_TEST_PYTHON)")
    let directory = try Labbook.temporaryDirectory()
    let script = try write(
      "w = load \"datasets/wine.h5\"\nw = derive w ratio = alcohol / hue\nsave w to \"\(directory)/w.h5\" path \"/wine\" target target\n",
      "save.lab", in: directory)
    #expect(try Labbook.run(["run", script]).status == 0)
    let check = """
      import h5py, csv, sys
      g = h5py.File(sys.argv[1], "r")["wine"]
      names = list(g.attrs["columns"])
      assert names[11] == "od280/od315_of_diluted_wines", names
      assert "od280_od315_of_diluted_wines" in g
      assert g.attrs["target"] == "target" and g.attrs["labbook_format"] == 1
      rows = list(csv.DictReader(open(sys.argv[2])))
      alcohol = g["alcohol"][:]
      assert g["alcohol"].dtype == "float64" and g["magnesium"].dtype == "int64"
      assert [float(r["alcohol"]) for r in rows] == list(alcohol)
      ratio = g["ratio"][:]
      assert all(ratio[i] == float(r["alcohol"]) / float(r["hue"]) for i, r in enumerate(rows))
      assert g["alcohol"].compression == "gzip" and g["alcohol"].chunks is not None
      print("ok")
      """
    let result = try Labbook.runPython(
      python, check, arguments: [directory + "/w.h5", Labbook.repositoryRoot + "/datasets/wine.csv"])
    #expect(result.stdout == "ok\n", "python said: \(result.stdout) \(result.stderr)")
  }

  @Test func notebooksValidateAgainstTheNbformatSchema() throws {
    let python = try #require(Labbook.python ?? Labbook.systemPython)
    let probe = try Labbook.runPython(python, "import nbformat")
    try #require(
      probe.status == 0, "nbformat is not installed for \(python); .ci/run installs it (LABBOOK_TEST_PYTHON)")
    let directory = try Labbook.temporaryDirectory()
    let script = try write(Self.tour + "\nselect credit [nope]\n", "v.lab", in: directory)
    #expect(try Labbook.run(["run", script]).status == 1)
    let result = try Labbook.runPython(
      python,
      "import nbformat, sys\nnb = nbformat.read(sys.argv[1], as_version=4)\nnbformat.validate(nb)\nprint('valid', len(nb.cells))",
      arguments: [directory + "/v.ipynb"])
    #expect(result.stdout == "valid 8\n", "python said: \(result.stdout) \(result.stderr)")
  }
}

@Suite struct ReplTests {
  @Test func pipedSessionRunsEveryStatementAndRecords() throws {
    let directory = try Labbook.temporaryDirectory()
    let session = """
      t = load "datasets/iris.h5"
      describe t
      select t [nope]
      small = select t \\
        ["petal width (cm)", target]
      vars
      """
    let result = try Labbook.run(["--notebook", directory + "/s.ipynb"], stdin: session)
    #expect(result.status == 1)  // one statement failed; the rest still ran
    #expect(!result.stdout.contains("labbook>"))
    #expect(result.stdout.contains("small  table  150 rows × 2 columns"))
    #expect(result.stderr.contains("error: no column 'nope' in table 't'"))
    let cells = try #require(try Labbook.notebook(directory + "/s.ipynb")["cells"]?.arrayValue)
    #expect(cells.count == 5)
    #expect(cells[3]["source"]?.stringValue == "small = select t \\\n  [\"petal width (cm)\", target]")
  }

  /// A script saved by a Windows editor: a byte-order mark and CR LF line ends. It runs as the same script
  /// with LF ends does, with the same output, and records the same cell sources (no "\r" in them).
  /// Before, Swift's "\r\n" (one Character, not "\n") made the whole file one line that failed at its
  /// first line end.
  @Test func windowsLineEndsAndByteOrderMark() throws {
    let directory = try Labbook.temporaryDirectory()
    let unix = directory + "/unix.lab"
    let windows = directory + "/windows.lab"
    try RunTests.tour.write(toFile: unix, atomically: true, encoding: .utf8)
    let windowsText = "\u{FEFF}" + RunTests.tour.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n"
    try windowsText.write(toFile: windows, atomically: true, encoding: .utf8)
    let unixRun = try Labbook.run(["run", unix])
    let windowsRun = try Labbook.run(["run", windows])
    #expect(unixRun.status == 0 && windowsRun.status == 0, "stderr: \(windowsRun.stderr)")
    #expect(windowsRun.stdout == unixRun.stdout)
    let sources = { (name: String) in
      try Labbook.notebook(directory + "/" + name)["cells"]?.arrayValue?.map { $0["source"]?.stringValue ?? "" }
    }
    let windowsSources = try #require(try sources("windows.ipynb"))
    #expect(windowsSources.count == 7)
    #expect(windowsSources == (try sources("unix.ipynb")))
    #expect(!windowsSources.contains { $0.contains("\r") })
    // The same from a pipe (PowerShell writes a byte-order mark before piped text).
    let piped = try Labbook.run(["--no-record"], stdin: "\u{FEFF}x = 42\r\nshow x\r\n", in: directory)
    #expect(piped.status == 0, "stderr: \(piped.stderr)")
    #expect(piped.stdout.contains("42"))
  }

  /// A tab-separated file reads as one column whose name holds the tabs: it loads (it is a valid
  /// one-column CSV) with a warning that says what happened.
  @Test func aOneColumnTableOfTabsIsWarnedAbout() throws {
    let directory = try Labbook.temporaryDirectory()
    try "a\tb\n1\t2\n".write(toFile: directory + "/tab.csv", atomically: true, encoding: .utf8)
    let result = try Labbook.run(["--no-record"], stdin: "u = import \"tab.csv\"\n", in: directory)
    #expect(result.status == 0, "stderr: \(result.stderr)")
    #expect(result.stderr.contains("warning: 'tab.csv' was read as one column named 'a\tb'"))
    #expect(result.stderr.contains("looks separated by tabs"))
  }

  @Test func noRecordWritesNothing() throws {
    let directory = try Labbook.temporaryDirectory()
    let result = try Labbook.run(["--no-record"], stdin: "x = 2\n", in: directory)
    #expect(result.status == 0)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
  }

  @Test func defaultRecordingGoesToNotebooksFolder() throws {
    let directory = try Labbook.temporaryDirectory()
    let result = try Labbook.run([], stdin: "x = 2\n", in: directory)
    #expect(result.status == 0)
    let files = try FileManager.default.contentsOfDirectory(atPath: directory + "/notebooks")
    #expect(files.count == 1 && files[0].hasPrefix("session-") && files[0].hasSuffix(".ipynb"))
  }
}
