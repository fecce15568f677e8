import Foundation
import LabbookCore

/// A notebook read back from disk: what replay and verify need, with every field checked.
public struct RecordedNotebook: Sendable {
  public struct Cell: Sendable {
    /// 1-based position in the file (markdown cells count).
    public var position: Int
    /// A markdown cell (comments) rather than a statement.
    public var isMarkdown: Bool
    public var source: String
    /// The outputs exactly as stored (compared and hashed as canonical JSON).
    public var outputs: [JSONValue]
    /// The hash recorded in the cell's metadata, if any.
    public var hash: String?
    public var inputs: [RecordedInput]
    /// The cell's whole `metadata.labbook` (what replay may need beyond the outputs).
    public var labbook: JSONValue?
    /// The cell as stored (format 2 hashes its canonical form).
    public var raw: JSONValue
  }

  /// The notebook format (1 or 2; `NotebookMetadata.format`).
  public var format: Int
  /// What a format-2 chain starts from (see `NotebookMetadata.header`).
  public var header: JSONValue
  public var signature: NotebookSignature?
  /// Whether `metadata.labbook.signature` is present (it may be present but unreadable).
  public var hasSignatureField: Bool

  public var path: String
  /// sha256 of the file's bytes: the next revision's `parent`.
  public var fileHash: String
  public var cells: [Cell]
  public var seed: UInt64
  public var revision: Int
  public var params: [(String, JSONValue)]
  public var overrides: [String: String]
  public var inputs: [RecordedInput]
  public var chain: String?
  public var source: String?

  /// Reads and checks a Labbook notebook; every problem is a `NotebookError` naming the file.
  public static func read(_ path: String) throws -> RecordedNotebook {
    switch RegularFile.check(path) {
    case .missing: throw NotebookError("no such notebook: '\(path)'")
    case .folder, .notRegular: throw NotebookError("'\(path)' is not a notebook file")
    case .regular: break
    }
    guard let data = FileManager.default.contents(atPath: path) else { throw NotebookError("cannot read '\(path)'") }
    return try parse(data, path: path)
  }

  /// Reads and checks a notebook's bytes (`path` names it in messages).
  public static func parse(_ data: Data, path: String) throws -> RecordedNotebook {
    let json: JSONValue
    do {
      json = try JSONValue.parse(String(decoding: data, as: UTF8.self))
    } catch let error as JSONParseError {
      throw NotebookError("'\(path)' is not a notebook: it is not valid JSON (\(error))")
    }
    guard json["nbformat"]?.doubleValue == 4 else {
      throw NotebookError("'\(path)' is not an nbformat 4 notebook")
    }
    guard let labbook = json["metadata"]?["labbook"], let format = labbook["format"]?.intValue(in: 1...2) else {
      throw NotebookError(
        "'\(path)' was not written by Labbook (no metadata.labbook with format 1 or \(NotebookMetadata.format))")
    }
    guard let cellValues = json["cells"]?.arrayValue else { throw NotebookError("'\(path)' has no list of cells") }
    var cells: [Cell] = []
    for (offset, value) in cellValues.enumerated() {
      let position = offset + 1
      let kind = value["cell_type"]?.stringValue
      guard kind == "code" || (kind == "markdown" && format >= 2) else {
        throw NotebookError(
          "'\(path)' cell \(position) is a \(kind ?? "cell without a type"); Labbook notebooks hold code cells and (from format 2) markdown cells"
        )
      }
      guard let source = sourceText(value["source"]) else {
        throw NotebookError("'\(path)' cell \(position) has no source text")
      }
      let cellLabbook = value["metadata"]?["labbook"]
      cells.append(
        Cell(
          position: position, isMarkdown: kind == "markdown", source: source,
          outputs: value["outputs"]?.arrayValue ?? [], hash: cellLabbook?["hash"]?.stringValue,
          inputs: inputs(cellLabbook?["inputs"]), labbook: cellLabbook, raw: value))
    }
    var overrides: [String: String] = [:]
    if case .object(let pairs)? = labbook["overrides"] {
      for (name, value) in pairs { overrides[name] = value.stringValue }
    }
    var params: [(String, JSONValue)] = []
    if case .object(let pairs)? = labbook["params"] { params = pairs }
    let seed = labbook["seed"]?.doubleValue ?? 0
    guard let revision = (labbook["revision"] ?? .number(1)).intValue(in: 1...Int(Int32.max)) else {
      throw NotebookError("'\(path)' has a revision that is not a whole number from 1")
    }
    var overridePairs: [(String, JSONValue)] = []
    if case .object(let pairs)? = labbook["overrides"] { overridePairs = pairs }
    let header = NotebookMetadata.header(
      format: format, toolVersion: labbook["tool_version"]?.stringValue ?? "",
      created: labbook["created"]?.stringValue ?? "", revision: revision, parent: labbook["parent"]?.stringValue,
      overrides: overridePairs, seed: labbook["seed"] ?? .null, source: labbook["source"]?.stringValue)
    return RecordedNotebook(
      format: format, header: header, signature: NotebookSignature(json: labbook["signature"]),
      hasSignatureField: labbook["signature"] != nil,
      path: path, fileHash: SHA256Digest.hex(data), cells: cells,
      seed: seed >= 0 && seed < 1.8e19 ? UInt64(seed) : 0,
      revision: revision, params: params, overrides: overrides,
      inputs: inputs(labbook["inputs"]), chain: labbook["chain"]?.stringValue, source: labbook["source"]?.stringValue)
  }

  /// nbformat allows a cell's source as one string or as a list of lines.
  static func sourceText(_ value: JSONValue?) -> String? {
    if let text = value?.stringValue { return text }
    if let lines = value?.arrayValue {
      let parts = lines.compactMap(\.stringValue)
      return parts.count == lines.count ? parts.joined() : nil
    }
    return nil
  }

  static func inputs(_ value: JSONValue?) -> [RecordedInput] {
    (value?.arrayValue ?? []).compactMap { item in
      guard let path = item["path"]?.stringValue, let sha256 = item["sha256"]?.stringValue else { return nil }
      return RecordedInput(path: path, sha256: sha256)
    }
  }
}

public struct NotebookError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
