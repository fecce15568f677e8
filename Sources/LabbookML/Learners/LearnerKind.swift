import LabbookData

/// A hyper-parameter value as written: a number or a word (`gini`, `sqrt`, `off`).
public enum ParameterValue: Sendable, Equatable, CustomStringConvertible {
  case number(Double)
  case word(String)

  public var description: String {
    switch self {
    case .number(let v): return formatNumber(v)
    case .word(let w): return w
    }
  }
  var number: Double? {
    if case .number(let v) = self { return v }
    return nil
  }
}

/// One hyper-parameter: its name, default, what it means, and which values are allowed.
public struct ParameterSpec: Sendable {
  public var name: String
  public var defaultValue: ParameterValue
  public var help: String
  /// Words allowed besides numbers (empty: numbers only; `numbers` false: words only).
  public var words: [String]
  public var numbers: Bool
  /// Inclusive lower bound for numbers, and whether they must be whole.
  public var minimum: Double
  public var wholeNumber: Bool
  public var maximum: Double = .infinity
  /// Whether a model lists this parameter at its default. Parameters added after models were first
  /// recorded are listed only when given, so a notebook recorded before they existed replays identically.
  public var listedAtDefault = true

  /// nil when `value` is allowed, else why not.
  func problem(with value: ParameterValue) -> String? {
    let allowed = allowedText
    switch value {
    case .word(let word):
      return words.contains(word) ? nil : "`\(name)` takes \(allowed), not '\(word)'"
    case .number(let number):
      guard numbers else { return "`\(name)` takes \(allowed), not \(formatNumber(number))" }
      if !number.isFinite || number < minimum || number > maximum || (wholeNumber && number != number.rounded()) {
        return "`\(name)` takes \(allowed), not \(formatNumber(number))"
      }
      return nil
    }
  }

  public var allowedText: String {
    var parts: [String] = []
    if numbers {
      var range = wholeNumber ? "a whole number" : "a number"
      if maximum.isFinite {
        range += " from \(formatNumber(minimum)) to \(formatNumber(maximum))"
      } else {
        range += " ≥ \(formatNumber(minimum))"
      }
      parts.append(range)
    }
    parts += words.map { "`\($0)`" }
    return parts.joined(separator: " or ")
  }
}

/// The eight learners of SPEC §2, their tasks and hyper-parameters.
public enum LearnerKind: String, Sendable, CaseIterable {
  case logistic, linear, ridge, tree, forest, gbm, knn, bayes

  public var tasks: Set<Task> {
    switch self {
    case .logistic, .bayes: return [.classification]
    case .linear, .ridge: return [.regression]
    default: return [.classification, .regression]
    }
  }

  /// Whether categorical columns must be one-hot encoded first (gbm and bayes take them natively).
  public var needsNumericFeatures: Bool { self != .gbm && self != .bayes }

  /// Whether missing values are handled natively (else a pipeline must impute them).
  public var acceptsMissingValues: Bool { self == .gbm || self == .bayes || self == .tree || self == .forest }

  public var summary: String {
    switch self {
    case .logistic: return "L2-regularised logistic regression (L-BFGS; multinomial for several classes)"
    case .linear: return "ordinary least squares"
    case .ridge: return "least squares with an L2 penalty"
    case .tree: return "one CART decision tree"
    case .forest:
      return
        "random forest: bootstrap trees with random feature subsets, grown in parallel (`splits random`: extremely randomised trees)"
    case .gbm: return "histogram gradient boosting, leaf-wise (LightGBM-style)"
    case .knn: return "k nearest neighbours (Euclidean)"
    case .bayes: return "naive Bayes: Gaussian for numbers, categorical for categories"
    }
  }

