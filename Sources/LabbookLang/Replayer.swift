import Foundation
import LabbookCore
import LabbookData
import LabbookML
import LabbookNotebook
import LabbookRegistry
import LabbookRender
import LabbookValues

/// Re-executes a recorded notebook's cells, in order, in a fresh session with the recorded seed and
/// parameters, and compares each cell's new outputs with the recorded ones.
public final class Replayer {
  public struct Options: Sendable {
    /// Compare outputs and treat any difference (or a changed input) as a failure.
    public var check = false
    /// `--param` overrides given to replay (on top of those the notebook was recorded with).
    public var params: [String: String] = [:]
    public var allowChangedInputs = false
    public var threads = defaultThreadCount
    /// Where to write the new run as the next revision (written only when the replay succeeds).
    public var outputPath: String?
    /// The registry, and whether `register`/`promote`/`rollback` cells may change it (--write-registry).
    public var registryFolder = Registry.defaultFolder(nil)
    public var writeRegistry = false
    /// As `Session.isolatedReader`.
    public var isolatedReader: IsolatedReader?
    /// As `Session.slurmRunner` (used only by a replay with --param, which searches anew).
    public var slurmRunner: (@Sendable (_ partition: String?) -> any RemoteTrialRunner)?
    public init() {}
  }

  /// What happened to one cell.
  public struct CellReport {
    public var position: Int
    public var source: String
    /// nil when the cell was not run (its input changed under `--check`).
    public var outcome: Interpreter.Outcome?
    /// Differences from the recorded outputs (only with `check`).
    public var differences: [JSONDifference]
    /// Input files whose content changed since the recording.
    public var changedInputs: [(RecordedInput, now: String)]
  }

  public struct Summary {
    public var cellsRun: Int
    public var cellsDiffering: Int
    /// Why the replay stopped early, naming the cell; nil when every cell ran.
    public var failure: String?
    public var wroteOutput: Bool
    public var succeeded: Bool { failure == nil && cellsDiffering == 0 }
  }

  let notebook: RecordedNotebook
  let options: Options

  public init(notebook: RecordedNotebook, options: Options) {
    self.notebook = notebook
    self.options = options
  }

  /// Replays every cell, calling `report` after each one.
  /// Replays every cell, calling `starting` before each code cell runs (its position) and `report` after.
  public func run(starting: (Int) -> Void = { _ in }, report: (CellReport) -> Void) -> Summary {
    var overrides = notebook.overrides
    for (name, value) in options.params { overrides[name] = value }
    // A file named by a recorded parameter that replay's --param changes was redirected on purpose.
    let redirected = Set(
      options.params.keys.compactMap { name in notebook.params.first { $0.0 == name }?.1.stringValue })
    var metadata = NotebookMetadata(created: isoTimestampNow(), seed: notebook.seed, source: notebook.source)
    metadata.revision = notebook.revision + 1
    metadata.parent = notebook.fileHash
    metadata.overrides = overrides
    let recorder = NotebookRecorder(path: options.outputPath, metadata: metadata, writesEachCell: false)
    let registry = SessionRegistry(folder: options.registryFolder, writes: options.writeRegistry)
    registry.notebookPath = notebook.path
    registry.reproducing = options.params.isEmpty
    let session = Session(seed: notebook.seed, threads: options.threads, paramOverrides: overrides, registry: registry)
    session.isolatedReader = options.isolatedReader
    session.slurmRunner = options.slurmRunner
    let interpreter = Interpreter(session: session, recorder: recorder)
    var summary = Summary(cellsRun: 0, cellsDiffering: 0, failure: nil, wroteOutput: false)
    for cell in notebook.cells {
      if cell.isMarkdown {
        // Comments are prose: the new revision keeps them where they were.
        do {
          try recorder.appendMarkdown(cell.source)
        } catch {
          summary.failure = "the new revision was not saved: \(error.localizedDescription)"
          return summary
        }
        continue
      }
      let name = "cell \(cell.position) (\(ChainVerifier.summary(cell.source)))"
      var changed: [(RecordedInput, now: String)] = []
      for input in cell.inputs where !redirected.contains(input.path) {
        switch RegularFile.check(input.path) {
        case .regular: break
        case .missing:
          summary.failure = "\(name): its input file '\(input.path)' is missing (recorded sha256 \(input.sha256))"
          // A path that came from a parameter can be given anew without editing the notebook.
          if let parameter = notebook.params.first(where: { $0.1.stringValue == input.path })?.0 {
            summary.failure! += "; if it moved, give its new place: --param \(parameter)=\"NEW/PATH\""
          }
          return summary
        case .folder, .notRegular:
          summary.failure =
            "\(name): its input '\(input.path)' is not a regular file now (a folder, device or pipe); not read"
          return summary
        }
        let now = (try? SHA256Digest.hex(fileAt: input.path)) ?? ""
        if now != input.sha256 { changed.append((input, now)) }
      }
      if !changed.isEmpty, options.check, !options.allowChangedInputs {
        report(
          CellReport(
            position: cell.position, source: cell.source, outcome: nil, differences: [], changedInputs: changed))
        summary.failure =
          "\(name): its input '\(changed[0].0.path)' changed since it was recorded; replay with --allow-changed-inputs to run it anyway"
        return summary
      }
      let statement: Statement
      do {
        let statements = try Parser.parse(cell.source)
        guard statements.count == 1 else {
          summary.failure = "\(name): the cell holds \(statements.count) statements; a Labbook cell holds one"
          return summary
        }
        statement = statements[0]
      } catch {
        summary.failure = "\(name) does not parse: \(error)"
        return summary
      }
      registry.recordedCell = cell.labbook
      starting(cell.position)
      let (outcome, newCell, _) = interpreter.run(statement)
      summary.cellsRun += 1
      let replayed = newCell.outputs.map(\.json)
      let differences =
        options.check
        ? OutputComparison.comparable(cell.outputs, format: notebook.format).differences(
          from: OutputComparison.comparable(replayed, format: notebook.format), path: "outputs") : []
      if !differences.isEmpty { summary.cellsDiffering += 1 }
      report(
        CellReport(
          position: cell.position, source: cell.source, outcome: outcome, differences: differences,
          changedInputs: changed))
      let recordedFailure = cell.outputs.contains { $0["output_type"]?.stringValue == "error" }
      if case .failure(let error) = outcome, !recordedFailure {
        summary.failure = "\(name) failed on replay: \(error.message)"
        return summary
      }
    }
    if options.outputPath != nil, summary.succeeded || !options.check {
      do {
        try recorder.write()
        summary.wroteOutput = true
      } catch {
        summary.failure = "the new revision was not saved: \(error.localizedDescription)"
      }
    }
    return summary
  }
}

/// What replay compares: format-2 outputs in their canonical form (as nbformat loads them, so a notebook
/// re-saved by Jupyter still compares equal), plots and HTML included; format-1 notebooks, recorded
/// before outputs had HTML and a vendor MIME type, by their structured JSON and error messages.
enum OutputComparison {
  static func comparable(_ outputs: [JSONValue], format: Int) -> JSONValue {
    if format >= 2 { return .array(outputs.map(CanonicalCell.output)) }
    return .array(
      outputs.map { output in
        if output["output_type"]?.stringValue == "error" {
          return .object([("error", output["evalue"] ?? .null)])
        }
        let data = output["data"]
        return .object([("json", data?["application/json"] ?? data?[CellOutput.structuredType] ?? .null)])
      })
  }
}
