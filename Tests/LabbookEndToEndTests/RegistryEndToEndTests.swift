import Foundation
import LabbookCore
import Testing

/// The registry through the real executable: concurrent writers, a writer killed mid-registration,
/// the shell commands with --json, and model files that h5py reads.
@Suite struct RegistryEndToEndTests {
  /// A script that trains a small forest with the given seed and registers it as `race`.
  static func script(in directory: String, seed: Int) throws -> String {
    let path = directory + "/train\(seed).lab"
    try """
    iris = load "\(Labbook.repositoryRoot)/datasets/iris.h5"
    m = train forest on iris target target trees 3
    register m as "race" tag seed "\(seed)"
    """.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  static func listing(_ registry: String) throws -> [JSONValue] {
    let list = try Labbook.run(["registry", "list", "--json", "--registry", registry])
    #expect(list.status == 0, "\(list.stderr)")
    return try JSONValue.parse(list.stdout)["versions"]?.arrayValue ?? []
  }

  /// Eight processes register eight different models under one name at the same time: eight versions,
  /// numbered 1–8, none lost, none handed out twice.
  @Test func concurrentWritersLoseNothing() throws {
    let directory = try Labbook.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let registry = directory + "/registry"
    // Create the registry first, so the race is among registrations, not among migrations.
    _ = try Labbook.run(["run", try Self.script(in: directory, seed: 100), "--seed", "100", "--registry", registry])
    var processes: [Process] = []
    for seed in 1...8 {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: Labbook.executable)
      process.arguments = [
        "run", try Self.script(in: directory, seed: seed), "--seed", String(seed), "--registry", registry, "--notebook",
        directory + "/run\(seed).ipynb",
      ]
      process.currentDirectoryURL = URL(fileURLWithPath: directory)
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      processes.append(process)
    }
    for process in processes { try process.run() }
    for process in processes { process.waitUntilExit() }
    #expect(processes.allSatisfy { $0.terminationStatus == 0 })
    let versions = try Self.listing(registry)
    #expect(versions.count == 9)
    #expect(versions.compactMap { $0["version"]?.doubleValue }.sorted() == (1...9).map(Double.init))
    #expect(Set(versions.compactMap { $0["sha256"]?.stringValue }).count == 9)
    let seeds = versions.compactMap { $0["tags"]?["seed"]?.stringValue }
    #expect(Set(seeds) == Set((1...8).map(String.init) + ["100"]))
  }

