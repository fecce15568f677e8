import LabbookCore

/// A seeded random split of a table's rows into two tables, optionally stratified.
public enum RandomSplit {
  /// `ratio` of the rows (rounded down, at least one) go to the first table. With `stratify`, each
  /// class keeps its share: every class gets ⌊ratio·n_c⌋ rows and the rows still owed go to the classes
  /// with the largest remainders (ties to the earlier class). Rows keep their original order in each part.
  public static func split(_ table: Table, ratio: Double, seed: UInt64, stratify: String? = nil) throws -> (
    Table, Table
  ) {
    guard ratio > 0, ratio < 1 else {
      throw DataError("ratio must be between 0 and 1 (exclusive), got \(formatNumber(ratio))")
    }
    let n = table.rowCount
    guard n >= 2 else { throw DataError("cannot split table '\(table.name)': it has \(n) row\(n == 1 ? "" : "s")") }
    let firstCount = Int((ratio * Double(n)).rounded(.down))
    guard firstCount >= 1, firstCount < n else {
      throw DataError("ratio \(formatNumber(ratio)) of \(n) rows leaves one part empty")
    }
    var generator = SeededGenerator(seed: seed)
    var chosen: [Int]
    if let stratify {
      let column = try table.column(stratify)
      var groups: [String: [Int]] = [:]
      var order: [String] = []
      for row in 0..<n {
        let key = column.text(at: row) ?? "\u{0}missing"
        if groups[key] == nil { order.append(key) }
        groups[key, default: []].append(row)
      }
      order.sort()
      let shares = order.map { ratio * Double(groups[$0]!.count) }
      var quotas = shares.map { Int($0.rounded(.down)) }
      let remainders = zip(shares, quotas).map { $0 - Double($1) }
      var owed = firstCount - quotas.reduce(0, +)
      for index in order.indices.sorted(by: {
        remainders[$0] > remainders[$1] || (remainders[$0] == remainders[$1] && $0 < $1)
      }) where owed > 0 {
        quotas[index] += 1
        owed -= 1
      }
      chosen = []
      for (index, key) in order.enumerated() {
        var rows = groups[key]!
        generator.shuffle(&rows)
        chosen += rows.prefix(quotas[index])
      }
    } else {
      var rows = Array(0..<n)
      generator.shuffle(&rows)
      chosen = Array(rows.prefix(firstCount))
    }
    chosen.sort()
    var inFirst = [Bool](repeating: false, count: n)
    for row in chosen { inFirst[row] = true }
    let rest = (0..<n).filter { !inFirst[$0] }
    return (table.taking(chosen), table.taking(rest))
  }
}
