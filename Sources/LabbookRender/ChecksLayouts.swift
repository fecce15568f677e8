import LabbookCore
import LabbookData
import LabbookML
import LabbookValues

/// Layouts of fairness reports, mitigated models and drift reports.
public enum ChecksLayouts {
  public static func fairness(_ model: String, _ table: String, _ report: FairnessReport) -> [Block] {
    [
      .line(
        "\(model) on \(table): fairness by \(report.protected.joined(separator: " × ")), positive '\(report.positive)'")
    ] + groups(report)
  }

  public static func mitigated(_ name: String, _ model: TrainedModel, _ report: MitigationReport) -> [Block] {
    var blocks = LearningLayouts.model(name, model)
    let how =
      report.method == .threshold
      ? "group thresholds for \(report.constraint?.rawValue ?? "")" : "reweighing (Kamiran & Calders)"
    blocks.append(.line("mitigated by \(how), on \(report.table):"))
    let rows: [[String]] =
      [["accuracy", formatNumber(report.accuracyBefore), formatNumber(report.accuracyAfter)]]
      + FairnessReport.summaryNames.map { name in
        [name, text(report.before.summary(name), name), text(report.after.summary(name), name)]
      }
    blocks.append(.table(GridTable(header: ["", "before", "after"], rows: rows, numericColumns: [1, 2])))
    if let thresholds = report.thresholds {
      blocks.append(
        .line(
          "thresholds: "
            + zip(thresholds.labels, thresholds.thresholds).map { "\($0.0) \(formatNumber($0.1))" }.joined(
              separator: ", ")))
    }
    if !report.weights.isEmpty {
      blocks.append(
        .line(
          "weights: "
            + report.weights.map { "\($0.group)/\($0.label) \(formatNumber($0.weight))" }.joined(separator: ", ")))
    }
    return blocks
  }

  public static func drift(_ report: DriftReport) -> [Block] {
    let rows = report.columns.map { column -> [String] in
      [
        column.name, column.type, formatNumber(column.psi), column.ksStatistic.map { formatNumber($0) } ?? "",
        (column.ksPValue ?? column.chiSquarePValue).map { formatNumber($0) } ?? "", column.drifted ? "yes" : "no",
      ]
    }
    let drifted = report.columns.filter(\.drifted).count
    var blocks: [Block] = [
      .line("drift from \(report.reference) to \(report.current)"),
      .table(
        GridTable(
          header: ["column", "type", "psi", "ks", "p-value", "drifted"], rows: rows, numericColumns: [2, 3, 4])),
      .line(
        "\(drifted) of \(report.columns.count) columns drifted (psi ≥ \(formatNumber(report.thresholds.psi)) or p < \(formatNumber(report.thresholds.pValue))): "
          + (report.drifted ? "the data has drifted" : "no overall drift")
          + " (threshold: \(formatNumber(report.thresholds.share * 100))% of columns)"),
    ]
    blocks += report.notes.map { .line("note: " + $0) }
    return blocks
  }

  /// A summary figure as text: "–" when undefined, yes/no for the four-fifths rule.
  public static func text(_ value: Double?, _ name: String) -> String {
    guard let value else { return "–" }
    if name == "four_fifths_rule_passed" { return value == 1 ? "yes" : "no" }
    return formatNumber(value)
  }

  static func groups(_ report: FairnessReport) -> [Block] {
    let rows = report.groups.map { group -> [String] in
      [
        group.group, String(group.count), formatNumber(group.selectionRate), text(group.truePositiveRate, ""),
        text(group.falsePositiveRate, ""), text(group.precision, ""), formatNumber(group.accuracy),
      ]
    }
    var blocks: [Block] = [
      .table(
        GridTable(
          header: ["group", "count", "selection", "tpr", "fpr", "precision", "accuracy"], rows: rows,
          numericColumns: [1, 2, 3, 4, 5, 6]))
    ]
    blocks += FairnessReport.summaryNames.map { .line("\($0): \(text(report.summary($0), $0))") }
    blocks += report.notes.map { .line("note: " + $0) }
    return blocks
  }
}
