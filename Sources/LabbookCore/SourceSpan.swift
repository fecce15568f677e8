/// Where a token sits in the source: 1-based line and column, and its length in characters.
public struct SourceSpan: Equatable, Sendable, Codable {
  public var line: Int
  public var column: Int
  public var length: Int
  public init(line: Int, column: Int, length: Int) {
    self.line = line
    self.column = column
    self.length = max(1, length)
  }

  /// The span from the start of `self` to the end of `other` (same line), or `self` across lines.
  public func through(_ other: SourceSpan) -> SourceSpan {
    guard other.line == line, other.column >= column else { return self }
    return SourceSpan(line: line, column: column, length: other.column + other.length - column)
  }
}
