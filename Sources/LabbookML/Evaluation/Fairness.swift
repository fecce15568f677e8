import Foundation
import LabbookData

/// A fairness report (SPEC §3): rates per group of the protected column(s) and the disparity
/// summaries of `fairlearn.metrics`, with its definitions:
/// - selection rate = P(ŷ = positive), TPR = TP/(TP+FN), FPR = FP/(FP+TN), precision = TP/(TP+FP);
/// - a difference is max − min over groups, a ratio min/max;
/// - demographic parity compares selection rates; equal opportunity compares TPRs; equalized odds
///   takes the larger of the TPR and FPR differences (the smaller of the two ratios);
/// - disparate impact is the selection-rate ratio, and the four-fifths rule passes when it is ≥ 0.8.
/// Where fairlearn (through scikit-learn's zero-division handling) would use 0 for a rate a group does
/// not define (TPR without positives, FPR without negatives, precision without predicted positives),
/// this report gives null and leaves that group out of the summaries that need the rate, with a note.
public struct FairnessReport: Sendable, Equatable {
  public struct Group: Sendable, Equatable {
    public var group: String
    public var count: Int
    public var selectionRate: Double
    public var truePositiveRate: Double?
    public var falsePositiveRate: Double?
    public var precision: Double?
    public var accuracy: Double
  }

  public var protected: [String]
  public var positive: String
  public var groups: [Group]
  public var demographicParityDifference: Double?
  public var demographicParityRatio: Double?
  public var equalizedOddsDifference: Double?
  public var equalizedOddsRatio: Double?
  public var equalOpportunityDifference: Double?
  public var disparateImpact: Double? { demographicParityRatio }
  public var fourFifthsRulePassed: Bool? { disparateImpact.map { $0 >= Self.fourFifths } }
  /// Why a figure is null, or what was left out.
  public var notes: [String]

  public static let fourFifths = 0.8

  public static let summaryNames = [
    "demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference", "equalized_odds_ratio",
    "equal_opportunity_difference", "disparate_impact", "four_fifths_rule_passed",
  ]

  /// A summary by its SPEC name (`four_fifths_rule_passed` as 1 or 0), for fields like `report.disparate_impact`.
  public func summary(_ name: String) -> Double? {
    switch name {
    case "demographic_parity_difference": return demographicParityDifference
    case "demographic_parity_ratio": return demographicParityRatio
    case "equalized_odds_difference": return equalizedOddsDifference
    case "equalized_odds_ratio": return equalizedOddsRatio
    case "equal_opportunity_difference": return equalOpportunityDifference
    case "disparate_impact": return disparateImpact
    case "four_fifths_rule_passed": return fourFifthsRulePassed.map { $0 ? 1 : 0 }
    default: return nil
    }
  }

