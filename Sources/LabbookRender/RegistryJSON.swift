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
