import Foundation
import LabbookCore
import Testing

@testable import LabbookData
@testable import LabbookML

/// The histogram machinery of `gbm` against the rows it summarises, and its determinism on data large
/// enough that the grower cuts partitions and gathers in halves.
@Suite struct GradientBoostingTests {
  /// 30,000 rows (above every size at which the grower splits work between threads): four numeric
  /// features, one with missing values, one categorical; a noisy function of them as the target.
  static func synthetic(classification: Bool) throws -> Table {
    var generator = SeededGenerator(seed: 42)
    let n = 30_000
    var columns: [[Double]] = Array(repeating: [], count: 4)
    var colour: [String?] = []
    var target: [Double] = []
    for _ in 0..<n {
      let x = (0..<4).map { _ in Double.random(in: -2...2, using: &generator) }
      let level = Int.random(in: 0..<5, using: &generator)
      let noise = Double.random(in: -1...1, using: &generator)
      for f in 0..<4 { columns[f].append(f == 3 && x[0] > 1.2 ? .nan : x[f]) }
      colour.append(["red", "green", "blue", "grey", "pink"][level])
      let signal = x[0] * x[1] + sin(2 * x[2]) + (level == 2 ? 1 : 0) + 0.5 * noise
      target.append(classification ? (signal > 0.3 ? 1 : 0) : signal)
    }
    return try Table(
      name: "synthetic",
      columns: (0..<4).map { Column.numeric("x\($0)", columns[$0]) } + [
        .categorical("colour", colour), .numeric("y", target),
      ])
  }

  static func bits(_ tree: BinnedTree) -> [[UInt64]] {
    tree.nodes.map { node in
      [
        UInt64(bitPattern: Int64(node.feature)), UInt64(bitPattern: Int64(node.threshold)),
        node.rawThreshold.bitPattern,
        node.missingLeft ? 1 : 0, UInt64(bitPattern: Int64(node.left)), UInt64(bitPattern: Int64(node.right)),
      ] + (node.leftCategories ?? [])
    } + [tree.leafValues.map(\.bitPattern)]
  }

  @Test func largeDataGivesTheSameModelOnOneOrManyThreads() throws {
    for classification in [true, false] {
      let table = try Self.synthetic(classification: classification)
      let parameters: [(String, ParameterValue)] = [("trees", .number(15)), ("leaves", .number(31))]
      let task: LabbookML.Task = classification ? .classification : .regression
      let one = try Trainer.train(
        .gbm, on: table, target: "y", task: task, parameters: parameters, seed: 3, threads: 1)
      let two = try Trainer.train(
        .gbm, on: table, target: "y", task: task, parameters: parameters, seed: 3, threads: 2)
      let a = try #require(one.learner as? FittedBoosting)
      let b = try #require(two.learner as? FittedBoosting)
      // Bit for bit (categorical nodes have a NaN raw threshold, which == would call unequal).
      #expect(a.trees.map(Self.bits) == b.trees.map(Self.bits), "classification: \(classification)")
      #expect(a.trees.count == 15)
      #expect(a.trees.allSatisfy { $0.leafCount == 31 })
    }
  }

