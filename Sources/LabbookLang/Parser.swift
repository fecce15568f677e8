import Foundation
import LabbookCore
import LabbookRender
import LabbookValues

/// Parses a whole script (or one line from the prompt) into statements. Every statement is parsed
/// before any runs, so a syntax error anywhere is reported before the first statement executes.
public enum Parser {
  public static func parse(_ source: String) throws -> [Statement] {
    let tokens = try Lexer.tokenize(source)
    let characters = Array(source)
    var statements: [Statement] = []
    var start = 0
    var previousEnd = 0
    while start < tokens.count {
      var stop = start
      while !tokens[stop].isEnd { stop += 1 }
      if stop > start {
        let slice = Array(tokens[start..<stop]) + [tokens[stop]]
        let text = String(characters[tokens[start].start..<tokens[stop - 1].stop])
        var statement = try parseStatement(slice, source: text)
        statement.comments = commentLines(
          characters[previousEnd..<tokens[start].start], skippingFirstLine: !statements.isEmpty)
        statements.append(statement)
        previousEnd = tokens[stop - 1].stop
      }
      if tokens[stop].kind == .eof { break }
      start = stop + 1
    }
    return statements
  }

  /// The comment lines after the last statement (or of a script or prompt line that holds only comments).
  public static func trailingComments(_ source: String) throws -> [String] {
    let tokens = try Lexer.tokenize(source)
    let characters = Array(source)
    guard let last = tokens.last(where: { !$0.isEnd }) else {
      return commentLines(characters[...], skippingFirstLine: false)
    }
    return commentLines(characters[last.stop...], skippingFirstLine: true)
  }

  /// Whole-line comments in the text between two statements, without leading or trailing blank lines. The
  /// first line is the previous statement's own, so a comment at its end stays with it.
  static func commentLines(_ between: ArraySlice<Character>, skippingFirstLine: Bool) -> [String] {
    var lines = String(between).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if skippingFirstLine, !lines.isEmpty { lines.removeFirst() }
    var comments: [String] = []
    for line in lines {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.hasPrefix("#") {
        comments.append(trimmed)
      } else if trimmed.isEmpty, !comments.isEmpty {
        comments.append("")
      }
    }
    while comments.last == "" { comments.removeLast() }
    return comments
  }

  /// True when `text` ends inside an open bracket or after a continuation backslash, so the prompt
  /// should ask for more.
  public static func needsContinuation(_ text: String) -> Bool {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if trimmed.hasSuffix("\\") { return true }
    var depth = 0
    var inString = false
    var previous: Character = " "
    for c in text {
      if inString {
        if c == "\"" && previous != "\\" { inString = false }
      } else if c == "\"" {
        inString = true
      } else if c == "#" {
        break
      } else if c == "[" || c == "(" {
        depth += 1
      } else if c == "]" || c == ")" {
        depth -= 1
      } else if c == "\n" {
        // Comments end at the line's end; keep counting brackets on the next line.
      }
      previous = c
    }
    return depth > 0 && !inString
  }

  static func parseStatement(_ tokens: [Token], source: String) throws -> Statement {
    let first = tokens[0]
    // `NAME = ...` or `A, B = ...`: names separated by commas, then '='.
    var targets: [Located<String>] = []
    var index = 0
    if first.kind == .name(quoted: false) {
      var probe = 0
      var names: [Located<String>] = []
      while tokens[probe].kind == .name(quoted: false) {
        names.append(Located(tokens[probe].text, tokens[probe].span))
        probe += 1
        if tokens[probe].isSymbol(",") {
          probe += 1
          continue
        }
        break
      }
      if tokens[probe].isSymbol("=") && !names.isEmpty && first.text != "param" {
        targets = names
        index = probe + 1
        for name in names where CommandTable.reservedWords.contains(name.value) {
          throw LabError("'\(name.value)' is a reserved word and cannot name a variable", at: name.span)
        }
        if tokens[index].isEnd {
          throw LabError("nothing after '=': give a statement or a value", at: tokens[probe].span)
        }
      }
    }
    let head = tokens[index]
    let span = first.span
    if targets.isEmpty, head.isWord("param") {
      var parser = StatementParser(tokens: Array(tokens[(index + 1)...]), keyword: head)
      let name = try parser.name("a parameter name")
      try parser.expectSymbol("=")
      let value = try parser.value("a default value")
      try parser.finish()
      return Statement(targets: [], body: .param(name, value), source: source, span: span)
    }
    if head.kind == .name(quoted: false), let command = CommandTable.commands[head.text] {
      var parser = StatementParser(tokens: Array(tokens[(index + 1)...]), keyword: head)
      let parsed = try command.init(parsing: &parser)
      try parser.finish()
      return Statement(targets: targets, body: .command(parsed), source: source, span: span)
    }
    // A bare value: a variable to show, or a literal to bind.
    var parser = StatementParser(tokens: Array(tokens[index...]), keyword: head, isCommand: false)
    let value: ValueExpression
    do {
      value = try parser.value("a statement or a value")
      try parser.finish()
    } catch let error as LabError {
      if targets.isEmpty, head.kind == .name(quoted: false), !tokens[index + 1].isEnd {
        var message = "unknown statement '\(head.text)'"
        if let near = closestStatement(head.text) {
          message += "; did you mean `\(near)`?"
        } else {
          message += " (type `help` for the list)"
        }
        throw LabError(message, at: head.span)
      }
      throw error
    }
    return Statement(targets: targets, body: .value(value), source: source, span: span)
  }

  static func closestStatement(_ word: String) -> String? {
    let words = Array(CommandTable.commands.keys) + ["param"]
    return LabbookDataNames.closest(word, words)
  }
}
