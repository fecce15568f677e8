import LabbookCore
import LabbookData
import LabbookRender
import LabbookValues

/// A cursor over one statement's tokens, with the small grammar pieces commands are built from.
public struct StatementParser {
  let tokens: [Token]
  var position = 0
  /// The keyword that started the statement, for messages.
  let keyword: Token
  /// How messages name what is being parsed: "`split`", or "the value".
  let subject: String
  /// Brackets and parentheses open right now; bounded so hostile input cannot exhaust the stack.
  private var nesting = 0
  static let maximumNesting = 100

  init(tokens: [Token], keyword: Token, isCommand: Bool = true) {
    self.tokens = tokens
    self.keyword = keyword
    self.subject = isCommand ? "`\(keyword.text)`" : "the statement"
  }

  public var current: Token { tokens[min(position, tokens.count - 1)] }
  public var atEnd: Bool { current.isEnd }

  mutating func advance() -> Token {
    let token = current
    if position < tokens.count - 1 { position += 1 }
    return token
  }

  func unexpected(_ expected: String) -> LabError {
    let token = current
    if token.isEnd {
      return LabError("\(subject) expected \(expected) here, but the statement ended", at: endSpan)
    }
    return LabError("\(subject) expected \(expected), found '\(token.text)'", at: token.span)
  }

  /// A one-character span just past the last token, for "ended too soon" errors.
  var endSpan: SourceSpan {
    let last = position > 0 ? tokens[position - 1] : current
    return SourceSpan(line: last.span.line, column: last.span.column + last.span.length, length: 1)
  }

  /// Consumes the bare word `word` if it is next.
  public mutating func accept(_ word: String) -> Bool {
    if current.isWord(word) {
      _ = advance()
      return true
    }
    return false
  }

  public mutating func expect(_ word: String) throws {
    guard accept(word) else { throw unexpected("`\(word)`") }
  }

  public mutating func expectSymbol(_ symbol: String) throws {
    guard current.isSymbol(symbol) else { throw unexpected("'\(symbol)'") }
    _ = advance()
  }

  /// A name (bare or in backticks); strings are accepted too, for column names with spaces.
  public mutating func name(_ what: String) throws -> Located<String> {
    let token = current
    switch token.kind {
    case .name: return Located(advance().text, token.span)
    case .string(let s):
      _ = advance()
      return Located(s, token.span)
    default: throw unexpected(what)
    }
  }

  /// A list of column names: `[a, b, "c d"]`, or `a, b` to the end of the statement.
  public mutating func columnList() throws -> [Located<String>] {
    var names: [Located<String>] = []
    if current.isSymbol("[") {
      _ = advance()
      if current.isSymbol("]") { throw unexpected("a column name") }
      while true {
        names.append(try name("a column name"))
        if current.isSymbol("]") {
          _ = advance()
          return names
        }
        try expectSymbol(",")
      }
    }
    names.append(try name("a column list such as [age, sex]"))
    while current.isSymbol(",") {
      _ = advance()
      names.append(try name("a column name"))
    }
    return names
  }

  /// A value: number, string, duration, list, variable or field.
  public mutating func value(_ what: String = "a value") throws -> ValueExpression {
    let token = current
    var result: ValueExpression
    switch token.kind {
    case .number(let v):
      _ = advance()
      result = .number(v, token.span)
    case .symbol where token.text == "-":
      _ = advance()
      guard case .number(let v) = current.kind else { throw unexpected("a number after '-'") }
      let number = advance()
      result = .number(-v, token.span.through(number.span))
    case .string(let s):
      _ = advance()
      result = .string(s, token.span)
    case .duration(let d):
      _ = advance()
      result = .duration(d, token.span)
    case .name:
      _ = advance()
      result = .variable(token.text, token.span)
    case .symbol where token.text == "[":
      try enterNesting(token)
      defer { nesting -= 1 }
      _ = advance()
      var items: [ValueExpression] = []
      if !current.isSymbol("]") {
        while true {
          items.append(try value("a list item"))
          if current.isSymbol("]") { break }
          try expectSymbol(",")
        }
      }
      let close = advance()
      result = .list(items, token.span.through(close.span))
    default:
      throw unexpected(what)
    }
    while current.isSymbol(".") {
      _ = advance()
      let field = current
      guard field.isName else { throw unexpected("a field name after '.'") }
      _ = advance()
      result = .field(result, field.text, result.span.through(field.span))
    }
    return result
  }

  /// Keyword options in any order (`ratio 0.8 seed 42`), each at most once.
  public mutating func options(_ allowed: [String: OptionKind]) throws -> [String: OptionValue] {
    var found: [String: OptionValue] = [:]
    while !atEnd {
      let token = current
      guard token.kind == .name(quoted: false), let kind = allowed[token.text] else {
        let names = allowed.keys.sorted().map { "`\($0)`" }.joined(separator: ", ")
        if allowed.isEmpty {
          throw LabError("unexpected '\(token.text)': `\(keyword.text)` takes nothing more", at: token.span)
        }
        var message = "unexpected '\(token.text)': `\(keyword.text)` takes \(names)"
        if let near = closestName(to: token.text, among: Array(allowed.keys)) { message += "; did you mean `\(near)`?" }
        throw LabError(message, at: token.span)
      }
      guard found[token.text] == nil else { throw LabError("`\(token.text)` given twice", at: token.span) }
      _ = advance()
      switch kind {
      case .value: found[token.text] = .value(try value("a value after `\(token.text)`"), token.span)
      case .name: found[token.text] = .name(try name("a column name after `\(token.text)`"), token.span)
      case .columns: found[token.text] = .columns(try columnList(), token.span)
      case .flag: found[token.text] = .flag(token.span)
      }
    }
    return found
  }

