import Foundation
import LabbookCore
import LabbookML
import LabbookNotebook
import LabbookRegistry
import LabbookRender
import LabbookValues

/// What a session knows about the model registry and about the notebook it is recorded in: where the
/// registry is and whether statements may change it (replay without --write-registry may not), the
/// cell being run (for lineage), and, while replaying, what the cell recorded. Without write access,
/// `register` checks the model against the recorded sha256 and keeps it in memory, so later `use`,
/// `promote` and `rollback` cells of the same notebook replay without touching (or needing) a registry.
public final class SessionRegistry {
  public var folder: String
  public var writes: Bool
  /// The notebook being recorded, the chain hash before the current cell, and the cell's index.
  public var notebookPath: String?
  public var chainHead: String?
  public var cellIndex = 0
  /// The recorded cell's `metadata.labbook` while replaying it.
  public var recordedCell: JSONValue?
  /// True when replaying a notebook as recorded (no --param): registry cells must then reproduce what they
  /// recorded (the same model sha256, the same versions used and compared), whatever the registry holds now,
  /// and an automl cell re-runs its recorded trials instead of searching against the clock.
  public var reproducing = false

  private var opened: Registry?

  /// Models registered without writing (replay), by `NAME@N`, and the aliases they would have moved.
  var pendingModels: [String: (TrainedModel, sha256: String)] = [:]
  var pendingAliasHistory: [String: [Int]] = [:]

  public init(folder: String = Registry.defaultFolder(nil), writes: Bool = true) {
    self.folder = folder
    self.writes = writes
  }

  func registry(create: Bool) throws -> Registry {
    if let opened { return opened }
    let registry = try Registry(location: folder, create: create)
    opened = registry
    return registry
  }

  /// The registry when it exists (read-only use during replay), else nil.
  func existingRegistry() -> Registry? {
    guard Registry.exists(at: folder) else { return nil }
    return try? registry(create: false)
  }

  func pendingAliasKey(_ name: String, _ alias: String) -> String { name + "@" + alias }

  /// The version an alias holds in this replay's memory (or nil).
  func pendingAlias(_ name: String, _ alias: String) -> Int? { pendingAliasHistory[pendingAliasKey(name, alias)]?.last }
}
