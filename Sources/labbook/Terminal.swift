import ArgumentParser
import CEditLine
import Foundation
import LabbookRender

/// What the terminal Labbook writes to can show: its width (for fitting tables and wrapping text) and
/// whether to colour (errors, warnings, the caret, table headers). Colour follows `--color`, then
/// `NO_COLOR` (no colour when set, as no-color.org asks), then whether stderr/stdout is a terminal.
enum Terminal {
  enum ColorChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, always, never
  }

  nonisolated(unsafe) private static var choice = ColorChoice.auto

  static func configure(_ choice: ColorChoice) { self.choice = choice }

  /// Colour on a stream (1 stdout, 2 stderr)?
  static func colors(_ fd: Int32) -> Bool {
    switch choice {
    case .always: return true
    case .never: return false
    case .auto:
      if let value = ProcessInfo.processInfo.environment["NO_COLOR"], !value.isEmpty { return false }
      if ProcessInfo.processInfo.environment["TERM"] == "dumb" { return false }
      return isatty(fd) == 1
    }
  }

  /// Columns of stdout when it is a terminal ($COLUMNS first); nil for pipes and files (never cut there).
  static var width: Int? {
    if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text), columns >= 20 {
      return columns
    }
    guard isatty(1) == 1 else { return nil }
    let columns = Int(lb_terminal_columns(1))
    return columns >= 20 ? columns : nil
  }

  static func paint(_ text: String, _ code: String, on fd: Int32) -> String {
    colors(fd) ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }

  /// Bold grid headers on stdout when colouring.
  static var header: TextWriter.Emphasis? {
    guard colors(1) else { return nil }
    return { text in "\u{1B}[1m" + text + "\u{1B}[0m" }
  }
}

/// `--color`, taken by every command.
struct DisplayOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Colour errors, warnings and table headers: auto (on terminals, unless NO_COLOR), always, never."))
  var color: Terminal.ColorChoice = .auto

  func apply() { Terminal.configure(color) }
}
