import Foundation
import LabbookCore

/// FLOW2, the randomized direct search of FLAML (Wu, Wang, Huang & Wang, "Frugal Optimization for
/// Cost-related Hyperparameters", AAAI 2021), for one learner: from the low-cost initial point, try
/// x + δu and x − δu along a random unit direction u; move to whichever improves; after 2^(d−1)
/// directions in a row without improvement, shrink δ. Starting cheap and moving only when it pays
/// keeps expensive settings (many trees, many leaves) for when they are worth their cost.
struct LocalSearch: Sendable {
  let space: LearnerSpace
  var incumbent: [Double]
  /// The incumbent's loss (lower is better), once evaluated.
  var incumbentLoss: Double?
  var step: Double
  var failures = 0
  /// The −u probe waiting for its +u partner's outcome.
  var pendingOpposite: [Double]?
  var generator: SeededGenerator
  var converged = false

  static let minimumStep = 0.001

  init(space: LearnerSpace, seed: UInt64) {
    self.space = space
    incumbent = space.initialCoordinates
    step = space.dimensions.isEmpty ? 0 : 0.1 * Double(space.dimensions.count).squareRoot()
    generator = SeededGenerator(seed: seed)
    converged = space.dimensions.isEmpty
  }

  var failureLimit: Int { max(2, 1 << max(0, space.dimensions.count - 1)) }

  /// A proposed point and which probe it is (so outcomes are matched to directions).
  struct Probe: Sendable {
    var point: [Double]
    var direction: Int
  }

  var nextDirection = 0
  /// Failed probes per direction still open.
  var failedProbes: [Int: Int] = [:]

  /// The next point to evaluate: the initial point first, then x + δu and x − δu for each new direction.
  mutating func propose() -> Probe {
    if incumbentLoss == nil, nextDirection == 0 {
      nextDirection = 1
      return Probe(point: incumbent, direction: 0)
    }
    if let opposite = pendingOpposite {
      pendingOpposite = nil
      return Probe(point: opposite, direction: nextDirection - 1)
    }
    let direction = randomDirection()
    let plus = zip(incumbent, direction).map { min(1, max(0, $0 + step * $1)) }
    pendingOpposite = zip(incumbent, direction).map { min(1, max(0, $0 - step * $1)) }
    nextDirection += 1
    return Probe(point: plus, direction: nextDirection - 1)
  }

  /// Takes the outcome of a probe (outcomes arrive in proposal order; nil loss: the trial failed).
  mutating func observe(_ probe: Probe, loss: Double?) {
    if probe.direction == 0 {
      incumbentLoss = loss ?? .infinity
      return
    }
    if let loss, loss < (incumbentLoss ?? .infinity) {
      incumbent = probe.point
      incumbentLoss = loss
      failures = 0
      failedProbes[probe.direction] = nil
      return
    }
    failedProbes[probe.direction, default: 0] += 1
    if failedProbes[probe.direction] == 2 {
      failedProbes[probe.direction] = nil
      failures += 1
      shrinkIfStuck()
    }
  }

  private mutating func shrinkIfStuck() {
    guard failures >= failureLimit else { return }
    failures = 0
    step /= 2
    if step < Self.minimumStep { converged = true }
  }

  /// A uniformly random unit vector (normalised Gaussian, by Box–Muller on the seeded generator).
  private mutating func randomDirection() -> [Double] {
    let d = space.dimensions.count
    var v = (0..<d).map { _ in gaussian() }
    let norm = max(1e-12, v.reduce(0) { $0 + $1 * $1 }.squareRoot())
    for i in v.indices { v[i] /= norm }
    return v
  }

  private mutating func gaussian() -> Double {
    let u1 = (Double(generator.next() >> 11) + 0.5) / 0x1p53
    let u2 = Double(generator.next() >> 11) / 0x1p53
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
  }
}
