import LabbookCore
import LabbookRender
import LabbookValues

public struct Token: Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    /// A name; `quoted` when written in backticks (a column name with spaces or symbols).
    case name(quoted: Bool)
    case number(Double)
    case string(String)
    /// A duration in seconds (`30s`, `2m`, `500ms`, `1h`).
    case duration(Double)
    case symbol
    /// The end of a statement: a newline or `;`.
    case end
    case eof
  }
  public var kind: Kind
  /// The token's text: a name's name, a symbol's characters, a literal as written.
  public var text: String
  public var span: SourceSpan
  /// Character offsets of the token in the source, for slicing statement text.
  public var start: Int
  public var stop: Int

  public var isEnd: Bool { kind == .end || kind == .eof }

  public func isSymbol(_ s: String) -> Bool { kind == .symbol && text == s }

  /// A bare (unquoted) name equal to `word`.
  public func isWord(_ word: String) -> Bool { kind == .name(quoted: false) && text == word }

  public var isName: Bool {
    if case .name = kind { return true }
    return false
  }
}
