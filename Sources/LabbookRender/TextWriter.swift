import LabbookValues

/// Layouts as plain text: lines as they are, tables as aligned grids. Given a width (a terminal's), lines
/// wrap between words and grids fit it as pandas fits a DataFrame: the first and last columns shown, the
/// middle elided as "…", long cells cut; widths are counted in terminal columns, not characters. Without a
/// width (notebooks, files, pipes) nothing is cut, so recorded text never depends on a terminal.
public enum TextWriter {
  /// How the header row of a grid is drawn (bold on a colour terminal); plain by default.
  public typealias Emphasis = @Sendable (String) -> String

  public static func text(_ blocks: [Block], width: Int? = nil, header: Emphasis? = nil) -> String {
    blocks.map { block in
      switch block {
      case .line(let text):
        guard let width else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).flatMap { line in
          let indent = String(line.prefix { $0 == " " })
          return DisplayWidth.wrap(String(line), width: width, first: indent, rest: indent + "  ")
        }.joined(separator: "\n")
      case .preformatted(let text): return text
      case .table(let table): return grid(table, width: width, header: header)
      }
    }.joined(separator: "\n")
  }

  /// Columns padded to their widest cell; numbers right-aligned.
  public static func grid(_ table: GridTable, width: Int? = nil, header: Emphasis? = nil) -> String {
    var table = table
    if let width { table = fitted(table, to: width) }
    var widths = table.header.map(DisplayWidth.of)
    for row in table.rows {
      for (index, cell) in row.enumerated() where index < widths.count {
        widths[index] = max(widths[index], DisplayWidth.of(cell))
      }
    }
    func line(_ cells: [String]) -> String {
      var text = cells.enumerated().map { index, cell in
        DisplayWidth.pad(cell, to: widths[index], right: table.numericColumns.contains(index))
      }.joined(separator: "  ")
      while text.last == " " { text.removeLast() }
      return text
    }
    let head = line(table.header)
    var lines = [header.map { $0(head) } ?? head]
    lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
    lines += table.rows.map(line)
    return lines.joined(separator: "\n")
  }

  /// The table narrowed to `width` columns: cells cut to at most 30 columns, then, if still too wide,
  /// columns taken alternately from the left and the right while they fit, with an "…" column between.
  static func fitted(_ table: GridTable, to width: Int) -> GridTable {
    let cellLimit = max(8, min(30, width / 3))
    var table = table
    table.header = table.header.map { DisplayWidth.truncate($0, to: cellLimit) }
    table.rows = table.rows.map { $0.map { DisplayWidth.truncate($0, to: cellLimit) } }
    let count = table.header.count
    let widths = (0..<count).map { column in
      table.rows.reduce(DisplayWidth.of(table.header[column])) { max($0, DisplayWidth.of($1[column])) }
    }
    if widths.reduce(0, +) + 2 * max(0, count - 1) <= width || count <= 1 { return table }
    // The ellipsis column and its separators take three columns.
    var left: [Int] = []
    var right: [Int] = []
    var used = 3
    var takeLeft = true
    while left.count + right.count < count {
      let next = takeLeft ? left.count : count - 1 - right.count
      let cost = widths[next] + 2
      if used + cost > width, !(left.isEmpty && right.isEmpty) { break }
      if takeLeft { left.append(next) } else { right.insert(next, at: 0) }
      used += cost
      takeLeft.toggle()
    }
    let keep = left + right
    guard keep.count < count else { return table }
    func pick(_ cells: [String]) -> [String] { left.map { cells[$0] } + ["…"] + right.map { cells[$0] } }
    var numeric: Set<Int> = []
    for (position, column) in (left + [-1] + right).enumerated() where table.numericColumns.contains(column) {
      numeric.insert(position)
    }
    return GridTable(header: pick(table.header), rows: table.rows.map(pick), numericColumns: numeric)
  }
}
