import Foundation
import LabbookCore
import LabbookData

/// What drift checks need to know of a table, column by column: a numeric column's non-missing values
/// (sorted; a seeded sample of at most `sampleLimit` when a model stores it), a categorical column's
/// level counts. A model keeps the profile of its training data, so `drift M on CUR` needs no
/// training table.
public struct DataProfile: Sendable, Equatable {
  public struct Column: Sendable, Equatable {
    public enum Values: Sendable, Equatable {
      case numeric([Double])
      case categorical(levels: [String], counts: [Double])
    }
    public var name: String
    public var values: Values
    public var missing: Int
    public var typeName: String {
      if case .numeric = values { return "numeric" }
      return "categorical"
    }
  }

  public var name: String
  public var rows: Int
  public var columns: [Column]
  /// True when numeric columns hold a sample rather than every value.
  public var sampled: Bool

  /// Values a model keeps per numeric column: enough for KS p-values to two or three digits.
  public static let modelSampleLimit = 10_000

  public static func make(_ table: Table, columns names: [String]? = nil, sampleLimit: Int? = nil, seed: UInt64 = 0)
    -> DataProfile
  {
    var rows = Array(0..<table.rowCount)
    var sampled = false
    if let sampleLimit, table.rowCount > sampleLimit {
      // A seeded partial Fisher–Yates shuffle picks the rows, the same ones for every column.
      var generator = SeededGenerator(seed: seed)
      for i in 0..<sampleLimit {
        let j = i + generator.uniform(below: rows.count - i)
        rows.swapAt(i, j)
      }
      rows = Array(rows[0..<sampleLimit]).sorted()
      sampled = true
    }
    let chosen = names.map { Set($0) }
    let columns = table.columns.filter { chosen?.contains($0.name) ?? true }.map { column -> Column in
      switch column.values {
      case .numeric(let values):
        let present = rows.map { values[$0] }.filter { !$0.isNaN }
        return Column(name: column.name, values: .numeric(radixSorted(present)), missing: column.missingCount)
      case .categorical(let codes, let levelNames):
        var byCode = [Double](repeating: 0, count: levelNames.count)
        for code in codes where code >= 0 { byCode[Int(code)] += 1 }
        var counts: [String: Double] = [:]
        for (code, level) in levelNames.enumerated() where byCode[code] > 0 {
          counts[level, default: 0] += byCode[code]
        }
        let levels = counts.keys.sorted()
        return Column(
          name: column.name, values: .categorical(levels: levels, counts: levels.map { counts[$0]! }),
          missing: column.missingCount)
      }
    }
    return DataProfile(name: table.name, rows: table.rowCount, columns: columns, sampled: sampled)
  }
}

/// When a column, and the data as a whole, counts as drifted.
public struct DriftThresholds: Sendable, Equatable {
  /// A column drifts when its PSI is at least this (0.1–0.2 is the usual "moderate" band, ≥ 0.2 "major")…
  public var psi = 0.2
  /// …or its test (KS for numeric, chi-square for categorical) has a p-value below this.
  public var pValue = 0.05
  /// The data drifts when at least this share of its columns drift (Evidently's dataset-drift rule).
  public var share = 0.5
  public init() {}
}

/// A drift report (SPEC §3 `drift`): per column the population stability index, and the two-sample
/// Kolmogorov–Smirnov test (numeric) or the chi-square test (categorical); a flag per column and an
/// overall verdict.
///
/// PSI = Σ_b (c_b − r_b)·ln(c_b / r_b) over bins b with reference and current shares r_b, c_b (a share
/// of 0 counts as 0.0001). Numeric bins are cut at the reference's deciles (numpy's default linear
/// quantiles, duplicates merged), intervals closed on the right; categorical bins are the levels.
/// Missing values are left out of every figure.
public struct DriftReport: Sendable, Equatable {
  public struct ColumnDrift: Sendable, Equatable {
    public var name: String
    public var type: String
    public var psi: Double
    public var ksStatistic: Double?
    public var ksPValue: Double?
    public var chiSquarePValue: Double?
    public var drifted: Bool
    /// The bins PSI compares (decile intervals of the reference, or levels) and each table's share of
    /// its non-missing values in them: what the drift plot overlays.
    public var bins: [String] = []
    public var referenceShares: [Double] = []
    public var currentShares: [Double] = []
  }

  public var reference: String
  public var current: String
  public var columns: [ColumnDrift]
  public var drifted: Bool
  public var thresholds: DriftThresholds
  public var notes: [String]

  public static let emptyShare = 0.0001

