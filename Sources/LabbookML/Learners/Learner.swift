import LabbookCore

/// What a fitted learner predicts for a feature matrix.
public enum Prediction: Sendable {
  /// Row-major class probabilities: row i's probability of class k is at i·classes + k.
  case probabilities([Double], classes: Int)
  case values([Double])

  /// The most probable class per row (the first on ties), or nil for regression.
  public var classIndices: [Int]? {
    guard case .probabilities(let p, let k) = self else { return nil }
    let rows = k == 0 ? 0 : p.count / k
    return (0..<rows).map { i in
      var best = 0
      for c in 1..<k where p[i * k + c] > p[i * k + best] { best = c }
      return best
    }
  }
}

/// A learner fitted to data: plain numbers that predict.
public protocol FittedLearner: Sendable {
  func predict(_ x: FeatureMatrix) -> Prediction
}

/// Everything a learner's `fit` is given.
public struct TrainingData: Sendable {
  public var x: FeatureMatrix
  public var y: Target
  /// Per-row weights (reweighing); nil means all 1.
  public var weights: [Double]?
  public var seed: UInt64
  public var threads: Int

  public init(x: FeatureMatrix, y: Target, weights: [Double]? = nil, seed: UInt64, threads: Int) {
    self.x = x
    self.y = y
    self.weights = weights
    self.seed = seed
    self.threads = threads
  }

  public var classCount: Int { y.classes.count }
  public func weight(_ i: Int) -> Double { weights?[i] ?? 1 }
}

/// Independent generator streams derived from one seed, so parallel work (tree t, fold f) draws the
/// same numbers whatever the thread count.
public func derivedSeed(_ seed: UInt64, _ stream: UInt64) -> UInt64 {
  var generator = SeededGenerator(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
  return generator.next()
}
