import ArgumentParser
import Foundation
import LabbookCore
import LabbookData
import LabbookLang
import LabbookNotebook
import LabbookRegistry

struct Replay: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Re-execute a notebook headlessly; with --check, prove it reproduces its recorded outputs.",
    discussion: reflowed(
      """
      Every cell runs again from its recorded source, in order, in a fresh session with the notebook's seed and
      parameters. An input file whose sha256 differs from the recorded one is named on stderr with both hashes
      (unless a --param redirected it); with --check that stops the replay before the cell runs, unless
      --allow-changed-inputs.

      --check compares every cell's outputs with the recorded ones and prints what differs, cell by cell.
      --output writes the new run as the next revision (revision + 1, parent = sha256 of this notebook);
      it is written only when the replay succeeds, so nothing is overwritten by a failed run.

      Exit status: 0 when the replay succeeded (and, with --check, every output is identical), 1 when a cell
      differs or fails or the notebook cannot be read, 2 for usage errors.

      Retrain on new data (the notebook's `param data` set to another file):
        labbook replay notebooks/train.ipynb --param data="datasets/new.h5" \\
            --output new.ipynb
      """))

  @Argument(
    help: ArgumentHelp("The notebook to replay.", valueName: "notebook.ipynb"), completion: .file(extensions: ["ipynb"])
  )
  var notebook: String

  @Flag(help: "Compare every cell's outputs with the recorded ones; exit 1 on any difference.")
  var check = false

  @Option(
    name: .customLong("param"),
    help: ArgumentHelp(
      "Override a parameter of the notebook, or a name its cells use (repeatable; any other name is refused).",
      valueName: "name=value"))
  var params: [String] = []

  @Option(help: ArgumentHelp("Write the new run as the next revision.", valueName: "out.ipynb"))
  var output: String?

  @Flag(help: "Go on (and compare) when an input file's content changed since the recording.")
  var allowChangedInputs = false

  @Flag(
    help: ArgumentHelp(
      "Let register, promote and rollback cells change the registry.",
      discussion: reflowed(
        """
        A register cell first checks that its model has the recorded sha256. Without this flag they change \
        nothing: register checks the sha256 and keeps the model in memory for later cells, promote and rollback \
        report what they would do.
        """)))
  var writeRegistry = false

  @Flag(help: "Print each statement's structured result as one JSON object per line.")
  var json = false

  @OptionGroup var global: GlobalOptions
  @OptionGroup var display: DisplayOptions

  func validate() throws {
    _ = try parseParams(params)
  }

  func run() throws {
    display.apply()
    let recorded = try readNotebook(notebook)
    var options = Replayer.Options()
    options.check = check
    options.params = try parseParams(params)
    // Parameters the notebook's `param` statements recorded, any it was recorded with by --param, and
    // names its cells use.
    try checkDeclared(
      options.params, declared: recorded.params.map(\.0) + recorded.overrides.keys.sorted(),
      sources: recorded.cells.map(\.source), in: "the notebook")
    options.allowChangedInputs = allowChangedInputs
    options.threads = global.threadCount
    options.isolatedReader = IsolatedReader.ownExecutable
    options.slurmRunner = { TrialCommand.slurmRunner(partition: $0) }
    options.outputPath = output
    options.registryFolder = Registry.defaultFolder(global.registry)
    options.writeRegistry = writeRegistry
    let output = Output(json: json)
    let progress = terminalProgress()
    WorkProgress.setDisplay(progress)
    let total = recorded.cells.count
    let starting: (Int) -> Void = { position in progress?("replaying cell \(position) of \(total)") }
    let summary = Replayer(notebook: recorded, options: options).run(starting: starting) { cell in
      progress?("")
      for (input, now) in cell.changedInputs {
        standardError(
          "warning: cell \(cell.position): input '\(input.path)' changed since it was recorded\n  recorded sha256 \(input.sha256)\n  now      sha256 \(now)"
        )
      }
      guard let outcome = cell.outcome else { return }
      if check {
        report(cell, outcome)
      } else {
        switch outcome {
        case .success(let value): output.result(value)
        case .failure(let error): output.error(error, sourceName: "cell \(cell.position)", source: cell.source)
        }
      }
    }
    if let failure = summary.failure { standardError("error: \(failure)") }
    if check {
      // Markdown cells (comments) are kept, not run: the count is of code cells.
      let total = recorded.cells.filter { !$0.isMarkdown }.count
      if summary.succeeded {
        print("replayed \(summary.cellsRun) of \(total) cells: every output identical")
      } else {
        print("replayed \(summary.cellsRun) of \(total) cells: \(summary.cellsDiffering) differ")
      }
    }
    if summary.wroteOutput, let path = options.outputPath {
      standardError("wrote revision \(recorded.revision + 1) to \(path)")
    }
    let failed = summary.failure != nil || (check && !summary.succeeded)
    if failed { throw ExitCode(1) }
  }

  /// One line per cell, and under a differing cell each differing field, recorded then replayed.
  private func report(_ cell: Replayer.CellReport, _ outcome: Interpreter.Outcome) {
    let statement = ChainVerifier.summary(cell.source)
    let label = "cell \(cell.position)".padding(toLength: 9, withPad: " ", startingAt: 0)
    if cell.differences.isEmpty {
      print("\(label) identical  \(statement)")
      return
    }
    print("\(label) DIFFERS    \(statement)")
    for difference in cell.differences {
      print("  \(difference.path)")
      print("    recorded: \(difference.recorded)")
      print("    replayed: \(difference.replayed)")
    }
  }
}

