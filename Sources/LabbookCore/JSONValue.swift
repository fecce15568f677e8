import Foundation

/// A JSON document as a value. Objects keep their keys in insertion order for people; the canonical
/// form (used for hashing and comparison) sorts them.
public enum JSONValue: Equatable, Sendable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([(String, JSONValue)])

  public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
    lhs.canonicalString == rhs.canonicalString
  }

  /// A number, with NaN and infinities as `null` (JSON has no spelling for them).
  public static func num(_ value: Double) -> JSONValue { value.isFinite ? .number(value) : .null }
  public static func num(_ value: Int) -> JSONValue { .number(Double(value)) }
  public static func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }

  public subscript(key: String) -> JSONValue? {
    guard case .object(let pairs) = self else { return nil }
    return pairs.first { $0.0 == key }?.1
  }

  public var stringValue: String? {
    if case .string(let s) = self { return s }
    return nil
  }
  public var doubleValue: Double? {
    if case .number(let d) = self { return d }
    return nil
  }
  /// A whole number within `range` (never traps on 1e300, NaN or fractions; nil instead).
  public func intValue(in range: ClosedRange<Int> = Int.min...Int.max) -> Int? {
    guard case .number(let d) = self, let whole = Int(exactly: d), range.contains(whole) else { return nil }
    return whole
  }
  public var arrayValue: [JSONValue]? {
    if case .array(let a) = self { return a }
    return nil
  }

  /// Sorted keys, no white space: the form that is hashed.
  public var canonicalString: String {
    var out = ""
    write(to: &out, sortKeys: true, indent: nil, level: 0)
    return out
  }

  /// One-line form with keys in insertion order (the `--json` lines).
  public var compactString: String {
    var out = ""
    write(to: &out, sortKeys: false, indent: nil, level: 0)
    return out
  }

  /// Indented form with keys in insertion order (Jupyter uses one space per level).
  public func prettyString(indent: Int = 1) -> String { prettyString(indent: indent, level: 0) }

  /// Indented form as it appears `level` levels deep inside a larger document.
  public func prettyString(indent: Int, level: Int) -> String {
    var out = ""
    write(to: &out, sortKeys: false, indent: indent, level: level)
    return out
  }

  private func write(to out: inout String, sortKeys: Bool, indent: Int?, level: Int) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .number(let d): out += JSONValue.format(d)
    case .string(let s): JSONValue.writeString(s, to: &out)
    case .array(let items):
      if items.isEmpty {
        out += "[]"
        return
      }
      out += "["
      for (index, item) in items.enumerated() {
        if index > 0 { out += "," }
        newline(&out, indent, level + 1)
        item.write(to: &out, sortKeys: sortKeys, indent: indent, level: level + 1)
      }
      newline(&out, indent, level)
      out += "]"
    case .object(let pairs):
      if pairs.isEmpty {
        out += "{}"
        return
      }
      let ordered = sortKeys ? pairs.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) } : pairs
      out += "{"
      for (index, pair) in ordered.enumerated() {
        if index > 0 { out += "," }
        newline(&out, indent, level + 1)
        JSONValue.writeString(pair.0, to: &out)
        out += indent == nil ? ":" : ": "
        pair.1.write(to: &out, sortKeys: sortKeys, indent: indent, level: level + 1)
      }
      newline(&out, indent, level)
      out += "}"
    }
  }

  private func newline(_ out: inout String, _ indent: Int?, _ level: Int) {
    guard let indent else { return }
    out += "\n"
    out += String(repeating: " ", count: indent * level)
  }

  /// Integers print without a fraction; everything else as Swift's shortest round-trip form.
  public static func format(_ d: Double) -> String {
    guard d.isFinite else { return "null" }
    if d == d.rounded(), abs(d) < 1e15 {
      return String(Int64(d))
    }
    return "\(d)"
  }

  static func writeString(_ s: String, to out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      default:
        if scalar.value < 0x20 {
          out += String(format: "\\u%04x", scalar.value)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }
}
