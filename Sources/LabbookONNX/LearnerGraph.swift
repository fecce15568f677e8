import Foundation
import LabbookML

/// A fitted learner as ONNX nodes, from the feature matrix `x` (`[N, d]` double) to probabilities
/// `[N, K]` or values `[N, 1]`. Each graph repeats Labbook's own arithmetic in the same order wherever
/// the order changes the result: sums that decide a prediction (tree leaves, neighbour distances,
/// naive Bayes terms) are added one term at a time, as Labbook adds them.
enum LearnerGraph {
  static func build(_ model: TrainedModel, x: String, features: [String], in graph: inout ONNXGraph) throws -> String {
    let classes = model.classes.count
    switch model.learner {
    case let linear as FittedLinear:
      return linearValues(linear, x: x, in: &graph)
    case let logistic as FittedLogistic:
      return logisticProbabilities(logistic, x: x, in: &graph)
    case let trees as FittedTrees:
      return try treeAverage(trees, x: x, classes: classes, in: &graph)
    case let boosting as FittedBoosting:
      return try boostedScores(boosting, x: x, in: &graph)
    case let neighbors as FittedNeighbors:
      return neighbourVotes(neighbors, features: features, in: &graph)
    case let bayes as FittedNaiveBayes:
      return bayesProbabilities(bayes, features: features, in: &graph)
    default:
      throw ExportError("`\(model.kind.rawValue)` models have no ONNX translation")
    }
  }

  // MARK: Linear models

  /// `linear`, `ridge`: x·w + b, as `[N, 1]`.
  private static func linearValues(_ model: FittedLinear, x: String, in graph: inout ONNXGraph) -> String {
    let weights = graph.constant(doubles: model.coefficients, dims: [model.coefficients.count, 1], name: "weights")
    let product = graph.op("MatMul", [x, weights])
    return graph.op("Add", [product, graph.constant(doubles: [model.intercept], dims: [1, 1], name: "intercept")])
  }

  /// `logistic`: one score per output, then the sigmoid as [1 − p, p] or the softmax.
  private static func logisticProbabilities(_ model: FittedLogistic, x: String, in graph: inout ONNXGraph) -> String {
    let stride = model.width + 1
    var weights = [Double](repeating: 0, count: model.width * model.outputs)
    var intercepts = [Double](repeating: 0, count: model.outputs)
    for o in 0..<model.outputs {
      for j in 0..<model.width { weights[j * model.outputs + o] = model.parameters[o * stride + j] }
      intercepts[o] = model.parameters[o * stride + model.width]
    }
    let product = graph.op(
      "MatMul", [x, graph.constant(doubles: weights, dims: [model.width, model.outputs], name: "weights")])
    let scores = graph.op(
      "Add", [product, graph.constant(doubles: intercepts, dims: [1, model.outputs], name: "intercepts")])
    return model.outputs == 1 ? sigmoidPair(scores, in: &graph) : softmax(scores, in: &graph)
  }

  /// p = 1 / (1 + e^(−s)) as Labbook writes it, and the two columns [1 − p, p].
  static func sigmoidPair(_ scores: String, in graph: inout ONNXGraph) -> String {
    let exponential = graph.op("Exp", [graph.op("Neg", [scores])])
    let p = graph.op("Div", [graph.scalar(1), graph.op("Add", [graph.scalar(1), exponential])])
    let q = graph.op("Sub", [graph.scalar(1), p])
    return graph.op("Concat", [q, p], attributes: [.int("axis", 1)], name: "probabilities")
  }

  /// e^(s − max s) / Σ e^(s − max s), row by row.
  static func softmax(_ scores: String, in graph: inout ONNXGraph) -> String {
    let axis = graph.constant(int64s: [1], name: "axis")
    let top = graph.op("ReduceMax", [scores, axis], attributes: [.int("keepdims", 1)])
    let exponentials = graph.op("Exp", [graph.op("Sub", [scores, top])])
    let total = graph.op("ReduceSum", [exponentials, axis], attributes: [.int("keepdims", 1)])
    return graph.op("Div", [exponentials, total], name: "probabilities")
  }

  // MARK: Trees

