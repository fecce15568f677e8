import LabbookCore
import LabbookData
import LabbookML
import LabbookRegistry
import LabbookValues

/// JSON (SPEC §3 `registered`, and the alias, rollback, listing and comparison results) and text of
/// the registry statements.
public enum RegistryJSON {
  public static func render(_ value: Value) -> JSONValue {
    switch value {
    case .registered(let name, let version, let aliases, let sha256):
      return .object([
        ("kind", .string("registered")), ("name", .string(name)), ("version", .num(version)),
        ("aliases", .array(aliases.map { .string($0) })), ("sha256", .string(sha256)),
      ])
    case .aliasMoved(let name, let alias, let version):
      return .object([
        ("kind", .string("alias")), ("name", .string(name)), ("alias", .string(alias)), ("version", .num(version)),
      ])
    case .rolledBack(let name, let alias, let from, let to):
      return .object([
        ("kind", .string("rollback")), ("name", .string(name)), ("alias", .string(alias)), ("from", .num(from)),
        ("to", .num(to)),
      ])
    case .registryListing(let records):
      return .object([("kind", .string("models")), ("versions", .array(records.map(\.json)))])
    case .promotion(let d):
      return .object([
        ("kind", .string("alias")), ("name", .string(d.name)), ("alias", .string(d.alias)),
        ("version", .num(d.promoted ? d.candidate : (d.incumbent ?? d.candidate))), ("promoted", .bool(d.promoted)),
        ("candidate", .num(d.candidate)), ("incumbent", d.incumbent.map { .num($0) } ?? .null),
        ("table", .string(d.table)), ("metric", .string(d.metric)),
        ("candidate_score", d.candidateScore.map { .num($0) } ?? .null),
        ("incumbent_score", d.incumbentScore.map { .num($0) } ?? .null),
      ])
    case .comparison(let c):
      return .object([
        ("kind", .string("comparison")), ("table", .string(c.table)), ("metric", .string(c.metric)),
        ("models", .array([.string(c.first), .string(c.second)])),
        ("first", .object(LearningJSON.fields(c.firstMetrics))),
        ("second", .object(LearningJSON.fields(c.secondMetrics))),
        ("better", .optional(c.better)),
      ])
    default: return .null
    }
  }
}

public enum RegistryText {
  public static func render(_ value: Value) -> String {
    switch value {
    case .registered(let name, let version, let aliases, let sha256):
      var text = "\(name)@\(version)  sha256 \(sha256.prefix(16))…"
      if !aliases.isEmpty { text += "  aliases: " + aliases.joined(separator: ", ") }
      return text
    case .aliasMoved(let name, let alias, let version):
      return "\(name)@\(alias) → version \(version)"
    case .rolledBack(let name, let alias, let from, let to):
      return "\(name)@\(alias) rolled back from version \(from) to version \(to)"
    case .registryListing(let records):
      return listing(records)
    case .promotion(let d):
      guard let incumbent = d.incumbent, incumbent != d.candidate else {
        return d.incumbent == nil
          ? "\(d.name)@\(d.alias) → version \(d.candidate) (nobody held \(d.alias) yet)"
          : "\(d.name)@\(d.alias) already is version \(d.candidate)"
      }
      let candidateScore = d.candidateScore.map { formatNumber($0) } ?? "–"
      let incumbentScore = d.incumbentScore.map { formatNumber($0) } ?? "–"
      let scores =
        "\(d.metric) on \(d.table): version \(d.candidate) \(candidateScore), version \(incumbent) \(incumbentScore)"
      return d.promoted
        ? "\(d.name)@\(d.alias) → version \(d.candidate) (was \(incumbent)); \(scores)"
        : "\(d.name)@\(d.alias) stays version \(incumbent): version \(d.candidate) is not better; \(scores)"
    case .comparison(let c):
      let names = Metrics.names(for: c.firstMetrics.task)
      let rows = names.compactMap { name -> [String]? in
        guard let x = c.firstMetrics.value(name), let y = c.secondMetrics.value(name) else { return nil }
        return [name + (name == c.metric ? " *" : ""), formatNumber(x), formatNumber(y)]
      }
      let verdict = c.better.map { "\($0) is better on \(c.metric)" } ?? "a tie on \(c.metric)"
      return "on \(c.table):\n"
        + TableText.grid(header: ["metric", c.first, c.second], rows: rows, numericColumns: [1, 2]) + "\n" + verdict
    default: return ""
    }
  }

  public static func listing(_ records: [VersionRecord]) -> String {
    if records.isEmpty { return "the registry is empty" }
    let rows = records.map { record -> [String] in
      let score =
        record.metrics["accuracy"]?.doubleValue.map { "accuracy \(formatNumber($0))" }
        ?? record.metrics["r2"]?.doubleValue.map { "r2 \(formatNumber($0))" } ?? ""
      return [
        record.name, String(record.version), record.aliases.joined(separator: ", "), record.learner, score,
        record.creator, record.created,
      ]
    }
    return TableText.grid(
      header: ["name", "version", "aliases", "learner", "score", "creator", "created"], rows: rows, numericColumns: [1])
  }
}
