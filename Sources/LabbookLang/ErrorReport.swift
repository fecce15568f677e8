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
      let text = String(sourceLines[span.line - 1]).replacingOccurrences(of: "\t", with: " ")
      let number = String(span.line)
      let gutter = String(repeating: " ", count: number.count)
      let available = max(1, text.count - span.column + 1)
      lines.append("\(gutter) |")
      lines.append("\(number) | \(text)")
      lines.append(
        "\(gutter) | " + String(repeating: " ", count: max(0, span.column - 1))
          + String(repeating: "^", count: min(span.length, available)))
    }
    return lines.joined(separator: "\n")
  }

  public static func json(_ error: LabError) -> JSONValue {
    .object([
      ("kind", .string("error")), ("message", .string(error.message)),
      ("line", error.span.map { .num($0.line) } ?? .null), ("column", error.span.map { .num($0.column) } ?? .null),
    ])
  }
}
