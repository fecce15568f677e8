import CEditLine
import Foundation

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
      lb_set_catch_signals(0)
      lb_install_sigint_handler()
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
    _ = lb_take_interrupt()
    guard let pointer = readline(prompt) else {
      if lb_take_interrupt() != 0 {
        print("")
        return .interrupted
      }
      print("")
      return .end
    }
    defer { free(pointer) }
    if lb_take_interrupt() != 0 { return .interrupted }
    return .text(String(cString: pointer))
  }

  /// Adds an entered statement to the history file at once, so nothing is lost on a crash.
  func remember(_ text: String) {
    guard interactive, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return }
    add_history(text)
    write_history(historyPath)
  }
}
