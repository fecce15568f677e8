import Foundation
import LabbookCore
import Testing

@testable import LabbookData
@testable import LabbookML
@testable import LabbookRegistry

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().path

/// The registry's own behaviour, on a fresh registry per test: every test that is not about folders runs
/// against each backend (a folder, and PostgreSQL when LABBOOK_TEST_POSTGRES names a server, as
/// scripts/test arranges), so both stores are held to one suite.
@Suite struct RegistryTests {
  static let iris: Table = try! HDF5TableReader.load(path: repositoryRoot + "/datasets/iris.h5", name: "iris")

  static func model(seed: UInt64) throws -> TrainedModel {
    try Trainer.train(.forest, on: iris, target: "target", parameters: [("trees", .number(3))], seed: seed, threads: 1)
  }

  static func folder() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("registry-test-\(UUID().uuidString)").path
  }

  static func bits(_ model: TrainedModel) throws -> [UInt64] {
    guard case .probabilities(let p, _) = try model.predict(iris) else { return [] }
    return p.map(\.bitPattern)
  }

  @Test(arguments: Backend.available) func registrationIsContentAddressed(_ backend: Backend) throws {
    let scratch = try backend.fresh()
    defer { withExtendedLifetime(scratch) {} }
    let registry = scratch.registry!
    let a = try Self.model(seed: 1)
    let b = try Self.model(seed: 2)
    let (first, created) = try registry.register(a, as: "iris-model", details: Registry.Details())
    #expect(first.version == 1 && created)
    var details = Registry.Details()
    details.aliases = ["champion"]
    details.tags = [(key: "owner", value: "me")]
    let (again, createdAgain) = try registry.register(a, as: "iris-model", details: details)
    #expect(again.version == 1 && !createdAgain && again.aliases == ["champion"] && again.tags.first?.value == "me")
    let (second, _) = try registry.register(b, as: "iris-model", details: Registry.Details())
    #expect(second.version == 2 && second.sha256 != first.sha256)
    #expect(try registry.versions(of: "iris-model").count == 2)
    // `use` gives back the same bits; the default is champion, not the latest.
    let (loaded, record) = try registry.load(try ModelReference.parse("iris-model"))
    #expect(record.version == 1)
    #expect(try Self.bits(loaded) == Self.bits(a))
    let (latest, _) = try registry.load(try ModelReference.parse("iris-model@2"))
    #expect(try Self.bits(latest) == Self.bits(b))
    // Unknown names, versions and aliases list what exists.
    #expect(throws: RegistryError.self) { try registry.resolve(try ModelReference.parse("iris-model@3")) }
    do {
      _ = try registry.resolve(try ModelReference.parse("iris-model@staging"))
    } catch let error as RegistryError {
      #expect(error.message.contains("versions: 1 (champion), 2"))
    }
    do {
      _ = try registry.resolve(try ModelReference.parse("wine"))
    } catch let error as RegistryError {
      #expect(error.message.contains("models: iris-model"))
    }
  }

  @Test(arguments: Backend.available) func aliasesMoveAndRollBack(_ backend: Backend) throws {
    let scratch = try backend.fresh()
    defer { withExtendedLifetime(scratch) {} }
    let registry = scratch.registry!
    for seed in UInt64(1)...3 {
      _ = try registry.register(try Self.model(seed: seed), as: "m", details: Registry.Details())
    }
    #expect(throws: RegistryError.self) { try registry.rollback("m", alias: "champion") }
    _ = try registry.promote(try ModelReference.parse("m@1"), to: "champion")
    #expect(throws: RegistryError.self) { try registry.rollback("m", alias: "champion") }
    _ = try registry.promote(try ModelReference.parse("m@2"), to: "champion")
    let (_, previous) = try registry.promote(try ModelReference.parse("m@3"), to: "champion")
    #expect(previous == 2)
    // Each rollback undoes the latest remaining move: 3 → 2 → 1.
    let first = try registry.rollback("m", alias: "champion")
    let second = try registry.rollback("m", alias: "champion")
    #expect(first == (3, 2) && second == (2, 1))
    #expect(try registry.resolve(try ModelReference.parse("m@champion")).version == 1)
    let kinds = try registry.events(of: "m").map(\.kind)
    #expect(kinds.filter { $0 == "rollback" }.count == 2 && kinds.filter { $0 == "register" }.count == 3)
  }

  @Test(arguments: Backend.available) func changedModelFilesAreRefused(_ backend: Backend) throws {
    let scratch = try backend.fresh()
    defer { withExtendedLifetime(scratch) {} }
    let registry = scratch.registry!
    _ = try registry.register(try Self.model(seed: 1), as: "m", details: Registry.Details())
    try scratch.flipAByte(ofModel: "m", version: 1)
    do {
      _ = try registry.load(try ModelReference.parse("m@1"))
      Issue.record("a changed model file was accepted")
    } catch let error as RegistryError {
      #expect(error.message.contains("changed since it was registered"))
    }
  }

  @Test func namesAreChecked() throws {
    for bad in ["", "UPPER", "../up", "a/b", ".hidden", "-dash", String(repeating: "a", count: 65), "sp ace"] {
      #expect(throws: RegistryError.self, "\(bad)") { try ModelReference.validateName(bad) }
    }
    for good in ["a", "credit-risk", "v1.2_final", String(repeating: "a", count: 64)] {
      try ModelReference.validateName(good)
    }
    #expect(throws: RegistryError.self) { try ModelReference.parse("m@0") }
    #expect(throws: RegistryError.self) { try ModelReference.validateAlias("7up") }
  }

  @Test func foldersThatAreNotRegistriesAreRefused() throws {
    let folder = Self.folder()
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
    #expect(throws: RegistryError.self) { try Registry(folder: folder, create: true) }
    #expect(throws: RegistryError.self) { try Registry(folder: folder + "/notes.txt", create: true) }
    #expect(throws: RegistryError.self) { try Registry(folder: folder + "/absent", create: false) }
  }

  /// A folder left by a registration killed after the rename but before the commit has no record; the
  /// next registration of that number replaces it.
  @Test func orphanVersionFoldersAreReplaced() throws {
    let registry = try Registry(folder: Self.folder(), create: true)
    defer { try? FileManager.default.removeItem(atPath: registry.location) }
    try FileManager.default.createDirectory(
      atPath: registry.location + "/models/m/1", withIntermediateDirectories: true)
    try Data("half".utf8).write(to: URL(fileURLWithPath: registry.location + "/models/m/1/model.h5"))
    #expect(try registry.versions(of: "m").isEmpty)
    let (record, _) = try registry.register(try Self.model(seed: 1), as: "m", details: Registry.Details())
    #expect(record.version == 1)
    _ = try registry.load(try ModelReference.parse("m@1"))
  }

  /// Between any two backends: a folder registry's export imports into PostgreSQL and back.
  @Test(arguments: Backend.pairs) func exportThenImportRestoresVersionsAndLineage(_ backends: Backend.Pair) throws {
    let sourceScratch = try backends.from.fresh()
    defer { withExtendedLifetime(sourceScratch) {} }
    let targetScratch = try backends.to.fresh()
    defer { withExtendedLifetime(targetScratch) {} }
    let source = sourceScratch.registry!
    let target = targetScratch.registry!
    let exportPath = Self.folder()
    defer { try? FileManager.default.removeItem(atPath: exportPath) }
    var details = Registry.Details()
    details.lineage = Lineage(
      notebook: "n.ipynb", notebookSHA256: String(repeating: "a", count: 64), cell: 4,
      inputs: [Lineage.Input(path: "d.h5", sha256: String(repeating: "d", count: 64))])
    details.aliases = ["champion"]
    let a = try Self.model(seed: 1)
    _ = try source.register(a, as: "m", details: details)
    _ = try source.register(try Self.model(seed: 2), as: "m", details: Registry.Details())
    let exported = try source.export(try ModelReference.parse("m"), to: exportPath)
    #expect(exported.count == 2)
    #expect(throws: RegistryError.self) { try source.export(try ModelReference.parse("m"), to: exportPath) }
    let imported = try target.importExport(from: exportPath)
    #expect(imported.map(\.version) == [1, 2])
    let restored = try target.versions(of: "m")
    let original = try source.versions(of: "m")
    #expect(restored == original)
    let (loaded, record) = try target.load(try ModelReference.parse("m@champion"))
    #expect(record.lineage.inputs.first?.sha256 == String(repeating: "d", count: 64))
    #expect(try Self.bits(loaded) == Self.bits(a))
    #expect(try target.importExport(from: exportPath).isEmpty)
    // Another model under a number that exists: refused, nothing written.
    let clashScratch = try backends.to.fresh()
    defer { withExtendedLifetime(clashScratch) {} }
    let clash = clashScratch.registry!
    _ = try clash.register(try Self.model(seed: 9), as: "m", details: Registry.Details())
    #expect(throws: RegistryError.self) { try clash.importExport(from: exportPath) }
    #expect(try clash.versions(of: "m").count == 1)
    #expect(throws: RegistryError.self) { try clash.importExport(from: repositoryRoot + "/datasets") }
  }

  /// An export is untrusted input: every field of its manifest is checked as `register` checks it, and
  /// events must belong to the versions it exports. Each edit below (what a hostile or broken export
  /// could hold) is refused with a RegistryError and leaves the target registry empty.
  @Test(arguments: Backend.available) func importRefusesManifestsThatRegisterWouldNot(_ backend: Backend) throws {
    let sourceScratch = try Backend.folder.fresh()
    defer { withExtendedLifetime(sourceScratch) {} }
    let source = sourceScratch.registry!
    let exportPath = Self.folder()
    defer { try? FileManager.default.removeItem(atPath: exportPath) }
    var details = Registry.Details()
    details.aliases = ["champion"]
    _ = try source.register(try Self.model(seed: 1), as: "m", details: details)
    _ = try source.register(try Self.model(seed: 2), as: "m", details: Registry.Details())
    _ = try source.promote(try ModelReference.parse("m@2"), to: "champion")
    _ = try source.export(try ModelReference.parse("m"), to: exportPath)
    let manifestPath = exportPath + "/" + Registry.exportManifest
    let original = try String(contentsOfFile: manifestPath, encoding: .utf8)
    let edits: [(String, (String) -> String)] = [
      ("alias path", { $0.replacingOccurrences(of: "\"champion\"\n", with: "\"../../etc\"\n") }),
      ("huge version", { $0.replacingOccurrences(of: "\"version\": 2", with: "\"version\": 1e300") }),
      ("fractional version", { $0.replacingOccurrences(of: "\"version\": 2", with: "\"version\": 2.5") }),
      ("huge cell", { $0.replacingOccurrences(of: "\"cell\": null", with: "\"cell\": 1e300") }),
      ("NUL in text", { $0.replacingOccurrences(of: "\"description\": \"\"", with: "\"description\": \"a\\u0000b\"") }),
      ("not a sha256", { $0.replacingOccurrences(of: "\"sha256\": \"", with: "\"sha256\": \"zz") }),
      (
        "event of another model",
        {
          $0.replacingOccurrences(of: "\"name\": \"m\",\n      \"kind\"", with: "\"name\": \"other\",\n      \"kind\"")
        }
      ),
      ("event about a version not exported", { $0.replacingOccurrences(of: "\"to\": 2", with: "\"to\": 7") }),
      ("huge event version", { $0.replacingOccurrences(of: "\"to\": 2", with: "\"to\": 1e300") }),
      (
        "unknown event kind",
        { $0.replacingOccurrences(of: "\"kind\": \"register\"", with: "\"kind\": \"promote-everything\"") }
      ),
    ]
    for (label, edit) in edits {
      let edited = edit(original)
      #expect(edited != original, "\(label): the edit did not apply")
      try edited.write(toFile: manifestPath, atomically: true, encoding: .utf8)
      let scratch = try backend.fresh()
      defer { withExtendedLifetime(scratch) {} }
      let target = scratch.registry!
      #expect(throws: RegistryError.self, "\(label)") { try target.importExport(from: exportPath) }
      #expect(try target.names().isEmpty, "\(label): something was imported")
    }
    // The untouched manifest imports; so does an export of one version (its history is only its own).
    try original.write(toFile: manifestPath, atomically: true, encoding: .utf8)
    let targetScratch = try backend.fresh()
    defer { withExtendedLifetime(targetScratch) {} }
    let target = targetScratch.registry!
    #expect(try target.importExport(from: exportPath).count == 2)
    let single = Self.folder()
    defer { try? FileManager.default.removeItem(atPath: single) }
    _ = try source.export(try ModelReference.parse("m@1"), to: single)
    let anotherScratch = try backend.fresh()
    defer { withExtendedLifetime(anotherScratch) {} }
    let another = anotherScratch.registry!
    #expect(try another.importExport(from: single).map(\.version) == [1])
  }

  /// A database registry: nothing exists until the first registration creates the tables; a database
  /// whose schema is newer than this Labbook knows is refused rather than misread; the schema is recorded.
  @Test(.enabled(if: Backend.postgresURL != nil, "LABBOOK_TEST_POSTGRES names no server (scripts/test starts one)"))
  func databaseRegistriesAreCreatedAndVersioned() throws {
    let server = Backend.postgresURL!
    let database = "labbook_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    try Backend.psql(server, "CREATE DATABASE \(database)")
    defer { _ = try? Backend.psql(server, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
    let url = Backend.url(server, database: database)
    do {
      _ = try Registry(location: url, create: false)
      Issue.record("an empty database opened as a registry")
    } catch let error as RegistryError {
      #expect(error.message.contains("there is no registry at postgresql://"), "\(error.message)")
      #expect(!error.message.contains("labbook-test"), "the password appears in a message")
    }
    do {
      let registry = try Registry(location: url, create: true)
      _ = try registry.register(try Self.model(seed: 1), as: "m", details: Registry.Details())
    }
    #expect(
      try Backend.psql(url, "SELECT MAX(version) FROM labbook_migrations").trimmingCharacters(
        in: .whitespacesAndNewlines) == "1")
    // Opening again applies nothing twice and finds the version.
    #expect(try Registry(location: url, create: false).versions(of: "m").count == 1)
    try Backend.psql(url, "INSERT INTO labbook_migrations VALUES (99, 'later')")
    do {
      _ = try Registry(location: url, create: false)
      Issue.record("a newer schema was opened")
    } catch let error as RegistryError {
      #expect(error.message.contains("made by a newer Labbook"), "\(error.message)")
    }
    // The event log and the files are append-only in the database itself.
    #expect(throws: RegistryError.self) { try Backend.psql(url, "DELETE FROM events") }
    #expect(throws: RegistryError.self) { try Backend.psql(url, "UPDATE files SET bytes = ''") }
    // A server that is not there is a clear error, not a hang or a crash.
    do {
      _ = try Registry(location: "postgresql://nobody:secret@127.0.0.1:1/none", create: false)
      Issue.record("a registry opened at a closed port")
    } catch let error as RegistryError {
      #expect(error.message.hasPrefix("cannot connect to the registry at postgresql://nobody@127.0.0.1:1/none"))
      #expect(!error.message.contains("secret"))
    }
  }
}