  /// Fails unless the statement ends here.
  public func finish() throws {
    guard atEnd else {
      throw LabError("unexpected '\(current.text)': \(subject) is complete before it", at: current.span)
    }
  }

  // MARK: Expressions (Pratt parser): or < and < not < comparison < + - < * / < unary - < ^ < postfix `is missing`

  public mutating func expression() throws -> Expression {
    try parseOr()
  }

  private mutating func parseOr() throws -> Expression {
    var left = try parseAnd()
    while current.isWord("or") {
      let op = advance()
      let right = try parseAnd()
      left = .binary(.or, left, right, op.span)
    }
    return left
  }

  private mutating func parseAnd() throws -> Expression {
    var left = try parseNot()
    while current.isWord("and") {
      let op = advance()
      let right = try parseNot()
      left = .binary(.and, left, right, op.span)
    }
    return left
  }

  private mutating func parseNot() throws -> Expression {
    if current.isWord("not") {
      try enterNesting(current)
      defer { nesting -= 1 }
      let op = advance()
      return .unary(.not, try parseNot(), op.span)
    }
    return try parseComparison()
  }

  private mutating func parseComparison() throws -> Expression {
    let left = try parseAdditive()
    let operators: [String: Expression.BinaryOperator] = [
      "<": .less, "<=": .lessOrEqual, ">": .greater, ">=": .greaterOrEqual, "==": .equal, "!=": .notEqual,
    ]
    if current.kind == .symbol, let op = operators[current.text] {
      let token = advance()
      let right = try parseAdditive()
      if current.kind == .symbol, operators[current.text] != nil {
        throw LabError("comparisons do not chain: write `a < b and b < c`", at: current.span)
      }
      return .binary(op, left, right, token.span)
    }
    if current.isSymbol("=") {
      throw LabError("'=' assigns; compare with '=='", at: current.span)
    }
    return left
  }

  private mutating func parseAdditive() throws -> Expression {
    var left = try parseMultiplicative()
    while current.isSymbol("+") || current.isSymbol("-") {
      let op = advance()
      let right = try parseMultiplicative()
      left = .binary(op.text == "+" ? .add : .subtract, left, right, op.span)
    }
    return left
  }

  private mutating func parseMultiplicative() throws -> Expression {
    var left = try parseUnary()
    while current.isSymbol("*") || current.isSymbol("/") {
      let op = advance()
      let right = try parseUnary()
      left = .binary(op.text == "*" ? .multiply : .divide, left, right, op.span)
    }
    return left
  }

  private mutating func enterNesting(_ token: Token) throws {
    nesting += 1
    if nesting > Self.maximumNesting {
      throw LabError("nested more than \(Self.maximumNesting) levels deep", at: token.span)
    }
  }

  private mutating func parseUnary() throws -> Expression {
    if current.isSymbol("-") {
      try enterNesting(current)
      defer { nesting -= 1 }
      let op = advance()
      return .unary(.negate, try parseUnary(), op.span)
    }
    return try parsePower()
  }

  private mutating func parsePower() throws -> Expression {
    let base = try parsePostfix()
    if current.isSymbol("^") {
      let op = advance()
      return .binary(.power, base, try parseUnary(), op.span)  // right-associative
    }
    return base
  }

  private mutating func parsePostfix() throws -> Expression {
    let operand = try parsePrimary()
    if current.isWord("is") {
      let token = advance()
      let negated = accept("not")
      guard current.isWord("missing") else { throw unexpected("`missing` after `is`") }
      let end = advance()
      return .isMissing(operand, negated: negated, token.span.through(end.span))
    }
    return operand
  }

  private mutating func parsePrimary() throws -> Expression {
    let token = current
    switch token.kind {
    case .number(let v):
      _ = advance()
      return .number(v, token.span)
    case .string(let s):
      _ = advance()
      return .text(s, token.span)
    case .name(let quoted):
      _ = advance()
      if !quoted, let function = Expression.Function(rawValue: token.text), current.isSymbol("(") {
        _ = advance()
        let argument = try expression()
        try expectSymbol(")")
        return .call(function, argument, token.span)
      }
      if !quoted, ["and", "or", "not", "is", "missing"].contains(token.text) {
        throw LabError("'\(token.text)' needs a value before it", at: token.span)
      }
      return .column(token.text, token.span)
    case .symbol where token.text == "(":
      try enterNesting(token)
      defer { nesting -= 1 }
      _ = advance()
      let inner = try expression()
      try expectSymbol(")")
      return inner
    default:
      throw unexpected("a column, number or string in the expression")
    }
  }
}

public enum OptionKind: Sendable {
  case value, name, columns
  /// A word that stands alone (`budget 20 trials`).
  case flag
}

public enum OptionValue: Sendable {
  case value(ValueExpression, SourceSpan)
  case name(Located<String>, SourceSpan)
  case columns([Located<String>], SourceSpan)
  case flag(SourceSpan)

  public var valueExpression: ValueExpression? {
    if case .value(let v, _) = self { return v }
    return nil
  }
  public var nameValue: Located<String>? {
    if case .name(let n, _) = self { return n }
    return nil
  }
  /// Where the option's keyword is.
  public var span: SourceSpan {
    switch self {
    case .value(_, let span), .name(_, let span), .columns(_, let span), .flag(let span): return span
    }
  }
}
