import Foundation
import LabbookCore
import Testing

/// The REPL as a person meets it: in a terminal (a pseudo-terminal through `script`), typing.
@Suite(.serialized) struct ReplTerminalTests {
  /// The README's tour, line by line as printed there, typed at the prompt in a folder that holds only
  /// the bundled datasets: no line may fail.
  @Test func theReadmeTourRunsAsTyped() throws {
    try #require(TerminalSession.available, "util-linux's script is needed for a terminal")
    let readme = try String(contentsOfFile: Labbook.repositoryRoot + "/README.md", encoding: .utf8)
    let tour = try #require(readme.components(separatedBy: "## A five-minute tour").dropFirst().first)
    let block = try #require(tour.components(separatedBy: "```").dropFirst().first)
    let lines = block.split(separator: "\n").filter { $0.hasPrefix("labbook> ") }.map { String($0.dropFirst(9)) }
    #expect(lines.count >= 15)
    let directory = try Labbook.temporaryDirectory()
    try FileManager.default.createSymbolicLink(
      atPath: directory + "/datasets", withDestinationPath: Labbook.repositoryRoot + "/datasets")
    let session = try TerminalSession(["--no-record", "--registry", directory + "/registry"], in: directory)
    defer { session.stop() }
    #expect(session.waitFor("labbook> "), "no prompt: \(session.transcript)")
    for line in lines {
      #expect(session.enter(line), "no prompt after `\(line)`: \(session.plain.suffix(2000))")
    }
    #expect(!session.plain.contains("error:"), "\(session.plain)")
    #expect(FileManager.default.fileExists(atPath: directory + "/out/train.h5"), "save makes its folder")
    #expect(session.plain.contains("credit-risk@1"))
  }

  /// Ctrl-C drops what is typed (an empty line, half a statement, a continuation line) and gives a new
  /// prompt; only Ctrl-D leaves.
  @Test func ctrlCAtThePromptDropsTheLine() throws {
    try #require(TerminalSession.available)
    let session = try TerminalSession(["--no-record"])
    defer { session.stop() }
    #expect(session.waitFor("labbook> "))
    for keys in ["\u{03}", "x = 12\u{03}", "y = [1,\r\u{03}"] {
      let before = session.transcript.count
      session.type(keys)
      #expect(
        session.waitFor("labbook> ", after: before + 1, seconds: 10), "\(keys.debugDescription): \(session.plain)")
      #expect(session.process.isRunning, "Ctrl-C ended the REPL after \(keys.debugDescription)")
    }
    #expect(session.enter("n = 41"))
    #expect(session.waitFor("41"))
    session.type("\u{04}")
    session.process.waitUntilExit()
    #expect(session.process.terminationStatus == 0)
    #expect(!session.plain.contains("12\r\n"), "the dropped line ran")
  }

  /// Tab completes a file whose name is not ASCII (libedit once erased the line), a path with a space,
  /// and a learner after `train`.
  @Test func tabCompletesNonASCIIPathsAndLearners() throws {
    try #require(TerminalSession.available)
    let directory = try Labbook.temporaryDirectory()
    try FileManager.default.createDirectory(atPath: directory + "/uni/my data", withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: Labbook.repositoryRoot + "/datasets/iris.h5", toPath: directory + "/uni/my data/ïris.h5")
    let session = try TerminalSession(["--no-record"], in: directory)
    defer { session.stop() }
    #expect(session.waitFor("labbook> "))
    session.type("t = load \"uni/my\t")
    Thread.sleep(forTimeInterval: 0.3)
    session.type("ï\t\r")
    #expect(session.waitFor("t: 150 rows"), "\(session.plain)")
    session.type("m = train gb\t on t target targ\t trees 3\r")
    #expect(session.waitFor("m: gbm classification of 'target'"), "\(session.plain)")
  }

  /// At 80 columns a 30-column table fits (middle columns elided) and help wraps between words;
  /// widths count terminal columns.
  @Test func outputFitsAnEightyColumnTerminal() throws {
    try #require(TerminalSession.available)
    let session = try TerminalSession(["--no-record"], columns: 80)
    defer { session.stop() }
    #expect(session.waitFor("labbook> "))
    #expect(session.enter("c = load \"datasets/breast_cancer.h5\""))
    #expect(session.enter("show c rows 3"))
    #expect(session.enter("describe c"))
    #expect(session.enter("help automl"))
    // An error whose message is longer than the terminal is wide.
    #expect(session.enter("s = automl c target target budget 0.001s"))
    // What the terminal shows of each line: the text after its last carriage return (progress lines
    // are redrawn in place).
    let lines = session.plain.components(separatedBy: "\r\n").map { $0.components(separatedBy: "\r").last ?? $0 }
    #expect(lines.contains { $0.hasPrefix("error: the budget of 0.001 s is too small") })
    let wide = lines.filter { $0.count > 80 }
    #expect(wide.isEmpty, "lines wider than 80 columns: \(wide)")
    #expect(lines.contains { $0.contains("…") }, "no column was elided")
  }

  /// Errors are red on a colour terminal, unless NO_COLOR or --color never.
  @Test func errorsAreColouredUnlessAskedNotTo() throws {
    try #require(TerminalSession.available)
    for (arguments, environment, coloured) in [
      (["--no-record"], [String: String](), true), (["--no-record"], ["NO_COLOR": "1"], false),
      (["--no-record", "--color", "never"], [:], false),
    ] {
      let session = try TerminalSession(arguments, environment: environment)
      defer { session.stop() }
      #expect(session.waitFor("labbook> "))
      session.type("select nothing [a]\r")
      #expect(session.waitFor("unknown variable"))
      #expect(session.transcript.contains("\u{1B}[1;31merror:") == coloured, "\(arguments) \(environment)")
    }
  }
}