  /// A registration killed after its folder was moved into place but before the record was committed
  /// leaves no version behind; the next registration takes that number cleanly.
  @Test func aKilledRegistrationLeavesNoHalfVersion() throws {
    let directory = try Labbook.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let registry = directory + "/registry"
    for point in ["before-rename", "after-rename"] {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: Labbook.executable)
      process.arguments = ["run", try Self.script(in: directory, seed: 1), "--registry", registry]
      process.currentDirectoryURL = URL(fileURLWithPath: directory)
      var environment = ProcessInfo.processInfo.environment
      environment["LABBOOK_TEST_PAUSE"] = point
      process.environment = environment
      let errors = Pipe()
      process.standardError = errors
      process.standardOutput = FileHandle.nullDevice
      try process.run()
      // Wait until it says it is paused at the point, then kill it there.
      var seen = ""
      while !seen.contains("paused at") {
        let data = errors.fileHandleForReading.availableData
        if data.isEmpty { break }
        seen += String(decoding: data, as: UTF8.self)
      }
      #expect(seen.contains("paused at \(point)"), "\(seen)")
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
      #expect(try Self.listing(registry).isEmpty, "a version was recorded after a kill \(point)")
    }
    let rerun = try Labbook.run(
      ["run", try Self.script(in: directory, seed: 1), "--registry", registry], in: directory)
    #expect(rerun.status == 0, "\(rerun.stderr)")
    let versions = try Self.listing(registry)
    #expect(versions.count == 1 && versions.first?["version"]?.doubleValue == 1)
    let tmp = try FileManager.default.contentsOfDirectory(atPath: registry + "/tmp")
    #expect(tmp.isEmpty, "work folders left: \(tmp)")
    let show = try Labbook.run(["registry", "show", "race@1", "--registry", registry], in: directory)
    #expect(show.status == 0 && show.stdout.contains("registered race@1"))
  }

  /// The shell's errors: unknown names list what exists; a folder that is not a registry is refused.
  @Test func shellErrorsAreClear() throws {
    let directory = try Labbook.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let registry = directory + "/registry"
    _ = try Labbook.run(["run", try Self.script(in: directory, seed: 1), "--registry", registry], in: directory)
    let unknown = try Labbook.run(["registry", "show", "nope", "--registry", registry])
    #expect(unknown.status != 0 && unknown.stderr.contains("models: race"))
    let badVersion = try Labbook.run(["registry", "show", "race@9", "--registry", registry])
    #expect(badVersion.stderr.contains("versions: 1"))
    let notRegistry = try Labbook.run(["registry", "list", "--registry", Labbook.repositoryRoot + "/datasets"])
    #expect(notRegistry.status != 0 && notRegistry.stderr.contains("not a model registry"))
    let bad = directory + "/bad.lab"
    try """
    iris = load "\(Labbook.repositoryRoot)/datasets/iris.h5"
    m = train tree on iris target target
    register m as "../escape"
    """.write(toFile: bad, atomically: true, encoding: .utf8)
    let badName = try Labbook.run(["run", bad, "--registry", registry], in: directory)
    #expect(badName.status != 0 && badName.stderr.contains("is not a model name"))
  }

  /// A registered model file is plain HDF5 that h5py reads (no code, no pickles).
  @Test func modelFilesAreReadableWithH5py() throws {
    guard let python = Labbook.python else { return }
    let directory = try Labbook.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let registry = directory + "/registry"
    _ = try Labbook.run(["run", try Self.script(in: directory, seed: 1), "--registry", registry], in: directory)
    let result = try Labbook.runPython(
      python,
      """
      import sys, h5py
      with h5py.File(sys.argv[1]) as f:
          assert f.attrs["learner"] == "forest", f.attrs["learner"]
          assert list(f["classes"].asstr()[:]) == ["0", "1", "2"]
          counts = f["learner/trees/node_counts"][:]
          assert len(counts) == 3 and counts.min() >= 1
          print(len(f["features"]), f["learner"].attrs["type"])
      """, arguments: [registry + "/models/race/1/model.h5"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("4 trees"))
  }

  /// A notebook that registers replays with --check without any registry; with --write-registry into
  /// another registry it registers the same model (same sha256); a recorded sha256 that the model does
  /// not have stops the replay with both hashes.
  @Test func registeringNotebooksReplayAndProveTheirModels() throws {
    let directory = try Labbook.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let script = directory + "/flow.lab"
    try """
    iris = load "\(Labbook.repositoryRoot)/datasets/iris.h5"
    a, b = split iris ratio 0.7 seed 3 stratify target
    m = train gbm on a target target trees 5
    evaluate m on b
    register m as "flow" alias challenger
    promote "flow@challenger" to champion if better on b
    c = use "flow@champion"
    rollback "flow" alias challenger
    """.write(toFile: script, atomically: true, encoding: .utf8)
    let recorded = directory + "/flow.ipynb"
    let first = try Labbook.run(["run", script, "--registry", directory + "/one"], in: directory)
    // The rollback fails (challenger held only one version), is recorded as an error cell, and the run exits 1.
    #expect(first.status == 1 && first.stderr.contains("nothing to roll back to"), "\(first.stderr)")
    let check = try Labbook.run(["replay", recorded, "--check", "--registry", directory + "/absent"], in: directory)
    #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
    #expect(!FileManager.default.fileExists(atPath: directory + "/absent"))
    let audit = try Labbook.run(
      ["replay", recorded, "--check", "--write-registry", "--registry", directory + "/two"], in: directory)
    #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
    let one = try Self.listing(directory + "/one")
    let two = try Self.listing(directory + "/two")
    #expect(one.first?["sha256"] == two.first?["sha256"] && two.count == 1)
    // Claim another sha256 for the registration: replay refuses, naming both.
    let text = try String(contentsOfFile: recorded, encoding: .utf8)
    let sha = try #require(one.first?["sha256"]?.stringValue)
    try text.replacingOccurrences(of: sha, with: String(repeating: "0", count: 64)).write(
      toFile: directory + "/tampered.ipynb", atomically: true, encoding: .utf8)
    let tampered = try Labbook.run(
      ["replay", directory + "/tampered.ipynb", "--registry", directory + "/absent"], in: directory)
    #expect(tampered.status != 0 && tampered.stderr.contains("the model differs from the one this cell registered"))
  }

  static var postgres: String? {
    let value = ProcessInfo.processInfo.environment["LABBOOK_TEST_POSTGRES"] ?? ""
    return value.isEmpty ? nil : value
  }

  /// A fresh database on the test server (dropped by the caller), and its URL.
  static func freshDatabase() throws -> (name: String, url: String) {
    let server = try #require(postgres)
    let name = "labbook_e2e_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    let created = try Labbook.launch(
      "/usr/bin/env", ["psql", server, "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"])
    try #require(created.status == 0, "\(created.stderr)")
    var parts = URLComponents(string: server)!
    parts.path = "/" + name
    return (name, parts.string!)
  }

  static func dropDatabase(_ name: String) {
    guard let server = postgres else { return }
    _ = try? Labbook.launch("/usr/bin/env", ["psql", server, "-c", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"])
  }

  /// The registry on PostgreSQL, used as two machines would: sixteen processes from two working folders
  /// (no shared registry folder) register one name at once and get versions 1–16, none lost or given
  /// twice; a registrant killed inside its transaction leaves nothing; the other folder reads, loads and
  /// exports any version from the database alone.
  @Test(.enabled(if: postgres != nil, "LABBOOK_TEST_POSTGRES names no server (scripts/test starts one)"))
  func sixteenRegistrantsOnPostgresLoseNothing() throws {
    let (database, url) = try Self.freshDatabase()
    defer { Self.dropDatabase(database) }
    let directory = try Labbook.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let machines = [directory + "/machine-a", directory + "/machine-b"]
    for machine in machines {
      try FileManager.default.createDirectory(atPath: machine, withIntermediateDirectories: true)
    }
    // The first registration creates the tables; the race is among the sixteen that follow.
    let first = try Labbook.run(
      ["run", try Self.script(in: machines[0], seed: 100), "--registry", url], in: machines[0])
    #expect(first.status == 0, "\(first.stderr)")
    var processes: [Process] = []
    for seed in 1...16 {
      let machine = machines[seed % 2]
      let process = Process()
      process.executableURL = URL(fileURLWithPath: Labbook.executable)
      process.arguments = ["run", try Self.script(in: machine, seed: seed), "--seed", String(seed), "--registry", url]
      process.currentDirectoryURL = URL(fileURLWithPath: machine)
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      processes.append(process)
    }
    for process in processes { try process.run() }
    for process in processes { process.waitUntilExit() }
    #expect(processes.allSatisfy { $0.terminationStatus == 0 })
    var versions = try Self.listing(url)
    #expect(versions.compactMap { $0["version"]?.doubleValue }.sorted() == (1...17).map(Double.init))
    #expect(Set(versions.compactMap { $0["sha256"]?.stringValue }).count == 17)
    #expect(Set(versions.compactMap { $0["tags"]?["seed"]?.stringValue }) == Set((1...16).map(String.init) + ["100"]))

    // Killed after its files were written, before the commit: the server rolls the transaction back.
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Labbook.executable)
    process.arguments = [
      "run", try Self.script(in: machines[0], seed: 50), "--seed", "50", "--registry", url, "--no-record",
    ]
    process.currentDirectoryURL = URL(fileURLWithPath: machines[0])
    var environment = ProcessInfo.processInfo.environment
    environment["LABBOOK_TEST_PAUSE"] = "after-rename"
    process.environment = environment
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    var seen = ""
    while !seen.contains("paused at") {
      let data = errors.fileHandleForReading.availableData
      if data.isEmpty { break }
      seen += String(decoding: data, as: UTF8.self)
    }
    #expect(seen.contains("paused at after-rename"), "\(seen)")
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    versions = try Self.listing(url)
    #expect(versions.count == 17, "a version was recorded by a killed registrant")

    // The other machine: show, use in a session, export, all from the database.
    let show = try Labbook.run(["registry", "show", "race@5", "--registry", url], in: machines[1])
    #expect(show.status == 0 && show.stdout.contains("in the database"), "\(show.stdout)\(show.stderr)")
    let use = machines[1] + "/use.lab"
    try """
    iris = load "\(Labbook.repositoryRoot)/datasets/iris.h5"
    m = use "race@5"
    evaluate m on iris
    """.write(toFile: use, atomically: true, encoding: .utf8)
    let used = try Labbook.run(["run", use, "--registry", url, "--no-record"], in: machines[1])
    #expect(used.status == 0 && used.stdout.contains("accuracy"), "\(used.stderr)")
    let exported = try Labbook.run(["registry", "export", "race@5", "copy", "--registry", url], in: machines[1])
    #expect(exported.status == 0, "\(exported.stderr)")
    let imported = try Labbook.run(["registry", "import", "copy", "--registry", "folder-registry"], in: machines[1])
    #expect(imported.status == 0 && imported.stdout.contains("imported race@5"), "\(imported.stdout)\(imported.stderr)")
  }
}