  public var parameters: [ParameterSpec] {
    // Upper bounds keep every count a machine integer and every fit finite in time: LightGBM caps
    // leaves at 131,072; more trees or iterations than these is a typo, not a model.
    func count(
      _ name: String, _ value: Double, _ help: String, minimum: Double = 1, maximum: Double = 1e9,
      words: [String] = []
    ) -> ParameterSpec {
      ParameterSpec(
        name: name, defaultValue: words.first.map { .word($0) } ?? .number(value), help: help, words: words,
        numbers: true,
        minimum: minimum, wholeNumber: true, maximum: maximum)
    }
    func real(_ name: String, _ value: Double, _ help: String, minimum: Double, maximum: Double = .infinity)
      -> ParameterSpec
    {
      ParameterSpec(
        name: name, defaultValue: .number(value), help: help, words: [], numbers: true, minimum: minimum,
        wholeNumber: false,
        maximum: maximum)
    }
    let depth = count(
      "depth", 0, "maximum depth (`none`: grow until pure or `min_leaf`)", maximum: 10_000, words: ["none"])
    // Listed only when given: it came after tree and forest models were first recorded.
    var treeLeaves = count(
      "leaves", 0, "maximum leaves per tree, grown best first (`none`: depth first, no limit)", minimum: 2,
      maximum: 131_072, words: ["none"])
    treeLeaves.listedAtDefault = false
    let features = ParameterSpec(
      name: "features", defaultValue: .word(self == .forest ? "sqrt" : "all"),
      help: "features tried at each split: `all`, `sqrt`, `log2`, a count, or a fraction below 1",
      words: ["sqrt", "all", "log2"],
      numbers: true, minimum: 1e-9, wholeNumber: false, maximum: 1e9)
    switch self {
    case .logistic:
      return [
        real("c", 1, "inverse regularisation strength (larger = weaker penalty)", minimum: 1e-12),
        count("iterations", 100, "maximum L-BFGS iterations", maximum: 1_000_000),
      ]
    case .linear: return []
    case .ridge: return [real("alpha", 1, "L2 penalty strength", minimum: 0)]
    case .tree:
      return [
        depth, count("min_leaf", 1, "minimum rows in a leaf"), treeLeaves,
        ParameterSpec(
          name: "criterion", defaultValue: .word("gini"), help: "split quality for classes: `gini` or `entropy`",
          words: ["gini", "entropy"], numbers: false, minimum: 0, wholeNumber: false),
        features,
      ]
    case .forest:
      return [
        count("trees", 100, "number of trees", maximum: 100_000), depth, count("min_leaf", 1, "minimum rows in a leaf"),
        treeLeaves, features,
        ParameterSpec(
          name: "splits", defaultValue: .word("best"),
          help:
            "`best`: each tree on a bootstrap sample, the best cut of each feature tried; `random`: extremely randomised trees, every row, one random cut per feature",
          words: ["best", "random"], numbers: false, minimum: 0, wholeNumber: false, listedAtDefault: false),
      ]
    case .gbm:
      return [
        count("trees", 100, "boosting rounds", maximum: 100_000),
        count("leaves", 31, "maximum leaves per tree", minimum: 2, maximum: 131_072),
        depth, real("rate", 0.1, "learning rate (shrinkage)", minimum: 1e-9, maximum: 1),
        count("min_leaf", 20, "minimum rows in a leaf"), real("l2", 0, "L2 penalty on leaf values", minimum: 0),
        count("bins", 255, "histogram bins per feature (at most 255)", minimum: 2, maximum: 255),
        ParameterSpec(
          name: "early_stop", defaultValue: .word("off"),
          help: "stop after this many rounds without improvement on a 10% validation split (`on` = 10, `off`)",
          words: ["off", "on"], numbers: true, minimum: 1, wholeNumber: true, maximum: 100_000),
        featuresPerRound(features),
      ]
    case .knn:
      return [
        count("k", 5, "neighbours"),
        ParameterSpec(
          name: "weights", defaultValue: .word("uniform"), help: "`uniform` votes, or `distance` (1/distance)",
          words: ["uniform", "distance"], numbers: false, minimum: 0, wholeNumber: false),
      ]
    case .bayes:
      return [real("smoothing", 1e-9, "variance smoothing, as a share of the largest feature variance", minimum: 0)]
    }
  }

  /// gbm's `features`: the same values as a tree's, drawn once per boosting round rather than per split;
  /// listed only when given (it came after gbm models were first recorded).
  private func featuresPerRound(_ features: ParameterSpec) -> ParameterSpec {
    var spec = features
    spec.help =
      "features each boosting round's trees may split on, drawn afresh every round: `all`, `sqrt`, `log2`, a count, or a fraction below 1"
    spec.listedAtDefault = false
    return spec
  }

  /// Every hyper-parameter with its value: the given ones checked, the rest at their defaults.
  public func resolve(_ given: [(String, ParameterValue)]) throws -> [String: ParameterValue] {
    let specs = parameters
    var values: [String: ParameterValue] = [:]
    for spec in specs where spec.listedAtDefault { values[spec.name] = spec.defaultValue }
    for (name, value) in given {
      guard let spec = specs.first(where: { $0.name == name }) else {
        let valid = specs.map { "`\($0.name)`" }.joined(separator: ", ")
        var message =
          "`\(rawValue)` has no hyper-parameter `\(name)`" + (specs.isEmpty ? " (it has none)" : "; it takes \(valid)")
        if let near = closestName(to: name, among: specs.map(\.name)) { message += "; did you mean `\(near)`?" }
        throw MLError(message)
      }
      if let problem = spec.problem(with: value) { throw MLError(problem) }
      values[name] = value
    }
    return values
  }
}
