import Foundation
import LabbookCore
import LabbookML

/// A model registry folder: `registry.sqlite` (records, through `RegistryStore`) and one immutable
/// folder per version, `models/NAME/N/` with `model.h5` and `card.json`. A version's folder is
/// prepared in `tmp/` and renamed into place while the store holds its write lock, so a registration
/// either happens whole or not at all; a folder left by a process killed between the rename and the
/// commit has no record, is never listed, and is replaced by the next registration of that number.
public final class Registry {
  public let folder: String
  let store: any RegistryStore

  public static let databaseName = "registry.sqlite"

  /// Opens the registry in `folder`; with `create`, makes it when it does not exist.
  public init(folder: String, create: Bool) throws {
    self.folder = folder
    let fileManager = FileManager.default
    var isDirectory: ObjCBool = false
    let exists = fileManager.fileExists(atPath: folder, isDirectory: &isDirectory)
    if exists, !isDirectory.boolValue {
      throw RegistryError("'\(folder)' is a file, not a registry folder")
    }
    let database = folder + "/" + Self.databaseName
    if exists, !fileManager.fileExists(atPath: database) {
      let contents = (try? fileManager.contentsOfDirectory(atPath: folder)) ?? []
      if !contents.isEmpty {
        throw RegistryError(
          "'\(folder)' is not a model registry (no \(Self.databaseName) in it, and it is not empty)")
      }
    }
    if !exists || !fileManager.fileExists(atPath: database) {
      guard create else {
        throw RegistryError(
          "there is no registry at '\(folder)' yet: register a model first, or give --registry DIR (or $LABBOOK_REGISTRY)"
        )
      }
      try fileManager.createDirectory(atPath: folder + "/models", withIntermediateDirectories: true)
    }
    try fileManager.createDirectory(atPath: folder + "/tmp", withIntermediateDirectories: true)
    do {
      store = try SQLiteRegistryStore(path: database)
    } catch {
      throw RegistryError("'\(database)' cannot be opened as a registry database: \(error)")
    }
    removeAbandonedWork()
  }

  /// The folder from --registry, else $LABBOOK_REGISTRY, else ./registry.
  public static func defaultFolder(_ given: String?) -> String {
    if let given, !given.isEmpty { return given }
    if let environment = ProcessInfo.processInfo.environment["LABBOOK_REGISTRY"], !environment.isEmpty {
      return environment
    }
    return "registry"
  }

  /// Who is acting: $USER, else $LOGNAME, else the account's name.
  static var actor: String {
    let environment = ProcessInfo.processInfo.environment
    if let user = environment["USER"] ?? environment["LOGNAME"], !user.isEmpty { return user }
    if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
    return "uid \(getuid())"
  }

  func versionFolder(_ name: String, _ version: Int) -> String { "\(folder)/models/\(name)/\(version)" }

  /// Where a version's model file is.
  public func modelFile(of record: VersionRecord) -> String { versionFolder(record.name, record.version) + "/model.h5" }

