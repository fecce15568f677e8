import Foundation
import LabbookCore

/// Where a registered model came from: the notebook (path and the chain hash of the cells before the
/// `register` cell), the cell, and every input file the session read.
public struct Lineage: Sendable, Equatable {
  public struct Input: Sendable, Equatable {
    public var path: String
    public var sha256: String
    public init(path: String, sha256: String) {
      self.path = path
      self.sha256 = sha256
    }
  }
  public var notebook: String?
  public var notebookSHA256: String?
  public var cell: Int?
  public var inputs: [Input]

  public init(notebook: String? = nil, notebookSHA256: String? = nil, cell: Int? = nil, inputs: [Input] = []) {
    self.notebook = notebook
    self.notebookSHA256 = notebookSHA256
    self.cell = cell
    self.inputs = inputs
  }

  var json: JSONValue {
    .object([
      ("notebook", .optional(notebook)), ("notebook_sha256", .optional(notebookSHA256)),
      ("cell", cell.map { .num($0) } ?? .null),
      ("inputs", .array(inputs.map { .object([("path", .string($0.path)), ("sha256", .string($0.sha256))]) })),
    ])
  }
}

/// One registered version, as `registry show --json` prints it (SPEC §1's fields plus the model's
/// learner, task, target and description).
public struct VersionRecord: Sendable, Equatable {
  public var name: String
  public var version: Int
  public var sha256: String
  public var aliases: [String]
  public var tags: [(key: String, value: String)]
  public var description: String
  public var learner: String
  public var task: String
  public var target: String
  /// `{table, accuracy, ...}` of the latest `evaluate` of the model in the session, or null.
  public var metrics: JSONValue
  /// The latest fairness report of the model in the session, or null.
  public var fairness: JSONValue
  public var params: JSONValue
  public var lineage: Lineage
  public var creator: String
  public var created: String
  public var toolVersion: String

  public static func == (a: VersionRecord, b: VersionRecord) -> Bool {
    a.json.canonicalString == b.json.canonicalString
  }

  public var reference: String { "\(name)@\(version)" }

  public var json: JSONValue {
    .object([
      ("name", .string(name)), ("version", .num(version)), ("aliases", .array(aliases.map { .string($0) })),
      ("tags", .object(tags.map { ($0.key, .string($0.value)) })), ("sha256", .string(sha256)),
      ("description", .string(description)), ("learner", .string(learner)), ("task", .string(task)),
      ("target", .string(target)), ("metrics", metrics), ("fairness", fairness), ("params", params),
      ("lineage", lineage.json), ("creator", .string(creator)), ("created", .string(created)),
      ("tool_version", .string(toolVersion)),
    ])
  }
}

/// An entry of the append-only event log: a registration, an alias move, a rollback or an import.
public struct RegistryEvent: Sendable, Equatable {
  public var id: Int
  public var time: String
  public var name: String
  public var kind: String
  public var alias: String?
  public var fromVersion: Int?
  public var toVersion: Int?
  public var actor: String

  public var json: JSONValue {
    .object([
      ("id", .num(id)), ("time", .string(time)), ("name", .string(name)), ("kind", .string(kind)),
      ("alias", .optional(alias)), ("from", fromVersion.map { .num($0) } ?? .null),
      ("to", toVersion.map { .num($0) } ?? .null), ("actor", .string(actor)),
    ])
  }

  public var summary: String {
    switch kind {
    case "register": return "\(time)  \(actor) registered \(name)@\(toVersion ?? 0)"
    case "import": return "\(time)  \(actor) imported \(name)@\(toVersion ?? 0)"
    case "rollback":
      return "\(time)  \(actor) rolled \(name)@\(alias ?? "") back from \(fromVersion ?? 0) to \(toVersion ?? 0)"
    default:
      let from = fromVersion.map { " (was \($0))" } ?? ""
      return "\(time)  \(actor) moved \(name)@\(alias ?? "") to \(toVersion ?? 0)\(from)"
    }
  }
}
