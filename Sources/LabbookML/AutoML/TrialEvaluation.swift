import Foundation
import LabbookCore
import LabbookData

/// How a search scores a configuration: K-fold cross-validation (stratified for classification) for
/// small data, a held-out share for large data; the same folds for every trial, drawn from the search's
/// seed. Scores are the metric as SPEC §3 defines it; `loss` orients it so that lower is better.
struct TrialEvaluation: Sendable {
  enum Method: Sendable, Equatable {
    case crossValidation(folds: Int, repeats: Int)
    case holdout(share: Double)

    var description: String {
      switch self {
      case .crossValidation(let k, 1): return "\(k)-fold cross-validation"
      case .crossValidation(let k, let r): return "\(r) × \(k)-fold cross-validation"
      case .holdout(let share): return "holdout of \(formatNumber(share * 100))%"
      }
    }
  }

  let table: Table
  let target: String
  let task: Task
  let metric: String
  let method: Method
  /// (training rows, scoring rows) per fold.
  let splits: [([Int], [Int])]
  /// The rows every trial predicts out of fold (all rows for cross-validation, the holdout otherwise), in
  /// order, and each row's place among them.
  let scoringRows: [Int]
  let scoringPosition: [Int]
  /// Numbers per prediction: the class count, or 1 for regression.
  let outputs: Int
  /// The truth at the scoring rows: class indices, or values.
  let truth: Target

  /// Cross-validation while rows × columns stay under this (FLAML's rule of thumb is similar), else holdout.
  static let crossValidationLimit = 2_000_000
  static let defaultFolds = 5
  static let holdoutShare = 0.1

  init(table: Table, target: Target, metric: String, method: Method, seed: UInt64) {
    self.table = table
    self.target = target.name
    task = target.task
    self.metric = metric
    self.method = method
    let n = table.rowCount
    switch method {
    case .crossValidation(let k, let repeats):
      var all: [([Int], [Int])] = []
      for r in 0..<repeats {
        let fold = CrossValidation.foldAssignment(target: target, folds: k, seed: derivedSeed(seed, UInt64(r)))
        all += (0..<k).map { f in ((0..<n).filter { fold[$0] != f }, (0..<n).filter { fold[$0] == f }) }
      }
      splits = all
    case .holdout(let share):
      // A stratified holdout: every tenth row (for 10%) of the class-wise shuffled order.
      let k = max(2, Int((1 / share).rounded()))
      let fold = CrossValidation.foldAssignment(target: target, folds: k, seed: seed)
      splits = [((0..<n).filter { fold[$0] != 0 }, (0..<n).filter { fold[$0] == 0 })]
    }
    scoringRows = Array(Set(splits.flatMap(\.1))).sorted()
    var position = [Int](repeating: -1, count: n)
    for (slot, row) in scoringRows.enumerated() { position[row] = slot }
    scoringPosition = position
    outputs = target.task == .classification ? target.classes.count : 1
    truth = target.taking(scoringRows)
  }

  /// Up to this many rows, cross-validation is repeated with three different fold assignments: on tiny
  /// data one assignment's luck decides which of thousands of trials looks best.
  static let repeatedCrossValidationLimit = 1000
  static let repeats = 3

  static func chooseMethod(rows: Int, width: Int, folds: Int?) -> Method {
    let repeats = rows <= repeatedCrossValidationLimit ? Self.repeats : 1
    if let folds { return .crossValidation(folds: folds, repeats: repeats) }
    if rows * max(width, 1) <= crossValidationLimit, rows >= 2 * defaultFolds {
      return .crossValidation(folds: defaultFolds, repeats: repeats)
    }
    return .holdout(share: holdoutShare)
  }

  /// The metric's mean over the splits for one configuration (models trained single-threaded: trials
  /// run in parallel instead), and for the step-like metrics (accuracy, precision, recall, f1) the mean
  /// log loss too, which breaks their frequent ties on small data in favour of the better-calibrated fit.
  /// Also returns the trial's predictions for `scoringRows` (averaged over repeated cross-validation), for
  /// ensemble selection.
  func score(_ kind: LearnerKind, parameters: [(String, ParameterValue)], pipeline: Pipeline?, seed: UInt64) throws
    -> (score: Double, tieBreak: Double?, standardError: Double, predictions: [Double])
  {
    var values: [Double] = []
    var total = 0.0
    var tieBreak: Double? = Self.steppedMetrics.contains(metric) ? 0 : nil
    var predictions = [Double](repeating: 0, count: scoringRows.count * outputs)
    for (index, (trainRows, testRows)) in splits.enumerated() {
      let model = try Trainer.train(
        kind, on: table.taking(trainRows), target: target, task: task, pipeline: pipeline, parameters: parameters,
        seed: derivedSeed(seed, UInt64(index)), threads: 1, profilingTraining: false)
      let test = table.taking(testRows)
      let prediction = try model.predict(test)
      let metrics = try model.evaluate(prediction, on: test)
      let flat: [Double]
      switch prediction {
      case .probabilities(let p, _): flat = p
      case .values(let v): flat = v
      }
      guard flat.count == testRows.count * outputs else { throw MLError("a trial predicted the wrong shape") }
      for (position, row) in testRows.enumerated() {
        let slot = scoringPosition[row]
        for o in 0..<outputs { predictions[slot * outputs + o] += flat[position * outputs + o] / Double(repeats) }
      }
      guard let value = metrics.value(metric), value.isFinite else {
        throw MLError("`\(metric)` is undefined on a fold (a single class in it?)")
      }
      total += value
      values.append(value)
      if let sum = tieBreak { tieBreak = sum + (metrics.logLoss ?? 0) }
    }
    let mean = total / Double(splits.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, values.count - 1))
    return (
      mean, tieBreak.map { $0 / Double(splits.count) }, (variance / Double(values.count)).squareRoot(), predictions
    )
  }

  /// How many times each scoring row is predicted (cross-validation repeats).
  var repeats: Int {
    if case .crossValidation(_, let r) = method { return r }
    return 1
  }

  static let steppedMetrics: Set<String> = ["accuracy", "precision", "recall", "f1"]
  /// Weight of the log-loss tie-break: far below one step of a stepped metric on 10⁵ scoring rows.
  static let tieBreakWeight = 1e-7

  /// The score as a loss, lower is better (with the tie-break folded in).
  func loss(_ score: Double, tieBreak: Double? = nil) -> Double {
    (Metrics.lowerIsBetter(metric) ? score : -score) + Self.tieBreakWeight * min(tieBreak ?? 0, 100)
  }

  func loss(_ trial: Trial) -> Double? { trial.score.map { loss($0, tieBreak: trial.tieBreak) } }

  var trainingRows: Int { splits.first?.0.count ?? table.rowCount }
}
