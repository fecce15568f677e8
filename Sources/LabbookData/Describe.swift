/// Per-column summary statistics, as pandas' `describe(include="all")` reports them: `count` is the
/// number of non-missing values and `std` divides by n − 1.
public struct TableDescription: Sendable, Equatable {
  public var rows: Int
  public var columns: [ColumnSummary]
}

public struct ColumnSummary: Sendable, Equatable {
  public var name: String
  public var type: String
  public var count: Int
  public var missing: Int
  public var mean: Double?
  public var std: Double?
  public var min: Double?
  public var max: Double?
  /// Level counts in level order (categorical columns only).
  public var levels: [(String, Int)]?

  public static func == (lhs: ColumnSummary, rhs: ColumnSummary) -> Bool {
    lhs.name == rhs.name && lhs.count == rhs.count && lhs.missing == rhs.missing && lhs.mean == rhs.mean
      && lhs.std == rhs.std && lhs.min == rhs.min && lhs.max == rhs.max
      && lhs.levels?.map(\.0) == rhs.levels?.map(\.0) && lhs.levels?.map(\.1) == rhs.levels?.map(\.1)
  }
}

extension Table {
  public func describe() -> TableDescription {
    TableDescription(rows: rowCount, columns: columns.map { $0.summary() })
  }
}

extension Column {
  public func summary() -> ColumnSummary {
    switch values {
    case .numeric(let all):
      let present = all.filter { !$0.isNaN }
      var summary = ColumnSummary(name: name, type: typeName, count: present.count, missing: all.count - present.count)
      guard !present.isEmpty else { return summary }
      let mean = pairwiseSum(present[...]) / Double(present.count)
      summary.mean = mean
      if present.count > 1 {
        let squares = pairwiseSum(present.map { ($0 - mean) * ($0 - mean) }[...])
        summary.std = (squares / Double(present.count - 1)).squareRoot()
      }
      summary.min = present.min()
      summary.max = present.max()
      return summary
    case .categorical(let codes, let levels):
      var counts = [Int](repeating: 0, count: levels.count)
      var missing = 0
      for code in codes {
        if code < 0 { missing += 1 } else { counts[Int(code)] += 1 }
      }
      var summary = ColumnSummary(name: name, type: typeName, count: codes.count - missing, missing: missing)
      summary.levels = Array(zip(levels, counts))
      return summary
    }
  }
}

/// Pairwise summation (as numpy's `sum` does): error grows with log n, not n.
func pairwiseSum(_ values: ArraySlice<Double>) -> Double {
  if values.count <= 128 {
    var total = 0.0
    for value in values { total += value }
    return total
  }
  let middle = values.startIndex + values.count / 2
  return pairwiseSum(values[..<middle]) + pairwiseSum(values[middle...])
}
