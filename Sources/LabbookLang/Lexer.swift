import LabbookCore
import LabbookRender
import LabbookValues

/// Turns source text into tokens. One statement per line; `;` also ends one; a trailing `\`
/// continues the line, as do open brackets; `#` starts a comment.
public struct Lexer {
  private let chars: [Character]
  private var index = 0
  private var line = 1
  private var column = 1
  private var depth = 0

  public init(_ source: String) { chars = Array(source) }

  public static func tokenize(_ source: String) throws -> [Token] {
    var lexer = Lexer(source)
    var tokens: [Token] = []
    while true {
      let token = try lexer.next()
      tokens.append(token)
      if token.kind == .eof { return tokens }
    }
  }

  private var current: Character? { index < chars.count ? chars[index] : nil }
  private func peek(_ offset: Int = 1) -> Character? { index + offset < chars.count ? chars[index + offset] : nil }

  private mutating func advance() {
    if chars[index] == "\n" {
      line += 1
      column = 1
    } else {
      column += 1
    }
    index += 1
  }

  private func span(from startColumn: Int, line startLine: Int, length: Int) -> SourceSpan {
    SourceSpan(line: startLine, column: startColumn, length: length)
  }

  public mutating func next() throws -> Token {
    while let c = current {
      if c == " " || c == "\t" || c == "\r" {
        advance()
      } else if c == "#" {
        while let c = current, c != "\n" { advance() }
      } else if c == "\\" {
        // A backslash followed only by spaces or a comment up to the end of the line continues it.
        var look = index + 1
        while look < chars.count, chars[look] == " " || chars[look] == "\t" || chars[look] == "\r" { look += 1 }
        if look >= chars.count || chars[look] == "\n" || chars[look] == "#" {
          while let c = current, c != "\n" { advance() }
          if current == "\n" { advance() }
        } else {
          throw LabError(
            "unexpected '\\': a backslash continues a line only at its end",
            at: span(from: column, line: line, length: 1))
        }
      } else if c == "\n" && depth > 0 {
        advance()
      } else {
        break
      }
    }
    let startIndex = index
    let startLine = line
    let startColumn = column
    func make(_ kind: Token.Kind, _ text: String) -> Token {
      Token(
        kind: kind, text: text, span: span(from: startColumn, line: startLine, length: index - startIndex),
        start: startIndex, stop: index)
    }
    guard let c = current else { return make(.eof, "") }
    if c == "\n" || c == ";" {
      advance()
      return make(.end, c == ";" ? ";" : "\\n")
    }
    if c.isLetter || c == "_" {
      var text = ""
      while let c = current, c.isLetter || c.isNumber || c == "_", c.isASCII {
        text.append(c)
        advance()
      }
      if text.isEmpty {
        throw LabError(
          "unexpected character \(ErrorReport.visible(c) == String(c) ? "'\(c)'" : ErrorReport.visible(c))",
          at: span(from: startColumn, line: startLine, length: 1))
      }
      return make(.name(quoted: false), text)
    }
    if c == "`" {
      advance()
      var text = ""
      while let c = current, c != "`", c != "\n" {
        text.append(c)
        advance()
      }
      guard current == "`" else {
        throw LabError(
          "unterminated `name`: close it with a backtick",
          at: span(from: startColumn, line: startLine, length: text.count + 1))
      }
      advance()
      guard !text.isEmpty else {
        throw LabError("empty `` name", at: span(from: startColumn, line: startLine, length: 2))
      }
      return make(.name(quoted: true), text)
    }
    if c.isASCII && c.isNumber || (c == "." && (peek()?.isNumber ?? false)) {
      return try number(startIndex: startIndex, startLine: startLine, startColumn: startColumn)
    }
    if c == "\"" {
      return try string(startIndex: startIndex, startLine: startLine, startColumn: startColumn)
    }
    let twoCharacter = ["<=", ">=", "==", "!="]
    if let n = peek(), twoCharacter.contains(String([c, n])) {
      advance()
      advance()
      return make(.symbol, String([c, n]))
    }
    if "=,[]().+-*/^<>@".contains(c) {
      if c == "[" || c == "(" { depth += 1 }
      if (c == "]" || c == ")") && depth > 0 { depth -= 1 }
      advance()
      return make(.symbol, String(c))
    }
    if c == "!" {
      throw LabError(
        "unexpected '!': write `not` for negation and `!=` for inequality",
        at: span(from: startColumn, line: startLine, length: 1))
    }
    throw LabError(
      "unexpected character \(ErrorReport.visible(c) == String(c) ? "'\(c)'" : ErrorReport.visible(c))",
      at: span(from: startColumn, line: startLine, length: 1))
  }

  private mutating func number(startIndex: Int, startLine: Int, startColumn: Int) throws -> Token {
    var text = ""
    while let c = current, c.isASCII, c.isNumber || c == "." || c == "_" {
      if c != "_" { text.append(c) }
      advance()
    }
    if let c = current, c == "e" || c == "E", let n = peek(),
      n.isNumber || ((n == "-" || n == "+") && (peek(2)?.isNumber ?? false))
    {
      text.append(c)
      advance()
      if let sign = current, sign == "-" || sign == "+" {
        text.append(sign)
        advance()
      }
      while let c = current, c.isASCII, c.isNumber {
        text.append(c)
        advance()
      }
    }
    let here = SourceSpan(line: startLine, column: startColumn, length: index - startIndex)
    guard let value = Double(text) else { throw LabError("malformed number '\(text)'", at: here) }
    guard value.isFinite else { throw LabError("number '\(text)' is too large", at: here) }
    // A unit right after the number makes a duration.
    var unit = ""
    while let c = current, c.isLetter, c.isASCII {
      unit.append(c)
      advance()
    }
    let whole = SourceSpan(line: startLine, column: startColumn, length: index - startIndex)
    if unit.isEmpty {
      return Token(kind: .number(value), text: text, span: here, start: startIndex, stop: index)
    }
    let scale: [String: Double] = ["ms": 0.001, "s": 1, "m": 60, "h": 3600]
    guard let factor = scale[unit] else {
      throw LabError("unknown unit '\(unit)' after \(text): durations use ms, s, m or h (e.g. 30s)", at: whole)
    }
    return Token(kind: .duration(value * factor), text: text + unit, span: whole, start: startIndex, stop: index)
  }

  private mutating func string(startIndex: Int, startLine: Int, startColumn: Int) throws -> Token {
    advance()
    var value = ""
    while let c = current {
      if c == "\"" {
        advance()
        return Token(
          kind: .string(value), text: String(chars[startIndex..<index]),
          span: SourceSpan(line: startLine, column: startColumn, length: index - startIndex), start: startIndex,
          stop: index)
      }
      if c == "\n" { break }
      if c == "\\" {
        advance()
        guard let e = current else { break }
        switch e {
        case "n": value.append("\n")
        case "t": value.append("\t")
        case "\"": value.append("\"")
        case "\\": value.append("\\")
        default:
          throw LabError(
            "unknown escape '\\\(e)' in string (use \\\\ for a backslash)",
            at: SourceSpan(line: line, column: column - 1, length: 2))
        }
        advance()
      } else {
        value.append(c)
        advance()
      }
    }
    throw LabError(
      "unterminated string: close it with \" on the same line",
      at: SourceSpan(line: startLine, column: startColumn, length: 1))
  }
}
