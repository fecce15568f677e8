import Foundation

/// Fitted learners in a model file: group `learner` with a `type` attribute and the learner's numbers
/// as flat arrays. Reading checks every size and index a prediction would rely on, so a damaged file
/// is an error rather than a crash.
enum LearnerArchive {
  static func write(_ learner: any FittedLearner, into group: ArchiveGroup) throws {
    switch learner {
    case let model as FittedLinear:
      try group.set("type", "linear")
      try group.set("coefficients", doubles: model.coefficients)
      try group.set("intercept", model.intercept)
    case let model as FittedLogistic:
      try group.set("type", "logistic")
      try group.set("parameters", doubles: model.parameters)
      try group.set("width", model.width)
      try group.set("outputs", model.outputs)
      try group.set("classes", model.classes)
    case let model as FittedNeighbors:
      try group.set("type", "knn")
      try group.set("rows", doubles: model.rows)
      try group.set("width", model.width)
      try group.set("k", model.k)
      try group.set("distance_weighted", model.distanceWeighted)
      try group.set("weights", doubles: model.weights)
      try writeTarget(model.target, into: try group.child("target"))
    case let model as FittedNaiveBayes:
      try group.set("type", "bayes")
      try group.set("log_priors", doubles: model.logPriors)
      let features = try group.child("features")
      for (j, feature) in model.features.enumerated() {
        let entry = try features.child(String(j))
        switch feature {
        case .gaussian(let means, let variances):
          try entry.set("kind", "gaussian")
          try entry.set("means", doubles: means)
          try entry.set("variances", doubles: variances)
        case .categorical(let table):
          try entry.set("kind", "categorical")
          try entry.set("levels", table.first?.count ?? 0)
          try entry.set("log_likelihoods", doubles: table.flatMap { $0 })
        }
      }
    case let model as FittedTrees:
      try group.set("type", "trees")
      try group.set("task", model.task.rawValue)
      try group.set("class_count", model.classCount)
      try writeBins(model.bins, into: group)
      try writeTrees(model.trees, into: try group.child("trees"))
    case let model as FittedBoosting:
      try group.set("type", "boosting")
      try group.set("task", model.task.rawValue)
      try group.set("class_count", model.classCount)
      try group.set("outputs", model.outputs)
      try group.set("base", doubles: model.base)
      try writeBins(model.bins, into: group)
      try writeTrees(model.trees, into: try group.child("trees"))
    default:
      throw MLError("this learner cannot be written to a model file")
    }
  }

  /// Reads a learner that takes `width` features and predicts `classCount` classes (0 for regression).
  static func read(from group: ArchiveGroup, width: Int, task: Task, classCount: Int) throws -> any FittedLearner {
    switch try group.string("type") {
    case "linear":
      return FittedLinear(
        coefficients: try group.doubles("coefficients", count: width), intercept: try group.double("intercept"))
    case "logistic":
      let outputs = try group.int("outputs")
      let classes = try group.int("classes")
      guard try group.int("width") == width, classes == classCount, outputs == (classes == 2 ? 1 : classes) else {
        throw group.malformed("width", "does not match the model's features and classes")
      }
      return FittedLogistic(
        parameters: try group.doubles("parameters", count: outputs * (width + 1)), width: width, outputs: outputs,
        classes: classes)
    case "knn":
      let weights = try group.doubles("weights")
      let target = try readTarget(from: try group.open("target"), rows: weights.count)
      let k = try group.int("k")
      guard !weights.isEmpty else { throw group.malformed("weights", "holds no training rows") }
      guard try group.int("width") == width, k >= 1, k <= weights.count, target.classes.count == classCount
      else { throw group.malformed("k", "does not fit the stored rows") }
      return FittedNeighbors(
        rows: try group.doubles("rows", count: weights.count * width), width: width, k: k,
        distanceWeighted: try group.bool("distance_weighted"), target: target, weights: weights)
    case "bayes":
      let priors = try group.doubles("log_priors", count: classCount)
      let entries = try group.open("features").indexedChildren()
      guard entries.count == width else { throw group.malformed("features", "does not hold one entry per feature") }
      let features = try entries.map { entry -> FittedNaiveBayes.FeatureModel in
        switch try entry.string("kind") {
        case "gaussian":
          return .gaussian(
            means: try entry.doubles("means", count: classCount),
            variances: try entry.doubles("variances", count: classCount))
        case "categorical":
          let levels = try entry.int("levels")
          let size = classCount.multipliedReportingOverflow(by: levels)
          guard levels >= 0, !size.overflow else { throw entry.malformed("levels", "is not a level count") }
          let flat = try entry.doubles("log_likelihoods", count: size.partialValue)
          return .categorical((0..<classCount).map { Array(flat[$0 * levels..<($0 + 1) * levels]) })
        default: throw entry.malformed("kind", "is not a naive Bayes feature model")
        }
      }
      return FittedNaiveBayes(logPriors: priors, features: features)
    case "trees":
      let bins = try readBins(from: group, width: width)
      let stride = task == .classification ? classCount : 1
      guard try group.int("class_count") == classCount else { throw group.malformed("class_count", "differs") }
      let trees = try readTrees(from: try group.open("trees"), features: width, stride: stride)
      return FittedTrees(trees: trees, bins: bins, task: task, classCount: classCount)
    case "boosting":
      let outputs = try group.int("outputs")
      guard outputs == (task == .classification && classCount > 2 ? classCount : 1),
        try group.int("class_count") == classCount
      else { throw group.malformed("outputs", "does not match the model's classes") }
      let bins = try readBins(from: group, width: width)
      let trees = try readTrees(from: try group.open("trees"), features: width, stride: 1)
      return FittedBoosting(
        bins: bins, base: try group.doubles("base", count: outputs), trees: trees, outputs: outputs, task: task,
        classCount: classCount)
    default:
      throw group.malformed("type", "is not a learner this version reads")
    }
  }