  /// Work folders of processes that are gone (killed mid-registration) are deleted.
  private func removeAbandonedWork() {
    let tmp = folder + "/tmp"
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] {
      guard let pid = Int32(entry.split(separator: "-").first ?? "") else { continue }
      if kill(pid, 0) != 0, errno == ESRCH { try? FileManager.default.removeItem(atPath: tmp + "/" + entry) }
    }
  }

  private func makeWorkFolder() throws -> String {
    let path = "\(folder)/tmp/\(getpid())-\(UUID().uuidString.lowercased())"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  // MARK: Registering

  /// What `register` records besides the model.
  public struct Details {
    public var aliases: [String] = []
    public var tags: [(key: String, value: String)] = []
    public var description = ""
    public var metrics: JSONValue = .null
    public var fairness: JSONValue = .null
    public var lineage = Lineage()
    public init() {}
  }

  /// The sha256 a model's file has (what registration is keyed by), and the file in a work folder.
  public func prepare(_ model: TrainedModel) throws -> (sha256: String, workFolder: String) {
    let work = try makeWorkFolder()
    do {
      try ModelArchive.write(model, to: work + "/model.h5")
      return (try SHA256Digest.hex(fileAt: work + "/model.h5"), work)
    } catch {
      try? FileManager.default.removeItem(atPath: work)
      throw error
    }
  }

  /// Registers `model` as the next version of `name`, or returns the version that already holds the
  /// same model file (adding the new aliases and tags). The Bool says whether a version was created.
  public func register(_ model: TrainedModel, as name: String, details: Details) throws -> (VersionRecord, Bool) {
    try register(model, prepared: try prepare(model), as: name, details: details)
  }

  /// Registers a model whose file `prepare` already wrote (and whose sha256 the caller may have checked);
  /// the work folder is consumed either way.
  public func register(
    _ model: TrainedModel, prepared: (sha256: String, workFolder: String), as name: String, details: Details
  ) throws -> (VersionRecord, Bool) {
    let (sha256, work) = prepared
    defer { try? FileManager.default.removeItem(atPath: work) }
    try ModelReference.validateName(name)
    for alias in details.aliases { try ModelReference.validateAlias(alias) }
    let candidate = NewVersion(
      name: name, sha256: sha256, aliases: details.aliases, tags: details.tags, description: details.description,
      learner: model.learnerName, task: model.task.rawValue, target: model.target, metrics: details.metrics,
      fairness: details.fairness, params: Self.params(model), lineage: details.lineage, creator: Self.actor,
      created: isoTimestampNow(), toolVersion: Labbook.version)
    var placed: String?
    do {
      return try store.register(candidate, actor: Self.actor) { version in
        let destination = versionFolder(name, version)
        try FileManager.default.createDirectory(
          atPath: "\(folder)/models/\(name)", withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: destination) {
          // Left by a registration that was killed before it committed: it has no record.
          try FileManager.default.removeItem(atPath: destination)
        }
        var record = VersionRecord(
          name: name, version: version, sha256: sha256, aliases: details.aliases, tags: details.tags,
          description: details.description, learner: candidate.learner, task: candidate.task,
          target: candidate.target, metrics: candidate.metrics, fairness: candidate.fairness, params: candidate.params,
          lineage: candidate.lineage, creator: candidate.creator, created: candidate.created,
          toolVersion: candidate.toolVersion)
        record.aliases.sort()
        try ModelCard.write(record, model: model, to: work + "/card.json")
        try Self.pauseForTests("before-rename")
        try FileManager.default.moveItem(atPath: work, toPath: destination)
        placed = destination
        try Self.pauseForTests("after-rename")
      }
    } catch {
      if let placed { try? FileManager.default.removeItem(atPath: placed) }
      throw error
    }
  }

  /// Lets the crash-safety test kill a registration at a chosen point (LABBOOK_TEST_PAUSE=point).
  static func pauseForTests(_ point: String) throws {
    guard ProcessInfo.processInfo.environment["LABBOOK_TEST_PAUSE"] == point else { return }
    FileHandle.standardError.write(Data("paused at \(point)\n".utf8))
    sleep(60)
  }

  static func params(_ model: TrainedModel) -> JSONValue {
    .object(
      model.parameters.keys.sorted().map { key in
        switch model.parameters[key]! {
        case .number(let v): return (key, .num(v))
        case .word(let w): return (key, .string(w))
        }
      })
  }

  // MARK: Reading

  public func names() throws -> [String] { try store.names() }
  public func versions(of name: String) throws -> [VersionRecord] { try store.versions(of: name) }
  public func events(of name: String) throws -> [RegistryEvent] { try store.events(of: name) }

  /// The version a reference names, or an error listing what exists.
  public func resolve(_ reference: ModelReference) throws -> VersionRecord {
    let versions = try store.versions(of: reference.name)
    if versions.isEmpty {
      let names = try store.names()
      var message = "no model named '\(reference.name)' in the registry at '\(folder)'"
      message += names.isEmpty ? " (it is empty)" : "; models: " + names.joined(separator: ", ")
      throw RegistryError(message)
    }
    let listing = versions.map { record in
      record.aliases.isEmpty ? String(record.version) : "\(record.version) (\(record.aliases.joined(separator: ", ")))"
    }.joined(separator: ", ")
    switch reference.selector {
    case .version(let n):
      guard let record = versions.first(where: { $0.version == n }) else {
        throw RegistryError("\(reference.name) has no version \(n); versions: \(listing)")
      }
      return record
    case .alias(let alias):
      guard let n = try store.aliasTarget(reference.name, alias),
        let record = versions.first(where: { $0.version == n })
      else {
        throw RegistryError("\(reference.name) has no alias '\(alias)'; versions: \(listing)")
      }
      return record
    case .latest:
      if let n = try store.aliasTarget(reference.name, "champion"),
        let record = versions.first(where: { $0.version == n })
      {
        return record
      }
      return versions.last!
    }
  }

  /// The model a reference names, read from its file after checking the file's sha256.
  public func load(_ reference: ModelReference) throws -> (TrainedModel, VersionRecord) {
    let record = try resolve(reference)
    let path = versionFolder(record.name, record.version) + "/model.h5"
    guard FileManager.default.fileExists(atPath: path) else {
      throw RegistryError("\(record.reference)'s model file is missing: \(path)")
    }
    let digest = try SHA256Digest.hex(fileAt: path)
    guard digest == record.sha256 else {
      throw RegistryError(
        "\(record.reference)'s model file was changed since it was registered (sha256 \(digest.prefix(12))…, registered \(record.sha256.prefix(12))…): refusing to use it"
      )
    }
    do {
      return (try ModelArchive.read(from: path), record)
    } catch let error as MLError {
      throw RegistryError("\(record.reference): \(error.message)")
    }
  }

  // MARK: Aliases

  /// Points `alias` at the version `reference` names; returns the version it held before.
  public func promote(_ reference: ModelReference, to alias: String) throws -> (VersionRecord, Int?) {
    try ModelReference.validateAlias(alias)
    let record = try resolve(reference)
    let previous = try store.moveAlias(record.name, alias, to: record.version, actor: Self.actor)
    return (try resolve(ModelReference(name: record.name, selector: .version(record.version))), previous)
  }

  /// Puts back the version `alias` held before its latest move; returns (from, to).
  public func rollback(_ name: String, alias: String) throws -> (Int, Int) {
    try ModelReference.validateName(name)
    try ModelReference.validateAlias(alias)
    _ = try resolve(ModelReference(name: name, selector: .latest))
    return try store.rollback(name, alias, actor: Self.actor)
  }
}
