import Foundation

/// One hyper-parameter of a learner's search space, mapped to a coordinate in [0, 1]: numbers on a
/// log scale between their bounds (rounded to whole numbers or 4 significant digits, so configurations
/// read well and replay exactly), choices as equal slices of the unit interval.
struct SearchDimension: Sendable {
  enum Kind: Sendable {
    case number(low: Double, high: Double, integer: Bool)
    case choice([String])
  }
  var name: String
  var kind: Kind
  /// The low-cost starting value (FLAML's "cost-frugal" initial point).
  var initial: ParameterValue

  func value(at coordinate: Double) -> ParameterValue {
    let u = min(max(coordinate, 0), 1)
    switch kind {
    case .number(let low, let high, let integer):
      let raw = exp(log(low) + u * (log(high) - log(low)))
      if integer { return .number(min(high, max(low, raw.rounded()))) }
      return .number(Double(String(format: "%.4g", raw))!)
    case .choice(let options):
      return .word(options[min(options.count - 1, Int(u * Double(options.count)))])
    }
  }

  func coordinate(of value: ParameterValue) -> Double {
    switch (kind, value) {
    case (.number(let low, let high, _), .number(let v)):
      return (log(min(max(v, low), high)) - log(low)) / (log(high) - log(low))
    case (.choice(let options), .word(let w)):
      let index = Double(options.firstIndex(of: w) ?? 0)
      return (index + 0.5) / Double(options.count)
    default: return 0.5
    }
  }
}

/// A learner's search space and a deterministic estimate of a configuration's cost (work units that
/// grow like its training time), used to choose which learner to try next. Measured times are never
/// used for that choice, so the sequence of proposals does not depend on the machine.
struct LearnerSpace: Sendable {
  var kind: LearnerKind
  var dimensions: [SearchDimension]
  /// Hyper-parameters this space holds fixed (a variant of the learner searched on its own).
  var fixed: [(String, ParameterValue)] = []

  /// The spaces searched for a learner, each with its own search: one, except `forest`, whose
  /// extremely randomised variant (`splits random`) is searched beside it, as FLAML searches
  /// scikit-learn's RandomForest and ExtraTrees as two estimators.
  static func spaces(_ kind: LearnerKind, rows: Int, width: Int, task: Task) -> [LearnerSpace] {
    let space = space(kind, rows: rows, width: width, task: task)
    guard kind == .forest else { return [space] }
    var extra = space
    extra.fixed = [("splits", .word("random"))]
    return [space, extra]
  }

  /// Scaling choices for learners that need comparable feature ranges.
  static let scalings = ["standard", "robust", "minmax"]

  static func space(_ kind: LearnerKind, rows: Int, width: Int, task: Task) -> LearnerSpace {
    func number(_ name: String, _ low: Double, _ high: Double, integer: Bool = false, initial: Double)
      -> SearchDimension
    {
      SearchDimension(name: name, kind: .number(low: low, high: high, integer: integer), initial: .number(initial))
    }
    let scale = SearchDimension(name: "scale", kind: .choice(scalings), initial: .word("standard"))
    let sqrtShare = min(1, max(0.05, (Double(width).squareRoot() / Double(max(width, 1)) * 100).rounded() / 100))
    switch kind {
    case .gbm:
      return LearnerSpace(
        kind: kind,
        dimensions: [
          number("trees", 4, 2000, integer: true, initial: 4), number("leaves", 4, 256, integer: true, initial: 4),
          number("min_leaf", 2, 128, integer: true, initial: 20), number("rate", 1.0 / 1024, 1, initial: 0.1),
          number("l2", 1.0 / 1024, 1024, initial: 1),
        ])
    case .forest:
      return LearnerSpace(
        kind: kind,
        dimensions: [
          number("trees", 4, 500, integer: true, initial: 4),
          number("features", 0.05, 1, initial: task == .classification ? sqrtShare : 1),
          number("min_leaf", 1, 64, integer: true, initial: 1),
        ])
    case .tree:
      return LearnerSpace(
        kind: kind,
        dimensions: [
          number("depth", 2, 32, integer: true, initial: 6), number("min_leaf", 1, 64, integer: true, initial: 1),
        ]
          + (task == .classification
            ? [SearchDimension(name: "criterion", kind: .choice(["gini", "entropy"]), initial: .word("gini"))] : []))
    case .logistic:
      return LearnerSpace(kind: kind, dimensions: [number("c", 1.0 / 1024, 1024, initial: 1), scale])
    case .ridge:
      return LearnerSpace(kind: kind, dimensions: [number("alpha", 1.0 / 1024, 1024, initial: 1), scale])
    case .linear:
      return LearnerSpace(kind: kind, dimensions: [scale])
    case .knn:
      return LearnerSpace(
        kind: kind,
        dimensions: [
          number("k", 1, Double(min(64, max(1, rows / 2))), integer: true, initial: Double(min(5, max(1, rows / 2)))),
          SearchDimension(name: "weights", kind: .choice(["uniform", "distance"]), initial: .word("uniform")), scale,
        ])
    case .bayes:
      return LearnerSpace(kind: kind, dimensions: [number("smoothing", 1e-12, 1e-2, initial: 1e-9)])
    }
  }

  var initialCoordinates: [Double] { dimensions.map { $0.coordinate(of: $0.initial) } }

  func configuration(at coordinates: [Double]) -> [(String, ParameterValue)] {
    zip(dimensions, coordinates).map { ($0.name, $0.value(at: $1)) } + fixed
  }

  /// Work units of training and scoring one fit of `configuration` on `rows` × `width` data.
  func cost(_ configuration: [(String, ParameterValue)], rows: Int, width: Int) -> Double {
    func number(_ name: String) -> Double { configuration.first { $0.0 == name }?.1.number ?? 1 }
    let n = Double(max(rows, 2))
    let d = Double(max(width, 1))
    switch kind {
    case .gbm: return n * d * number("trees") * (1 + log2(number("leaves"))) / 8
    case .forest:
      // A random cut costs one pass over the node's rows; a searched one sorts or bins them as well.
      let perCut = configuration.contains { $0.0 == "splits" && $0.1 == .word("random") } ? 0.5 : 1
      return n * log2(n) * max(1, d * number("features")) * number("trees") / 4 * perCut
    case .tree: return n * log2(n) * d
    case .logistic: return n * d * 30
    case .ridge, .linear: return n * d * d + d * d * d
    case .knn: return n * n * d / 10
    case .bayes: return n * d
    }
  }
}