  // MARK: Parts

  static func writeTarget(_ target: Target, into group: ArchiveGroup) throws {
    try group.set("name", target.name)
    try group.set("task", target.task.rawValue)
    try group.set("classes", strings: target.classes)
    try group.set("codes", ints: target.codes)
    try group.set("values", doubles: target.values)
  }

  static func readTarget(from group: ArchiveGroup, rows: Int) throws -> Target {
    guard let task = Task(rawValue: try group.string("task")) else { throw group.malformed("task", "is unknown") }
    let classes = try group.strings("classes")
    let codes = try group.ints("codes", count: task == .classification ? rows : 0)
    guard codes.allSatisfy({ $0 >= 0 && $0 < classes.count }) else { throw group.malformed("codes", "out of range") }
    return Target(
      name: try group.string("name"), task: task, classes: classes, codes: codes,
      values: try group.doubles("values", count: task == .regression ? rows : 0))
  }

  static func writeBins(_ bins: [FeatureBins], into group: ArchiveGroup) throws {
    try group.set("bin_counts", ints: bins.map(\.count))
    try group.set("bin_categorical", ints: bins.map { $0.isCategorical ? 1 : 0 })
    try group.set("bin_upper_bounds", doubles: bins.flatMap(\.upperBounds))
  }

  static func readBins(from group: ArchiveGroup, width: Int) throws -> [FeatureBins] {
    let counts = try group.ints("bin_counts", count: width)
    let categorical = try group.ints("bin_categorical", count: width)
    guard counts.allSatisfy({ $0 >= 1 && $0 <= 255 }) else { throw group.malformed("bin_counts", "out of range") }
    let bounds = try group.doubles("bin_upper_bounds", count: counts.reduce(0, +))
    var offset = 0
    return (0..<width).map { j in
      defer { offset += counts[j] }
      return FeatureBins(upperBounds: Array(bounds[offset..<offset + counts[j]]), isCategorical: categorical[j] == 1)
    }
  }

  /// Trees as concatenated node and leaf arrays with per-tree counts. A categorical node's level set is
  /// four 64-bit words (stored as int64 bit patterns).
  static func writeTrees(_ trees: [BinnedTree], into group: ArchiveGroup) throws {
    let nodes = trees.flatMap(\.nodes)
    try group.set("node_counts", ints: trees.map(\.nodes.count))
    try group.set("leaf_counts", ints: trees.map(\.leafCount))
    try group.set("strides", ints: trees.map(\.stride))
    try group.set("feature", ints: nodes.map(\.feature))
    try group.set("threshold", ints: nodes.map(\.threshold))
    try group.set("raw_threshold", doubles: nodes.map(\.rawThreshold))
    try group.set("missing_left", ints: nodes.map { $0.missingLeft ? 1 : 0 })
    try group.set("left", ints: nodes.map(\.left))
    try group.set("right", ints: nodes.map(\.right))
    try group.set("categorical", ints: nodes.map { $0.leftCategories == nil ? 0 : 1 })
    try group.set(
      "category_words", ints: nodes.compactMap(\.leftCategories).flatMap { $0.map { Int(Int64(bitPattern: $0)) } })
    try group.set("leaf_values", doubles: trees.flatMap(\.leafValues))
  }

