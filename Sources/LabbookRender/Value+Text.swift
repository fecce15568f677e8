import Foundation
import LabbookData
import LabbookValues

/// How values look at the prompt and in a notebook's text/plain output.
extension Value {
  public var text: String {
    switch self {
    case .number(let v): return formatNumber(v, significant: 10)
    case .string(let s): return "\"\(s)\""
    case .duration(let d): return "\(formatNumber(d))s"
    case .list(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
    case .table(let table): return TableText.summary(table)
    case .loaded(let table, let source):
      return TableText.summary(table) + "\nread from \(source.path) (sha256 \(source.sha256.prefix(12))…)"
    case .tuple(let parts): return parts.map(\.text).joined(separator: "\n\n")
    case .description(let name, let description): return TableText.describe(name, description)
    case .findings(let name, let rows, let findings): return TableText.findings(name, rows, findings)
    case .rows(let table, let limit): return TableText.rows(table, limit: limit)
    case .predicted(let table, let unseen):
      guard unseen.rows > 0 else { return TableText.summary(table) }
      return TableText.summary(table)
        + "\n\(TableText.counted(unseen.rows, "row")) held levels never seen in training, read as missing: "
        + unseen.summary()
    case .saved(let path, let group, let table):
      return "saved \(table.name) (\(TableText.shape(table))) to \(path) at \(group)"
    case .variables(let summaries):
      if summaries.isEmpty { return "no variables yet" }
      return TableText.grid(
        header: ["name", "type", "value"], rows: summaries.map { [$0.name, $0.type, $0.summary] }, numericColumns: [])
    case .help(_, let text): return text
    case .history(let statements):
      if statements.isEmpty { return "no statements yet" }
      return statements.enumerated().map { "\($0.offset + 1)  \($0.element)" }.joined(separator: "\n")
    case .param(let name, let value, let overridden):
      return "\(name) = \(value.text)\(overridden ? "  (from --param)" : "")"
    case .pipeline, .model, .metrics, .crossValidation, .importance:
      return LearningText.render(self)
    case .fairness, .mitigated, .drift:
      return ChecksText.render(self)
    case .automl, .leaderboard:
      return AutoMLText.render(self)
    case .registered, .aliasMoved, .rolledBack, .registryListing, .comparison, .promotion:
      return RegistryText.render(self)
    }
  }

  /// One line about the value, for `vars`.
  public var summaryLine: String {
    switch self {
    case .table(let t): return TableText.shape(t)
    case .tuple(let parts): return "\(parts.count) values"
    case .description(let name, _): return "summary of \(name)"
    case .findings(let name, _, let f): return "\(f.count) findings on \(name)"
    default:
      let line = text.split(separator: "\n").first.map(String.init) ?? ""
      return line.count > 60 ? String(line.prefix(57)) + "..." : line
    }
  }
}

/// Aligned text tables.
public enum TableText {
  /// "150 rows × 5 columns", in the singular where it applies.
  public static func shape(_ table: Table) -> String {
    "\(counted(table.rowCount, "row")) × \(counted(table.columns.count, "column"))"
  }

  public static func counted(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

  public static func summary(_ table: Table) -> String {
    var lines = ["\(table.name): \(shape(table))"]
    var roles: [String] = []
    if let target = table.target { roles.append("target \(target)") }
    if let protected = table.protected { roles.append("protected \(protected)") }
    if !roles.isEmpty { lines[0] += " (" + roles.joined(separator: ", ") + ")" }
    let shown = table.columns.count > 15 ? Array(table.columns.prefix(10)) : table.columns
    let rows = shown.map { [$0.name, $0.typeName, String($0.missingCount)] }
    lines.append(grid(header: ["column", "type", "missing"], rows: rows, numericColumns: [2]))
    if shown.count < table.columns.count {
      lines.append(
        "... and \(table.columns.count - shown.count) more columns (`describe \(table.name)` lists them all)")
    }
    return lines.joined(separator: "\n")
  }

  public static func rows(_ table: Table, limit: Int) -> String {
    let shown = min(limit, table.rowCount)
    let header = table.columnNames
    let numeric = Set(table.columns.indices.filter { table.columns[$0].isNumeric })
    let body = (0..<shown).map { row in table.columns.map { clip($0.text(at: row) ?? "NA") } }
    var text = grid(header: header.map(clip), rows: body, numericColumns: numeric)
    text += "\n(\(shown) of \(table.rowCount) rows)"
    return text
  }

  public static func describe(_ name: String, _ description: TableDescription) -> String {
    let rows = description.columns.map { c -> [String] in
      let levels = c.levels.map { levels in
        let top = levels.sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.prefix(3)
        return top.map { "\($0.0): \($0.1)" }.joined(separator: ", ")
          + (levels.count > 3 ? ", ... (\(levels.count) levels)" : "")
      }
      return [
        clip(c.name), c.type, String(c.count), String(c.missing), c.mean.map { formatNumber($0) } ?? "",
        c.std.map { formatNumber($0) } ?? "", c.min.map { formatNumber($0) } ?? "",
        c.max.map { formatNumber($0) } ?? "",
        levels ?? "",
      ]
    }
    return "\(name): \(description.rows) rows\n"
      + grid(
        header: ["column", "type", "count", "missing", "mean", "std", "min", "max", "levels"], rows: rows,
        numericColumns: [2, 3, 4, 5, 6, 7])
  }

  public static func findings(_ name: String, _ rows: Int, _ findings: [Finding]) -> String {
    if findings.isEmpty { return "\(name): \(rows) rows, no findings" }
    let body = findings.map { [$0.severity.rawValue, $0.check, $0.column ?? "(table)", $0.message] }
    let counts = [Finding.Severity.error, .warning, .info].compactMap { severity -> String? in
      let n = findings.filter { $0.severity == severity }.count
      return n == 0 ? nil : "\(n) \(severity.rawValue)\(n == 1 ? "" : "s")"
    }
    return "\(name): \(rows) rows, " + counts.joined(separator: ", ") + "\n"
      + grid(header: ["severity", "check", "column", "finding"], rows: body, numericColumns: [])
  }

  public static func clip(_ text: String) -> String { text.count > 24 ? String(text.prefix(23)) + "…" : text }

  /// Columns padded to their widest cell; numbers right-aligned.
  public static func grid(header: [String], rows: [[String]], numericColumns: Set<Int>) -> String {
    var widths = header.map(\.count)
    for row in rows {
      for (index, cell) in row.enumerated() where index < widths.count {
        widths[index] = max(widths[index], cell.count)
      }
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { index, cell in
        let pad = String(repeating: " ", count: max(0, widths[index] - cell.count))
        return numericColumns.contains(index) ? pad + cell : cell + pad
      }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }
    var lines = [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
    lines += rows.map(line)
    return lines.joined(separator: "\n")
  }
}
