import LabbookCore
import LabbookData
import LabbookValues

/// Layouts of tables and what describes them: a table's columns, its rows, `describe`, `check`, `vars`.
public enum TableLayouts {
  /// "150 rows × 5 columns", in the singular where it applies.
  public static func shape(_ table: Table) -> String {
    "\(counted(table.rowCount, "row")) × \(counted(table.columns.count, "column"))"
  }

  public static func counted(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

  /// Cell text cut to 24 characters for grids.
  public static func clip(_ text: String) -> String { text.count > 24 ? String(text.prefix(23)) + "…" : text }

  public static func summary(_ table: Table) -> [Block] {
    var title = "\(table.name): \(shape(table))"
    var roles: [String] = []
    if let target = table.target { roles.append("target \(target)") }
    if let protected = table.protected { roles.append("protected \(protected)") }
    if !roles.isEmpty { title += " (" + roles.joined(separator: ", ") + ")" }
    let shown = table.columns.count > 15 ? Array(table.columns.prefix(10)) : table.columns
    var blocks: [Block] = [
      .line(title),
      .table(
        GridTable(
          header: ["column", "type", "missing"], rows: shown.map { [$0.name, $0.typeName, String($0.missingCount)] },
          numericColumns: [2])),
    ]
    if shown.count < table.columns.count {
      blocks.append(
        .line("... and \(table.columns.count - shown.count) more columns (`describe \(table.name)` lists them all)"))
    }
    return blocks
  }

  public static func rows(_ table: Table, limit: Int) -> [Block] {
    let shown = min(limit, table.rowCount)
    let numeric = Set(table.columns.indices.filter { table.columns[$0].isNumeric })
    let body = (0..<shown).map { row in table.columns.map { clip($0.text(at: row) ?? "NA") } }
    return [
      .table(GridTable(header: table.columnNames.map(clip), rows: body, numericColumns: numeric)),
      .line("(\(shown) of \(table.rowCount) rows)"),
    ]
  }

  public static func describe(_ name: String, _ description: TableDescription) -> [Block] {
    let rows = description.columns.map { c -> [String] in
      let levels = c.levels.map { levels in
        let top = levels.sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.prefix(3)
        return top.map { "\($0.0): \($0.1)" }.joined(separator: ", ")
          + (levels.count > 3 ? ", ... (\(levels.count) levels)" : "")
      }
      return [
        clip(c.name), c.type, String(c.count), String(c.missing), c.mean.map { formatNumber($0) } ?? "",
        c.std.map { formatNumber($0) } ?? "", c.min.map { formatNumber($0) } ?? "",
        c.max.map { formatNumber($0) } ?? "", levels ?? "",
      ]
    }
    return [
      .line("\(name): \(description.rows) rows"),
      .table(
        GridTable(
          header: ["column", "type", "count", "missing", "mean", "std", "min", "max", "levels"], rows: rows,
          numericColumns: [2, 3, 4, 5, 6, 7])),
    ]
  }

  public static func findings(_ name: String, _ rows: Int, _ findings: [Finding]) -> [Block] {
    if findings.isEmpty { return [.line("\(name): \(rows) rows, no findings")] }
    let body = findings.map { [$0.severity.rawValue, $0.check, $0.column ?? "(table)", $0.message] }
    let counts = [Finding.Severity.error, .warning, .info].compactMap { severity -> String? in
      let n = findings.filter { $0.severity == severity }.count
      return n == 0 ? nil : "\(n) \(severity.rawValue)\(n == 1 ? "" : "s")"
    }
    return [
      .line("\(name): \(rows) rows, " + counts.joined(separator: ", ")),
      .table(GridTable(header: ["severity", "check", "column", "finding"], rows: body)),
    ]
  }

  public static func variables(_ summaries: [VariableSummary]) -> [Block] {
    if summaries.isEmpty { return [.line("no variables yet")] }
    return [
      .table(GridTable(header: ["name", "type", "value"], rows: summaries.map { [$0.name, $0.type, $0.summary] }))
    ]
  }
}
