import LabbookValues

/// Layouts as HTML for notebooks: what Jupyter, VS Code, nbconvert and GitHub show. Tables use pandas'
/// `dataframe` class, so every front end styles them as it styles a DataFrame; no scripts, no styles.
public enum HTMLWriter {
  public static func html(_ blocks: [Block]) -> String {
    var out = "<div class=\"labbook\">\n"
    for block in blocks {
      switch block {
      case .line(let text): out += "<p>\(escape(text))</p>\n"
      case .preformatted(let text): out += "<pre>\(escape(text))</pre>\n"
      case .table(let table): out += self.table(table)
      }
    }
    return out + "</div>"
  }

  static func table(_ table: GridTable) -> String {
    var out = "<table class=\"dataframe\">\n<thead>\n<tr>"
    for (index, cell) in table.header.enumerated() {
      out += "<th\(align(index, table))>\(escape(cell))</th>"
    }
    out += "</tr>\n</thead>\n<tbody>\n"
    for row in table.rows {
      out += "<tr>"
      for (index, cell) in row.enumerated() { out += "<td\(align(index, table))>\(escape(cell))</td>" }
      out += "</tr>\n"
    }
    return out + "</tbody>\n</table>\n"
  }

  private static func align(_ index: Int, _ table: GridTable) -> String {
    table.numericColumns.contains(index) ? " style=\"text-align: right\"" : ""
  }

  /// Text as HTML text: the five characters that mean something in markup are escaped.
  public static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
      switch character {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(character)
      }
    }
    return out
  }
}
