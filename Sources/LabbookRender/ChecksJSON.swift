import LabbookCore
import LabbookData
import LabbookML
import LabbookValues

/// JSON (SPEC §3 `fairness`, `drift`, and the model `mitigate` returns) and text of the checks.
public enum ChecksJSON {
  public static func render(_ value: Value) -> JSONValue {
    switch value {
    case .fairness(let model, let table, let report):
      return .object(
        [("kind", .string("fairness")), ("model", .string(model)), ("table", .string(table))] + fields(report))
    case .mitigated(let name, let model, let report):
      guard case .object(var pairs) = LearningJSON.model(name, model) else { return .null }
      pairs.append(("mitigation", mitigation(report)))
      return .object(pairs)
    case .drift(let report):
      return .object([
        ("kind", .string("drift")), ("reference", .string(report.reference)), ("current", .string(report.current)),
        (
          "columns",
          .array(
            report.columns.map { column in
              var pairs: [(String, JSONValue)] = [
                ("name", .string(column.name)), ("type", .string(column.type)), ("psi", .num(column.psi)),
              ]
              if column.type == "numeric" {
                pairs += [
                  ("ks_statistic", .num(column.ksStatistic ?? .nan)), ("ks_pvalue", .num(column.ksPValue ?? .nan)),
                ]
              } else {
                pairs.append(("chi2_pvalue", .num(column.chiSquarePValue ?? .nan)))
              }
              pairs.append(("drifted", .bool(column.drifted)))
              return .object(pairs)
            })
        ),
        ("drifted", .bool(report.drifted)),
        (
          "thresholds",
          .object([
            ("psi", .num(report.thresholds.psi)), ("pvalue", .num(report.thresholds.pValue)),
            ("share", .num(report.thresholds.share)),
          ])
        ),
        ("notes", .array(report.notes.map { .string($0) })),
      ])
    default: return .null
    }
  }

  public static func optionalNumber(_ value: Double?) -> JSONValue { value.map { .num($0) } ?? .null }

  public static func fields(_ report: FairnessReport) -> [(String, JSONValue)] {
    [
      (
        "protected",
        report.protected.count == 1 ? .string(report.protected[0]) : .array(report.protected.map { .string($0) })
      ),
      ("positive", .string(report.positive)),
      (
        "groups",
        .array(
          report.groups.map {
            .object([
              ("group", .string($0.group)), ("count", .num($0.count)), ("selection_rate", .num($0.selectionRate)),
              ("tpr", optionalNumber($0.truePositiveRate)), ("fpr", optionalNumber($0.falsePositiveRate)),
              ("precision", optionalNumber($0.precision)), ("accuracy", .num($0.accuracy)),
            ])
          })
      ),
      ("demographic_parity_difference", optionalNumber(report.demographicParityDifference)),
      ("demographic_parity_ratio", optionalNumber(report.demographicParityRatio)),
      ("equalized_odds_difference", optionalNumber(report.equalizedOddsDifference)),
      ("equalized_odds_ratio", optionalNumber(report.equalizedOddsRatio)),
      ("equal_opportunity_difference", optionalNumber(report.equalOpportunityDifference)),
      ("disparate_impact", optionalNumber(report.disparateImpact)),
      ("four_fifths_rule_passed", report.fourFifthsRulePassed.map { .bool($0) } ?? .null),
      ("notes", .array(report.notes.map { .string($0) })),
    ]
  }

  public static func mitigation(_ report: MitigationReport) -> JSONValue {
    var pairs: [(String, JSONValue)] = [
      ("method", .string(report.method.rawValue)), ("constraint", .optional(report.constraint?.rawValue)),
      ("table", .string(report.table)),
      ("before", .object([("accuracy", .num(report.accuracyBefore))] + fields(report.before))),
      ("after", .object([("accuracy", .num(report.accuracyAfter))] + fields(report.after))),
    ]
    if let thresholds = report.thresholds {
      pairs.append(
        (
          "thresholds",
          .array(
            zip(thresholds.labels, thresholds.thresholds).map {
              .object([("group", .string($0.0)), ("threshold", .num($0.1))])
            })
        ))
    }
    if !report.weights.isEmpty {
      pairs.append(
        (
          "weights",
          .array(
            report.weights.map {
              .object([("group", .string($0.group)), ("label", .string($0.label)), ("weight", .num($0.weight))])
            })
        ))
    }
    return .object(pairs)
  }
}
