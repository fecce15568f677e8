import Foundation
import LabbookCore
import Testing

/// Ctrl-C at the prompt, typed into a real terminal: the REPL runs under `script`, which gives it a
/// pseudo-terminal, and the test writes the keystrokes (Ctrl-C is byte 0x03, which the terminal turns
/// into SIGINT for the running program).
@Suite struct InterruptTests {
  /// Output read from a running process as it comes, so the test can wait for a given text.
  final class Transcript: @unchecked Sendable {
    private var text = ""
    private let lock = NSLock()
    func append(_ data: Data) { lock.withLock { text += String(decoding: data, as: UTF8.self) } }
    var current: String { lock.withLock { text } }

    /// Waits until `needle` appears after `offset` characters; false after `seconds`.
    func waitFor(_ needle: String, after offset: Int = 0, seconds: Double = 60) -> Bool {
      let deadline = Date().addingTimeInterval(seconds)
      while Date() < deadline {
        if String(current.dropFirst(offset)).contains(needle) { return true }
        Thread.sleep(forTimeInterval: 0.05)
      }
      return false
    }
  }

  @Test func ctrlCStopsTheRunningStatementAndTheSessionGoesOn() throws {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else {
      Issue.record("util-linux's script is needed to give the REPL a terminal")
      return
    }
    let directory = try Labbook.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let notebook = directory + "/session.ipynb"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    process.arguments = ["-qfec", "'\(Labbook.executable)' --notebook '\(notebook)'", "/dev/null"]
    process.currentDirectoryURL = URL(fileURLWithPath: Labbook.repositoryRoot)
    var environment = ProcessInfo.processInfo.environment
    environment["HOME"] = directory
    process.environment = environment
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    let transcript = Transcript()
    output.fileHandleForReading.readabilityHandler = { handle in transcript.append(handle.availableData) }
    try process.run()
    func type(_ text: String) { input.fileHandleForWriting.write(Data(text.utf8)) }
    defer {
      if process.isRunning { process.terminate() }
    }

    #expect(transcript.waitFor("labbook>"), "no prompt: \(transcript.current)")
    type("t = load \"datasets/german_credit.h5\"\r")
    #expect(transcript.waitFor("sha256"), "\(transcript.current)")
    let before = transcript.current.count
    // Hundreds of thousands of trees: minutes of work, unless stopped.
    type("m = train forest on t target risk trees 100000\r")
    #expect(transcript.waitFor("trees 100000", after: before), "\(transcript.current)")
    Thread.sleep(forTimeInterval: 1.5)
    let typedCtrlC = Date()
    type("\u{03}")
    #expect(transcript.waitFor("interrupted (Ctrl-C)", after: before, seconds: 30), "\(transcript.current)")
    #expect(Date().timeIntervalSince(typedCtrlC) < 20)
    let afterStop = transcript.current.count
    type("m\r")
    #expect(transcript.waitFor("unknown variable 'm'", after: afterStop), "\(transcript.current)")
    type("describe t\r")
    #expect(transcript.waitFor("credit_amount", after: afterStop), "\(transcript.current)")
    type("\u{04}")
    let deadline = Date().addingTimeInterval(20)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    #expect(!process.isRunning, "the REPL did not leave on Ctrl-D")

    // The notebook has the statements that ran, not the stopped one.
    let cells = try Labbook.notebook(notebook)["cells"]?.arrayValue ?? []
    let sources = cells.map { cell in (cell["source"]?.arrayValue ?? []).compactMap(\.stringValue).joined() }
    #expect(sources.count == 3, "\(sources)")
    #expect(!sources.contains { $0.contains("forest") }, "\(sources)")
  }
}
