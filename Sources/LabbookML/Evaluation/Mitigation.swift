import Foundation
import LabbookData

/// Group-specific decision thresholds for a binary classifier (post-processing, after fairlearn's
/// ThresholdOptimizer, but deterministic): a row is predicted positive when the positive class's
/// probability is above its group's threshold. So that every consumer of probabilities (metrics,
/// `predict`, fairness) sees the same decision, the probability is remapped per group, piecewise
/// linearly and monotonically, so that the group's threshold lands on 0.5.
public struct GroupThresholds: Sendable, Equatable {
  public var columns: [String]
  public var bins: [Double]?
  public var positiveClass: Int
  public var labels: [String]
  public var thresholds: [Double]

  public func apply(_ prediction: Prediction, to table: Table) throws -> Prediction {
    guard case .probabilities(var p, let k) = prediction, k == 2 else { return prediction }
    let groups = try ProtectedGroups.make(table, columns: columns, bins: bins)
    var thresholdOf: [String: Double] = [:]
    for (label, threshold) in zip(labels, thresholds) { thresholdOf[label] = threshold }
    let perGroup = try groups.labels.map { label -> Double in
      guard let t = thresholdOf[label] else {
        throw MLError(
          "group '\(label)' of \(columns.joined(separator: ", ")) was not in the data the thresholds were chosen on (groups: \(labels.joined(separator: "; ")))"
        )
      }
      return t
    }
    for row in 0..<groups.rowGroups.count {
      let adjusted = Self.remap(p[row * 2 + positiveClass], threshold: perGroup[groups.rowGroups[row]])
      p[row * 2 + positiveClass] = adjusted
      p[row * 2 + 1 - positiveClass] = 1 - adjusted
    }
    return .probabilities(p, classes: 2)
  }

  /// Maps [0, t] onto [0, 0.5) and (t, 1] onto (0.5, 1]: above 0.5 exactly when above the threshold.
  static func remap(_ probability: Double, threshold t: Double) -> Double {
    if probability > t { return 0.5 + 0.5 * (probability - t) / max(1 - t, 1e-300) }
    return min(t > 0 ? 0.5 * probability / t : 0, 0.5.nextDown)
  }
}

/// Which disparity threshold mitigation drives down.
public enum FairnessConstraint: String, Sendable, CaseIterable {
  case demographicParity = "demographic_parity"
  case equalizedOdds = "equalized_odds"
}

/// The outcome of `mitigate`: the new model and the figures before and after, on the data given.
public struct MitigationReport: Sendable {
  public enum Method: String, Sendable, CaseIterable {
    case threshold, reweigh
  }
  public var method: Method
  public var constraint: FairnessConstraint?
  public var table: String
  public var before: FairnessReport
  public var after: FairnessReport
  public var accuracyBefore: Double
  public var accuracyAfter: Double
  /// Group thresholds (threshold method) or group × label weights (reweigh), for the record.
  public var thresholds: GroupThresholds?
  public var weights: [(group: String, label: String, weight: Double)]
}

public enum Mitigation {
  /// Disparity left above this is traded against accuracy only once nothing lowers it further.
  public static let tolerance = 0.01

  public static func mitigate(
    _ model: TrainedModel, on table: Table, protect columns: [String], bins: [Double]?, positive: String?,
    method: MitigationReport.Method, constraint: FairnessConstraint?, seed: UInt64, threads: Int
  ) throws -> (TrainedModel, MitigationReport) {
    let positiveIndex = try model.positiveClass(positive)
    let before = try model.fairness(on: table, protect: columns, bins: bins, positive: positive)
    let accuracyBefore = try accuracy(model, on: table)
    var mitigated = model
    var thresholds: GroupThresholds?
    var weights: [(String, String, Double)] = []
    switch method {
    case .threshold:
      guard model.classes.count == 2 else {
        throw MLError("threshold mitigation needs a binary classifier; this model has \(model.classes.count) classes")
      }
      let groups = try ProtectedGroups.make(table, columns: columns, bins: bins)
      // Thresholds are chosen on the learner's own probabilities (not on those of earlier thresholds).
      var base = model
      base.groupThresholds = nil
      guard case .probabilities(let p, _) = try base.predict(table) else {
        throw MLError("the model's predictions do not match its task")
      }
      let truth = try Target.read(table, column: model.target, task: .classification, forLearning: false)
      let positiveLabel = model.classes[positiveIndex]
      let chosen = ThresholdSearch(
        scores: (0..<table.rowCount).map { p[$0 * 2 + positiveIndex] },
        truth: truth.codes.map { truth.classes[$0] == positiveLabel }, groups: groups.rowGroups,
        groupCount: groups.labels.count, constraint: constraint ?? .demographicParity
      ).run()
      thresholds = GroupThresholds(
        columns: columns, bins: bins, positiveClass: positiveIndex, labels: groups.labels, thresholds: chosen)
      mitigated.groupThresholds = thresholds
    case .reweigh:
      if constraint == .equalizedOdds {
        throw MLError(
          "reweighing balances group × label frequencies (demographic parity); for equalized odds use `method threshold`"
        )
      }
      guard model.task == .classification else { throw MLError("reweighing needs a classification model") }
      let groups = try ProtectedGroups.make(table, columns: columns, bins: bins)
      let truth = try Target.read(table, column: model.target, task: .classification, forLearning: true)
      let reweighed = Reweighing(groups: groups, labels: truth.codes, labelNames: truth.classes)
      weights = reweighed.table
      // Retrain the same learner, settings and pipeline on the model's own input columns.
      let training = try table.selecting(model.inputColumns + [model.target])
      if model.ensemble != nil {
        mitigated = try model.refitted(on: training, seed: seed, threads: threads, weights: reweighed.rowWeights)
      } else {
        mitigated = try Trainer.train(
          model.kind, on: training, target: model.target, task: model.task, pipeline: model.pipelineSteps,
          parameters: model.parameters.keys.sorted().map { ($0, model.parameters[$0]!) },
          weights: reweighed.rowWeights, seed: seed, threads: threads)
      }
    }
    let after = try mitigated.fairness(on: table, protect: columns, bins: bins, positive: positive)
    let report = MitigationReport(
      method: method, constraint: method == .threshold ? (constraint ?? .demographicParity) : nil, table: table.name,
      before: before, after: after, accuracyBefore: accuracyBefore, accuracyAfter: try accuracy(mitigated, on: table),
      thresholds: thresholds, weights: weights)
    return (mitigated, report)
  }

