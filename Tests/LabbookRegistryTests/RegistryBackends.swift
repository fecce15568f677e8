import Foundation
import Testing

@testable import LabbookRegistry

/// The registry backends a test runs against: a folder always; PostgreSQL when LABBOOK_TEST_POSTGRES
/// holds a server URL whose role may create databases (scripts/test starts one with scripts/postgres).
/// Each test gets a fresh registry: a new temporary folder, or a new database dropped afterwards.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case folder, postgres

  var testDescription: String { rawValue }

  static var postgresURL: String? {
    let value = ProcessInfo.processInfo.environment["LABBOOK_TEST_POSTGRES"] ?? ""
    return value.isEmpty ? nil : value
  }

  static var available: [Backend] { postgresURL == nil ? [.folder] : [.folder, .postgres] }

  struct Pair: Sendable, CustomTestStringConvertible {
    var from: Backend
    var to: Backend
    var testDescription: String { "\(from.rawValue) to \(to.rawValue)" }
  }

  static var pairs: [Pair] { available.flatMap { from in available.map { Pair(from: from, to: $0) } } }

  func fresh() throws -> Scratch {
    switch self {
    case .folder:
      let folder = FileManager.default.temporaryDirectory.appendingPathComponent("registry-test-\(UUID().uuidString)")
        .path
      return Scratch(registry: try Registry(folder: folder, create: true), backend: self, place: folder)
    case .postgres:
      let server = try #require(Self.postgresURL)
      let database = "labbook_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
      try Self.psql(server, "CREATE DATABASE \(database)")
      let url = Self.url(server, database: database)
      return Scratch(registry: try Registry(location: url, create: true), backend: self, place: database)
    }
  }

  /// The server URL with another database.
  static func url(_ server: String, database: String) -> String {
    var parts = URLComponents(string: server)!
    parts.path = "/" + database
    return parts.string!
  }

  /// Runs SQL with psql; fails the test with psql's message on an error.
  @discardableResult
  static func psql(_ url: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-t", "-A", "-c", sql]
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw RegistryError("psql failed on \(sql): \(message)")
    }
    return text
  }
}

/// A registry made for one test, removed when the test lets go of it.
final class Scratch {
  private(set) var registry: Registry!
  let backend: Backend
  /// The folder, or the database name.
  let place: String

  init(registry: Registry, backend: Backend, place: String) {
    self.registry = registry
    self.backend = backend
    self.place = place
  }

  /// Corrupts one byte of a version's stored model file, behind the registry's back.
  func flipAByte(ofModel name: String, version: Int) throws {
    switch backend {
    case .folder:
      let file = place + "/models/\(name)/\(version)/model.h5"
      var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
      bytes[bytes.count / 2] ^= 0xFF
      try bytes.write(to: URL(fileURLWithPath: file))
    case .postgres:
      // The files are append-only through a trigger; the table's owner can switch it off.
      let url = Backend.url(Backend.postgresURL!, database: place)
      try Backend.psql(
        url,
        """
        ALTER TABLE files DISABLE TRIGGER files_are_append_only;
        UPDATE files SET bytes = set_byte(bytes, length(bytes) / 2, 255 - get_byte(bytes, length(bytes) / 2))
          WHERE file = 'model.h5' AND version_id = (SELECT id FROM versions WHERE name = '\(name)' AND version = \(version));
        ALTER TABLE files ENABLE TRIGGER files_are_append_only;
        """)
    }
  }

  deinit {
    registry = nil  // closes a database connection before the database is dropped
    switch backend {
    case .folder: try? FileManager.default.removeItem(atPath: place)
    case .postgres:
      if let server = Backend.postgresURL {
        _ = try? Backend.psql(server, "DROP DATABASE IF EXISTS \(place) WITH (FORCE)")
      }
    }
  }
}
