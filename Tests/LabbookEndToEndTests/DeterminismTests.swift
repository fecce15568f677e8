import Foundation
import LabbookCore
import Testing

/// Results must not depend on the number of threads, and a killed run must leave a valid notebook.
@Suite struct DeterminismTests {
  static let script = """
    wine = import "datasets/wine.csv"
    credit = import "datasets/german_credit.csv"
    describe wine
    check credit
    credit = derive credit monthly = credit_amount / duration
    a, b = split credit ratio 0.8 seed 11 stratify risk
    describe a
    show b rows 3
    """

  func outputs(_ notebook: String) throws -> [String] {
    try #require(try Labbook.notebook(notebook)["cells"]?.arrayValue).map { ($0["outputs"] ?? .null).canonicalString }
  }

  @Test func oneThreadAndAllCoresRecordIdenticalOutputs() throws {
    let directory = try Labbook.temporaryDirectory()
    let script = directory + "/d.lab"
    try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
    let one = directory + "/one.ipynb"
    let many = directory + "/many.ipynb"
    let viaEnvironment = directory + "/env.ipynb"
    #expect(try Labbook.run(["run", script, "--threads", "1", "--notebook", one]).status == 0)
    #expect(try Labbook.run(["run", script, "--threads", "4", "--notebook", many]).status == 0)
    #expect(
      try Labbook.run(["run", script, "--notebook", viaEnvironment], environment: ["LABBOOK_THREADS": "3"]).status == 0)
    let reference = try outputs(one)
    #expect(reference.count == 8)
    #expect(try outputs(many) == reference)
    #expect(try outputs(viaEnvironment) == reference)
  }

  @Test func aLocaleWithADecimalCommaChangesNothing() throws {
    let directory = try Labbook.temporaryDirectory()
    let script = directory + "/l.lab"
    try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
    let plain = directory + "/plain.ipynb"
    let german = directory + "/german.ipynb"
    // A German locale (decimal comma), compiled into a private folder so the test needs no system setup.
    let locales = directory + "/locales"
    try FileManager.default.createDirectory(atPath: locales, withIntermediateDirectories: true)
    let compiled = try Labbook.launch("/usr/bin/localedef", ["-i", "de_DE", "-f", "UTF-8", locales + "/de_DE.UTF-8"])
    try #require(compiled.status == 0, "localedef failed: \(compiled.stderr)")
    var environment = ProcessInfo.processInfo.environment
    environment["LOCPATH"] = locales
    environment["LC_ALL"] = "de_DE.UTF-8"
    environment["LANG"] = "de_DE.UTF-8"
    let probe = try Labbook.launch(
      "/usr/bin/python3",
      ["-c", "import locale; locale.setlocale(locale.LC_ALL, ''); print(locale.localeconv()['decimal_point'])"],
      environment: environment)
    try #require(probe.stdout == ",\n", "the German locale is not in effect: \(probe.stdout) \(probe.stderr)")
    #expect(try Labbook.run(["run", script, "--notebook", plain]).status == 0)
    #expect(
      try Labbook.run(
        ["run", script, "--notebook", german],
        environment: ["LOCPATH": locales, "LC_ALL": "de_DE.UTF-8", "LANG": "de_DE.UTF-8"]
      ).status == 0)
    #expect(try outputs(german) == outputs(plain))
  }

  /// Kills a long run with SIGKILL at several moments; each time the notebook on disk must be a
  /// complete, verifiable notebook of the cells finished so far, with no temporary file beside it.
  @Test func killedRunsLeaveAValidNotebookAndNoTemporaryFiles() throws {
    let directory = try Labbook.temporaryDirectory()
    let script = directory + "/long.lab"
    let body = (0..<300).map { "t\($0) = import \"datasets/german_credit.csv\"\ndescribe t\($0)" }.joined(
      separator: "\n")
    try body.write(toFile: script, atomically: true, encoding: .utf8)
    var sawPartialNotebook = false
    for (attempt, delay) in [0.15, 0.3, 0.45, 0.6, 0.8, 1.0].enumerated() {
      let notebook = directory + "/run\(attempt).ipynb"
      let process = Process()
      process.executableURL = URL(fileURLWithPath: Labbook.executable)
      process.arguments = ["run", script, "--notebook", notebook]
      process.currentDirectoryURL = URL(fileURLWithPath: Labbook.repositoryRoot)
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      Thread.sleep(forTimeInterval: delay)
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".tmp") }
      #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
      guard FileManager.default.fileExists(atPath: notebook) else { continue }
      let cells = try #require(try Labbook.notebook(notebook)["cells"]?.arrayValue)
      if cells.count < 600 { sawPartialNotebook = true }
      let verify = try Labbook.run(["verify", notebook])
      #expect(verify.status == 0, "after a kill at \(delay)s: \(verify.stdout)")
    }
    #expect(sawPartialNotebook)
  }
}
