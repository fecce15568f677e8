import Foundation

/// Ensemble selection (Caruana, Niculescu-Mizil, Crew & Ksikes, "Ensemble selection from libraries of
/// models", ICML 2004), as auto-sklearn and AutoGluon use it: starting from nothing, repeatedly add (with
/// replacement) the trial whose out-of-fold predictions most improve the average's score, for a fixed
/// number of rounds; keep the best prefix. The weights are how often each trial was picked. Everything
/// is computed on the predictions the search already made, in a fixed order, so it is deterministic.
struct EnsembleSelection {
  /// Trials considered: the best by their own score, at most `perLearner` of each learner.
  static let candidates = 16
  static let perLearner = 4
  static let rounds = 30

  /// A finished trial's out-of-fold predictions.
  struct Candidate {
    var id: Int
    var learner: LearnerKind
    var loss: Double
    var predictions: [Double]
  }

  /// The candidates worth keeping, best first (ties to the earlier trial). A search that has converged
  /// on one learner finishes hundreds of near-copies of its best configuration; keeping only the best
  /// sixteen overall would fill the pool with them, and the selection could never mix learners, which is
  /// where an ensemble's gain comes from (Caruana et al. build their library from many different model
  /// types for that reason). So each learner keeps at most `perLearner` places (search version 2).
  static func keep(_ pool: [Candidate], perLearner: Int) -> [Candidate] {
    var perKind: [LearnerKind: Int] = [:]
    var kept: [Candidate] = []
    for candidate in pool.sorted(by: { ($0.loss, $0.id) < ($1.loss, $1.id) }) where kept.count < candidates {
      if perKind[candidate.learner, default: 0] >= perLearner { continue }
      perKind[candidate.learner, default: 0] += 1
      kept.append(candidate)
    }
    return kept
  }

  let evaluation: TrialEvaluation
  /// Hill-climb on the out-of-fold log loss instead of the metric (search version 3, for the stepped
  /// metrics: accuracy, precision, recall, f1). A count of rows gives the greedy steps almost nothing to
  /// tell candidates apart by on small data, so they follow whichever rows happen to flip; the log loss,
  /// a smooth proper score, rewards the averaged probabilities themselves.
  var byLogLoss = false

  init(evaluation: TrialEvaluation, byLogLoss: Bool = false) {
    self.evaluation = evaluation
    self.byLogLoss = byLogLoss
  }

  /// Picks among `pool` (trial id → out-of-fold predictions); returns (trial id, weight) pairs, best first,
  /// and the ensemble's loss, or nil when fewer than two trials would be in it.
  func select(_ pool: [(id: Int, predictions: [Double])]) -> (members: [(Int, Double)], loss: Double)? {
    guard pool.count >= 2 else { return nil }
    let width = evaluation.scoringRows.count * evaluation.outputs
    var sum = [Double](repeating: 0, count: width)
    var picks: [Int] = []
    var bestLoss = Double.infinity
    var bestCount = 0
    for _ in 0..<Self.rounds {
      var chosen: Int?
      var chosenLoss = Double.infinity
      for (index, candidate) in pool.enumerated() {
        let count = Double(picks.count + 1)
        let averaged = (0..<width).map { (sum[$0] + candidate.predictions[$0]) / count }
        let loss = self.loss(averaged)
        if loss < chosenLoss {
          chosenLoss = loss
          chosen = index
        }
      }
      guard let chosen else { break }
      picks.append(chosen)
      for i in 0..<width { sum[i] += pool[chosen].predictions[i] }
      if chosenLoss < bestLoss {
        bestLoss = chosenLoss
        bestCount = picks.count
      }
    }
    let kept = picks.prefix(bestCount)
    var counts: [Int: Int] = [:]
    for pick in kept { counts[pick, default: 0] += 1 }
    guard counts.count >= 2 else { return nil }
    let members = counts.keys.sorted { (counts[$0]!, pool[$1].id) > (counts[$1]!, pool[$0].id) }.map {
      (pool[$0].id, Double(counts[$0]!) / Double(kept.count))
    }
    return (members, bestLoss)
  }

  /// The weighted average of the members' out-of-fold predictions.
  static func average(_ members: [(Int, Double)], of library: [(id: Int, predictions: [Double])]) -> [Double] {
    var sum = [Double](repeating: 0, count: library.first?.predictions.count ?? 0)
    for (id, weight) in members {
      guard let predictions = library.first(where: { $0.id == id })?.predictions else { continue }
      for i in sum.indices { sum[i] += weight * predictions[i] }
    }
    return sum
  }

  /// The search's loss of predictions at the scoring rows (the metric oriented lower-is-better, with the
  /// log-loss tie-break for stepped metrics; or the log loss alone, `byLogLoss`), computed as `Metrics` does.
  func loss(_ predictions: [Double]) -> Double {
    let truth = evaluation.truth
    if truth.task == .regression {
      let metrics = Metrics.regression(truth: truth.values, predicted: predictions)
      return evaluation.loss(metrics.value(evaluation.metric) ?? .infinity)
    }
    let metrics = Metrics.classification(truth: truth.codes, probabilities: predictions, labels: truth.classes)
    if byLogLoss { return metrics.logLoss ?? .infinity }
    let score = metrics.value(evaluation.metric) ?? (Metrics.lowerIsBetter(evaluation.metric) ? .infinity : -.infinity)
    return evaluation.loss(
      score, tieBreak: TrialEvaluation.steppedMetrics.contains(evaluation.metric) ? metrics.logLoss : nil)
  }
}
