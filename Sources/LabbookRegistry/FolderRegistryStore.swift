import Foundation
import GRDB
import LabbookCore

/// A registry folder: `registry.sqlite` for the records and one immutable folder per version,
/// `models/NAME/N/` with its files. SQLite runs in WAL mode (readers never wait for the writer) with
/// foreign keys and migrations, and every change is an IMMEDIATE transaction, so concurrent writers
/// from several processes queue on SQLite's write lock (with a generous busy timeout) instead of
/// racing. The event log refuses updates and deletes. A version's folder is written in `tmp/` and
/// renamed into place while the write lock is held, so a registration happens whole or not at all; a
/// folder left by a process killed between the rename and the commit has no record, is never listed,
/// and is replaced by the next registration of that number.
final class FolderRegistryStore: RegistryStore {
  let folder: String
  let pool: DatabasePool
  var location: String { folder }

  static let databaseName = "registry.sqlite"

  /// Opens the registry in `folder`; with `create`, makes it when it does not exist.
  init(folder: String, create: Bool) throws {
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
          "there is no registry at '\(folder)' yet: register a model first, or give --registry DIR or URL (or $LABBOOK_REGISTRY)"
        )
      }
      try fileManager.createDirectory(atPath: folder + "/models", withIntermediateDirectories: true)
    }
    try fileManager.createDirectory(atPath: folder + "/tmp", withIntermediateDirectories: true)
    var configuration = Configuration()
    configuration.busyMode = .timeout(120)
    configuration.foreignKeysEnabled = true
    do {
      pool = try DatabasePool(path: database, configuration: configuration)
      try Self.migrator.migrate(pool)
    } catch {
      throw RegistryError("'\(database)' cannot be opened as a registry database: \(error)")
    }
    removeAbandonedWork()
  }

  static func exists(_ folder: String) -> Bool {
    FileManager.default.fileExists(atPath: folder + "/" + databaseName)
  }

  func versionFolder(_ name: String, _ version: Int) -> String { "\(folder)/models/\(name)/\(version)" }

  func file(_ file: String, of record: VersionRecord) throws -> Data {
    let path = versionFolder(record.name, record.version) + "/" + file
    guard let data = FileManager.default.contents(atPath: path) else {
      throw RegistryError("\(record.reference)'s \(file) is missing: \(path)")
    }
    return data
  }

  func filesDescription(of record: VersionRecord) -> String {
    versionFolder(record.name, record.version) + "/{" + VersionFiles.all.joined(separator: ", ") + "}"
  }

  /// Work folders of processes that are gone (killed mid-registration) are deleted.
  private func removeAbandonedWork() {
    let tmp = folder + "/tmp"
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] {
      guard let pid = Int32(entry.split(separator: "-").first ?? "") else { continue }
      if kill(pid, 0) != 0, errno == ESRCH { try? FileManager.default.removeItem(atPath: tmp + "/" + entry) }
    }
  }

  /// Writes `files` into a work folder and renames it to the version's folder (replacing a folder a
  /// killed registration left without a record). Returns the folder, to remove if the transaction fails.
  private func place(_ record: VersionRecord, _ files: [String: Data]) throws -> String {
    let fileManager = FileManager.default
    let work = "\(folder)/tmp/\(getpid())-\(UUID().uuidString.lowercased())"
    try fileManager.createDirectory(atPath: work, withIntermediateDirectories: true)
    do {
      for (name, data) in files { try data.write(to: URL(fileURLWithPath: work + "/" + name)) }
      try fileManager.createDirectory(atPath: "\(folder)/models/\(record.name)", withIntermediateDirectories: true)
      let destination = versionFolder(record.name, record.version)
      if fileManager.fileExists(atPath: destination) { try fileManager.removeItem(atPath: destination) }
      try Registry.pauseForTests("before-rename")
      try fileManager.moveItem(atPath: work, toPath: destination)
      return destination
    } catch {
      try? fileManager.removeItem(atPath: work)
      throw error
    }
  }

  static var migrator: DatabaseMigrator {
    var migrator = DatabaseMigrator()
    migrator.registerMigration("v1") { db in
      try db.execute(
        sql: """
          CREATE TABLE versions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            version INTEGER NOT NULL CHECK (version >= 1),
            sha256 TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            learner TEXT NOT NULL,
            task TEXT NOT NULL,
            target TEXT NOT NULL,
            metrics TEXT NOT NULL,
            fairness TEXT NOT NULL,
            params TEXT NOT NULL,
            notebook TEXT,
            notebook_sha256 TEXT,
            cell INTEGER,
            creator TEXT NOT NULL,
            created TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            UNIQUE (name, version),
            UNIQUE (name, sha256)
          );
          CREATE TABLE inputs (
            version_id INTEGER NOT NULL REFERENCES versions(id),
            position INTEGER NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            PRIMARY KEY (version_id, position)
          );
          CREATE TABLE tags (
            version_id INTEGER NOT NULL REFERENCES versions(id),
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (version_id, key)
          );
          CREATE TABLE aliases (
            name TEXT NOT NULL,
            alias TEXT NOT NULL,
            version_id INTEGER NOT NULL REFERENCES versions(id),
            PRIMARY KEY (name, alias)
          );
          CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            time TEXT NOT NULL,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            alias TEXT,
            from_version INTEGER,
            to_version INTEGER,
            actor TEXT NOT NULL
          );
          CREATE TRIGGER events_are_not_updated BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'the registry event log is append-only'); END;
          CREATE TRIGGER events_are_not_deleted BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'the registry event log is append-only'); END;
          """)
    }
    return migrator
  }

  /// Runs `body` in an IMMEDIATE transaction: the write lock is taken before anything is read.
  private func exclusive<T>(_ body: (Database) throws -> T) throws -> T {
    try pool.writeWithoutTransaction { db in
      var result: T?
      try db.inTransaction(.immediate) {
        result = try body(db)
        return .commit
      }
      return result!
    }
  }

  // MARK: Writing

  func register(_ candidate: NewVersion, actor: String, files: (VersionRecord) throws -> [String: Data]) throws
    -> (VersionRecord, Bool)
  {
    var placed: String?
    do {
      return try exclusive { db in
        if let id = try Int.fetchOne(
          db, sql: "SELECT id FROM versions WHERE name = ? AND sha256 = ?",
          arguments: [candidate.name, candidate.sha256])
        {
          let number = try Int.fetchOne(db, sql: "SELECT version FROM versions WHERE id = ?", arguments: [id])!
          try addTags(db, id, candidate.tags)
          for alias in candidate.aliases {
            _ = try move(db, candidate.name, alias, to: number, kind: "alias", actor: actor)
          }
          return (try record(db, id)!, false)
        }
        let latest = try Int.fetchOne(
          db, sql: "SELECT MAX(version) FROM versions WHERE name = ?", arguments: [candidate.name])
        let record = candidate.record(version: (latest ?? 0) + 1)
        placed = try place(record, try files(record))
        try Registry.pauseForTests("after-rename")
        let id = try insert(db, record)
        try logEvent(db, candidate.name, "register", alias: nil, from: nil, to: record.version, actor: actor)
        for alias in candidate.aliases {
          _ = try move(db, candidate.name, alias, to: record.version, kind: "alias", actor: actor)
        }
        return (try self.record(db, id)!, true)
      }
    } catch {
      if let placed { try? FileManager.default.removeItem(atPath: placed) }
      throw error
    }
  }

  /// Inserts a version with its inputs and tags (not its aliases); returns its row id.
  private func insert(_ db: Database, _ record: VersionRecord) throws -> Int {
    try db.execute(
      sql: """
        INSERT INTO versions (name, version, sha256, description, learner, task, target, metrics, fairness, params,
          notebook, notebook_sha256, cell, creator, created, tool_version)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
      arguments: [
        record.name, record.version, record.sha256, record.description, record.learner, record.task, record.target,
        record.metrics.canonicalString, record.fairness.canonicalString, record.params.canonicalString,
        record.lineage.notebook, record.lineage.notebookSHA256, record.lineage.cell, record.creator, record.created,
        record.toolVersion,
      ])
    let id = Int(db.lastInsertedRowID)
    for (position, input) in record.lineage.inputs.enumerated() {
      try db.execute(
        sql: "INSERT INTO inputs (version_id, position, path, sha256) VALUES (?, ?, ?, ?)",
        arguments: [id, position, input.path, input.sha256])
    }
    try addTags(db, id, record.tags)
    return id
  }

  private func addTags(_ db: Database, _ id: Int, _ tags: [(key: String, value: String)]) throws {
    for tag in tags {
      try db.execute(
        sql:
          "INSERT INTO tags (version_id, key, value) VALUES (?, ?, ?) ON CONFLICT (version_id, key) DO UPDATE SET value = excluded.value",
        arguments: [id, tag.key, tag.value])
    }
  }

  private func logEvent(
    _ db: Database, _ name: String, _ kind: String, alias: String?, from: Int?, to: Int?, actor: String
  ) throws {
    try db.execute(
      sql: "INSERT INTO events (time, name, kind, alias, from_version, to_version, actor) VALUES (?, ?, ?, ?, ?, ?, ?)",
      arguments: [isoTimestampNow(), name, kind, alias, from, to, actor])
  }

  private func move(_ db: Database, _ name: String, _ alias: String, to number: Int, kind: String, actor: String) throws
    -> Int?
  {
    guard
      let id = try Int.fetchOne(
        db, sql: "SELECT id FROM versions WHERE name = ? AND version = ?", arguments: [name, number])
    else { throw RegistryError("\(name)@\(number) does not exist") }
    let previous = try currentAlias(db, name, alias)
    if previous == number { return previous }
    try db.execute(
      sql:
        "INSERT INTO aliases (name, alias, version_id) VALUES (?, ?, ?) ON CONFLICT (name, alias) DO UPDATE SET version_id = excluded.version_id",
      arguments: [name, alias, id])
    try logEvent(db, name, kind, alias: alias, from: previous, to: number, actor: actor)
    return previous
  }

  private func currentAlias(_ db: Database, _ name: String, _ alias: String) throws -> Int? {
    try Int.fetchOne(
      db,
      sql:
        "SELECT versions.version FROM aliases JOIN versions ON versions.id = aliases.version_id WHERE aliases.name = ? AND aliases.alias = ?",
      arguments: [name, alias])
  }

  func moveAlias(_ name: String, _ alias: String, to version: Int, actor: String) throws -> Int? {
    try exclusive { db in try move(db, name, alias, to: version, kind: "alias", actor: actor) }
  }

  func rollback(_ name: String, _ alias: String, actor: String) throws -> (Int, Int) {
    try exclusive { db in
      // Replay the alias's history: moves push a version, rollbacks pop one.
      var stack: [Int] = []
      let rows = try Row.fetchAll(
        db, sql: "SELECT kind, to_version FROM events WHERE name = ? AND alias = ? ORDER BY id",
        arguments: [name, alias])
      for row in rows {
        let kind: String = row["kind"]
        if kind == "rollback" {
          if !stack.isEmpty { stack.removeLast() }
        } else if let to: Int = row["to_version"] {
          stack.append(to)
        }
      }
      guard let current = try currentAlias(db, name, alias) else {
        throw RegistryError("\(name) has no alias '\(alias)' to roll back")
      }
      guard stack.count >= 2 else {
        throw RegistryError("\(name)@\(alias) has held only version \(current): there is nothing to roll back to")
      }
      let previous = stack[stack.count - 2]
      let id = try Int.fetchOne(
        db, sql: "SELECT id FROM versions WHERE name = ? AND version = ?", arguments: [name, previous])!
      try db.execute(
        sql: "UPDATE aliases SET version_id = ? WHERE name = ? AND alias = ?", arguments: [id, name, alias])
      try logEvent(db, name, "rollback", alias: alias, from: current, to: previous, actor: actor)
      return (current, previous)
    }
  }

  func importVersions(
    _ records: [VersionRecord], events: [RegistryEvent], actor: String,
    files: (VersionRecord) throws -> [String: Data]
  ) throws -> [VersionRecord] {
    var placed: [String] = []
    do {
      return try importRecords(records, events: events, actor: actor) { record in
        placed.append(try place(record, try files(record)))
      }
    } catch {
      for folder in placed { try? FileManager.default.removeItem(atPath: folder) }
      throw error
    }
  }

  private func importRecords(
    _ records: [VersionRecord], events: [RegistryEvent], actor: String, place: (VersionRecord) throws -> Void
  ) throws -> [VersionRecord] {
    try exclusive { db in
      var added: [VersionRecord] = []
      for record in records {
        if let sha = try String.fetchOne(
          db, sql: "SELECT sha256 FROM versions WHERE name = ? AND version = ?",
          arguments: [record.name, record.version])
        {
          guard sha == record.sha256 else {
            throw RegistryError(
              "\(record.reference) already exists here with another model (sha256 \(sha.prefix(12))…, importing \(record.sha256.prefix(12))…); nothing was imported"
            )
          }
          continue
        }
        if let other = try Int.fetchOne(
          db, sql: "SELECT version FROM versions WHERE name = ? AND sha256 = ?",
          arguments: [record.name, record.sha256])
        {
          throw RegistryError(
            "\(record.reference) is the same model as \(record.name)@\(other) here, under another number; nothing was imported"
          )
        }
        try place(record)
        _ = try insert(db, record)
        added.append(record)
      }
      // The exported history is kept as it was (times and actors), then the import itself is logged.
      func key(_ kind: String, _ time: String, _ alias: String?, _ from: Int?, _ to: Int?) -> String {
        [kind, time, alias ?? "", from.map(String.init) ?? "", to.map(String.init) ?? ""].joined(separator: "\u{1F}")
      }
      var existing = Set<String>()
      for name in Set(records.map(\.name)) {
        for row in try Row.fetchAll(db, sql: "SELECT * FROM events WHERE name = ?", arguments: [name]) {
          existing.insert(key(row["kind"], row["time"], row["alias"], row["from_version"], row["to_version"]))
        }
      }
      for event in events
      where !existing.contains(key(event.kind, event.time, event.alias, event.fromVersion, event.toVersion)) {
        try db.execute(
          sql:
            "INSERT INTO events (time, name, kind, alias, from_version, to_version, actor) VALUES (?, ?, ?, ?, ?, ?, ?)",
          arguments: [event.time, event.name, event.kind, event.alias, event.fromVersion, event.toVersion, event.actor])
      }
      for record in added {
        try logEvent(db, record.name, "import", alias: nil, from: nil, to: record.version, actor: actor)
      }
      // Aliases as the export had them, where this registry has no such alias yet.
      for record in records {
        for alias in record.aliases where try currentAlias(db, record.name, alias) == nil {
          _ = try move(db, record.name, alias, to: record.version, kind: "alias", actor: actor)
        }
      }
      return added
    }
  }

  // MARK: Reading

  func names() throws -> [String] {
    try pool.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT name FROM versions ORDER BY name") }
  }

  func versions(of name: String) throws -> [VersionRecord] {
    try pool.read { db in
      try Int.fetchAll(db, sql: "SELECT id FROM versions WHERE name = ? ORDER BY version", arguments: [name])
        .compactMap { try record(db, $0) }
    }
  }

  func version(_ name: String, _ number: Int) throws -> VersionRecord? {
    try pool.read { db in
      guard
        let id = try Int.fetchOne(
          db, sql: "SELECT id FROM versions WHERE name = ? AND version = ?", arguments: [name, number])
      else { return nil }
      return try record(db, id)
    }
  }

  func aliasTarget(_ name: String, _ alias: String) throws -> Int? {
    try pool.read { db in try currentAlias(db, name, alias) }
  }

  func events(of name: String) throws -> [RegistryEvent] {
    try pool.read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM events WHERE name = ? ORDER BY id", arguments: [name]).map { row in
        RegistryEvent(
          id: row["id"], time: row["time"], name: row["name"], kind: row["kind"], alias: row["alias"],
          fromVersion: row["from_version"], toVersion: row["to_version"], actor: row["actor"])
      }
    }
  }

  private func record(_ db: Database, _ id: Int) throws -> VersionRecord? {
    guard let row = try Row.fetchOne(db, sql: "SELECT * FROM versions WHERE id = ?", arguments: [id]) else {
      return nil
    }
    let inputs = try Row.fetchAll(
      db, sql: "SELECT path, sha256 FROM inputs WHERE version_id = ? ORDER BY position", arguments: [id]
    ).map { Lineage.Input(path: $0["path"], sha256: $0["sha256"]) }
    let tags = try Row.fetchAll(
      db, sql: "SELECT key, value FROM tags WHERE version_id = ? ORDER BY key", arguments: [id]
    )
    .map { (key: $0["key"] as String, value: $0["value"] as String) }
    let aliases = try String.fetchAll(
      db, sql: "SELECT alias FROM aliases WHERE version_id = ? ORDER BY alias", arguments: [id])
    func json(_ column: String) -> JSONValue { (try? JSONValue.parse(row[column] as String)) ?? .null }
    return VersionRecord(
      name: row["name"], version: row["version"], sha256: row["sha256"], aliases: aliases, tags: tags,
      description: row["description"], learner: row["learner"], task: row["task"], target: row["target"],
      metrics: json("metrics"), fairness: json("fairness"), params: json("params"),
      lineage: Lineage(
        notebook: row["notebook"], notebookSHA256: row["notebook_sha256"], cell: row["cell"], inputs: inputs),
      creator: row["creator"], created: row["created"], toolVersion: row["tool_version"])
  }
}
