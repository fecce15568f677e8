import ArgumentParser
import Foundation
import LabbookCore
import LabbookData
import LabbookLang
import LabbookNotebook

struct Repl: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "repl",
    abstract: "The interactive prompt (the default when no command is given).",
    discussion: reflowed(
      """
      Line editing, persistent history (~/.labbook_history) and tab completion of statements, variables, column
      names and file paths. A trailing \\ or an open bracket continues a statement on the next line; Ctrl-C drops
      the line being typed, or stops the statement that is running (nothing is assigned or recorded); Ctrl-D
      leaves. Every statement is recorded to notebooks/session-YYYYMMDD-HHMMSS.ipynb
      unless --notebook or --no-record says otherwise. Without a terminal, statements are read from stdin with no
      prompt (exit 1 if any failed).
      """))

  @Option(
    help: ArgumentHelp("Record the session to this notebook.", valueName: "path.ipynb"),
    completion: .file(extensions: ["ipynb"]))
  var notebook: String?

  @Flag(name: .customLong("no-record"), help: "Do not record a notebook.")
  var noRecord = false

  @Option(
    help: ArgumentHelp("Sign the notebook's chain head with this private key.", valueName: "key"),
    completion: .file(extensions: ["key"]))
  var sign: String?

  @Option(
    name: .customLong("param"), help: ArgumentHelp("Predefine a parameter (repeatable).", valueName: "name=value"))
  var params: [String] = []

  @Flag(help: "Print each result as one JSON object per line.")
  var json = false

  @OptionGroup var global: GlobalOptions
  @OptionGroup var display: DisplayOptions

  func validate() throws {
    _ = try parseParams(params)
  }

  func run() throws {
    display.apply()
    let reader = LineReader()
    let overrides = try parseParams(params)
    var metadata = NotebookMetadata(created: isoTimestampNow(), seed: global.seed, source: nil)
    metadata.overrides = overrides
    let path = noRecord ? nil : notebook ?? "notebooks/session-\(sessionStamp()).ipynb"
    let session = Session(
      seed: global.seed, threads: global.threadCount, paramOverrides: overrides, registry: global.sessionRegistry(path))
    let recorder = NotebookRecorder(path: path, metadata: metadata)
    recorder.signer = try notebookSigner(sign)
    session.progress = terminalProgress()
    WorkProgress.setDisplay(terminalProgress())
    session.isolatedReader = IsolatedReader.ownExecutable
    session.slurmRunner = { TrialCommand.slurmRunner(partition: $0) }
    let interpreter = Interpreter(session: session, recorder: recorder)
    let output = Output(json: json, plots: PlotFiles(notebook: path))
    if reader.interactive {
      let recording = path.map { "recording to \($0)" } ?? "not recording"
      print("Labbook \(Labbook.toolVersion) — \(recording). Type `help` for statements, Ctrl-D to leave.")
      CompletionState.shared.session = session
    }
    var failed = false
    var pending = ""
    var entry = 0
    while true {
      let prompt = pending.isEmpty ? "labbook> " : "     ...> "
      switch reader.read(prompt: prompt) {
      case .end:
        if !pending.isEmpty {
          failed = !runEntry(pending, entry: entry, interpreter: interpreter, output: output, reader: reader) || failed
        }
        if failed && !reader.interactive { throw ExitCode(1) }
        return
      case .interrupted:
        pending = ""
        continue
      case .text(let read):
        let line = ScriptText.normalized(read)
        pending += pending.isEmpty ? line : "\n" + line
        if Parser.needsContinuation(pending) { continue }
        entry += 1
        reader.remember(pending)
        failed = !runEntry(pending, entry: entry, interpreter: interpreter, output: output, reader: reader) || failed
        pending = ""
      }
    }
  }

  /// Parses and runs one entry (which may hold several statements); false when any failed.
  private func runEntry(
    _ text: String, entry: Int, interpreter: Interpreter, output: Output, reader: LineReader
  ) -> Bool {
    let name = "<input \(entry)>"
    let statements: [Statement]
    do {
      statements = try Parser.parse(text)
    } catch let error as LabError {
      output.error(error, sourceName: name, source: text)
      return false
    } catch {
      standardError("error: \(error)")
      return false
    }
    let watch = reader.watchInterrupts()
    defer {
      watch?.cancel()
      Interrupt.clear()
    }
    for statement in statements {
      let (outcome, _, recordingError) = interpreter.run(statement)
      switch outcome {
      case .success(let value): output.result(value, warnings: interpreter.session.statementWarnings)
      case .failure(let error): output.error(error, sourceName: name, source: text)
      }
      if let recordingError { standardError("error: \(recordingError)") }
      if case .failure = outcome { return false }
      if recordingError != nil { return false }
    }
    // A comment typed on its own (or after the entry's last statement) is kept as a markdown cell.
    let trailing = (try? Parser.trailingComments(text)) ?? []
    if !trailing.isEmpty, let recordingError = interpreter.recordComments(trailing) {
      standardError("error: \(recordingError)")
      return false
    }
    return true
  }

  private func sessionStamp() -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    return formatter.string(from: Date())
  }
}