  /// `tree`, `forest`: the trees' leaf values summed in tree order and divided by the tree count.
  private static func treeAverage(_ model: FittedTrees, x: String, classes: Int, in graph: inout ONNXGraph) throws
    -> String
  {
    let outputs = model.task == .classification ? classes : 1
    var ensemble = TreeEnsembleWriter(outputs: outputs)
    // A TreeEnsemble leaf feeds one output, so a tree whose leaves hold K class probabilities is
    // written K times, once per class, each copy right after the last: the sums keep the tree order.
    for tree in model.trees {
      for k in 0..<outputs {
        try ensemble.add(tree, bins: model.bins) { leaf in (k, tree.leafValues[leaf * tree.stride + k]) }
      }
    }
    let sums = ensemble.node(x, in: &graph)
    return graph.op("Mul", [sums, graph.scalar(1 / Double(max(model.trees.count, 1)))])
  }

  /// `gbm`: the base scores (written as one-leaf trees, so they are added first, as Labbook starts
  /// from them), each round's trees, then the sigmoid or softmax for a classifier.
  private static func boostedScores(_ model: FittedBoosting, x: String, in graph: inout ONNXGraph) throws -> String {
    var ensemble = TreeEnsembleWriter(outputs: model.outputs)
    for k in 0..<model.outputs { ensemble.addConstant(model.base[k], output: k) }
    for (t, tree) in model.trees.enumerated() {
      try ensemble.add(tree, bins: model.bins) { leaf in (t % model.outputs, tree.leafValues[leaf * tree.stride]) }
    }
    let scores = ensemble.node(x, in: &graph)
    switch model.task {
    case .regression: return scores
    case .classification where model.outputs == 1: return sigmoidPair(scores, in: &graph)
    case .classification: return softmax(scores, in: &graph)
    }
  }

  // MARK: Nearest neighbours

  /// `knn`: squared distances to every training row summed feature by feature (Labbook's order), the k
  /// nearest by TopK (ties to the earlier training row, as in Labbook), their votes weighted uniformly
  /// or by 1/distance with an exact match deciding alone.
  private static func neighbourVotes(_ model: FittedNeighbors, features: [String], in graph: inout ONNXGraph)
    -> String
  {
    let trainRows = model.weights.count
    var distance: String?
    for (j, feature) in features.enumerated() {
      let column = (0..<trainRows).map { model.rows[$0 * model.width + j] }
      let delta = graph.op("Sub", [graph.constant(doubles: column, dims: [1, trainRows], name: "train"), feature])
      let square = graph.op("Mul", [delta, delta])
      distance = distance.map { graph.op("Add", [$0, square]) } ?? graph.op("Add", [graph.scalar(0), square])
    }
    let k = graph.constant(int64s: [Int64(model.k)], name: "k")
    let nearest = graph.add(
      "TopK", [distance!, k], outputs: 2,
      attributes: [.int("axis", 1), .int("largest", 0), .int("sorted", 1)], name: "nearest")
    let (distances, indices) = (nearest[0], nearest[1])
    var weights = graph.op(
      "Gather", [graph.constant(doubles: model.weights, name: "row_weights"), indices], attributes: [.int("axis", 0)])
    if model.distanceWeighted {
      let axis = graph.constant(int64s: [1], name: "axis")
      let isExact = graph.op("Equal", [distances, graph.scalar(0)])
      let exactRows = graph.op(
        "ReduceMax",
        [graph.op("Cast", [isExact], attributes: [.int("to", Int(ONNXGraph.ElementType.double.rawValue))]), axis],
        attributes: [.int("keepdims", 1)])
      let anyExact = graph.op("Greater", [exactRows, graph.scalar(0)])
      let onlyExact = graph.op("Where", [isExact, weights, graph.scalar(0)])
      let inverse = graph.op("Div", [weights, graph.op("Sqrt", [distances])])
      weights = graph.op("Where", [anyExact, onlyExact, inverse])
    }
    // Totals neighbour by neighbour, nearest first, as Labbook adds them.
    func column(_ tensor: String, _ n: Int) -> String {
      graph.op(
        "Slice",
        [
          tensor, graph.constant(int64s: [Int64(n)], name: "start"),
          graph.constant(int64s: [Int64(n + 1)], name: "end"),
          graph.constant(int64s: [1], name: "axis"),
        ])
    }
    let classification = model.target.task == .classification
    let classes = model.target.classes.count
    let votes =
      classification
      ? graph.constant(
        doubles: model.target.codes.flatMap { code in (0..<classes).map { $0 == code ? 1.0 : 0.0 } },
        dims: [trainRows, classes], name: "class_of_row")
      : graph.constant(doubles: model.target.values, dims: [trainRows, 1], name: "value_of_row")
    var total: String?
    var sums: String?
    for n in 0..<model.k {
      let w = column(weights, n)
      let index = graph.op("Reshape", [column(indices, n), graph.constant(int64s: [-1], name: "flat")])
      let vote = graph.op("Gather", [votes, index], attributes: [.int("axis", 0)])
      let weighted = graph.op("Mul", [w, vote])
      total = total.map { graph.op("Add", [$0, w]) } ?? graph.op("Add", [graph.scalar(0), w])
      sums = sums.map { graph.op("Add", [$0, weighted]) } ?? graph.op("Add", [graph.scalar(0), weighted])
    }
    // With no weight at all (every neighbour weighted 0) Labbook leaves the zeros.
    let positive = graph.op("Greater", [total!, graph.scalar(0)])
    let divided = graph.op("Div", [sums!, total!])
    return graph.op("Where", [positive, divided, sums!], name: classification ? "probabilities" : "variable")
  }

