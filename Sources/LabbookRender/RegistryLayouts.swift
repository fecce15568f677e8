import LabbookCore
import LabbookData
import LabbookML
import LabbookRegistry
import LabbookValues

/// Layouts of the registry statements' results.
public enum RegistryLayouts {
  public static func registered(_ name: String, _ version: Int, _ aliases: [String], _ sha256: String) -> [Block] {
    var text = "\(name)@\(version)  sha256 \(sha256.prefix(16))…"
    if !aliases.isEmpty { text += "  aliases: " + aliases.joined(separator: ", ") }
    return [.line(text)]
  }

  public static func promotion(_ d: PromotionDecision) -> [Block] {
    guard let incumbent = d.incumbent, incumbent != d.candidate else {
      return [
        .line(
          d.incumbent == nil
            ? "\(d.name)@\(d.alias) → version \(d.candidate) (nobody held \(d.alias) yet)"
            : "\(d.name)@\(d.alias) already is version \(d.candidate)")
      ]
    }
    let candidateScore = d.candidateScore.map { formatNumber($0) } ?? "–"
    let incumbentScore = d.incumbentScore.map { formatNumber($0) } ?? "–"
    let scores =
      "\(d.metric) on \(d.table): version \(d.candidate) \(candidateScore), version \(incumbent) \(incumbentScore)"
    return [
      .line(
        d.promoted
          ? "\(d.name)@\(d.alias) → version \(d.candidate) (was \(incumbent)); \(scores)"
          : "\(d.name)@\(d.alias) stays version \(incumbent): version \(d.candidate) is not better; \(scores)")
    ]
  }

  public static func comparison(_ c: Comparison) -> [Block] {
    let names = Metrics.names(for: c.firstMetrics.task)
    let rows = names.compactMap { name -> [String]? in
      guard let x = c.firstMetrics.value(name), let y = c.secondMetrics.value(name) else { return nil }
      return [name + (name == c.metric ? " *" : ""), formatNumber(x), formatNumber(y)]
    }
    return [
      .line("on \(c.table):"),
      .table(GridTable(header: ["metric", c.first, c.second], rows: rows, numericColumns: [1, 2])),
      .line(c.better.map { "\($0) is better on \(c.metric)" } ?? "a tie on \(c.metric)"),
    ]
  }

  public static func listing(_ records: [VersionRecord]) -> [Block] {
    if records.isEmpty { return [.line("the registry is empty")] }
    let rows = records.map { record -> [String] in
      let score =
        record.metrics["accuracy"]?.doubleValue.map { "accuracy \(formatNumber($0))" }
        ?? record.metrics["r2"]?.doubleValue.map { "r2 \(formatNumber($0))" } ?? ""
      return [
        record.name, String(record.version), record.aliases.joined(separator: ", "), record.learner, score,
        record.creator, record.created,
      ]
    }
    return [
      .table(
        GridTable(
          header: ["name", "version", "aliases", "learner", "score", "creator", "created"], rows: rows,
          numericColumns: [1]))
    ]
  }
}
