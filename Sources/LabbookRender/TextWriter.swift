/// Layouts as plain text: lines as they are, tables as aligned grids.
public enum TextWriter {
  public static func text(_ blocks: [Block]) -> String {
    blocks.map { block in
      switch block {
      case .line(let text), .preformatted(let text): return text
      case .table(let table): return grid(table)
      }
    }.joined(separator: "\n")
  }

  /// Columns padded to their widest cell; numbers right-aligned.
  public static func grid(_ table: GridTable) -> String {
    var widths = table.header.map(\.count)
    for row in table.rows {
      for (index, cell) in row.enumerated() where index < widths.count {
        widths[index] = max(widths[index], cell.count)
      }
    }
    func line(_ cells: [String]) -> String {
      var text = cells.enumerated().map { index, cell in
        let pad = String(repeating: " ", count: max(0, widths[index] - cell.count))
        return table.numericColumns.contains(index) ? pad + cell : cell + pad
      }.joined(separator: "  ")
      while text.last == " " { text.removeLast() }
      return text
    }
    var lines = [line(table.header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
    lines += table.rows.map(line)
    return lines.joined(separator: "\n")
  }
}