  /// `features 2`: a round's tree may split only on the two features drawn for it. Checked without
  /// the drawing: the first tree (the gradients are the same before any tree) must be exactly the tree
  /// a model trained on those two columns alone grows, feature indices mapped; and the rounds must not
  /// all draw the same two.
  @Test func eachRoundSplitsOnlyOnTheFeaturesItDrew() throws {
    for classification in [true, false] {
      let table = try Self.synthetic(classification: classification)
      let task: LabbookML.Task = classification ? .classification : .regression
      let sampled = try Trainer.train(
        .gbm, on: table, target: "y", task: task,
        parameters: [("trees", .number(12)), ("leaves", .number(15)), ("features", .number(2))], seed: 5, threads: 2)
      let boosting = try #require(sampled.learner as? FittedBoosting)
      let used = boosting.trees.map { Set($0.nodes.map(\.feature)) }
      #expect(used.allSatisfy { $0.count <= 2 })
      #expect(Set(used).count > 1, "every round drew the same features")
      #expect(used.reduce(Set<Int>()) { $0.union($1) }.count > 2)

      let first = used[0].sorted()
      try #require(first.count == 2)
      let names = first.map { sampled.featureNames[$0] }
      let alone = try Trainer.train(
        .gbm, on: try table.selecting(names + ["y"]), target: "y", task: task,
        parameters: [("trees", .number(1)), ("leaves", .number(15))], seed: 5, threads: 1)
      var expected = try #require(alone.learner as? FittedBoosting).trees[0]
      for n in expected.nodes.indices { expected.nodes[n].feature = first[expected.nodes[n].feature] }
      #expect(Self.bits(boosting.trees[0]) == Self.bits(expected), "classification: \(classification)")

      // The same on one thread or two, and `features all` is the model without the parameter.
      let oneThread = try Trainer.train(
        .gbm, on: table, target: "y", task: task,
        parameters: [("trees", .number(12)), ("leaves", .number(15)), ("features", .number(2))], seed: 5, threads: 1)
      #expect(
        try #require(oneThread.learner as? FittedBoosting).trees.map(Self.bits) == boosting.trees.map(Self.bits))
      let all = try Trainer.train(
        .gbm, on: table, target: "y", task: task, parameters: [("trees", .number(3)), ("features", .word("all"))],
        seed: 5, threads: 2)
      let plain = try Trainer.train(
        .gbm, on: table, target: "y", task: task, parameters: [("trees", .number(3))], seed: 5, threads: 2)
      #expect(
        try #require(all.learner as? FittedBoosting).trees.map(Self.bits)
          == (try #require(plain.learner as? FittedBoosting)).trees.map(Self.bits))
    }
  }

  @Test func everyLeafKeepsAtLeastMinLeafRows() throws {
    let table = try Self.synthetic(classification: true)
    let model = try Trainer.train(
      .gbm, on: table, target: "y",
      parameters: [("trees", .number(5)), ("leaves", .number(63)), ("min_leaf", .number(300))],
      seed: 1, threads: 2)
    let boosting = try #require(model.learner as? FittedBoosting)
    let x = FeatureMatrix(table: try table.selecting(model.inputColumns), excluding: [])
    let binned = BinnedMatrix(x, bins: boosting.bins)
    for tree in boosting.trees {
      var rowsPerLeaf = [Int](repeating: 0, count: tree.leafCount)
      for row in 0..<table.rowCount { rowsPerLeaf[tree.leaf(binned.codes, row: row)] += 1 }
      #expect(rowsPerLeaf.min()! >= 300)
    }
  }

  /// The split search reads a histogram; here every threshold is tried on the rows themselves (left =
  /// rows whose code is at most the threshold, missing rows right and then left) and the first largest
  /// gain must be the one the search returns.
  /// A value's bin is the first whose upper bound is at least the value, as a scan from the first bin
  /// finds it: for bound counts of 1 to 255, values on, between, below and above the bounds, ±∞ and NaN.
  @Test func binCodesAreTheFirstBoundAtOrAboveTheValue() {
    var generator = SeededGenerator(seed: 17)
    for count in 1...255 {
      let finite = (0..<(count - 1)).map { _ in Double(generator.uniform(below: 10_000)) / 7 }
      let bins = FeatureBins(upperBounds: Array(Set(finite)).sorted() + [.infinity], isCategorical: false)
      var values = bins.upperBounds + [-.infinity, .nan, -1e300, 1e300]
      for _ in 0..<50 { values.append(Double(generator.uniform(below: 12_000)) / 7 - 100) }
      for value in values {
        let expected = value.isNaN ? FeatureBins.missing : UInt8(bins.upperBounds.firstIndex { value <= $0 }!)
        #expect(bins.code(value) == expected, "\(value) in \(bins.upperBounds.count) bins")
      }
    }
  }

  /// A categorical feature's code is its level; anything that is not one of its levels (negative, past the
  /// last, ±∞, NaN, huge) is missing, and never traps.
  @Test func categoricalCodesAreLevelsAndAnythingElseIsMissing() {
    let bins = FeatureBins(upperBounds: [0, 1, 2, 3, 4], isCategorical: true)
    for level in 0..<5 { #expect(bins.code(Double(level)) == UInt8(level)) }
    for value in [-1, 5, 255, 256, -.infinity, .infinity, .nan, 1e300, -1e300, Double(Int.max)] {
      #expect(bins.code(value) == FeatureBins.missing, "\(value)")
    }
  }

  /// A tree grown with its histogram buffers bounded (so leaves give theirs up and their children are
  /// summed from rows) against the same tree grown without the bound: the same splits, and every leaf's
  /// value −rate·G/(H+λ) equal to that recomputed from the gradients of the rows the leaf holds.
  @Test func boundedHistogramMemoryGrowsTheSameTree() throws {
    let table = try Self.synthetic(classification: false)
    let x = FeatureMatrix(
      features: table.columns.compactMap { column in
        guard case .numeric(let values) = column.values, column.name != "y" else { return nil }
        return FeatureMatrix.Feature(name: column.name, values: values, levels: nil)
      }, rowCount: table.rowCount)
    #expect(x.width == 4)
    let binned = BinnedMatrix.fit(x, maximumBins: 255, threads: 1)
    var generator = SeededGenerator(seed: 11)
    let rows = Array(0..<table.rowCount)
    let g = rows.map { row in
      (x.features[0].values[row] > 0.3 ? 1.0 : -0.5) + Double.random(in: -1...1, using: &generator)
    }
    let h = rows.map { _ in Double.random(in: 0.1...1, using: &generator) }
    let (rate, l2) = (0.1, 1.0)
    func grower(limit: Int?, threads: Int) -> LeafWiseGrower {
      LeafWiseGrower(
        binned: binned, rows: rows, leaves: 63, maximumDepth: nil, minimumLeaf: 20, l2: l2, rate: rate,
        threads: threads, histogramLimit: limit)
    }
    let free = grower(limit: nil, threads: 1)
    let reference = free.grow(gradients: g, hessians: h)
    #expect(reference.tree.leafCount == 63)
    #expect(free.mostHistogramsHeld > 8)
    for threads in [1, 2] {
      let bounded = grower(limit: 3, threads: threads)
      let grown = bounded.grow(gradients: g, hessians: h)
      #expect(bounded.mostHistogramsHeld <= 3)
      let structure = { (tree: BinnedTree) in
        tree.nodes.map { [$0.feature, Int($0.threshold), $0.missingLeft ? 1 : 0, $0.left, $0.right] }
      }
      #expect(structure(grown.tree) == structure(reference.tree))
      for leaf in 0..<grown.tree.leafCount {
        let positions = grown.positions[grown.leafStarts[leaf]..<grown.leafStarts[leaf + 1]].map { Int($0) }
        let sumG = positions.reduce(0.0) { $0 + g[$1] }
        let sumH = positions.reduce(0.0) { $0 + h[$1] }
        let expected = -rate * sumG / (sumH + l2)
        #expect(abs(grown.tree.leafValues[leaf] - expected) <= 1e-9 * max(1, abs(expected)), "leaf \(leaf)")
        #expect(abs(grown.tree.leafValues[leaf] - reference.tree.leafValues[leaf]) <= 1e-9 * max(1, abs(expected)))
      }
    }
  }

  @Test func splitSearchFindsTheBestSplitOfTheRows() throws {
    var generator = SeededGenerator(seed: 7)
    let n = 2_000
    // Values 0…100 with every 13th missing, and ten outliers at 101 whose large gradients would be split
    // off alone if `minimumLeaf` allowed it. Missing rows look like the low values, so they belong left.
    let values = (0..<n).map { i in
      i < 10 ? 101 : i % 13 == 0 ? Double.nan : Double.random(in: 0...100, using: &generator).rounded()
    }
    let g = (0..<n).map { i in
      (i < 10 ? 20 : values[i].isNaN || values[i] <= 60 ? -0.3 : 0.5) + Double.random(in: -1...1, using: &generator)
    }
    let h = (0..<n).map { _ in Double.random(in: 0.05...0.25, using: &generator) }
    let bins = FeatureBins.make(values, levels: nil, maximumBins: 255)
    let codes = values.map { bins.code($0) }
    let histogram = HistogramBuffer(features: 1)
    codes.withUnsafeBufferPointer { c in
      g.withUnsafeBufferPointer { gb in
        h.withUnsafeBufferPointer { hb in
          HistogramBuffer.codeCounts(c).withUnsafeBufferPointer { counts in
            histogram.fill(feature: 0, codes: c, gradients: gb, hessians: hb, codeCounts: counts)
          }
        }
      }
    }
    let minimumLeaf = 20
    let l2 = 0.5
    let search = SplitSearch(bins: [bins], minimumLeaf: minimumLeaf, l2: l2)
    let totalG = g.reduce(0, +)
    let totalH = h.reduce(0, +)
    let found = try #require(
      search.best(histogram, feature: 0, leaf: .init(g: totalG, h: totalH, count: n)))

    func score(_ g: Double, _ h: Double) -> Double { g * g / (h + l2) }
    var best: (gain: Double, threshold: Int, missingLeft: Bool)?
    for threshold in 0..<(bins.count - 1) {
      for missingLeft in [false, true] {
        let left = (0..<n).filter {
          codes[$0] == FeatureBins.missing ? missingLeft : Int(codes[$0]) <= threshold
        }
        let lg = left.reduce(0.0) { $0 + g[$1] }
        let lh = left.reduce(0.0) { $0 + h[$1] }
        guard left.count >= minimumLeaf, n - left.count >= minimumLeaf else { continue }
        let gain = score(lg, lh) + score(totalG - lg, totalH - lh) - score(totalG, totalH)
        if gain > (best?.gain ?? 0) + 1e-9 { best = (gain, threshold, missingLeft) }
      }
    }
    let expected = try #require(best)
    #expect(expected.missingLeft)  // the data is made so; the search must find the missing-left candidate
    #expect(found.threshold == expected.threshold)
    #expect(found.missingLeft == expected.missingLeft)
    #expect(abs(found.gain - expected.gain) < 1e-9 * max(1, expected.gain))
  }

  /// Prediction walks flattened trees, eight rows at a time; here every row is walked node by node
  /// with `BinnedTree.leaf(values:row:)` instead, on values training never saw: missing, infinite, and
  /// level codes outside the categorical feature's levels.
  @Test func flattenedPredictionMatchesTheNodeByNodeWalk() throws {
    let table = try Self.synthetic(classification: true)
    /// The model's own features for the table, with unusual values planted in every 97th row.
    func unusual(_ model: TrainedModel) throws -> FeatureMatrix {
      var features = try model.features(for: table).0.features
      var generator = SeededGenerator(seed: 11)
      for row in stride(from: 0, to: table.rowCount, by: 97) {
        let feature = Int.random(in: 0..<features.count, using: &generator)
        features[feature].values[row] = [Double.nan, .infinity, -.infinity, 7, -3, 300, -0.5][row % 7]
      }
      return FeatureMatrix(features: features, rowCount: table.rowCount)
    }
    let boostingModel = try Trainer.train(
      .gbm, on: table, target: "y", parameters: [("trees", .number(20))], seed: 2, threads: 2)
    let boosting = try #require(boostingModel.learner as? FittedBoosting)
    let x = try unusual(boostingModel)
    let values = x.features.map(\.values)
    var scores = [Double](repeating: boosting.base[0], count: x.rowCount)
    for tree in boosting.trees {
      for row in 0..<x.rowCount { scores[row] += tree.leafValues[tree.leaf(values: values, row: row)] }
    }
    guard case .probabilities(let boosted, _) = boosting.predict(x) else { throw MLError("not probabilities") }
    #expect(
      (0..<x.rowCount).map { boosted[2 * $0 + 1].bitPattern }
        == scores.map { (1 / (1 + Foundation.exp(-$0))).bitPattern })

    let forestModel = try Trainer.train(
      .forest, on: table, target: "y", parameters: [("trees", .number(5))], seed: 2, threads: 2)
    let forest = try #require(forestModel.learner as? FittedTrees)
    let y = try unusual(forestModel)
    let forestValues = y.features.map(\.values)
    var sums = [Double](repeating: 0, count: y.rowCount * 2)
    for tree in forest.trees {
      for row in 0..<y.rowCount {
        let leaf = tree.leaf(values: forestValues, row: row)
        for s in 0..<2 { sums[row * 2 + s] += tree.leafValues[leaf * 2 + s] }
      }
    }
    guard case .probabilities(let averaged, _) = forest.predict(y) else { throw MLError("not probabilities") }
    #expect(averaged.map(\.bitPattern) == sums.map { ($0 * (1 / Double(forest.trees.count))).bitPattern })
  }
}
