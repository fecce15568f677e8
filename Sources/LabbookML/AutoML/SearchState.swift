import Foundation
import LabbookCore

/// The search's memory: one FLOW2 search per learner, what each has cost and achieved, and the choice
/// of learner for each proposal by estimated cost for improvement (ECI, after FLAML): learners not yet
/// tried go first, cheapest first; then learner l is drawn with probability ∝ 1/ECI_l, where
/// ECI_l = max(work since l's last improvement, work of its last improving step, average trial work)
/// and, for a learner behind the best one, at least (its gap to the best loss) / (its rate of
/// improvement per unit of work). Everything here is deterministic given the seed and the losses.
struct SearchState {
  struct Proposal: Sendable {
    var id: Int
    var learnerIndex: Int
    var probe: LocalSearch.Probe
    var trial: Trial
  }

  struct LearnerRecord {
    var trials = 0
    var work = 0.0
    var workSinceImprovement = 0.0
    var lastImprovementWork = 0.0
    var firstLoss: Double?
    var bestLoss = Double.infinity
  }

  var searches: [LocalSearch]
  var records: [LearnerRecord]
  let rows: Int
  let width: Int
  var generator: SeededGenerator

  /// `version`: `AutoML.searchVersion` (1: one space per learner, as recordings before version 2 searched).
  init(learners: [LearnerKind], rows: Int, width: Int, task: Task, seed: UInt64, version: Int) {
    self.rows = rows
    self.width = width
    let spaces = learners.flatMap {
      version >= 2
        ? LearnerSpace.spaces($0, rows: rows, width: width, task: task)
        : [LearnerSpace.space($0, rows: rows, width: width, task: task)]
    }
    // Cheapest initial configuration first.
    let order = spaces.indices.sorted {
      let a = spaces[$0].cost(spaces[$0].configuration(at: spaces[$0].initialCoordinates), rows: rows, width: width)
      let b = spaces[$1].cost(spaces[$1].configuration(at: spaces[$1].initialCoordinates), rows: rows, width: width)
      return (a, $0) < (b, $1)
    }
    searches = order.enumerated().map {
      LocalSearch(space: spaces[$0.element], seed: derivedSeed(seed, 1000 + UInt64($0.offset)))
    }
    records = Array(repeating: LearnerRecord(), count: spaces.count)
    generator = SeededGenerator(seed: derivedSeed(seed, 7))
  }

  var bestLoss: Double { records.map(\.bestLoss).min() ?? .infinity }

  /// Estimated cost for improvement of learner `l`.
  func improvementCost(_ l: Int) -> Double {
    let record = records[l]
    let average = record.work / Double(max(1, record.trials))
    var cost = max(record.workSinceImprovement, record.lastImprovementWork, average)
    if record.trials < 2 { return 2 * average }
    let gap = record.bestLoss - bestLoss
    if gap > 0, let first = record.firstLoss {
      let rate = (first - record.bestLoss) / max(record.work, 1e-300)
      cost = max(cost, rate > 0 ? gap / rate : cost * 1e3)
    }
    return max(cost, 1e-300)
  }

  mutating func chooseLearner(pendingTrials: [Int]) -> Int {
    // Learners not tried (nor pending) yet come first, in order.
    if let untried = records.indices.first(where: { records[$0].trials == 0 && pendingTrials[$0] == 0 }) {
      return untried
    }
    var active = searches.indices.filter { !searches[$0].converged }
    if active.isEmpty {
      // Every search has converged: restart each from its incumbent with the initial step.
      for l in searches.indices { searches[l].restart() }
      active = Array(searches.indices)
    }
    let weights = active.map { 1 / improvementCost($0) }
    let total = weights.reduce(0, +)
    var draw = Double(generator.next() >> 11) / 0x1p53 * total
    for (index, weight) in zip(active, weights) {
      draw -= weight
      if draw < 0 { return index }
    }
    return active.last!
  }

  mutating func proposeRound(size: Int, firstID: Int) -> [Proposal] {
    var proposals: [Proposal] = []
    var pending = [Int](repeating: 0, count: searches.count)
    for offset in 0..<size {
      let l = chooseLearner(pendingTrials: pending)
      pending[l] += 1
      let probe = searches[l].propose()
      let configuration = searches[l].space.configuration(at: probe.point)
      var trial = Trial(
        id: firstID + offset, learner: searches[l].space.kind, parameters: configuration, score: nil, error: nil,
        seconds: 0)
      trial.units = searches[l].space.cost(configuration, rows: rows, width: width)
      proposals.append(
        Proposal(
          id: firstID + offset, learnerIndex: l, probe: probe, trial: trial))
    }
    return proposals
  }

  mutating func observe(_ proposal: Proposal, loss: Double?) {
    let l = proposal.learnerIndex
    searches[l].observe(proposal.probe, loss: loss)
    var record = records[l]
    record.trials += 1
    record.work += proposal.trial.units
    record.workSinceImprovement += proposal.trial.units
    if let loss {
      if record.firstLoss == nil { record.firstLoss = loss }
      if loss < record.bestLoss {
        record.bestLoss = loss
        record.lastImprovementWork = record.workSinceImprovement
        record.workSinceImprovement = 0
      }
    }
    records[l] = record
  }
}

extension LocalSearch {
  /// Starts again from the incumbent with the initial step (FLAML restarts converged searches).
  mutating func restart() {
    step = space.dimensions.isEmpty ? 0 : 0.1 * Double(space.dimensions.count).squareRoot()
    failures = 0
    failedProbes = [:]
    pendingOpposite = nil
    converged = space.dimensions.isEmpty
  }
}
