/// Data-quality findings for `check`: missing values, constant columns, duplicate rows, outliers,
/// class imbalance, mixed types and identifier-like columns, each with a severity.
public struct Finding: Sendable, Equatable {
  public enum Severity: String, Sendable, Comparable {
    case info, warning, error
    var rank: Int { self == .info ? 0 : (self == .warning ? 1 : 2) }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
  }
  public var check: String
  public var column: String?
  public var severity: Severity
  public var message: String
}

/// The thresholds `check` uses, in one place so the README and help can cite them.
public enum QualityThresholds {
  /// Share of missing values above which a column is a warning (an error from `missingError`).
  public static let missingWarning = 0.05
  public static let missingError = 0.5
  /// Tukey's far-out fences: beyond Q1 − 3·IQR or Q3 + 3·IQR.
  public static let outlierIQRs = 3.0
  /// Minority / majority class ratio below which the target is imbalanced.
  public static let imbalanceRatio = 0.2
}

extension Table {
  public func qualityFindings() -> [Finding] {
    var findings: [Finding] = []
    if rowCount == 0 {
      return [Finding(check: "empty", column: nil, severity: .error, message: "the table has no rows")]
    }
    for column in columns {
      findings += missingFindings(column) + constantFindings(column) + outlierFindings(column)
      findings += mixedTypeFindings(column) + identifierFindings(column)
    }
    findings += duplicateFindings()
    if let target, let column = try? self.column(target) { findings += imbalanceFindings(column) }
    return findings
  }

  private func missingFindings(_ column: Column) -> [Finding] {
    let missing = column.missingCount
    guard missing > 0 else { return [] }
    let share = Double(missing) / Double(rowCount)
    let severity: Finding.Severity =
      share >= QualityThresholds.missingError ? .error : (share >= QualityThresholds.missingWarning ? .warning : .info)
    return [
      Finding(
        check: "missing", column: column.name, severity: severity,
        message: "\(missing) of \(rowCount) values missing (\(percent(share)))")
    ]
  }

  private func constantFindings(_ column: Column) -> [Finding] {
    var distinct = Set<String>()
    for row in 0..<column.count {
      if let text = column.text(at: row) { distinct.insert(text) }
      if distinct.count > 1 { return [] }
    }
    let value = distinct.first.map { "'\($0)'" } ?? "missing"
    return [
      Finding(
        check: "constant", column: column.name, severity: .warning,
        message: "every value is \(value): the column carries no information")
    ]
  }

  private func outlierFindings(_ column: Column) -> [Finding] {
    guard case .numeric(let values) = column.values else { return [] }
    let sorted = values.filter { !$0.isNaN }.sorted()
    guard sorted.count >= 4 else { return [] }
    let q1 = quantile(sorted, 0.25)
    let q3 = quantile(sorted, 0.75)
    let iqr = q3 - q1
    guard iqr > 0 else { return [] }
    let low = q1 - QualityThresholds.outlierIQRs * iqr
    let high = q3 + QualityThresholds.outlierIQRs * iqr
    let outliers = sorted.filter { $0 < low || $0 > high }
    guard !outliers.isEmpty else { return [] }
    return [
      Finding(
        check: "outliers", column: column.name, severity: outliers.count * 100 > sorted.count ? .warning : .info,
        message:
          "\(outliers.count) value\(outliers.count == 1 ? "" : "s") outside [\(formatNumber(low)), \(formatNumber(high))] (Q1/Q3 ∓ 3·IQR); extremes \(formatNumber(sorted.first!)) and \(formatNumber(sorted.last!))"
      )
    ]
  }

  private func mixedTypeFindings(_ column: Column) -> [Finding] {
    guard case .categorical(let codes, let levels) = column.values else { return [] }
    var numeric = 0
    var text = 0
    var example: String?
    for code in codes where code >= 0 {
      let value = levels[Int(code)].trimmingCharacters(in: .whitespaces)
      if Double(value) != nil {
        numeric += 1
      } else {
        text += 1
        if example == nil { example = value }
      }
    }
    guard numeric > 0, text > 0, numeric >= text else { return [] }
    return [
      Finding(
        check: "mixed_types", column: column.name, severity: .warning,
        message:
          "\(numeric) values are numbers but \(text) are text (e.g. '\(example ?? "")'), so the column was read as categorical"
      )
    ]
  }

  private func identifierFindings(_ column: Column) -> [Finding] {
    guard case .categorical(let codes, let levels) = column.values, rowCount >= 20, levels.count == rowCount,
      !codes.contains(-1)
    else { return [] }
    return [
      Finding(
        check: "identifier", column: column.name, severity: .info,
        message: "every value is distinct: an identifier, not a feature")
    ]
  }

  private func duplicateFindings() -> [Finding] {
    var seen = Set<[String?]>()
    var duplicates = 0
    for row in 0..<rowCount where !seen.insert(columns.map { $0.text(at: row) }).inserted { duplicates += 1 }
    guard duplicates > 0 else { return [] }
    return [
      Finding(
        check: "duplicates", column: nil, severity: .warning,
        message:
          "\(duplicates) row\(duplicates == 1 ? "" : "s") repeat\(duplicates == 1 ? "s" : "") an earlier row exactly")
    ]
  }

  private func imbalanceFindings(_ column: Column) -> [Finding] {
    var counts: [String: Int] = [:]
    for row in 0..<column.count {
      if let label = column.text(at: row) { counts[label, default: 0] += 1 }
    }
    guard counts.count >= 2, counts.count <= 20,
      let smallest = counts.min(by: { ($0.value, $0.key) < ($1.value, $1.key) }),
      let largest = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) })
    else { return [] }
    let ratio = Double(smallest.value) / Double(largest.value)
    guard ratio < QualityThresholds.imbalanceRatio else { return [] }
    return [
      Finding(
        check: "class_imbalance", column: column.name, severity: .warning,
        message:
          "class '\(smallest.key)' has \(smallest.value) rows against \(largest.value) for '\(largest.key)' (ratio \(formatNumber(ratio, significant: 3)))"
      )
    ]
  }
}

/// Linear-interpolation quantile of sorted values (numpy's default method).
public func quantile(_ sorted: [Double], _ q: Double) -> Double {
  guard !sorted.isEmpty else { return .nan }
  let position = q * Double(sorted.count - 1)
  let lower = Int(position.rounded(.down))
  let upper = min(lower + 1, sorted.count - 1)
  let fraction = position - Double(lower)
  return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
}

func percent(_ share: Double) -> String { formatNumber((share * 1000).rounded() / 10) + "%" }