  /// The report for predictions against the truth, rows assigned to `groups` (labels in report order).
  public static func compute(
    truth: [Bool], predicted: [Bool], groups: ProtectedGroups, positive: String
  ) -> FairnessReport {
    var counts = [(tp: Int, fp: Int, tn: Int, fn: Int)](repeating: (0, 0, 0, 0), count: groups.labels.count)
    for row in 0..<truth.count {
      let g = groups.rowGroups[row]
      switch (truth[row], predicted[row]) {
      case (true, true): counts[g].tp += 1
      case (false, true): counts[g].fp += 1
      case (false, false): counts[g].tn += 1
      case (true, false): counts[g].fn += 1
      }
    }
    var notes: [String] = []
    var rows: [Group] = []
    for (g, label) in groups.labels.enumerated() {
      let c = counts[g]
      let n = c.tp + c.fp + c.tn + c.fn
      guard n > 0 else { continue }
      func rate(_ numerator: Int, _ denominator: Int) -> Double? {
        denominator == 0 ? nil : Double(numerator) / Double(denominator)
      }
      let row = Group(
        group: label, count: n, selectionRate: Double(c.tp + c.fp) / Double(n),
        truePositiveRate: rate(c.tp, c.tp + c.fn), falsePositiveRate: rate(c.fp, c.fp + c.tn),
        precision: rate(c.tp, c.tp + c.fp), accuracy: Double(c.tp + c.tn) / Double(n))
      if row.truePositiveRate == nil {
        notes.append("group '\(label)' has no rows with truth '\(positive)': its TPR is undefined (null) and left out")
      }
      if row.falsePositiveRate == nil {
        notes.append("group '\(label)' has no rows with other truths: its FPR is undefined (null) and left out")
      }
      if row.precision == nil { notes.append("group '\(label)' has no predicted '\(positive)': its precision is null") }
      rows.append(row)
    }
    var report = FairnessReport(protected: groups.columns, positive: positive, groups: rows, notes: notes)
    let selection = Disparity(rows.map(\.selectionRate))
    let tpr = Disparity(rows.compactMap(\.truePositiveRate))
    let fpr = Disparity(rows.compactMap(\.falsePositiveRate))
    report.demographicParityDifference = selection.difference
    report.demographicParityRatio = selection.ratio
    report.equalOpportunityDifference = tpr.difference
    if let t = tpr.difference, let f = fpr.difference { report.equalizedOddsDifference = max(t, f) }
    if let t = tpr.ratio, let f = fpr.ratio { report.equalizedOddsRatio = min(t, f) }
    if rows.count < 2 { report.notes.append("only one group is present: disparities are 0 by definition") }
    if selection.difference != nil, selection.ratio == nil {
      report.notes.append("no group has a positive selection rate: the ratios are undefined (null)")
    }
    return report
  }
}

/// max − min and min/max of a set of rates (nil when empty; the ratio is nil when max is 0).
struct Disparity {
  var difference: Double?
  var ratio: Double?

  init(_ values: [Double]) {
    guard let low = values.min(), let high = values.max() else { return }
    difference = high - low
    ratio = high > 0 ? low / high : nil
  }
}

/// Rows assigned to groups of one or more protected columns: a categorical column's levels, a
/// whole-number column's values (when it has at most 20), or a numeric column cut at `bins` edges
/// (intervals closed on the right: `age<=25`, `25<age<=40`, `age>40`). Several columns make
/// intersectional groups, labelled `male, age<=25`; only combinations that occur are groups.
public struct ProtectedGroups: Sendable, Equatable {
  public var columns: [String]
  /// Group labels in report order: each column's levels in order, combined lexicographically.
  public var labels: [String]
  /// Each row's index into `labels`.
  public var rowGroups: [Int]

  public init(columns: [String], labels: [String], rowGroups: [Int]) {
    self.columns = columns
    self.labels = labels
    self.rowGroups = rowGroups
  }

  public static func make(_ table: Table, columns: [String], bins: [Double]?) throws -> ProtectedGroups {
    if columns.isEmpty { throw MLError("`protect` needs at least one column") }
    var perColumn: [(levels: [String], codes: [Int])] = []
    for name in columns {
      guard let column = table.columns.first(where: { $0.name == name }) else {
        throw MLError(table.unknownColumnMessage(name))
      }
      perColumn.append(try levels(of: column, bins: bins))
    }
    // Combine codes lexicographically, then keep the combinations that occur, in that order.
    var combined = [Int](repeating: 0, count: table.rowCount)
    for (levels, codes) in perColumn {
      for row in 0..<table.rowCount { combined[row] = combined[row] * levels.count + codes[row] }
    }
    let present = Set(combined).sorted()
    var index: [Int: Int] = [:]
    var labels: [String] = []
    for key in present {
      index[key] = labels.count
      var parts: [String] = []
      var rest = key
      for (levels, _) in perColumn.reversed() {
        parts.append(levels[rest % levels.count])
        rest /= levels.count
      }
      labels.append(parts.reversed().joined(separator: ", "))
    }
    return ProtectedGroups(columns: columns, labels: labels, rowGroups: combined.map { index[$0]! })
  }

