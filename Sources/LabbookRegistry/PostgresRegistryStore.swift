import Foundation
import LabbookCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// A registry in a PostgreSQL database (`postgresql://USER:PASSWORD@HOST:PORT/DATABASE[?sslmode=...]`):
/// the same tables as the folder registry's SQLite file, plus `files` holding each version's
/// `model.h5` and `card.json` as bytea, so a second machine needs only the URL. Every change runs in one
/// transaction that first takes `LOCK TABLE versions IN EXCLUSIVE MODE` (readers go on; writers from
/// any number of processes or machines queue), so version numbers are gap-free and never handed out
/// twice, an alias move is atomic, and a registrant killed mid-transaction leaves nothing (the server
/// rolls back a transaction whose connection is gone). Triggers keep the event log and the files
/// append-only. Schema migrations are numbered in `labbook_migrations` and applied under an advisory
/// lock when a registry is opened, so a database made by an older Labbook opens in a newer one.
///
/// postgres-nio is asynchronous; the registry's API is synchronous (statements run one at a time), so
/// each query waits on its future from the calling thread, never on a Swift concurrency thread.
final class PostgresRegistryStore: RegistryStore {
  let location: String
  private let connection: PostgresConnection
  private let logger = Logger(label: "labbook.registry", factory: { _ in SwiftLogNoOpLogHandler() })
  private let lock = NSLock()

