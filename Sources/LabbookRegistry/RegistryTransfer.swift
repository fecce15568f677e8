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
    // Only the history of the versions exported: an import refuses events about anything else.
    let numbers = Set(records.map(\.version))
    func belongs(_ event: RegistryEvent) -> Bool {
      [event.fromVersion, event.toVersion].allSatisfy { $0.map(numbers.contains) ?? true }
    }
    let scratch = path + ".tmp-\(getpid())"
    try? fileManager.removeItem(atPath: scratch)
    do {
      for record in records {
        let model = try store.file(VersionFiles.model, of: record)
        guard SHA256Digest.hex(model) == record.sha256 else {
          throw RegistryError("\(record.reference)'s model file was changed since it was registered: not exported")
        }
        let destination = "\(scratch)/\(record.name)/\(record.version)"
        try fileManager.createDirectory(atPath: destination, withIntermediateDirectories: true)
        try model.write(to: URL(fileURLWithPath: destination + "/" + VersionFiles.model))
        try store.file(VersionFiles.card, of: record).write(
          to: URL(fileURLWithPath: destination + "/" + VersionFiles.card))
      }
      let manifest = JSONValue.object([
        ("labbook_export", .num(Self.exportFormat)), ("tool_version", .string(Labbook.version)),
        ("exported", .string(isoTimestampNow())), ("name", .string(reference.name)),
        ("versions", .array(records.map(\.json))),
        ("events", .array(try events(of: reference.name).filter(belongs).map(\.json))),
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
  /// `checkModel` is given each model file before anything is imported (the executable reads it in a
  /// child process, so a damaged file cannot crash the importer).
  public func importExport(from path: String, checkModel: (String) throws -> Void = { _ in }) throws
    -> [VersionRecord]
  {
    let fileManager = FileManager.default
    let manifestPath = path + "/" + Self.exportManifest
    guard fileManager.fileExists(atPath: manifestPath),
      let data = fileManager.contents(atPath: manifestPath),
      let manifest = try? JSONValue.parse(String(decoding: data, as: UTF8.self)),
      manifest["labbook_export"]?.intValue() == Self.exportFormat
    else {
      throw RegistryError("'\(path)' is not a Labbook registry export (no \(Self.exportManifest) of format 1)")
    }
    let records = try (manifest["versions"]?.arrayValue ?? []).map { try VersionRecord(json: $0) }
    if records.isEmpty { throw RegistryError("'\(path)' exports no versions") }
    for record in records {
      try ModelReference.validateName(record.name)
      let folder = "\(path)/\(record.name)/\(record.version)"
      for name in ["model.h5", "card.json"] {
        guard Self.isPlainFile(folder + "/" + name) else {
          throw RegistryError(
            "the export's \(record.reference) \(name) is missing or not a plain file (a link?): nothing was imported")
        }
      }
      let file = folder + "/model.h5"
      guard try SHA256Digest.hex(fileAt: file) == record.sha256 else {
        throw RegistryError("the export's \(record.reference) model file is altered: nothing was imported")
      }
      do {
        try checkModel(file)
      } catch {
        throw RegistryError(
          "the export's \(record.reference) model file cannot be read (\(error)): nothing was imported")
      }
    }
    var exported: [String: Set<Int>] = [:]
    for record in records { exported[record.name, default: []].insert(record.version) }
    let events = try (manifest["events"]?.arrayValue ?? []).map { try RegistryEvent(json: $0, belongingTo: exported) }
    return try store.importVersions(records, events: events, actor: Self.actor) { record in
      var files: [String: Data] = [:]
      for name in VersionFiles.all {
        let file = "\(path)/\(record.name)/\(record.version)/\(name)"
        guard let data = fileManager.contents(atPath: file) else {
          throw RegistryError("the export's \(record.reference) \(name) cannot be read: nothing was imported")
        }
        files[name] = data
      }
      // Checked again as read: the file may have changed since it was checked above.
      guard SHA256Digest.hex(files[VersionFiles.model]!) == record.sha256 else {
        throw RegistryError("the export's \(record.reference) model file is altered: nothing was imported")
      }
      return files
    }
  }

  /// A regular file, not a symbolic link (an export is copied file by file, never through links).
  static func isPlainFile(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
  }
}