  private static func levels(of column: Column, bins: [Double]?) throws -> (levels: [String], codes: [Int]) {
    let missing = "(missing)"
    switch column.values {
    case .categorical:
      let texts = (0..<column.count).map { column.text(at: $0) ?? missing }
      let levels = Set(texts).sorted()
      var index: [String: Int] = [:]
      for (i, level) in levels.enumerated() { index[level] = i }
      return (levels, texts.map { index[$0]! })
    case .numeric(let values):
      if let bins {
        let edges = bins.sorted()
        guard !edges.isEmpty, Set(edges).count == edges.count, edges.allSatisfy(\.isFinite) else {
          throw MLError("`bins` needs distinct finite edges, such as [25, 40, 60]")
        }
        let name = column.name
        var levels = ["\(name)<=\(formatNumber(edges[0]))"]
        for i in 1..<edges.count { levels.append("\(formatNumber(edges[i - 1]))<\(name)<=\(formatNumber(edges[i]))") }
        levels.append("\(name)>\(formatNumber(edges.last!))")
        levels.append(missing)
        let codes = values.map { value -> Int in
          if value.isNaN { return levels.count - 1 }
          return edges.firstIndex { value <= $0 } ?? edges.count
        }
        return (levels, codes)
      }
      let present = values.filter { !$0.isNaN }
      let distinct = Set(present).sorted()
      guard present.allSatisfy({ $0 == $0.rounded() }), distinct.count <= Target.maximumClassesForNumericTarget else {
        throw MLError(
          "protected column '\(column.name)' is numeric with \(distinct.count) distinct values: give group edges with `bins`, such as bins [25, 40, 60]"
        )
      }
      var levels = distinct.map { formatNumber($0) }
      levels.append(missing)
      var index: [Double: Int] = [:]
      for (i, value) in distinct.enumerated() { index[value] = i }
      return (levels, values.map { $0.isNaN ? levels.count - 1 : index[$0]! })
    }
  }
}

extension TrainedModel {
  /// The positive class for fairness: the given label, or for binary tasks the second class
  /// (1 for 0/1 targets, as for precision and recall).
  public func positiveClass(_ requested: String?) throws -> Int {
    guard task == .classification else {
      throw MLError("fairness needs a classification model; this one is a regression of '\(target)'")
    }
    if let requested {
      guard let index = classes.firstIndex(of: requested) ?? numericMatch(requested) else {
        throw MLError("'\(requested)' is not one of the model's classes: \(classes.joined(separator: ", "))")
      }
      return index
    }
    guard classes.count == 2 else {
      throw MLError(
        "with \(classes.count) classes, say which is the positive outcome: `positive LABEL` (one of \(classes.joined(separator: ", ")))"
      )
    }
    return 1
  }

  private func numericMatch(_ requested: String) -> Int? {
    guard let value = Double(requested) else { return nil }
    return classes.firstIndex { Double($0) == value }
  }

  /// The fairness report of this model's predictions on `table` (which has the target and the protected columns).
  public func fairness(on table: Table, protect columns: [String], bins: [Double]?, positive: String?) throws
    -> FairnessReport
  {
    let positiveIndex = try positiveClass(positive)
    let groups = try ProtectedGroups.make(table, columns: columns, bins: bins)
    if groups.labels.count < 2 {
      throw MLError(
        "protected column\(columns.count > 1 ? "s" : "") \(columns.map { "'\($0)'" }.joined(separator: ", ")) \(columns.count > 1 ? "have" : "has") a single group ('\(groups.labels.first ?? "")') in table '\(table.name)': there is nothing to compare"
      )
    }
    let truth = try Target.read(table, column: target, task: .classification, forLearning: false)
    let positiveLabel = classes[positiveIndex]
    let truthPositive = truth.codes.map { truth.classes[$0] == positiveLabel }
    guard let predicted = try predict(table).classIndices else {
      throw MLError("the model's predictions do not match its task")
    }
    return FairnessReport.compute(
      truth: truthPositive, predicted: predicted.map { $0 == positiveIndex }, groups: groups, positive: positiveLabel)
  }
}
