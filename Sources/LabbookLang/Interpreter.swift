import Foundation
import LabbookCore
import LabbookData
import LabbookNotebook
import LabbookRender
import LabbookValues

/// Runs statements in a session and records each as a notebook cell: the one path shared by
/// `labbook run`, the REPL and replay.
public final class Interpreter {
  public let session: Session
  public let recorder: NotebookRecorder

  public init(session: Session, recorder: NotebookRecorder) {
    self.session = session
    self.recorder = recorder
  }

  public enum Outcome {
    case success(Value)
    case failure(LabError)
  }

  /// Executes `statement` and records it as the next cell. Errors keep their location in the
  /// caller's source (for the terminal); the recorded cell locates them within the cell itself.
  /// A failure to write the notebook is returned, never thrown, so no result is lost.
  /// A statement stopped by Ctrl-C (`Interrupt`) is not recorded (it has no result to replay); the cell
  /// returned for it is not in the notebook.
  public func run(_ statement: Statement) -> (outcome: Outcome, cell: NotebookCell, recordingError: String?) {
    var commentError: String?
    if !statement.comments.isEmpty { commentError = recordComments(statement.comments) }
    var result = execute(statement)
    if result.recordingError == nil { result.recordingError = commentError }
    return result
  }

  /// Records comment lines as a markdown cell; a failure to write is returned, never thrown.
  public func recordComments(_ lines: [String]) -> String? {
    do {
      try recorder.appendMarkdown(MarkdownCell.markdown(fromComments: lines))
      return nil
    } catch {
      return "the notebook was not saved: \(error.localizedDescription)"
    }
  }

  private func execute(_ statement: Statement) -> (outcome: Outcome, cell: NotebookCell, recordingError: String?) {
    let started = DispatchTime.now().uptimeNanoseconds
    session.registry.chainHead = recorder.chainHead
    session.registry.cellIndex = recorder.nextIndex
    let outcome: Outcome
    do {
      outcome = .success(try session.execute(statement))
    } catch let error as LabError {
      outcome = .failure(error)
    } catch {
      outcome = .failure(LabError("\(error)", at: statement.span))
    }
    let elapsed = Int((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000)
    let index = recorder.nextIndex
    if case .failure = outcome, Interrupt.isRequested {
      let stopped = LabError(
        "interrupted (Ctrl-C): the statement stopped after \(formatNumber((Double(elapsed) / 100).rounded() / 10)) s; nothing was assigned or recorded",
        at: statement.span)
      let cell = NotebookCell(
        index: index, source: statement.source, outputs: [], previousHash: recorder.chainHead,
        elapsedMilliseconds: elapsed, inputs: [], replay: [])
      return (.failure(stopped), cell, nil)
    }
    let outputs: [CellOutput]
    var replay: [(String, JSONValue)] = session.statementReplay
    switch outcome {
    case .success(let value):
      outputs =
        NotebookOutputs.outputs(for: value, executionCount: index)
        + session.statementWarnings.map { .stream(name: "stderr", text: "warning: \($0)\n") }
    case .failure(let error):
      // The cell's error points into the cell itself, so replaying the cell alone reproduces it exactly.
      let local = LabError(error.message, at: error.span.map { cellRelative($0, statement.span) })
      let report = ErrorReport.text(local, sourceName: "cell \(index)", source: statement.source)
      let traceback = report.split(separator: "\n").map(String.init)
      outputs = [.error(name: "LabbookError", message: error.message, traceback: traceback)]
      replay.append(("error", ErrorReport.json(local)))
    }
    let cell = NotebookCell(
      index: index, source: statement.source, outputs: outputs, previousHash: recorder.chainHead,
      elapsedMilliseconds: elapsed, inputs: session.statementInputs, replay: replay)
    recorder.setParams(session.params.map { ($0.0, $0.1.plainJSON) })
    do {
      try recorder.append(cell)
      return (outcome, cell, nil)
    } catch {
      return (outcome, cell, "the notebook was not saved: \(error.localizedDescription)")
    }
  }
}

/// A span of the script as a span of the cell whose statement starts at `start`.
func cellRelative(_ span: SourceSpan, _ start: SourceSpan) -> SourceSpan {
  let line = span.line - start.line + 1
  let column = span.line == start.line ? span.column - start.column + 1 : span.column
  return SourceSpan(line: max(1, line), column: max(1, column), length: span.length)
}
