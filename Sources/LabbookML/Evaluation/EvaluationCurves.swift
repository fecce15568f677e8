import Foundation

/// What `evaluate` draws: for a binary classifier the ROC and precision-recall curves and a calibration
/// table, for a regressor predicted against actual values. Curves are thinned to at most
/// `maximumPoints` (evenly along the curve, ends kept) and regression points sampled evenly by row, so
/// a plot's size does not grow with the table; everything is deterministic, so replay compares plots.
public enum EvaluationCurves: Sendable, Equatable {
  case binary(Binary)
  case regression(Regression)

  public static let maximumPoints = 400
  public static let maximumRegressionPoints = 1000

  public struct Point: Sendable, Equatable {
    public var x: Double
    public var y: Double
  }

  public struct CalibrationBin: Sendable, Equatable {
    /// Mean predicted probability of the bin's rows, the share of them that are positive, and how many.
    public var predicted: Double
    public var observed: Double
    public var count: Int
  }

  public struct Binary: Sendable, Equatable {
    public var positive: String
    /// (false positive rate, true positive rate), from (0, 0) to (1, 1).
    public var roc: [Point]
    /// (recall, precision), recall increasing.
    public var precisionRecall: [Point]
    /// Ten equal-width bins of predicted probability (empty bins left out).
    public var calibration: [CalibrationBin]
    public var auc: Double?
  }

  public struct Regression: Sendable, Equatable {
    /// (actual, predicted) of the sampled rows.
    public var points: [Point]
  }

  /// Curves of the positive class's probabilities `scores` against `positives`.
  public static func binary(scores: [Double], positives: [Bool], positive: String, auc: Double?) -> EvaluationCurves {
    let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    let totalPositive = Double(positives.filter { $0 }.count)
    let totalNegative = Double(positives.count) - totalPositive
    var roc = [Point(x: 0, y: 0)]
    var pr: [Point] = []
    var truePositive = 0.0
    var falsePositive = 0.0
    var i = 0
    while i < order.count {
      // Every row with the same score moves the curve at once.
      var j = i
      while j < order.count, scores[order[j]] == scores[order[i]] {
        if positives[order[j]] { truePositive += 1 } else { falsePositive += 1 }
        j += 1
      }
      roc.append(
        Point(
          x: totalNegative > 0 ? falsePositive / totalNegative : 0,
          y: totalPositive > 0 ? truePositive / totalPositive : 0))
      if totalPositive > 0 {
        pr.append(Point(x: truePositive / totalPositive, y: truePositive / (truePositive + falsePositive)))
      }
      i = j
    }
    var bins: [CalibrationBin] = []
    for b in 0..<10 {
      let rows = scores.indices.filter {
        let bin = min(9, max(0, Int((scores[$0] * 10).rounded(.down))))
        return scores[$0].isFinite && bin == b
      }
      guard !rows.isEmpty else { continue }
      let predicted = rows.reduce(0) { $0 + scores[$1] } / Double(rows.count)
      let observed = Double(rows.filter { positives[$0] }.count) / Double(rows.count)
      bins.append(CalibrationBin(predicted: predicted, observed: observed, count: rows.count))
    }
    return .binary(
      Binary(positive: positive, roc: thin(roc), precisionRecall: thin(pr), calibration: bins, auc: auc))
  }

  public static func regression(actual: [Double], predicted: [Double]) -> EvaluationCurves {
    let n = actual.count
    let step = max(1, (n + maximumRegressionPoints - 1) / maximumRegressionPoints)
    let rows = stride(from: 0, to: n, by: step).filter { actual[$0].isFinite && predicted[$0].isFinite }
    return .regression(Regression(points: rows.map { Point(x: actual[$0], y: predicted[$0]) }))
  }

  /// At most `maximumPoints`, evenly spaced along the curve, first and last kept.
  static func thin(_ points: [Point]) -> [Point] {
    guard points.count > maximumPoints else { return points }
    let last = points.count - 1
    return (0..<maximumPoints).map { points[$0 * last / (maximumPoints - 1)] }
  }
}
