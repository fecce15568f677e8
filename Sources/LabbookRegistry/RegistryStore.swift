import Foundation
import LabbookCore

/// Where the registry keeps everything: versions with their lineage, tags, aliases, the append-only
/// event log, and each version's files (`model.h5`, `card.json`). Two implementations: a folder
/// (`FolderRegistryStore`: SQLite through GRDB, and one folder per version) and a PostgreSQL database
/// (`PostgresRegistryStore`: the files in the database too, so a second machine needs nothing else).
/// `Registry` holds the logic on top (references, model files, cards, export and import), the same for
/// both; `RegistryStoreBehaviourTests` runs one suite against each.
public protocol RegistryStore: AnyObject {
  /// The registry's location for messages (a folder, or a URL without its password).
  var location: String { get }

  /// Registers `candidate` under the next version of its name, unless a version with the same sha256
  /// exists (then that version gains the new aliases and tags). `files(record)` gives the new version's
  /// files once its number is known; they are stored in the same transaction as the records, so a
  /// registration happens whole or not at all. The Bool says whether a version was created.
  func register(_ candidate: NewVersion, actor: String, files: (VersionRecord) throws -> [String: Data]) throws
    -> (VersionRecord, Bool)
  func names() throws -> [String]
  func versions(of name: String) throws -> [VersionRecord]
  func version(_ name: String, _ number: Int) throws -> VersionRecord?
  func aliasTarget(_ name: String, _ alias: String) throws -> Int?
  /// Points `alias` at `version`, logging the move; returns the version it pointed at before.
  func moveAlias(_ name: String, _ alias: String, to version: Int, actor: String) throws -> Int?
  /// Undoes the latest move of `alias` (the previous holder comes back); returns (from, to).
  func rollback(_ name: String, _ alias: String, actor: String) throws -> (Int, Int)
  func events(of name: String) throws -> [RegistryEvent]
  /// Adds versions exported elsewhere, keeping their numbers, lineage, aliases and events. Versions that
  /// exist with the same sha256 are skipped; one with the same number and another sha256 is an error.
  /// `files(record)` gives each new version's files, stored in the same transaction.
  func importVersions(
    _ records: [VersionRecord], events: [RegistryEvent], actor: String,
    files: (VersionRecord) throws -> [String: Data]
  ) throws -> [VersionRecord]
  /// One of a version's files, as stored (the caller checks its sha256).
  func file(_ file: String, of record: VersionRecord) throws -> Data
  /// Where a version's files are, for a person (`registry show`).
  func filesDescription(of record: VersionRecord) -> String
}

/// The files every version has.
public enum VersionFiles {
  public static let model = "model.h5"
  public static let card = "card.json"
  public static let all = [model, card]
}

/// What `register` hands the store (the store assigns the version and aliases).
public struct NewVersion: Sendable {
  public var name: String
  public var sha256: String
  public var aliases: [String]
  public var tags: [(key: String, value: String)]
  public var description: String
  public var learner: String
  public var task: String
  public var target: String
  public var metrics: JSONValue
  public var fairness: JSONValue
  public var params: JSONValue
  public var lineage: Lineage
  public var creator: String
  public var created: String
  public var toolVersion: String

  /// The record the version will have as number `version` (aliases are added as they are moved).
  func record(version: Int) -> VersionRecord {
    VersionRecord(
      name: name, version: version, sha256: sha256, aliases: [], tags: tags, description: description,
      learner: learner, task: task, target: target, metrics: metrics, fairness: fairness, params: params,
      lineage: lineage, creator: creator, created: created, toolVersion: toolVersion)
  }
}
