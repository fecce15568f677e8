import CEditLine
import Foundation
import LabbookCore

/// Reads statements' lines: with libedit (editing, history, completion) when both stdin and stdout
/// are terminals, else plain lines from stdin with no prompt.
final class LineReader {
  enum Line {
    case text(String)
    /// Ctrl-C: drop what was typed.
    case interrupted
    case end
  }

  let interactive: Bool
  private let historyPath: String

  init() {
    interactive = isatty(0) == 1 && isatty(1) == 1
    historyPath = (ProcessInfo.processInfo.environment["HOME"] ?? ".") + "/.labbook_history"
    if interactive {
      lb_use_utf8_characters()
      lb_set_catch_signals(0)
      InterruptSignal.install()
      lb_set_word_break_characters(" \t\n,[]()=+*^<>")
      lb_set_completion(attemptedCompletion)
      using_history()
      read_history(historyPath)
    }
  }

  func read(prompt: String) -> Line {
    guard interactive else {
      guard let line = Swift.readLine(strippingNewline: true) else { return .end }
      return .text(line)
    }
    _ = InterruptSignal.take()
    guard let pointer = readline(prompt) else {
      if InterruptSignal.take() {
        print("")
        return .interrupted
      }
      print("")
      return .end
    }
    defer { free(pointer) }
    if InterruptSignal.take() { return .interrupted }
    return .text(String(cString: pointer))
  }

  /// While a statement runs, turns Ctrl-C into a stop request (`Interrupt`) that long work checks
  /// between steps; without a terminal Ctrl-C keeps its default (the process ends). Cancel the watch
  /// when the statement is done.
  func watchInterrupts() -> DispatchSourceTimer? {
    Interrupt.clear()
    guard interactive else { return nil }
    _ = InterruptSignal.take()
    let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
    let announced = Announcement()
    let working = WorkingLine()
    timer.schedule(deadline: .now(), repeating: .milliseconds(50))
    timer.setEventHandler {
      working.tick()
      guard InterruptSignal.take() else { return }
      Interrupt.request()
      if announced.first() { FileHandle.standardError.write(Data("\nstopping…\n".utf8)) }
    }
    timer.setCancelHandler { working.clear() }
    timer.resume()
    return timer
  }

  /// Adds an entered statement to the history file at once, so nothing is lost on a crash.
  func remember(_ text: String) {
    guard interactive, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return }
    add_history(text)
    write_history(historyPath)
  }
}

/// True the first time only (the timer's handler runs on one queue at a time, but is @Sendable).
private final class Announcement: @unchecked Sendable {
  private var done = false
  private let lock = NSLock()
  func first() -> Bool {
    lock.withLock {
      defer { done = true }
      return !done
    }
  }
}

/// "working… 3 s" on stderr for a statement that runs longer than a second without counted progress of
/// its own (a large load or import), redrawn each second and cleared when it ends.
private final class WorkingLine: @unchecked Sendable {
  private let started = DispatchTime.now().uptimeNanoseconds
  private var shownSeconds = 0
  private let lock = NSLock()
  private let terminal = isatty(STDERR_FILENO) == 1

  func tick() {
    guard terminal, !WorkProgress.isShowing else { return }
    let seconds = Int((DispatchTime.now().uptimeNanoseconds - started) / 1_000_000_000)
    let draw = lock.withLock { () -> Bool in
      guard seconds >= 1, seconds != shownSeconds else { return false }
      shownSeconds = seconds
      return true
    }
    if draw { FileHandle.standardError.write(Data("\r\u{1B}[Kworking… \(seconds) s".utf8)) }
  }

  func clear() {
    if lock.withLock({ shownSeconds > 0 }) { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
  }
}
