import Foundation
import LabbookCore
import LabbookRender
import LabbookValues

/// Renders an error the way a compiler does: the message, where it is, the line, and a caret.
public enum ErrorReport {
  public static func text(_ error: LabError, sourceName: String, source: String) -> String {
    var lines = ["error: \(error.message)"]
    guard let span = error.span else { return lines.joined(separator: "\n") }
    lines.append(" --> \(sourceName):\(span.line):\(span.column)")
    let sourceLines = source.split(separator: "\n", omittingEmptySubsequences: false)
    if span.line >= 1, span.line <= sourceLines.count {
      // One line of source, with control characters shown as U+XXXX (never echoed raw to a terminal)
      // and the caret moved to match.
      var text = ""
      var caretStart = 0
      var caretLength = 0
      for (offset, character) in sourceLines[span.line - 1].enumerated() {
        let shown = visible(character)
        if offset < span.column - 1 { caretStart += shown.count }
        if offset >= span.column - 1, offset < span.column - 1 + span.length { caretLength += shown.count }
        text += shown
      }
      let number = String(span.line)
      let gutter = String(repeating: " ", count: number.count)
      lines.append("\(gutter) |")
      lines.append("\(number) | \(text)")
      lines.append(
        "\(gutter) | " + String(repeating: " ", count: caretStart) + String(repeating: "^", count: max(1, caretLength)))
    }
    return lines.joined(separator: "\n")
  }

  /// A character as it may be printed: tabs as a space, other control characters as U+XXXX.
  static func visible(_ character: Character) -> String {
    if character == "\t" { return " " }
    guard let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
      scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
    else { return String(character) }
    return "U+" + String(format: "%04X", scalar.value)
  }

  public static func json(_ error: LabError) -> JSONValue {
    .object([
      ("kind", .string("error")), ("message", .string(error.message)),
      ("line", error.span.map { .num($0.line) } ?? .null), ("column", error.span.map { .num($0.column) } ?? .null),
    ])
  }
}
