import Foundation
import LabbookCore
import LabbookNotebook

/// Runs statements in a session and records each as a notebook cell: the one path shared by
/// `labbook run`, the REPL and (later) replay.
public final class Interpreter {
  public let session: Session
  public let recorder: NotebookRecorder?

  public init(session: Session, recorder: NotebookRecorder?) {
    self.session = session
    self.recorder = recorder
  }

  public enum Outcome {
    case success(Value)
    case failure(LabError)
  }

  /// Executes `statement` and records it. `sourceName` and `source` locate errors (the script, or
  /// the text typed at the prompt). Recording failures are reported but never lose the result.
  public func run(_ statement: Statement, sourceName: String, source: String) -> (Outcome, recordingError: String?) {
    let started = DispatchTime.now().uptimeNanoseconds
    let outcome: Outcome
    do {
      outcome = .success(try session.execute(statement))
    } catch let error as LabError {
      outcome = .failure(error)
    } catch {
      outcome = .failure(LabError("\(error)", at: statement.span))
    }
    let elapsed = Int((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000)
    guard let recorder else { return (outcome, nil) }
    let index = recorder.nextIndex
    let outputs: [CellOutput]
    var replay: [(String, JSONValue)] = []
    switch outcome {
    case .success(let value):
      outputs = [.result(executionCount: index, text: value.text, json: value.json)]
    case .failure(let error):
      let report = ErrorReport.text(error, sourceName: sourceName, source: source)
      outputs = [
        .error(name: "LabbookError", message: error.message, traceback: report.split(separator: "\n").map(String.init))
      ]
      replay.append(("error", ErrorReport.json(error)))
    }
    let cell = NotebookCell(
      index: index, source: statement.source, outputs: outputs, previousHash: recorder.chainHead,
      elapsedMilliseconds: elapsed,
      inputs: session.statementInputs, replay: replay)
    recorder.setParams(session.params.map { ($0.0, $0.1.plainJSON) })
    do {
      try recorder.append(cell)
      return (outcome, nil)
    } catch {
      return (outcome, "cannot write the notebook '\(recorder.path)': \(error.localizedDescription)")
    }
  }
}
