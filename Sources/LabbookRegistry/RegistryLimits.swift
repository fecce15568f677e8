import Foundation
import LabbookCore

/// What a registry accepts in a field, whether `register` or `registry import` writes it: an import is
/// untrusted input, so every field of its manifest passes the same checks as the language's values.
public enum RegistryLimits {
  /// Version numbers: whole numbers from 1 (stored as SQLite integers; 2^31 − 1 is far beyond use).
  public static let versions = 1...Int(Int32.max)
  /// Longest free text (description, tag value, creator, paths).
  public static let textLength = 10_000

  /// Text without NUL or other control characters but tab and newline (SQLite and file names would cut
  /// or misread them), at most `textLength` characters.
  public static func checkText(_ text: String, _ field: String) throws {
    if text.count > textLength { throw RegistryError("\(field) is longer than \(textLength) characters") }
    if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 && $0 != "\t" && $0 != "\n" || $0.value == 0x7F }) {
      throw RegistryError("\(field) holds the control character U+\(String(format: "%04X", bad.value))")
    }
  }

  /// 64 lowercase hexadecimal digits.
  public static func checkSHA256(_ text: String, _ field: String) throws {
    guard text.utf8.count == 64, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
    else { throw RegistryError("\(field) is not a sha256 (64 lowercase hexadecimal digits)") }
  }

  /// Tag keys are words: `[A-Za-z_][A-Za-z0-9_.-]{0,63}`.
  public static func checkTagKey(_ key: String) throws {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
    guard let head = key.first, head.isASCII, head.isLetter || head == "_", key.count <= 64,
      key.allSatisfy({ allowed.contains($0) })
    else { throw RegistryError("'\(key)' is not a tag name: use a word of letters, digits, '_', '.' and '-'") }
  }

  static let eventKinds: Set<String> = ["register", "alias", "rollback", "import"]
}

extension VersionRecord {
  /// Reads the `json` form back (an export's manifest), checking every field as `register` would.
  init(json: JSONValue) throws {
    func text(_ key: String) throws -> String {
      guard let value = json[key]?.stringValue else { throw RegistryError("an exported version lacks '\(key)'") }
      try RegistryLimits.checkText(value, "an exported version's '\(key)'")
      return value
    }
    let name = try text("name")
    try ModelReference.validateName(name)
    guard let version = json["version"]?.intValue(in: RegistryLimits.versions) else {
      throw RegistryError("an exported version of \(name) lacks a version number from 1 to \(Int32.max)")
    }
    let place = "\(name)@\(version)"
    let sha256 = try text("sha256")
    try RegistryLimits.checkSHA256(sha256, "\(place)'s sha256")
    var aliases: [String] = []
    for value in json["aliases"]?.arrayValue ?? [] {
      guard let alias = value.stringValue else { throw RegistryError("\(place) lists an alias that is not text") }
      try ModelReference.validateAlias(alias)
      aliases.append(alias)
    }
    var tags: [(key: String, value: String)] = []
    if case .object(let pairs)? = json["tags"] {
      for (key, value) in pairs {
        guard let text = value.stringValue else { throw RegistryError("\(place)'s tag '\(key)' is not text") }
        try RegistryLimits.checkTagKey(key)
        try RegistryLimits.checkText(text, "\(place)'s tag '\(key)'")
        tags.append((key: key, value: text))
      }
    }
    let lineage = json["lineage"]
    var inputs: [Lineage.Input] = []
    for item in lineage?["inputs"]?.arrayValue ?? [] {
      guard let path = item["path"]?.stringValue, let sha = item["sha256"]?.stringValue else {
        throw RegistryError("\(place)'s lineage lists an input without a path and sha256")
      }
      try RegistryLimits.checkText(path, "\(place)'s input path")
      try RegistryLimits.checkSHA256(sha, "\(place)'s input sha256")
      inputs.append(Lineage.Input(path: path, sha256: sha))
    }
    var cell: Int?
    if let value = lineage?["cell"], value != .null {
      guard let number = value.intValue(in: 1...Int(Int32.max)) else {
        throw RegistryError("\(place)'s lineage cell is not a whole number from 1")
      }
      cell = number
    }
    let notebook = lineage?["notebook"]?.stringValue
    let notebookSHA = lineage?["notebook_sha256"]?.stringValue
    if let notebook { try RegistryLimits.checkText(notebook, "\(place)'s notebook path") }
    if let notebookSHA { try RegistryLimits.checkSHA256(notebookSHA, "\(place)'s notebook sha256") }
    let description = json["description"]?.stringValue ?? ""
    try RegistryLimits.checkText(description, "\(place)'s description")
    self.init(
      name: name, version: version, sha256: sha256, aliases: aliases, tags: tags, description: description,
      learner: try text("learner"), task: try text("task"), target: try text("target"),
      metrics: json["metrics"] ?? .null, fairness: json["fairness"] ?? .null, params: json["params"] ?? .null,
      lineage: Lineage(notebook: notebook, notebookSHA256: notebookSHA, cell: cell, inputs: inputs),
      creator: try text("creator"), created: try text("created"), toolVersion: try text("tool_version"))
  }
}

extension RegistryEvent {
  /// Reads an exported event, which must belong to one of `versions` (name and version numbers).
  init(json: JSONValue, belongingTo versions: [String: Set<Int>]) throws {
    guard let time = json["time"]?.stringValue, let name = json["name"]?.stringValue,
      let kind = json["kind"]?.stringValue, let actor = json["actor"]?.stringValue
    else { throw RegistryError("an exported event lacks its time, name, kind or actor") }
    for (value, field) in [(time, "time"), (actor, "actor")] {
      try RegistryLimits.checkText(value, "an exported event's \(field)")
    }
    guard let numbers = versions[name] else {
      throw RegistryError("the export holds an event of '\(name)', which it does not export: nothing was imported")
    }
    guard RegistryLimits.eventKinds.contains(kind) else {
      throw RegistryError("the export holds an event of unknown kind '\(kind)': nothing was imported")
    }
    var alias: String?
    if let value = json["alias"], value != .null {
      guard let text = value.stringValue else { throw RegistryError("an exported event's alias is not text") }
      try ModelReference.validateAlias(text)
      alias = text
    }
    func version(_ key: String) throws -> Int? {
      guard let value = json[key], value != .null else { return nil }
      guard let number = value.intValue(in: RegistryLimits.versions), numbers.contains(number) else {
        throw RegistryError(
          "the export holds an event of \(name) about a version it does not export ('\(key)'): nothing was imported")
      }
      return number
    }
    self.init(
      id: 0, time: time, name: name, kind: kind, alias: alias, fromVersion: try version("from"),
      toVersion: try version("to"), actor: actor)
  }
}
