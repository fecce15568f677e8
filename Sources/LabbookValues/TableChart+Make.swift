import Foundation
import LabbookData

extension TableChart {
  /// The chart `plot` draws of `table`: x alone gives a histogram (numbers) or bar chart (categories);
  /// x and y (numbers) a scatter; x and by (no y) box plots of x per group, or grouped bars when x is
  /// categorical. Rows missing a plotted column are left out and counted.
  public static func make(_ table: Table, x: String, y: String?, by: String?) throws -> TableChart {
    let xColumn = try table.column(x)
    let yColumn = try y.map { try table.column($0) }
    let byColumn = try by.map { try table.column($0) }
    if let yColumn, !xColumn.isNumeric || !yColumn.isNumeric {
      throw DataError(
        "a scatter plot needs two numeric columns; '\(xColumn.isNumeric ? yColumn.name : x)' is categorical")
    }
    let rows = (0..<table.rowCount).filter { row in
      xColumn.text(at: row) != nil && [yColumn, byColumn].allSatisfy { $0 == nil || $0!.text(at: row) != nil }
    }
    let missing = table.rowCount - rows.count
    let groupOf: (Int) -> String = { row in byColumn?.text(at: row) ?? "" }
    let groupNames = Array(Set(rows.map(groupOf))).sorted()
    if byColumn != nil, groupNames.count > 30 {
      throw DataError("'\(by!)' has \(groupNames.count) distinct values; `by` takes a column with at most 30")
    }
    let content: Content
    switch (xColumn.values, yColumn) {
    case (.numeric(let xs), let yColumn?):
      guard case .numeric(let ys) = yColumn.values else { throw DataError("'\(yColumn.name)' is not numeric") }
      let step = max(1, (rows.count + maximumPoints - 1) / maximumPoints)
      let sampled = stride(from: 0, to: rows.count, by: step).map { rows[$0] }
      content = .scatter(
        groups: groupNames.map { name in
          ScatterGroup(
            name: name, points: sampled.filter { groupOf($0) == name }.map { Point(x: xs[$0], y: ys[$0]) })
        })
    case (.numeric(let xs), nil) where byColumn == nil:
      content = histogram(rows.map { xs[$0] })
    case (.numeric(let xs), nil):
      content = .boxes(groupNames.map { name in box(name, rows.filter { groupOf($0) == name }.map { xs[$0] }) })
    case (.categorical, _):
      var totals: [String: Int] = [:]
      var perGroup: [String: [String: Int]] = [:]
      for row in rows {
        let level = xColumn.text(at: row)!
        totals[level, default: 0] += 1
        perGroup[groupOf(row), default: [:]][level, default: 0] += 1
      }
      let levels = totals.keys.sorted { (totals[$0]!, $1) > (totals[$1]!, $0) }.prefix(30)
      let counts = groupNames.map { name in levels.map { perGroup[name]?[$0] ?? 0 } }
      content = .bars(levels: Array(levels), groups: groupNames, counts: counts)
    }
    return TableChart(table: table.name, x: x, y: y, by: by, content: content, missingRows: missing)
  }

  /// Equal-width bins over the values' range, as many as Sturges' rule gives (at most 50).
  static func histogram(_ values: [Double]) -> Content {
    guard let low = values.min(), let high = values.max() else { return .histogram(edges: [0, 1], counts: [0]) }
    if low == high { return .histogram(edges: [low - 0.5, high + 0.5], counts: [values.count]) }
    let bins = min(50, Int(log2(Double(values.count)).rounded(.up)) + 1)
    let width = (high - low) / Double(bins)
    let edges = (0...bins).map { $0 == bins ? high : low + width * Double($0) }
    var counts = [Int](repeating: 0, count: bins)
    for value in values { counts[min(bins - 1, Int((value - low) / width))] += 1 }
    return .histogram(edges: edges, counts: counts)
  }

  static func box(_ group: String, _ values: [Double]) -> BoxSummary {
    let sorted = values.sorted()
    guard !sorted.isEmpty else {
      return BoxSummary(group: group, count: 0, low: 0, q1: 0, median: 0, q3: 0, high: 0, outliers: 0)
    }
    func quantile(_ q: Double) -> Double {
      let position = Double(sorted.count - 1) * q
      let below = Int(position.rounded(.down))
      let above = min(below + 1, sorted.count - 1)
      return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
    }
    let q1 = quantile(0.25)
    let q3 = quantile(0.75)
    let reach = 1.5 * (q3 - q1)
    let inside = sorted.filter { $0 >= q1 - reach && $0 <= q3 + reach }
    return BoxSummary(
      group: group, count: sorted.count, low: inside.first ?? q1, q1: q1, median: quantile(0.5), q3: q3,
      high: inside.last ?? q3, outliers: sorted.count - inside.count)
  }
}
