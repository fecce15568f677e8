/// One place where two JSON documents differ, for readable replay diffs.
public struct JSONDifference: Equatable, Sendable {
  /// Where, as `outputs[0].data.application/json.columns[2].mean`.
  public var path: String
  public var recorded: String
  public var replayed: String
}

extension JSONValue {
  /// The places where `self` (recorded) and `other` (replayed) differ, at most `limit`, in document order.
  /// Multi-line strings are compared line by line and the first differing line is shown.
  public func differences(from other: JSONValue, path: String = "", limit: Int = 12) -> [JSONDifference] {
    var found: [JSONDifference] = []
    collectDifferences(self, other, path: path, into: &found, limit: limit)
    return found
  }
}

private func collectDifferences(
  _ a: JSONValue, _ b: JSONValue, path: String, into found: inout [JSONDifference], limit: Int
) {
  guard found.count < limit, a != b else { return }
  switch (a, b) {
  case (.object(let left), .object(let right)):
    let rightKeys = Dictionary(right, uniquingKeysWith: { first, _ in first })
    let leftKeys = Dictionary(left, uniquingKeysWith: { first, _ in first })
    for (key, value) in left {
      let child = path.isEmpty ? key : "\(path).\(key)"
      if let other = rightKeys[key] {
        collectDifferences(value, other, path: child, into: &found, limit: limit)
      } else {
        found.append(JSONDifference(path: child, recorded: shortText(value), replayed: "(absent)"))
      }
      if found.count >= limit { return }
    }
    for (key, value) in right where leftKeys[key] == nil && found.count < limit {
      found.append(
        JSONDifference(path: path.isEmpty ? key : "\(path).\(key)", recorded: "(absent)", replayed: shortText(value)))
    }
  case (.array(let left), .array(let right)):
    for index in 0..<max(left.count, right.count) where found.count < limit {
      let child = "\(path)[\(index)]"
      switch (index < left.count, index < right.count) {
      case (true, true): collectDifferences(left[index], right[index], path: child, into: &found, limit: limit)
      case (true, false):
        found.append(JSONDifference(path: child, recorded: shortText(left[index]), replayed: "(absent)"))
      default: found.append(JSONDifference(path: child, recorded: "(absent)", replayed: shortText(right[index])))
      }
    }
  case (.string(let left), .string(let right)) where left.contains("\n") || right.contains("\n"):
    let leftLines = left.split(separator: "\n", omittingEmptySubsequences: false)
    let rightLines = right.split(separator: "\n", omittingEmptySubsequences: false)
    let common = min(leftLines.count, rightLines.count)
    let line = (0..<common).first { leftLines[$0] != rightLines[$0] } ?? common
    let recorded = line < leftLines.count ? String(leftLines[line]) : "(no line)"
    let replayed = line < rightLines.count ? String(rightLines[line]) : "(no line)"
    found.append(
      JSONDifference(path: "\(path) line \(line + 1)", recorded: clip(recorded), replayed: clip(replayed)))
  default:
    found.append(JSONDifference(path: path, recorded: shortText(a), replayed: shortText(b)))
  }
}

private func shortText(_ value: JSONValue) -> String { clip(value.compactString) }

private func clip(_ text: String) -> String { text.count > 100 ? String(text.prefix(97)) + "..." : text }
