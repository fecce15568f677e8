import LabbookCore

/// A table: named, equal-length columns, plus the roles (`target`, `protected`) it was loaded or saved with.
public struct Table: Sendable, Equatable {
  public var name: String
  public var columns: [Column]
  public var target: String?
  public var protected: String?

  public init(name: String, columns: [Column], target: String? = nil, protected: String? = nil) throws {
    if let first = columns.first {
      for column in columns where column.count != first.count {
        throw DataError(
          "column '\(column.name)' has \(column.count) rows but '\(first.name)' has \(first.count)")
      }
    }
    var seen = Set<String>()
    for column in columns where !seen.insert(column.name).inserted {
      throw DataError("two columns are named '\(column.name)'")
    }
    self.name = name
    self.columns = columns
    self.target = target.flatMap { t in columns.contains { $0.name == t } ? t : nil }
    self.protected = protected.flatMap { p in columns.contains { $0.name == p } ? p : nil }
  }

  public var rowCount: Int { columns.first?.count ?? 0 }
  public var columnNames: [String] { columns.map(\.name) }

  /// The column called `name`, or an error that suggests the closest existing name.
  public func column(_ name: String) throws -> Column {
    if let column = columns.first(where: { $0.name == name }) { return column }
    throw DataError(unknownColumnMessage(name))
  }

  public func unknownColumnMessage(_ name: String) -> String {
    var message = "no column '\(name)' in table '\(self.name)'"
    if let suggestion = closestName(to: name, among: columnNames) {
      message += "; did you mean '\(suggestion)'?"
    } else {
      let listed = columnNames.prefix(12).joined(separator: ", ")
      message += " (columns: \(listed)\(columnNames.count > 12 ? ", ..." : ""))"
    }
    return message
  }

  /// The rows at `indices`, keeping roles.
  public func taking(_ indices: [Int], name: String? = nil) -> Table {
    // Columns stay equal in length, so the checks in init cannot fail here.
    var table = self
    table.columns = columns.map { $0.taking(indices) }
    if let name { table.name = name }
    return table
  }

  /// sha256 of the values alone: names, types and every value in row order, independent of how
  /// (or whether) the table is stored. Categories hash as their text, so level order does not matter.
  public var contentHash: String {
    var hasher = ContentHasher()
    hasher.update("labbook-table-v1")
    hasher.update(String(rowCount))
    for column in columns {
      hasher.update(column.name)
      switch column.values {
      case .numeric(let values):
        hasher.update(byte: 1)
        // One NaN pattern and one zero, so equal values hash equally; canonicalised 8,192 values at a
        // time, so no copy of the column is made.
        var block = [Double](repeating: 0, count: 8_192)
        values.withUnsafeBufferPointer { values in
          for start in stride(from: 0, to: values.count, by: block.count) {
            let count = min(block.count, values.count - start)
            block.withUnsafeMutableBufferPointer { block in
              for i in 0..<count {
                let value = values[start + i]
                block[i] = value.isNaN ? Double.nan : (value == 0 ? 0 : value)
              }
            }
            hasher.update(doubles: block[..<count])
          }
        }
      case .categorical(let codes, let levels):
        hasher.update(byte: 2)
        // The same bytes as hashing each row's text on its own (a 0 for missing, else a 1 and the
        // text), with each level encoded once, into one buffer (level k's bytes at starts[k] up to
        // starts[k + 1]), and the rows copied from it into blocks of 64 KiB fed to SHA-256.
        var encoded: [UInt8] = []
        var starts = [0]
        starts.reserveCapacity(levels.count + 1)
        for level in levels {
          encoded.append(1)
          encoded.append(contentsOf: ContentHasher.encoding(of: level))
          starts.append(encoded.count)
        }
        let longest = zip(starts.dropFirst(), starts).map { $0 - $1 }.max() ?? 0
        let capacity = (1 << 16) + max(longest, 1)
        let block = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { block.deallocate() }
        var filled = 0
        encoded.withUnsafeBufferPointer { encoded in
          starts.withUnsafeBufferPointer { starts in
            for code in codes {
              if code < 0 {
                block[filled] = 0
                filled += 1
              } else {
                let start = starts[Int(code)]
                let length = starts[Int(code) + 1] - start
                (block + filled).update(from: encoded.baseAddress! + start, count: length)
                filled += length
              }
              if filled >= 1 << 16 {
                hasher.update(bytes: UnsafeRawBufferPointer(start: block, count: filled))
                filled = 0
              }
            }
          }
        }
        hasher.update(bytes: UnsafeRawBufferPointer(start: block, count: filled))
      }
    }
    return hasher.finalize()
  }
}

/// The candidate closest to `name` by edit distance, when it is close enough to be a likely typo.
public func closestName(to name: String, among candidates: [String]) -> String? {
  let lowered = name.lowercased()
  var best: (String, Int)?
  for candidate in candidates {
    let distance = editDistance(lowered, candidate.lowercased())
    if distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
  }
  guard let (candidate, distance) = best else { return nil }
  let allowed = max(2, name.count / 3)
  return distance <= allowed ? candidate : nil
}

func editDistance(_ a: String, _ b: String) -> Int {
  let a = Array(a)
  let b = Array(b)
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var previous = Array(0...b.count)
  var current = [Int](repeating: 0, count: b.count + 1)
  for i in 1...a.count {
    current[0] = i
    for j in 1...b.count {
      current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
    }
    swap(&previous, &current)
  }
  return previous[b.count]
}
