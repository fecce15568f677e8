import ArgumentParser
import Foundation
import LabbookCore
import LabbookData
import LabbookLang
import LabbookNotebook

struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run a .lab script headlessly and record its notebook.",
    discussion: reflowed(
      """
      The whole script is parsed first: a syntax error anywhere is reported with its location and nothing runs.
      Statements then run in order; the first failure stops the run. The notebook (default: the script's path
      with .ipynb) is rewritten after every statement and holds every cell run, including the failing one.

      Exit status: 0 when every statement succeeded, 1 when one failed or the script has a syntax error,
      2 for command-line usage errors.
      """))

  @Argument(help: ArgumentHelp("The script to run.", valueName: "script.lab"), completion: .file(extensions: ["lab"]))
  var script: String

  @Option(
    help: ArgumentHelp("Where to record the notebook.", valueName: "out.ipynb"),
    completion: .file(extensions: ["ipynb"]))
  var notebook: String?

  @Flag(name: .customLong("no-record"), help: "Do not record a notebook.")
  var noRecord = false

  @Option(
    help: ArgumentHelp("Sign the notebook's chain head with this private key.", valueName: "key"),
    completion: .file(extensions: ["key"]))
  var sign: String?

  @Option(
    name: .customLong("param"),
    help: ArgumentHelp(
      "Override a `param` of the script, or predefine a name it uses (repeatable; any other name is refused).",
      valueName: "name=value"))
  var params: [String] = []

  @Flag(help: "Print each statement's structured result as one JSON object per line.")
  var json = false

  @Option(
    help: ArgumentHelp(
      "Where automl runs its trials unless a statement says: local (this machine's cores) or slurm (job arrays; tasks run `labbook trial` from $LABBOOK_SLURM_SHARED, default ./.labbook-slurm).",
      valueName: "local|slurm"))
  var executor = "local"

  @Option(help: ArgumentHelp("The Slurm partition for --executor slurm.", valueName: "name"))
  var partition: String?

  @OptionGroup var global: GlobalOptions
  @OptionGroup var display: DisplayOptions

  func validate() throws {
    _ = try parseParams(params)
    guard FileManager.default.fileExists(atPath: script) else { throw ValidationError("no such script: '\(script)'") }
    guard ["local", "slurm"].contains(executor) else {
      throw ValidationError("--executor is local or slurm, not '\(executor)'")
    }
    if partition != nil, executor != "slurm" { throw ValidationError("--partition goes with --executor slurm") }
  }

  func run() throws {
    display.apply()
    guard let data = FileManager.default.contents(atPath: script) else {
      throw ValidationError("cannot read the script '\(script)'")
    }
    let source = ScriptText.normalized(String(decoding: data, as: UTF8.self))
    let output = Output(json: json)
    let statements: [Statement]
    do {
      statements = try Parser.parse(source)
    } catch let error as LabError {
      output.error(error, sourceName: script, source: source)
      throw ExitCode(1)
    }
    if noRecord, notebook != nil || sign != nil {
      throw ValidationError("--no-record records nothing, so it takes no --notebook or --sign")
    }
    let signer = try notebookSigner(sign)
    let notebookPath = noRecord ? nil : notebook ?? ((script as NSString).deletingPathExtension + ".ipynb")
    let overrides = try parseParams(params)
    let declared = statements.compactMap { statement -> String? in
      if case .param(let name, _) = statement.body { return name.value }
      return nil
    }
    try checkDeclared(overrides, declared: declared, sources: [source], in: "the script")
    var metadata = NotebookMetadata(created: isoTimestampNow(), seed: global.seed, source: script)
    metadata.overrides = overrides
    let recorder = NotebookRecorder(path: notebookPath, metadata: metadata)
    recorder.signer = signer
    let session = Session(
      seed: global.seed, threads: global.threadCount, paramOverrides: overrides,
      registry: global.sessionRegistry(notebookPath))
    session.progress = terminalProgress()
    WorkProgress.setDisplay(terminalProgress())
    session.isolatedReader = IsolatedReader.ownExecutable
    session.slurmRunner = { TrialCommand.slurmRunner(partition: $0) }
    session.defaultExecutor = executor
    session.defaultPartition = partition
    let interpreter = Interpreter(session: session, recorder: recorder)
    for statement in statements {
      let (outcome, _, recordingError) = interpreter.run(statement)
      if let recordingError { standardError("error: \(recordingError)") }
      switch outcome {
      case .success(let value): output.result(value, warnings: interpreter.session.statementWarnings)
      case .failure(let error):
        output.error(error, sourceName: script, source: source)
        throw ExitCode(1)
      }
      if recordingError != nil { throw ExitCode(1) }
    }
    let trailing = (try? Parser.trailingComments(source)) ?? []
    if !trailing.isEmpty, let recordingError = interpreter.recordComments(trailing) {
      standardError("error: \(recordingError)")
      throw ExitCode(1)
    }
  }
}
