import Foundation
import LabbookCore
import LabbookML

/// The model registry: versions of named models with their lineage, aliases and history, over a
/// `RegistryStore` — a folder (`registry.sqlite` and `models/NAME/N/`, the embedded default) or a
/// PostgreSQL database given as a `postgresql://` URL (records and model files in the database).
/// Every version has `model.h5` and `card.json`; a model file's sha256 is checked whenever it is read.
public final class Registry {
  /// The folder or URL (without its password) the registry is at.
  public var location: String { store.location }
  public let store: any RegistryStore

  public static let databaseName = FolderRegistryStore.databaseName

  /// Opens the registry in `folder`; with `create`, makes it when it does not exist.
  public convenience init(folder: String, create: Bool) throws {
    self.init(store: try FolderRegistryStore(folder: folder, create: create))
  }

  /// Opens the registry at a folder or a `postgresql://USER:PASSWORD@HOST:PORT/DATABASE` URL; with
  /// `create`, makes a folder registry, or the tables in an empty database, when there is none yet.
  public convenience init(location: String, create: Bool) throws {
    if PostgresRegistryStore.isURL(location) {
      self.init(store: try PostgresRegistryStore(url: location, create: create))
    } else {
      try self.init(folder: location, create: create)
    }
  }

  public init(store: any RegistryStore) { self.store = store }

  /// Whether a registry exists at `location` (a database URL is assumed to).
  public static func exists(at location: String) -> Bool {
    PostgresRegistryStore.isURL(location) || FolderRegistryStore.exists(location)
  }

  /// The location from --registry, else $LABBOOK_REGISTRY, else ./registry.
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

  /// A model's file, written once: its bytes and sha256 (what registration is keyed by).
  public struct PreparedModel: Sendable {
    public var sha256: String
    public var bytes: Data
  }

  /// The model's file and its sha256.
  public func prepare(_ model: TrainedModel) throws -> PreparedModel {
    try Self.prepare(model)
  }

  public static func prepare(_ model: TrainedModel) throws -> PreparedModel {
    try withScratchFile { path in
      try ModelArchive.write(model, to: path)
      guard let bytes = FileManager.default.contents(atPath: path) else {
        throw RegistryError("the model file just written cannot be read back")
      }
      return PreparedModel(sha256: SHA256Digest.hex(bytes), bytes: bytes)
    }
  }

  /// Runs `body` with a path in a fresh temporary folder, removed afterwards.
  static func withScratchFile<T>(_ body: (String) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "labbook-\(getpid())-\(UUID().uuidString.lowercased())"
    ).path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return try body(folder + "/model.h5")
  }

  /// Registers `model` as the next version of `name`, or returns the version that already holds the
  /// same model file (adding the new aliases and tags). The Bool says whether a version was created.
  public func register(_ model: TrainedModel, as name: String, details: Details) throws -> (VersionRecord, Bool) {
    try register(model, prepared: try prepare(model), as: name, details: details)
  }

  /// Registers a model whose file `prepare` already wrote (and whose sha256 the caller may have checked).
  public func register(_ model: TrainedModel, prepared: PreparedModel, as name: String, details: Details) throws
    -> (VersionRecord, Bool)
  {
    try ModelReference.validateName(name)
    for alias in details.aliases { try ModelReference.validateAlias(alias) }
    let candidate = NewVersion(
      name: name, sha256: prepared.sha256, aliases: details.aliases, tags: details.tags,
      description: details.description, learner: model.learnerName, task: model.task.rawValue, target: model.target,
      metrics: details.metrics, fairness: details.fairness, params: Self.params(model), lineage: details.lineage,
      creator: Self.actor, created: isoTimestampNow(), toolVersion: Labbook.version)
    return try store.register(candidate, actor: Self.actor) { record in
      var carded = record
      carded.aliases = details.aliases.sorted()
      let card = ModelCard.json(carded, model: model).prettyString(indent: 2) + "\n"
      return [VersionFiles.model: prepared.bytes, VersionFiles.card: Data(card.utf8)]
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
      var message = "no model named '\(reference.name)' in the registry at '\(location)'"
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
  public func load(_ reference: ModelReference, check: (String) throws -> Void = { _ in }) throws
    -> (TrainedModel, VersionRecord)
  {
    let record = try resolve(reference)
    let bytes = try modelFile(of: record)
    do {
      let model = try Self.withScratchFile { path in
        try bytes.write(to: URL(fileURLWithPath: path))
        try check(path)
        return try ModelArchive.read(from: path)
      }
      return (model, record)
    } catch let error as MLError {
      throw RegistryError("\(record.reference): \(error.message)")
    }
  }

  /// A version's model file, refused unless it has the sha256 it was registered with. (`load` takes a
  /// `check`, given the file's path before it is read: the executable reads it in a child process.)
  public func modelFile(of record: VersionRecord) throws -> Data {
    let bytes = try store.file(VersionFiles.model, of: record)
    let digest = SHA256Digest.hex(bytes)
    guard digest == record.sha256 else {
      throw RegistryError(
        "\(record.reference)'s model file was changed since it was registered (sha256 \(digest.prefix(12))…, registered \(record.sha256.prefix(12))…): refusing to use it"
      )
    }
    return bytes
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
