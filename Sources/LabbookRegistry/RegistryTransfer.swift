import Foundation
import LabbookCore

/// `registry export` and `registry import`: an export is one folder holding `labbook-export.json`
/// (the version records with their lineage, and the name's event log) and each version's
/// `NAME/N/model.h5` and `card.json`. Importing it into another registry restores the versions under
/// the same numbers, with lineage, tags, aliases and history. Both sides work in a scratch folder and
/// rename at the end, so a failure leaves nothing half written.
extension Registry {
  public static let exportManifest = "labbook-export.json"
  public static let exportFormat = 1

  /// Exports `reference` (one version, or every version of the name when no @ is given) to `path`.
  public func export(_ reference: ModelReference, to path: String) throws -> [VersionRecord] {
    let fileManager = FileManager.default
    if fileManager.fileExists(atPath: path) {
      throw RegistryError("'\(path)' already exists: an export never overwrites anything")
    }
    let records: [VersionRecord]
    if case .latest = reference.selector {
      records = try versions(of: reference.name)
      if records.isEmpty { _ = try resolve(reference) }
    } else {
      records = [try resolve(reference)]
    }
    let scratch = path + ".tmp-\(getpid())"
    try? fileManager.removeItem(atPath: scratch)
    do {
      for record in records {
        let source = versionFolder(record.name, record.version)
        let digest = try SHA256Digest.hex(fileAt: source + "/model.h5")
        guard digest == record.sha256 else {
          throw RegistryError("\(record.reference)'s model file was changed since it was registered: not exported")
        }
        let destination = "\(scratch)/\(record.name)/\(record.version)"
        try fileManager.createDirectory(atPath: destination, withIntermediateDirectories: true)
        for file in ["model.h5", "card.json"] {
          try fileManager.copyItem(atPath: source + "/" + file, toPath: destination + "/" + file)
        }
      }
      let manifest = JSONValue.object([
        ("labbook_export", .num(Self.exportFormat)), ("tool_version", .string(Labbook.version)),
        ("exported", .string(isoTimestampNow())), ("name", .string(reference.name)),
        ("versions", .array(records.map(\.json))),
        ("events", .array(try events(of: reference.name).map(\.json))),
      ])
      try Data((manifest.prettyString(indent: 2) + "\n").utf8).write(
        to: URL(fileURLWithPath: scratch + "/" + Self.exportManifest))
      try fileManager.moveItem(atPath: scratch, toPath: path)
    } catch {
      try? fileManager.removeItem(atPath: scratch)
      throw error
    }
    return records
  }

  /// Imports an export folder; returns the versions added (those already here, identical, are skipped).
  public func importExport(from path: String) throws -> [VersionRecord] {
    let fileManager = FileManager.default
    let manifestPath = path + "/" + Self.exportManifest
    guard fileManager.fileExists(atPath: manifestPath),
      let data = fileManager.contents(atPath: manifestPath),
      let manifest = try? JSONValue.parse(String(decoding: data, as: UTF8.self)),
      manifest["labbook_export"]?.doubleValue == Double(Self.exportFormat)
    else {
      throw RegistryError("'\(path)' is not a Labbook registry export (no \(Self.exportManifest) of format 1)")
    }
    let records = try (manifest["versions"]?.arrayValue ?? []).map { try VersionRecord(json: $0) }
    if records.isEmpty { throw RegistryError("'\(path)' exports no versions") }
    for record in records {
      try ModelReference.validateName(record.name)
      let file = "\(path)/\(record.name)/\(record.version)/model.h5"
      guard fileManager.fileExists(atPath: file), try SHA256Digest.hex(fileAt: file) == record.sha256 else {
        throw RegistryError("the export's \(record.reference) model file is missing or altered: nothing was imported")
      }
    }
    let events = (manifest["events"]?.arrayValue ?? []).compactMap { RegistryEvent(json: $0) }
    var placed: [String] = []
    do {
      return try store.importVersions(records, events: events, actor: Self.actor) { record in
        let work = "\(folder)/tmp/\(getpid())-import-\(record.name)-\(record.version)"
        try? fileManager.removeItem(atPath: work)
        try fileManager.copyItem(atPath: "\(path)/\(record.name)/\(record.version)", toPath: work)
        try fileManager.createDirectory(atPath: "\(folder)/models/\(record.name)", withIntermediateDirectories: true)
        let destination = versionFolder(record.name, record.version)
        if fileManager.fileExists(atPath: destination) { try fileManager.removeItem(atPath: destination) }
        try fileManager.moveItem(atPath: work, toPath: destination)
        placed.append(destination)
      }
    } catch {
      for folder in placed { try? fileManager.removeItem(atPath: folder) }
      throw error
    }
  }
}

extension VersionRecord {
  /// Reads the `json` form back (an export's manifest).
  init(json: JSONValue) throws {
    func text(_ key: String) throws -> String {
      guard let value = json[key]?.stringValue else { throw RegistryError("an exported version lacks '\(key)'") }
      return value
    }
    guard let version = json["version"]?.doubleValue, version >= 1, version == version.rounded() else {
      throw RegistryError("an exported version lacks a version number")
    }
    var tags: [(key: String, value: String)] = []
    if case .object(let pairs)? = json["tags"] {
      for (key, value) in pairs { if let text = value.stringValue { tags.append((key: key, value: text)) } }
    }
    let lineage = json["lineage"]
    let inputs = (lineage?["inputs"]?.arrayValue ?? []).compactMap { item -> Lineage.Input? in
      guard let path = item["path"]?.stringValue, let sha = item["sha256"]?.stringValue else { return nil }
      return Lineage.Input(path: path, sha256: sha)
    }
    self.init(
      name: try text("name"), version: Int(version), sha256: try text("sha256"),
      aliases: (json["aliases"]?.arrayValue ?? []).compactMap(\.stringValue), tags: tags,
      description: json["description"]?.stringValue ?? "", learner: try text("learner"), task: try text("task"),
      target: try text("target"), metrics: json["metrics"] ?? .null, fairness: json["fairness"] ?? .null,
      params: json["params"] ?? .null,
      lineage: Lineage(
        notebook: lineage?["notebook"]?.stringValue, notebookSHA256: lineage?["notebook_sha256"]?.stringValue,
        cell: lineage?["cell"]?.doubleValue.map { Int($0) }, inputs: inputs),
      creator: try text("creator"), created: try text("created"), toolVersion: try text("tool_version"))
  }
}

extension RegistryEvent {
  init?(json: JSONValue) {
    guard let time = json["time"]?.stringValue, let name = json["name"]?.stringValue,
      let kind = json["kind"]?.stringValue, let actor = json["actor"]?.stringValue
    else { return nil }
    self.init(
      id: 0, time: time, name: name, kind: kind, alias: json["alias"]?.stringValue,
      fromVersion: json["from"]?.doubleValue.map { Int($0) }, toVersion: json["to"]?.doubleValue.map { Int($0) },
      actor: actor)
  }
}
