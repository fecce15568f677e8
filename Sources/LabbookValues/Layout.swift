/// What a result looks like, before it is text or HTML: lines, tables and preformatted text, in order (plain
/// data, so help pages can be written as layouts too).
/// Each kind of result has one layout (`*Layouts.swift`); `TextWriter` and `HTMLWriter` turn any layout
/// into their format, so the prompt, the notebook's text/plain and its text/html never disagree.
public enum Block: Sendable, Equatable {
  /// A line of prose (a heading, a summary, a note).
  case line(String)
  case table(GridTable)
  /// Text whose line breaks and spacing matter (help text).
  case preformatted(String)
}

/// A table: a header, rows of cells as text, and which columns hold numbers (right-aligned).
public struct GridTable: Sendable, Equatable {
  public var header: [String]
  public var rows: [[String]]
  public var numericColumns: Set<Int>

  public init(header: [String], rows: [[String]], numericColumns: Set<Int> = []) {
    self.header = header
    self.rows = rows
    self.numericColumns = numericColumns
  }
}
