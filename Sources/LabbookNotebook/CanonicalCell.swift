import Foundation
import LabbookCore

/// What a cell's hash covers: the cell as nbformat loads it, not its JSON layout. Jupyter, VS Code and
/// `nbformat.write` split multi-line strings into lists of lines, order keys and may add ids or output
/// metadata; none of that is tampering, so the canonical form joins the lines back, drops ids and every
/// metadata but Labbook's (without its own hash), and is hashed with sorted keys. Any change of a
/// source, an output, an execution count or Labbook's cell metadata (inputs, AutoML trials, seeds,
/// registry records, timings) changes it.
public enum CanonicalCell {
  public static func form(_ cell: JSONValue) -> JSONValue {
    var pairs: [(String, JSONValue)] = [("cell_type", cell["cell_type"] ?? .null)]
    if let count = cell["execution_count"] { pairs.append(("execution_count", count)) }
    pairs.append(("source", .string(joined(cell["source"]) ?? "")))
    if let outputs = cell["outputs"]?.arrayValue { pairs.append(("outputs", .array(outputs.map(output)))) }
    var labbook: [(String, JSONValue)] = []
    if case .object(let fields)? = cell["metadata"]?["labbook"] {
      labbook = fields.filter { $0.0 != "hash" }
    }
    pairs.append(("labbook", .object(labbook)))
    return .object(pairs)
  }

  /// An output with its texts joined (`data` values, `text`, but not the traceback, which is a list by
  /// nature) and its metadata dropped.
  public static func output(_ output: JSONValue) -> JSONValue {
    guard case .object(let fields) = output else { return output }
    return .object(
      fields.compactMap { key, value in
        switch key {
        case "metadata", "transient": return nil
        case "text": return (key, joined(value).map(JSONValue.string) ?? value)
        case "data":
          guard case .object(let bundle) = value else { return (key, value) }
          return (key, .object(bundle.map { ($0.0, joinedText(mime: $0.0, $0.1)) }))
        default: return (key, value)
        }
      })
  }

  /// A MIME bundle entry: JSON types (`application/json`, `…+json`) as they are, text as one string.
  static func joinedText(mime: String, _ value: JSONValue) -> JSONValue {
    if mime == "application/json" || mime.hasSuffix("+json") { return value }
    return joined(value).map(JSONValue.string) ?? value
  }

  /// A string, or a list of strings joined (nbformat's multi-line form); nil for anything else.
  public static func joined(_ value: JSONValue?) -> String? {
    if let text = value?.stringValue { return text }
    if let lines = value?.arrayValue {
      let parts = lines.compactMap(\.stringValue)
      return parts.count == lines.count ? parts.joined() : nil
    }
    return nil
  }
}

/// The tamper-evident chain: each cell's hash covers the previous hash and the cell's canonical form;
/// the first cell's "previous hash" covers the notebook's header (format, creation, revision, parent,
/// seed, parameter overrides, source).
public enum HashChain {
  /// Format 1's start of the chain (kept to verify older notebooks).
  public static let genesis = ""

  /// The start of a format-2 chain: the header's canonical JSON, hashed.
  public static func genesis(header: JSONValue) -> String {
    SHA256Digest.hex("labbook-notebook-v2\u{0}" + header.canonicalString)
  }

  public static func link(previous: String, cell: JSONValue) -> String {
    SHA256Digest.hex("labbook-cell-v2\u{0}" + previous + "\u{0}" + CanonicalCell.form(cell).canonicalString)
  }

  /// Format 1: sha256(previous ‖ source ‖ canonical JSON of outputs), as lower-case hex.
  public static func linkFormat1(previous: String, source: String, outputs: [JSONValue]) -> String {
    SHA256Digest.hex(previous + source + JSONValue.array(outputs).canonicalString)
  }
}
