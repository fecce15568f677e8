import Foundation
import LabbookData

/// Scores of predictions against the truth, with scikit-learn's definitions: precision, recall and F1
/// of the positive class for binary tasks and their unweighted (macro) mean over classes otherwise;
/// ROC AUC by the rank (Mann–Whitney) formula with ties averaged, one-vs-rest macro for several classes;
/// log loss with probabilities clipped to [ε, 1 − ε] (ε = 2.2e-16) and renormalised.
public struct Metrics: Sendable, Equatable {
  public var task: Task
  public var labels: [String]
  public var accuracy: Double?
  public var precision: Double?
  public var recall: Double?
  public var f1: Double?
  public var auc: Double?
  public var logLoss: Double?
  /// Rows are the truth, columns the prediction.
  public var confusion: [[Int]]?
  public var r2: Double?
  public var rmse: Double?
  public var mae: Double?
  /// What `evaluate` plots (ROC, precision-recall, calibration; predicted against actual), when asked for.
  public var curves: EvaluationCurves?

  /// The named metric, for `cv`, AutoML and importance.
  public func value(_ name: String) -> Double? {
    switch name {
    case "accuracy": return accuracy
    case "precision": return precision
    case "recall": return recall
    case "f1": return f1
    case "auc": return auc
    case "logloss": return logLoss
    case "r2": return r2
    case "rmse": return rmse
    case "mae": return mae
    default: return nil
    }
  }

  public static let classificationNames = ["accuracy", "precision", "recall", "f1", "auc", "logloss"]
  public static let regressionNames = ["r2", "rmse", "mae"]

  /// The task a metric belongs to (the two lists are disjoint), or nil for an unknown name.
  public static func task(of metric: String) -> Task? {
    if classificationNames.contains(metric) { return .classification }
    if regressionNames.contains(metric) { return .regression }
    return nil
  }

  /// The metrics of a task, in SPEC §3's order.
  public static func names(for task: Task) -> [String] {
    task == .classification ? classificationNames : regressionNames
  }

  /// Metrics where a lower value is better (losses and errors).
  public static func lowerIsBetter(_ name: String) -> Bool { ["logloss", "rmse", "mae"].contains(name) }

  public static func classification(truth: [Int], probabilities: [Double], labels: [String]) -> Metrics {
    let k = labels.count
    let n = truth.count
    let predicted = (0..<n).map { i -> Int in
      var best = 0
      for c in 1..<k where probabilities[i * k + c] > probabilities[i * k + best] { best = c }
      return best
    }
    var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
    for i in 0..<n { confusion[truth[i]][predicted[i]] += 1 }
    let correct = (0..<k).reduce(0) { $0 + confusion[$1][$1] }
    var metrics = Metrics(task: .classification, labels: labels)
    metrics.accuracy = n == 0 ? nil : Double(correct) / Double(n)
    metrics.confusion = confusion
    func precision(_ c: Int) -> Double {
      let column = (0..<k).reduce(0) { $0 + confusion[$1][c] }
      return column == 0 ? 0 : Double(confusion[c][c]) / Double(column)
    }
    func recall(_ c: Int) -> Double {
      let row = confusion[c].reduce(0, +)
      return row == 0 ? 0 : Double(confusion[c][c]) / Double(row)
    }
    func f1(_ c: Int) -> Double {
      let p = precision(c)
      let r = recall(c)
      return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }
    if k == 2 {
      metrics.precision = precision(1)
      metrics.recall = recall(1)
      metrics.f1 = f1(1)
      metrics.auc = rocAUC(scores: (0..<n).map { probabilities[$0 * 2 + 1] }, positives: truth.map { $0 == 1 })
    } else {
      metrics.precision = (0..<k).reduce(0) { $0 + precision($1) } / Double(k)
      metrics.recall = (0..<k).reduce(0) { $0 + recall($1) } / Double(k)
      metrics.f1 = (0..<k).reduce(0) { $0 + f1($1) } / Double(k)
      let perClass = (0..<k).compactMap { c in
        rocAUC(scores: (0..<n).map { probabilities[$0 * k + c] }, positives: truth.map { $0 == c })
      }
      metrics.auc = perClass.count == k ? perClass.reduce(0, +) / Double(k) : nil
    }
    let epsilon = 2.220446049250313e-16
    var loss = 0.0
    for i in 0..<n {
      var total = 0.0
      for c in 0..<k { total += min(max(probabilities[i * k + c], epsilon), 1 - epsilon) }
      let p = min(max(probabilities[i * k + truth[i]], epsilon), 1 - epsilon) / total
      loss -= Foundation.log(p)
    }
    metrics.logLoss = n == 0 ? nil : loss / Double(n)
    return metrics
  }