  static func accuracy(_ model: TrainedModel, on table: Table) throws -> Double {
    try model.evaluate(on: table).accuracy ?? .nan
  }
}

/// Kamiran & Calders' reweighing (as in AIF360): each row of group g and label y weighs
/// P(g)·P(y) / P(g, y) = n_g·n_y / (n·n_gy), so that group and label are independent under the weights.
struct Reweighing {
  var rowWeights: [Double]
  var table: [(group: String, label: String, weight: Double)]

  init(groups: ProtectedGroups, labels: [Int], labelNames: [String]) {
    let n = Double(labels.count)
    let k = labelNames.count
    var groupCounts = [Double](repeating: 0, count: groups.labels.count)
    var labelCounts = [Double](repeating: 0, count: k)
    var jointCounts = [Double](repeating: 0, count: groups.labels.count * k)
    for row in 0..<labels.count {
      let g = groups.rowGroups[row]
      groupCounts[g] += 1
      labelCounts[labels[row]] += 1
      jointCounts[g * k + labels[row]] += 1
    }
    func weight(_ g: Int, _ y: Int) -> Double { groupCounts[g] * labelCounts[y] / (n * jointCounts[g * k + y]) }
    rowWeights = (0..<labels.count).map { weight(groups.rowGroups[$0], labels[$0]) }
    var table: [(String, String, Double)] = []
    for g in 0..<groups.labels.count {
      for y in 0..<k where jointCounts[g * k + y] > 0 { table.append((groups.labels[g], labelNames[y], weight(g, y))) }
    }
    self.table = table
  }
}

/// Chooses one threshold per group by coordinate descent: starting from 0.5 everywhere, each group in
/// turn takes the candidate threshold that best lowers the constraint's disparity (down to the
/// tolerance), then raises accuracy, then stays nearest 0.5; rounds repeat until nothing changes.
/// Candidates are the group's distinct scores (at most 100 of them, evenly spread by rank) and 0.5.
struct ThresholdSearch {
  let scores: [Double]
  let truth: [Bool]
  let groups: [Int]
  let groupCount: Int
  let constraint: FairnessConstraint

  /// Confusion counts of one group at one threshold.
  struct Counts {
    var threshold: Double
    var tp = 0
    var fp = 0
    var tn = 0
    var fn = 0
  }

  func run() -> [Double] {
    let candidates = (0..<groupCount).map { g in candidateCounts(g) }
    var choice = candidates.map { options in options.firstIndex { $0.threshold == 0.5 }! }
    func objective(_ picks: [Int]) -> (Double, Double, Double) {
      let counts = picks.enumerated().map { candidates[$0.offset][$0.element] }
      let correct = counts.reduce(0) { $0 + $1.tp + $1.tn }
      let distance = counts.reduce(0.0) { $0 + abs($1.threshold - 0.5) }
      return (max(0, disparity(counts) - Mitigation.tolerance), -Double(correct), distance)
    }
    var current = objective(choice)
    for _ in 0..<50 {
      var changed = false
      for g in 0..<groupCount {
        for option in candidates[g].indices where option != choice[g] {
          var trial = choice
          trial[g] = option
          let value = objective(trial)
          if value < current {
            current = value
            choice = trial
            changed = true
          }
        }
      }
      if !changed { break }
    }
    return choice.enumerated().map { candidates[$0.offset][$0.element].threshold }
  }

  private func candidateCounts(_ g: Int) -> [Counts] {
    let rows = (0..<scores.count).filter { groups[$0] == g }
    let distinct = Set(rows.map { scores[$0] }).sorted()
    var thresholds: [Double] =
      distinct.count <= 100
      ? distinct : (0..<100).map { distinct[$0 * (distinct.count - 1) / 99] }
    thresholds.append(0.5)
    thresholds.append(0)
    return Set(thresholds).sorted().map { t in
      var counts = Counts(threshold: t)
      for row in rows {
        switch (truth[row], scores[row] > t) {
        case (true, true): counts.tp += 1
        case (false, true): counts.fp += 1
        case (false, false): counts.tn += 1
        case (true, false): counts.fn += 1
        }
      }
      return counts
    }
  }

  private func disparity(_ counts: [Counts]) -> Double {
    let selection = Disparity(
      counts.map { Double($0.tp + $0.fp) / Double(max(1, $0.tp + $0.fp + $0.tn + $0.fn)) })
    switch constraint {
    case .demographicParity: return selection.difference ?? 0
    case .equalizedOdds:
      let tpr = Disparity(counts.filter { $0.tp + $0.fn > 0 }.map { Double($0.tp) / Double($0.tp + $0.fn) })
      let fpr = Disparity(counts.filter { $0.fp + $0.tn > 0 }.map { Double($0.fp) / Double($0.fp + $0.tn) })
      return max(tpr.difference ?? 0, fpr.difference ?? 0)
    }
  }
}
