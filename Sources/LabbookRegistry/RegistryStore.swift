import Foundation
import LabbookCore

/// Where the registry keeps its records: versions with their lineage, tags, aliases and the
/// append-only event log. SQLite (through GRDB) is the embedded store; the protocol keeps a shared
/// server store (PostgreSQL) possible later without touching the registry's logic.
protocol RegistryStore {
  /// Registers `candidate` under the next version of its name, unless a version with the same sha256
  /// exists (then that version gains the new aliases and tags). `place(version)` moves the model's
  /// folder into place while the store holds its write lock; an error from it rolls everything back.
  func register(_ candidate: NewVersion, actor: String, place: (Int) throws -> Void) throws -> (VersionRecord, Bool)
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
  /// `place(version)` copies each new version's folder while the write lock is held.
  func importVersions(
    _ records: [VersionRecord], events: [RegistryEvent], actor: String, place: (VersionRecord) throws -> Void
  ) throws -> [VersionRecord]
}

/// What `register` hands the store (the store assigns the version, time and aliases).
struct NewVersion {
  var name: String
  var sha256: String
  var aliases: [String]
  var tags: [(key: String, value: String)]
  var description: String
  var learner: String
  var task: String
  var target: String
  var metrics: JSONValue
  var fairness: JSONValue
  var params: JSONValue
  var lineage: Lineage
  var creator: String
  var created: String
  var toolVersion: String
}