  static func readTrees(from group: ArchiveGroup, features: Int, stride expectedStride: Int) throws -> [BinnedTree] {
    let nodeCounts = try group.ints("node_counts")
    let treeCount = nodeCounts.count
    let leafCounts = try group.ints("leaf_counts", count: treeCount)
    let strides = try group.ints("strides", count: treeCount)
    // Sizes are checked before they are added or multiplied: a damaged file cannot overflow them.
    let limit = 1 << 32
    guard strides.allSatisfy({ $0 == expectedStride }), expectedStride >= 1, expectedStride <= limit else {
      throw group.malformed("strides", "do not match the model's outputs")
    }
    guard nodeCounts.allSatisfy({ (0...limit).contains($0) }), leafCounts.allSatisfy({ (1...limit).contains($0) })
    else { throw group.malformed("node_counts", "are not tree sizes") }
    guard let total = checkedSum(nodeCounts), let leaves = checkedSum(leafCounts),
      case (let leafValueCount, let overflow) = leaves.multipliedReportingOverflow(by: expectedStride), !overflow
    else { throw group.malformed("node_counts", "add up to more than a file can hold") }
    let feature = try group.ints("feature", count: total)
    let threshold = try group.ints("threshold", count: total)
    let rawThreshold = try group.doubles("raw_threshold", count: total)
    let missingLeft = try group.ints("missing_left", count: total)
    let left = try group.ints("left", count: total)
    let right = try group.ints("right", count: total)
    let categorical = try group.ints("categorical", count: total)
    let words = try group.ints("category_words", count: 4 * categorical.filter { $0 == 1 }.count)
    let leafValues = try group.doubles("leaf_values", count: leafValueCount)
    var trees: [BinnedTree] = []
    var nodeOffset = 0
    var leafOffset = 0
    var wordOffset = 0
    for t in 0..<treeCount {
      var tree = BinnedTree()
      tree.stride = strides[t]
      let leaves = leafCounts[t]
      guard tree.stride == expectedStride, leaves >= 1, nodeCounts[t] >= 0, nodeCounts[t] == leaves - 1 || leaves == 1
      else { throw group.malformed("leaf_counts", "do not fit tree \(t)") }
      for i in nodeOffset..<nodeOffset + nodeCounts[t] {
        let local = i - nodeOffset
        // Children are later nodes of the same tree or its leaves, so every path ends.
        for child in [left[i], right[i]] {
          let valid = child >= 0 ? child > local && child < nodeCounts[t] : ~child < leaves
          guard valid else { throw group.malformed("left", "points outside tree \(t)") }
        }
        guard feature[i] >= 0, feature[i] < features else { throw group.malformed("feature", "out of range") }
        var categories: [UInt64]?
        if categorical[i] == 1 {
          categories = (0..<4).map { UInt64(bitPattern: Int64(words[wordOffset + $0])) }
          wordOffset += 4
        }
        tree.nodes.append(
          BinnedTree.Node(
            feature: feature[i], threshold: threshold[i], rawThreshold: rawThreshold[i],
            missingLeft: missingLeft[i] == 1,
            leftCategories: categories, left: left[i], right: right[i]))
      }
      tree.leafValues = Array(leafValues[leafOffset..<leafOffset + leaves * tree.stride])
      nodeOffset += nodeCounts[t]
      leafOffset += leaves * tree.stride
      trees.append(tree)
    }
    return trees
  }
}

extension FittedLearner {
  /// Whether the learner reads some feature as level codes (naive Bayes categories, gbm categorical splits).
  var readsLevelCodes: Bool {
    switch self {
    case let model as FittedNaiveBayes:
      return model.features.contains {
        if case .categorical = $0 { return true }
        return false
      }
    case let model as FittedBoosting: return model.bins.contains(where: \.isCategorical)
    default: return false
    }
  }

  /// Checks that every feature the learner reads as level codes has stored training levels of the size
  /// the learner was fitted with.
  func checkLevelCodes(_ levels: [TrainedLevels?]) throws {
    func check(_ j: Int, count: Int) throws {
      guard j < levels.count, let trained = levels[j], trained.levels.count == count else {
        throw MLError("model file: the training levels of feature \(j) do not match its learner")
      }
    }
    switch self {
    case let model as FittedNaiveBayes:
      for (j, feature) in model.features.enumerated() {
        if case .categorical(let table) = feature { try check(j, count: table.first?.count ?? 0) }
      }
    case let model as FittedBoosting:
      for (j, bins) in model.bins.enumerated() where bins.isCategorical {
        try check(j, count: bins.upperBounds.count)
      }
    default: break
    }
  }
}

/// The sum, or nil when it overflows.
func checkedSum(_ values: [Int]) -> Int? {
  var total = 0
  for value in values {
    let (sum, overflow) = total.addingReportingOverflow(value)
    if overflow { return nil }
    total = sum
  }
  return total
}