  public static func compare(
    _ reference: DataProfile, _ current: DataProfile, thresholds: DriftThresholds = DriftThresholds()
  ) throws -> DriftReport {
    var notes: [String] = []
    if reference.sampled {
      notes.append(
        "the reference is a stored sample of \(DataProfile.modelSampleLimit) of its \(reference.rows) rows: KS p-values are those of the sample"
      )
    }
    var results: [ColumnDrift] = []
    for column in reference.columns {
      guard let other = current.columns.first(where: { $0.name == column.name }) else { continue }
      switch (column.values, other.values) {
      case (.numeric(let r), .numeric(let c)):
        guard !r.isEmpty, !c.isEmpty else {
          notes.append("column '\(column.name)' has no values in \(r.isEmpty ? reference.name : current.name)")
          continue
        }
        let ks = KolmogorovSmirnov.twoSample(r, c)!
        let (edges, rCounts, cCounts) = decileCounts(r, c)
        let psi = populationStability(counts: rCounts, cCounts)
        results.append(
          ColumnDrift(
            name: column.name, type: "numeric", psi: psi, ksStatistic: ks.statistic, ksPValue: ks.pValue,
            chiSquarePValue: nil, drifted: psi >= thresholds.psi || ks.pValue < thresholds.pValue,
            bins: intervalLabels(edges), referenceShares: shares(rCounts), currentShares: shares(cCounts)))
      case (.categorical(let rLevels, let rCounts), .categorical(let cLevels, let cCounts)):
        let levels = Set(rLevels).union(cLevels).sorted()
        var rIndex: [String: Double] = [:]
        var cIndex: [String: Double] = [:]
        for (level, count) in zip(rLevels, rCounts) { rIndex[level] = count }
        for (level, count) in zip(cLevels, cCounts) { cIndex[level] = count }
        let rc = levels.map { rIndex[$0] ?? 0 }
        let cc = levels.map { cIndex[$0] ?? 0 }
        guard rc.reduce(0, +) > 0, cc.reduce(0, +) > 0 else {
          notes.append("column '\(column.name)' has no values in one of the tables")
          continue
        }
        let chi = ChiSquareTest.contingency(rc, cc)
        let psi = populationStability(counts: rc, cc)
        results.append(
          ColumnDrift(
            name: column.name, type: "categorical", psi: psi, ksStatistic: nil, ksPValue: nil,
            chiSquarePValue: chi.pValue, drifted: psi >= thresholds.psi || chi.pValue < thresholds.pValue,
            bins: levels, referenceShares: shares(rc), currentShares: shares(cc)))
      default:
        throw MLError(
          "column '\(column.name)' is \(column.typeName) in \(reference.name) but \(other.typeName) in \(current.name)")
      }
    }
    let share = results.isEmpty ? 0 : Double(results.filter(\.drifted).count) / Double(results.count)
    return DriftReport(
      reference: reference.name, current: current.name, columns: results,
      drifted: !results.isEmpty && share >= thresholds.share, thresholds: thresholds, notes: notes)
  }

  /// Both tables' columns must match by name and type (extra or missing columns are an error).
  public static func requireSameSchema(_ reference: Table, _ current: Table) throws {
    let r = reference.columnNames
    let c = current.columnNames
    let onlyReference = r.filter { !c.contains($0) }
    let onlyCurrent = c.filter { !r.contains($0) }
    if !onlyReference.isEmpty || !onlyCurrent.isEmpty {
      var parts: [String] = []
      if !onlyReference.isEmpty { parts.append("only in \(reference.name): " + onlyReference.joined(separator: ", ")) }
      if !onlyCurrent.isEmpty { parts.append("only in \(current.name): " + onlyCurrent.joined(separator: ", ")) }
      throw MLError("the tables have different columns (" + parts.joined(separator: "; ") + ")")
    }
  }

  /// The reference's deciles by numpy's default (linear) rule, duplicates merged.
  static func decileEdges(_ sorted: [Double]) -> [Double] {
    var edges: [Double] = []
    let n = sorted.count
    for q in 1..<10 {
      let position = Double(n - 1) * (Double(q) / 10)
      let low = Int(position.rounded(.down))
      let high = min(low + 1, n - 1)
      let t = position - Double(low)
      let a = sorted[low]
      let b = sorted[high]
      // numpy's lerp: from whichever end is nearer, so the result stays within [a, b].
      let value = t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t
      if edges.last != value { edges.append(value) }
    }
    return edges
  }

  /// PSI of two numeric samples (any order, no NaN) over the reference's decile bins.
  static func populationStability(_ reference: [Double], _ current: [Double]) -> Double {
    let (_, r, c) = decileCounts(reference, current)
    return populationStability(counts: r, c)
  }

  static func shares(_ counts: [Double]) -> [Double] {
    let total = counts.reduce(0, +)
    return counts.map { total > 0 ? $0 / total : 0 }
  }

  /// "≤ 3", "(3, 7]", ..., "> 42" for bins cut at `edges` (closed on the right).
  static func intervalLabels(_ edges: [Double]) -> [String] {
    guard let first = edges.first, let last = edges.last else { return ["all"] }
    var labels = ["≤ \(formatNumber(first, significant: 4))"]
    for i in 1..<max(1, edges.count) where i < edges.count {
      labels.append("(\(formatNumber(edges[i - 1], significant: 4)), \(formatNumber(edges[i], significant: 4))]")
    }
    labels.append("> \(formatNumber(last, significant: 4))")
    return labels
  }

  /// The reference's decile edges and both samples' counts in the bins they cut.
  static func decileCounts(_ reference: [Double], _ current: [Double]) -> ([Double], [Double], [Double]) {
    let edges = decileEdges(radixSorted(reference))
    func counts(_ values: [Double]) -> [Double] {
      var counts = [Double](repeating: 0, count: edges.count + 1)
      for value in values {
        // The first edge the value does not exceed (bins closed on the right).
        var low = 0
        var high = edges.count
        while low < high {
          let middle = (low + high) / 2
          if value <= edges[middle] { high = middle } else { low = middle + 1 }
        }
        counts[low] += 1
      }
      return counts
    }
    return (edges, counts(reference), counts(current))
  }

  static func populationStability(counts reference: [Double], _ current: [Double]) -> Double {
    let rTotal = reference.reduce(0, +)
    let cTotal = current.reduce(0, +)
    var psi = 0.0
    for b in reference.indices {
      let r = reference[b] == 0 ? emptyShare : reference[b] / rTotal
      let c = current[b] == 0 ? emptyShare : current[b] / cTotal
      psi += (c - r) * log(c / r)
    }
    return psi
  }
}