  /// Area under the ROC curve: the probability that a random positive scores above a random negative,
  /// ties counting one half. Nil when only one class is present.
  public static func rocAUC(scores: [Double], positives: [Bool]) -> Double? {
    let positiveCount = positives.filter { $0 }.count
    let negativeCount = positives.count - positiveCount
    guard positiveCount > 0, negativeCount > 0 else { return nil }
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    var rankSum = 0.0
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
      let averageRank = Double(i + j) / 2 + 1
      for t in i...j where positives[order[t]] { rankSum += averageRank }
      i = j + 1
    }
    let p = Double(positiveCount)
    return (rankSum - p * (p + 1) / 2) / (p * Double(negativeCount))
  }

  public static func regression(truth: [Double], predicted: [Double]) -> Metrics {
    let n = Double(truth.count)
    let mean = truth.reduce(0, +) / n
    var residual = 0.0
    var total = 0.0
    var absolute = 0.0
    for i in truth.indices {
      let e = truth[i] - predicted[i]
      residual += e * e
      absolute += abs(e)
      total += (truth[i] - mean) * (truth[i] - mean)
    }
    var metrics = Metrics(task: .regression, labels: [])
    metrics.r2 = total == 0 ? (residual == 0 ? 1 : 0) : 1 - residual / total
    metrics.rmse = (residual / n).squareRoot()
    metrics.mae = absolute / n
    return metrics
  }

  init(task: Task, labels: [String]) {
    self.task = task
    self.labels = labels
  }
}

extension TrainedModel {
  /// Scores the model on a table holding the target column; with `curves`, also what `evaluate` plots.
  public func evaluate(on table: Table, curves: Bool = false) throws -> Metrics {
    try evaluate(try predict(table), on: table, curves: curves)
  }

  /// Scores a prediction this model made for `table`.
  func evaluate(_ prediction: Prediction, on table: Table, curves: Bool = false) throws -> Metrics {
    let truth = try Target.read(table, column: target, task: task, forLearning: false)
    switch (prediction, task) {
    case (.probabilities(let p, _), .classification):
      // Map the table's labels onto the model's classes; labels the model never saw count as wrong.
      var index: [String: Int] = [:]
      for (i, label) in classes.enumerated() { index[label] = i }
      let unseen = truth.classes.filter { index[$0] == nil }
      if !unseen.isEmpty {
        throw MLError(
          "'\(target)' holds classes the model never saw in training: \(unseen.prefix(5).joined(separator: ", "))")
      }
      let codes = truth.codes.map { index[truth.classes[$0]]! }
      var metrics = Metrics.classification(truth: codes, probabilities: p, labels: classes)
      if curves, classes.count == 2 {
        metrics.curves = EvaluationCurves.binary(
          scores: (0..<codes.count).map { p[$0 * 2 + 1] }, positives: codes.map { $0 == 1 }, positive: classes[1],
          auc: metrics.auc)
      }
      return metrics
    case (.values(let v), .regression):
      var metrics = Metrics.regression(truth: truth.values, predicted: v)
      if curves { metrics.curves = EvaluationCurves.regression(actual: truth.values, predicted: v) }
      return metrics
    default:
      throw MLError("the model's predictions do not match its task")
    }
  }
}