  // MARK: Naive Bayes

  /// `bayes`: the log priors plus each feature's term (a missing value adds nothing), then the softmax.
  private static func bayesProbabilities(_ model: FittedNaiveBayes, features: [String], in graph: inout ONNXGraph)
    -> String
  {
    let k = model.logPriors.count
    // [1, K], broadcast to [N, K] by the first feature's term.
    var scores = graph.constant(doubles: model.logPriors, dims: [1, k], name: "log_priors")
    for (j, model) in model.features.enumerated() {
      let value = features[j]
      let missing = graph.op("IsNaN", [value])
      let term: String
      switch model {
      case .gaussian(let means, let variances):
        // −½·log(2π·σ²) − (x − μ)² / (2σ²), the constant part computed here exactly as Labbook does.
        let constants = variances.map { -0.5 * Foundation.log(2 * Double.pi * $0) }
        let delta = graph.op("Sub", [value, graph.constant(doubles: means, dims: [1, k], name: "means")])
        let quotient = graph.op(
          "Div",
          [
            graph.op("Mul", [delta, delta]),
            graph.constant(doubles: variances.map { 2 * $0 }, dims: [1, k], name: "twice_variances"),
          ])
        term = graph.op("Sub", [graph.constant(doubles: constants, dims: [1, k], name: "log_normaliser"), quotient])
      case .categorical(let logProbabilities):
        // A table of log probabilities by level, with a last row of zeros for missing values.
        let levels = logProbabilities.first?.count ?? 0
        var table: [Double] = []
        for level in 0..<levels { for c in 0..<k { table.append(logProbabilities[c][level]) } }
        table += [Double](repeating: 0, count: k)
        let index = graph.op(
          "Cast", [graph.op("Where", [missing, graph.scalar(Double(levels)), value])],
          attributes: [.int("to", Int(ONNXGraph.ElementType.int64.rawValue))])
        let flat = graph.op("Reshape", [index, graph.constant(int64s: [-1], name: "flat")])
        term = graph.op(
          "Gather", [graph.constant(doubles: table, dims: [levels + 1, k], name: "log_probabilities"), flat],
          attributes: [.int("axis", 0)])
      }
      let added = graph.op("Add", [scores, term])
      scores = graph.op("Where", [missing, scores, added])
    }
    return softmax(scores, in: &graph)
  }
}

/// The ai.onnx.ml `TreeEnsemble` operator (opset 5): double thresholds, set-membership splits for
/// categories, missing values sent the way each node sends them, leaf values summed per output.
struct TreeEnsembleWriter {
  let outputs: Int
  private var featureIds: [Int] = []
  private var splits: [Double] = []
  private var modes: [UInt8] = []
  private var trueIds: [Int] = []
  private var trueLeafs: [Int] = []
  private var falseIds: [Int] = []
  private var falseLeafs: [Int] = []
  private var missingTracksTrue: [Int] = []
  private var membership: [Double] = []
  private var roots: [Int] = []
  private var leafTargets: [Int] = []
  private var leafWeights: [Double] = []

  init(outputs: Int) { self.outputs = outputs }

  private static let lessOrEqual: UInt8 = 0
  private static let member: UInt8 = 6