  static func isURL(_ text: String) -> Bool { text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") }

  /// The migrations in order, each a list of statements; a database records the highest it has applied.
  static let migrations: [[String]] = [
    [
      """
      CREATE TABLE versions (
        id BIGSERIAL PRIMARY KEY,
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
      )
      """,
      """
      CREATE TABLE inputs (
        version_id BIGINT NOT NULL REFERENCES versions(id),
        position INTEGER NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        PRIMARY KEY (version_id, position)
      )
      """,
      """
      CREATE TABLE tags (
        version_id BIGINT NOT NULL REFERENCES versions(id),
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (version_id, key)
      )
      """,
      """
      CREATE TABLE aliases (
        name TEXT NOT NULL,
        alias TEXT NOT NULL,
        version_id BIGINT NOT NULL REFERENCES versions(id),
        PRIMARY KEY (name, alias)
      )
      """,
      """
      CREATE TABLE events (
        id BIGSERIAL PRIMARY KEY,
        time TEXT NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        alias TEXT,
        from_version INTEGER,
        to_version INTEGER,
        actor TEXT NOT NULL
      )
      """,
      """
      CREATE TABLE files (
        version_id BIGINT NOT NULL REFERENCES versions(id),
        file TEXT NOT NULL,
        bytes BYTEA NOT NULL,
        PRIMARY KEY (version_id, file)
      )
      """,
      """
      CREATE FUNCTION labbook_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the registry''s % are append-only', TG_TABLE_NAME; END $$
      """,
      """
      CREATE TRIGGER events_are_append_only BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION labbook_append_only()
      """,
      """
      CREATE TRIGGER files_are_append_only BEFORE UPDATE OR DELETE ON files
        FOR EACH ROW EXECUTE FUNCTION labbook_append_only()
      """,
    ]
  ]

  /// An arbitrary constant: the advisory lock migrations are applied under.
  private static let migrationLock = 7_415_202_611

  init(url: String, create: Bool) throws {
    let (configuration, location) = try Self.configuration(url)
    self.location = location
    do {
      connection = try PostgresConnection.connect(
        on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 1,
        logger: Logger(label: "labbook.registry", factory: { _ in SwiftLogNoOpLogHandler() })
      ).wait()
    } catch {
      throw RegistryError("cannot connect to the registry at \(location): \(Self.describe(error))")
    }
    try migrate(create: create)
  }

  deinit { try? connection.close().wait() }

  /// The connection settings of a URL, and the URL without its password (for messages).
  static func configuration(_ url: String) throws -> (PostgresConnection.Configuration, String) {
    guard let parts = URLComponents(string: url), let host = parts.host, !host.isEmpty else {
      throw RegistryError(
        "'\(url)' is not a PostgreSQL URL such as postgresql://user:password@localhost:5432/registry")
    }
    let user = parts.user?.removingPercentEncoding ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
    let password = parts.password?.removingPercentEncoding
    let port = parts.port ?? 5432
    let path = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
    let database = path.isEmpty ? user : (path.removingPercentEncoding ?? path)
    let mode = parts.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
    let tls: PostgresConnection.Configuration.TLS
    switch mode {
    case "disable": tls = .disable
    case "prefer", "require":
      let context = try NIOSSLContext(configuration: .makeClientConfiguration())
      tls = mode == "prefer" ? .prefer(context) : .require(context)
    default:
      throw RegistryError("sslmode '\(mode)' is not one of disable, prefer, require")
    }
    let shown = "postgresql://\(user)@\(host):\(port)/\(database)"
    return (
      PostgresConnection.Configuration(
        host: host, port: port, username: user, password: password, database: database, tls: tls),
      shown
    )
  }

  /// A readable reason from a postgres-nio error: the server's message, or what went wrong on the way.
  static func describe(_ error: any Error) -> String {
    guard let error = error as? PSQLError else { return "\(error)" }
    if let message = error.serverInfo?[.message] { return message }
    if let underlying = error.underlying { return "\(underlying)" }
    return "\(error.code)"
  }

  // MARK: Queries

  @discardableResult
  private func run(_ query: PostgresQuery) throws -> [PostgresRow] {
    do {
      return try connection.query(query, logger: logger).wait().rows
    } catch {
      throw RegistryError("the registry at \(location) refused a query: \(Self.describe(error))")
    }
  }

  /// `body` in one transaction holding the registry's write lock; rolled back if it throws.
  private func exclusive<T>(_ body: () throws -> T) throws -> T {
    try lock.withLock {
      try run("BEGIN")
      do {
        try run("LOCK TABLE versions IN EXCLUSIVE MODE")
        let result = try body()
        try run("COMMIT")
        return result
      } catch {
        _ = try? connection.query("ROLLBACK", logger: logger).wait()
        throw error
      }
    }
  }

  private func reading<T>(_ body: () throws -> T) throws -> T { try lock.withLock { try body() } }

  private func migrate(create: Bool) throws {
    try lock.withLock {
      try run("SELECT pg_advisory_lock(\(Self.migrationLock))")
      defer { _ = try? connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger).wait() }
      let exists = try run("SELECT to_regclass('labbook_migrations') IS NOT NULL").first?.decode(Bool.self) ?? false
      if !exists {
        guard create else {
          throw RegistryError(
            "there is no registry at \(location) yet (the database has no Labbook tables): register a model first")
        }
        try run("CREATE TABLE labbook_migrations (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)")
      }
      let applied = try run("SELECT COALESCE(MAX(version), 0) FROM labbook_migrations").first?.decode(Int.self) ?? 0
      if applied > Self.migrations.count {
        throw RegistryError(
          "the registry at \(location) was made by a newer Labbook (schema \(applied), this one knows \(Self.migrations.count))"
        )
      }
      for (index, migration) in Self.migrations.enumerated() where index + 1 > applied {
        try run("BEGIN")
        do {
          for statement in migration {
            do {
              _ = try connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).wait()
            } catch {
              throw RegistryError("the registry at \(location) could not be migrated: \(Self.describe(error))")
            }
          }
          try run("INSERT INTO labbook_migrations (version, applied) VALUES (\(index + 1), \(isoTimestampNow()))")
          try run("COMMIT")
        } catch {
          _ = try? connection.query("ROLLBACK", logger: logger).wait()
          throw error
        }
      }
    }
  }

  // MARK: Writing

  func register(_ candidate: NewVersion, actor: String, files: (VersionRecord) throws -> [String: Data]) throws
    -> (VersionRecord, Bool)
  {
    try exclusive {
      if let id = try run(
        "SELECT id FROM versions WHERE name = \(candidate.name) AND sha256 = \(candidate.sha256)"
      ).first?.decode(Int.self) {
        let number = try run("SELECT version FROM versions WHERE id = \(id)").first!.decode(Int.self)
        try addTags(id, candidate.tags)
        for alias in candidate.aliases { _ = try move(candidate.name, alias, to: number, kind: "alias", actor: actor) }
        return (try record(id)!, false)
      }
      let latest = try run("SELECT MAX(version) FROM versions WHERE name = \(candidate.name)").first?.decode(Int?.self)
      let record = candidate.record(version: (latest ?? 0) + 1)
      let id = try insert(record)
      for (file, data) in try files(record).sorted(by: { $0.key < $1.key }) {
        try run("INSERT INTO files (version_id, file, bytes) VALUES (\(id), \(file), \(data))")
      }
      try Registry.pauseForTests("after-rename")
      try logEvent(candidate.name, "register", alias: nil, from: nil, to: record.version, actor: actor)
      for alias in candidate.aliases {
        _ = try move(candidate.name, alias, to: record.version, kind: "alias", actor: actor)
      }
      return (try self.record(id)!, true)
    }
  }

  private func insert(_ record: VersionRecord) throws -> Int {
    let metrics = record.metrics.canonicalString
    let fairness = record.fairness.canonicalString
    let params = record.params.canonicalString
    let id = try run(
      """
      INSERT INTO versions (name, version, sha256, description, learner, task, target, metrics, fairness, params,
        notebook, notebook_sha256, cell, creator, created, tool_version)
      VALUES (\(record.name), \(record.version), \(record.sha256), \(record.description), \(record.learner),
        \(record.task), \(record.target), \(metrics), \(fairness), \(params), \(record.lineage.notebook),
        \(record.lineage.notebookSHA256), \(record.lineage.cell), \(record.creator), \(record.created),
        \(record.toolVersion))
      RETURNING id
      """
    ).first!.decode(Int.self)
    for (position, input) in record.lineage.inputs.enumerated() {
      try run(
        "INSERT INTO inputs (version_id, position, path, sha256) VALUES (\(id), \(position), \(input.path), \(input.sha256))"
      )
    }
    try addTags(id, record.tags)
    return id
  }

  private func addTags(_ id: Int, _ tags: [(key: String, value: String)]) throws {
    for tag in tags {
      try run(
        "INSERT INTO tags (version_id, key, value) VALUES (\(id), \(tag.key), \(tag.value)) ON CONFLICT (version_id, key) DO UPDATE SET value = excluded.value"
      )
    }
  }

  private func logEvent(_ name: String, _ kind: String, alias: String?, from: Int?, to: Int?, actor: String) throws {
    try run(
      "INSERT INTO events (time, name, kind, alias, from_version, to_version, actor) VALUES (\(isoTimestampNow()), \(name), \(kind), \(alias), \(from), \(to), \(actor))"
    )
  }

  private func move(_ name: String, _ alias: String, to number: Int, kind: String, actor: String) throws -> Int? {
    guard
      let id = try run("SELECT id FROM versions WHERE name = \(name) AND version = \(number)").first?.decode(Int.self)
    else { throw RegistryError("\(name)@\(number) does not exist") }
    let previous = try currentAlias(name, alias)
    if previous == number { return previous }
    try run(
      "INSERT INTO aliases (name, alias, version_id) VALUES (\(name), \(alias), \(id)) ON CONFLICT (name, alias) DO UPDATE SET version_id = excluded.version_id"
    )
    try logEvent(name, kind, alias: alias, from: previous, to: number, actor: actor)
    return previous
  }

  private func currentAlias(_ name: String, _ alias: String) throws -> Int? {
    try run(
      "SELECT versions.version FROM aliases JOIN versions ON versions.id = aliases.version_id WHERE aliases.name = \(name) AND aliases.alias = \(alias)"
    ).first?.decode(Int.self)
  }

  func moveAlias(_ name: String, _ alias: String, to version: Int, actor: String) throws -> Int? {
    try exclusive { try move(name, alias, to: version, kind: "alias", actor: actor) }
  }

  func rollback(_ name: String, _ alias: String, actor: String) throws -> (Int, Int) {
    try exclusive {
      // Replay the alias's history: moves push a version, rollbacks pop one.
      var stack: [Int] = []
      for row in try run(
        "SELECT kind, to_version FROM events WHERE name = \(name) AND alias = \(alias) ORDER BY id")
      {
        let (kind, to) = try row.decode((String, Int?).self)
        if kind == "rollback" {
          if !stack.isEmpty { stack.removeLast() }
        } else if let to {
          stack.append(to)
        }
      }
      guard let current = try currentAlias(name, alias) else {
        throw RegistryError("\(name) has no alias '\(alias)' to roll back")
      }
      guard stack.count >= 2 else {
        throw RegistryError("\(name)@\(alias) has held only version \(current): there is nothing to roll back to")
      }
      let previous = stack[stack.count - 2]
      let id = try run("SELECT id FROM versions WHERE name = \(name) AND version = \(previous)").first!.decode(Int.self)
      try run("UPDATE aliases SET version_id = \(id) WHERE name = \(name) AND alias = \(alias)")
      try logEvent(name, "rollback", alias: alias, from: current, to: previous, actor: actor)
      return (current, previous)
    }
  }

  func importVersions(
    _ records: [VersionRecord], events: [RegistryEvent], actor: String,
    files: (VersionRecord) throws -> [String: Data]
  ) throws -> [VersionRecord] {
    try exclusive {
      var added: [VersionRecord] = []
      for record in records {
        if let sha = try run(
          "SELECT sha256 FROM versions WHERE name = \(record.name) AND version = \(record.version)"
        ).first?.decode(String.self) {
          guard sha == record.sha256 else {
            throw RegistryError(
              "\(record.reference) already exists here with another model (sha256 \(sha.prefix(12))…, importing \(record.sha256.prefix(12))…); nothing was imported"
            )
          }
          continue
        }
        if let other = try run(
          "SELECT version FROM versions WHERE name = \(record.name) AND sha256 = \(record.sha256)"
        ).first?.decode(Int.self) {
          throw RegistryError(
            "\(record.reference) is the same model as \(record.name)@\(other) here, under another number; nothing was imported"
          )
        }
        let id = try insert(record)
        for (file, data) in try files(record).sorted(by: { $0.key < $1.key }) {
          try run("INSERT INTO files (version_id, file, bytes) VALUES (\(id), \(file), \(data))")
        }
        added.append(record)
      }
      // The exported history is kept as it was (times and actors), then the import itself is logged.
      func key(_ kind: String, _ time: String, _ alias: String?, _ from: Int?, _ to: Int?) -> String {
        [kind, time, alias ?? "", from.map(String.init) ?? "", to.map(String.init) ?? ""].joined(separator: "\u{1F}")
      }
      var existing = Set<String>()
      for name in Set(records.map(\.name)) {
        for row in try run(
          "SELECT kind, time, alias, from_version, to_version FROM events WHERE name = \(name)")
        {
          let (kind, time, alias, from, to) = try row.decode((String, String, String?, Int?, Int?).self)
          existing.insert(key(kind, time, alias, from, to))
        }
      }
      for event in events
      where !existing.contains(key(event.kind, event.time, event.alias, event.fromVersion, event.toVersion)) {
        try run(
          "INSERT INTO events (time, name, kind, alias, from_version, to_version, actor) VALUES (\(event.time), \(event.name), \(event.kind), \(event.alias), \(event.fromVersion), \(event.toVersion), \(event.actor))"
        )
      }
      for record in added {
        try logEvent(record.name, "import", alias: nil, from: nil, to: record.version, actor: actor)
      }
      // Aliases as the export had them, where this registry has no such alias yet.
      for record in records {
        for alias in record.aliases where try currentAlias(record.name, alias) == nil {
          _ = try move(record.name, alias, to: record.version, kind: "alias", actor: actor)
        }
      }
      return added
    }
  }

  // MARK: Reading

  func names() throws -> [String] {
    try reading { try run("SELECT DISTINCT name FROM versions ORDER BY name").map { try $0.decode(String.self) } }
  }

  func versions(of name: String) throws -> [VersionRecord] {
    try reading {
      try run("SELECT id FROM versions WHERE name = \(name) ORDER BY version").compactMap {
        try record(try $0.decode(Int.self))
      }
    }
  }

  func version(_ name: String, _ number: Int) throws -> VersionRecord? {
    try reading {
      guard
        let id = try run("SELECT id FROM versions WHERE name = \(name) AND version = \(number)").first?.decode(Int.self)
      else { return nil }
      return try record(id)
    }
  }

  func aliasTarget(_ name: String, _ alias: String) throws -> Int? { try reading { try currentAlias(name, alias) } }

  func events(of name: String) throws -> [RegistryEvent] {
    try reading {
      try run(
        "SELECT id, time, name, kind, alias, from_version, to_version, actor FROM events WHERE name = \(name) ORDER BY id"
      ).map { row in
        let (id, time, name, kind, alias, from, to, actor) = try row.decode(
          (Int, String, String, String, String?, Int?, Int?, String).self)
        return RegistryEvent(
          id: id, time: time, name: name, kind: kind, alias: alias, fromVersion: from, toVersion: to, actor: actor)
      }
    }
  }

  func file(_ file: String, of record: VersionRecord) throws -> Data {
    try reading {
      guard
        let buffer = try run(
          "SELECT files.bytes FROM files JOIN versions ON versions.id = files.version_id WHERE versions.name = \(record.name) AND versions.version = \(record.version) AND files.file = \(file)"
        ).first?.decode(ByteBuffer.self)
      else { throw RegistryError("\(record.reference)'s \(file) is missing from the registry at \(location)") }
      return Data(buffer.readableBytesView)
    }
  }

  func filesDescription(of record: VersionRecord) -> String {
    "in the database: files of \(record.reference) {" + VersionFiles.all.joined(separator: ", ") + "}"
  }

  private func record(_ id: Int) throws -> VersionRecord? {
    guard
      let row = try run(
        """
        SELECT name, version, sha256, description, learner, task, target, metrics, fairness, params, notebook,
          notebook_sha256, cell, creator, created, tool_version FROM versions WHERE id = \(id)
        """
      ).first
    else { return nil }
    let cells = row.makeRandomAccess()
    func text(_ column: String) throws -> String { try cells[column].decode(String.self) }
    func json(_ column: String) -> JSONValue { (try? JSONValue.parse(try text(column))) ?? .null }
    let inputs = try run("SELECT path, sha256 FROM inputs WHERE version_id = \(id) ORDER BY position").map {
      let (path, sha256) = try $0.decode((String, String).self)
      return Lineage.Input(path: path, sha256: sha256)
    }
    let tags = try run("SELECT key, value FROM tags WHERE version_id = \(id) ORDER BY key").map {
      let (key, value) = try $0.decode((String, String).self)
      return (key: key, value: value)
    }
    let aliases = try run("SELECT alias FROM aliases WHERE version_id = \(id) ORDER BY alias").map {
      try $0.decode(String.self)
    }
    return VersionRecord(
      name: try text("name"), version: try cells["version"].decode(Int.self), sha256: try text("sha256"),
      aliases: aliases, tags: tags, description: try text("description"), learner: try text("learner"),
      task: try text("task"), target: try text("target"), metrics: json("metrics"), fairness: json("fairness"),
      params: json("params"),
      lineage: Lineage(
        notebook: try cells["notebook"].decode(String?.self),
        notebookSHA256: try cells["notebook_sha256"].decode(String?.self),
        cell: try cells["cell"].decode(Int?.self), inputs: inputs),
      creator: try text("creator"), created: try text("created"), toolVersion: try text("tool_version"))
  }
}
