import LabbookCore
import LabbookData
import LabbookRender
import LabbookValues

/// A value with the place it was written.
public struct Located<T: Sendable>: Sendable {
  public var value: T
  public var span: SourceSpan
  public init(_ value: T, _ span: SourceSpan) {
    self.value = value
    self.span = span
  }
}

/// An argument as written: a literal, a variable, a list, or a field of a value (`search.best`).
public indirect enum ValueExpression: Sendable {
  case number(Double, SourceSpan)
  case string(String, SourceSpan)
  case duration(Double, SourceSpan)
  case list([ValueExpression], SourceSpan)
  case variable(String, SourceSpan)
  case field(ValueExpression, String, SourceSpan)

  public var span: SourceSpan {
    switch self {
    case .number(_, let s), .string(_, let s), .duration(_, let s), .list(_, let s), .variable(_, let s),
      .field(_, _, let s):
      return s
    }
  }

  /// `search.best` for a field of a variable, the name for a variable; nil for anything else.
  public var dottedName: String? {
    switch self {
    case .variable(let name, _): return name
    case .field(let base, let field, _): return base.dottedName.map { $0 + "." + field }
    default: return nil
    }
  }
}

/// One statement of a script or of the prompt.
public struct Statement: Sendable {
  public enum Body: Sendable {
    case command(any Command)
    /// `param NAME = DEFAULT`
    case param(Located<String>, ValueExpression)
    /// A bare value, shown (or bound with `NAME = value`).
    case value(ValueExpression)
  }
  /// Names bound by `NAME = ...` or `A, B = ...`.
  public var targets: [Located<String>]
  public var body: Body
  /// The statement exactly as written (the notebook cell's source).
  public var source: String
  public var span: SourceSpan
  /// The comment lines written just before the statement (they become a markdown cell).
  public var comments: [String] = []
}

/// A statement kind of the language: a keyword, help text, a parser and an executor. Commands are
/// entries in `CommandTable`, not special cases in the parser.
public protocol Command: Sendable {
  static var keyword: String { get }
  static var help: CommandHelp { get }
  /// Parses what follows the keyword.
  init(parsing parser: inout StatementParser) throws
  func execute(in session: Session) throws -> Value
}

public struct CommandHelp: Sendable {
  public var usage: String
  public var summary: String
  public var details: String
  public var example: String
}