  /// A tree with one leaf holding `value` for `output` (a node whose branches both reach it).
  mutating func addConstant(_ value: Double, output: Int) {
    roots.append(featureIds.count)
    let leaf = leafWeights.count
    leafTargets.append(output)
    leafWeights.append(value)
    appendNode(feature: 0, split: 0, mode: Self.lessOrEqual, missingLeft: true, left: ~leaf, right: ~leaf)
  }

  /// One tree; `leaf(i)` gives leaf i's output and value.
  mutating func add(_ tree: BinnedTree, bins: [FeatureBins], leaf: (Int) -> (Int, Double)) throws {
    let firstLeaf = leafWeights.count
    for index in 0..<tree.leafCount {
      let (output, value) = leaf(index)
      leafTargets.append(output)
      leafWeights.append(value)
    }
    if tree.nodes.isEmpty {
      roots.append(featureIds.count)
      appendNode(feature: 0, split: 0, mode: Self.lessOrEqual, missingLeft: true, left: ~firstLeaf, right: ~firstLeaf)
      return
    }
    let firstNode = featureIds.count
    roots.append(firstNode)
    for node in tree.nodes {
      // Children ≥ 0 are nodes of this tree, < 0 its leaves; both renumbered into the whole ensemble.
      let left = node.left >= 0 ? firstNode + node.left : ~(firstLeaf + ~node.left)
      let right = node.right >= 0 ? firstNode + node.right : ~(firstLeaf + ~node.right)
      if let set = node.leftCategories {
        let levels = (0..<set.count * 64).filter { set[$0 >> 6] & (1 << UInt64($0 & 63)) != 0 }
        if levels.isEmpty {
          // No level goes left: a level code (≥ 0) is never ≤ −1; missing values still follow the node.
          appendNode(
            feature: node.feature, split: -1, mode: Self.lessOrEqual, missingLeft: node.missingLeft, left: left,
            right: right)
        } else {
          membership += levels.map(Double.init) + [.nan]
          appendNode(
            feature: node.feature, split: .nan, mode: Self.member, missingLeft: node.missingLeft, left: left,
            right: right)
        }
      } else {
        guard !node.rawThreshold.isNaN else { throw ExportError("a tree node has no threshold") }
        appendNode(
          feature: node.feature, split: node.rawThreshold, mode: Self.lessOrEqual, missingLeft: node.missingLeft,
          left: left, right: right)
      }
    }
  }

  /// `left`/`right` ≥ 0 are node indices, < 0 leaf indices (~leaf).
  private mutating func appendNode(feature: Int, split: Double, mode: UInt8, missingLeft: Bool, left: Int, right: Int) {
    featureIds.append(feature)
    splits.append(split)
    modes.append(mode)
    trueIds.append(left >= 0 ? left : ~left)
    trueLeafs.append(left >= 0 ? 0 : 1)
    falseIds.append(right >= 0 ? right : ~right)
    falseLeafs.append(right >= 0 ? 0 : 1)
    missingTracksTrue.append(missingLeft ? 1 : 0)
  }

  /// The operator node on `x`, giving `[N, outputs]` sums.
  func node(_ x: String, in graph: inout ONNXGraph) -> String {
    var attributes: [ONNXGraph.Attribute] = [
      .int("n_targets", outputs), .int("aggregate_function", 1), .int("post_transform", 0),
      .ints("tree_roots", roots), .ints("nodes_featureids", featureIds),
      .tensor("nodes_splits", ONNXGraph.Tensor(name: "", type: .double, dims: [splits.count], doubles: splits)),
      .tensor("nodes_modes", ONNXGraph.Tensor(name: "", type: .uint8, dims: [modes.count], bytes: modes)),
      .ints("nodes_truenodeids", trueIds), .ints("nodes_trueleafs", trueLeafs),
      .ints("nodes_falsenodeids", falseIds), .ints("nodes_falseleafs", falseLeafs),
      .ints("nodes_missing_value_tracks_true", missingTracksTrue),
      .ints("leaf_targetids", leafTargets),
      .tensor(
        "leaf_weights", ONNXGraph.Tensor(name: "", type: .double, dims: [leafWeights.count], doubles: leafWeights)),
    ]
    if !membership.isEmpty {
      attributes.append(
        .tensor(
          "membership_values",
          ONNXGraph.Tensor(name: "", type: .double, dims: [membership.count], doubles: membership)))
    }
    return graph.op("TreeEnsemble", [x], domain: ModelGraph.mlDomain, attributes: attributes, name: "trees")
  }
}