struct Verify: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check a notebook's hash chain, signature and recorded input hashes without executing anything.",
    discussion: reflowed(
      """
      Each cell's hash must follow from the one before it and the cell as nbformat loads it (source, outputs,
      execution count and Labbook's cell metadata), starting from the notebook's header (seed, parameter
      overrides, revision); the chain head must name the last cell, and the inputs listed in the metadata must
      be those the cells recorded. An edited source, output or metadata, or a cell inserted, deleted or moved,
      breaks the chain at the first cell it touches; opening and saving the notebook in Jupyter does not.
      A signed notebook's signature must match its chain head; --key PUB also requires that key. --registry
      checks every version the notebook registered against the chain hash the registry recorded.
      The input files on disk are compared with their recorded hashes too (reported, not counted as tampering).

      Exit status: 0 intact, 1 tampered (naming the first bad cell) or unreadable, 2 for usage errors.
      """))

  @Argument(
    help: ArgumentHelp("The notebook to verify.", valueName: "notebook.ipynb"), completion: .file(extensions: ["ipynb"])
  )
  var notebook: String

  @Option(
    help: ArgumentHelp("Require a signature by this public key (from `labbook keygen`).", valueName: "key.pub"),
    completion: .file(extensions: ["pub"]))
  var key: String?

  @Option(
    help: ArgumentHelp(
      "Also check the versions this notebook registered against this registry's lineage.", valueName: "dir"),
    completion: .directory)
  var registry: String?

  @OptionGroup var display: DisplayOptions

  func run() throws {
    display.apply()
    let recorded = try readNotebook(notebook)
    var trusted: Data?
    if let key {
      do {
        trusted = try NotebookKeys.publicKey(file: key).key
      } catch let error as NotebookError {
        throw ValidationError(error.message)
      }
    }
    let report = ChainVerifier.verify(recorded, trustedKey: trusted)
    for (input, state) in report.inputStatus {
      switch state {
      case .unchanged: print("input unchanged  \(input.path)")
      case .changed(let now):
        print("input CHANGED    \(input.path)\n  recorded sha256 \(input.sha256)\n  now      sha256 \(now)")
      case .missing: print("input MISSING    \(input.path) (recorded sha256 \(input.sha256))")
      case .notAFile: print("input NOT A FILE \(input.path) (a folder, device or pipe now; not read)")
      }
    }
    if let problem = report.problem {
      print("tampered: \(problem)")
      throw ExitCode(1)
    }
    if let registry {
      let opened: Registry
      do {
        opened = try Registry(location: registry, create: false)
      } catch {
        standardError("error: \(error)")
        throw ExitCode(1)
      }
      for finding in RegistryLineageCheck.check(recorded, against: opened) {
        guard let problem = finding.problem else {
          print("registered       \(finding.reference) (cell \(finding.position)) matches the registry's lineage")
          continue
        }
        print("tampered: cell \(finding.position) registered \(finding.reference), which \(problem)")
        throw ExitCode(1)
      }
    }
    if let signature = report.signedBy {
      print(
        "signed by '\(signature.signer)' (key \(signature.keyID))\(key == nil ? ", not checked against a trusted key (give --key)" : "")"
      )
    }
    print("intact: \(report.cellCount) cells, revision \(recorded.revision), chain \(recorded.chain ?? "")")
  }
}

/// Reads a recorded notebook, or reports why it cannot be used (exit 1, as for any bad notebook).
func readNotebook(_ path: String) throws -> RecordedNotebook {
  do {
    return try RecordedNotebook.read(path)
  } catch let error as NotebookError {
    standardError("error: \(error.message)")
    throw ExitCode(1)
  }
}
