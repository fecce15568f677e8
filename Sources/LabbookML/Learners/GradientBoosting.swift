import Foundation
import LabbookCore

/// Histogram gradient boosting in the manner of LightGBM (Ke et al., 2017): features binned once
/// (≤ 255 bins), gradients and hessians in flat arrays, trees grown leaf-wise (best gain first) up to
/// `leaves` leaves, per-feature histograms built in parallel, the larger child's histogram obtained by
/// subtracting the smaller child's from its parent's. Missing values go to whichever side gains more;
/// categorical features split into two sets of levels ordered by gradient ratio (Fisher, 1958). Each round
/// may draw a subset of the features for its trees (LightGBM's `feature_fraction`, XGBoost's
/// `colsample_bytree`; Friedman, *Stochastic Gradient Boosting*, 2002, for the idea of sampling per round).
struct GradientBoosting {
  var trees: Int
  var leaves: Int
  var maximumDepth: Int?
  var rate: Double
  var minimumLeaf: Int
  var l2: Double
  var bins: Int
  /// Rounds without improvement on a 10% validation split before stopping; nil = off.
  var earlyStoppingPatience: Int?
  /// Features each round's trees may split on, drawn afresh every round (the width or more: all).
  var featuresPerTree: Int

  static let minimumHessian = 1e-3
  /// Smoothing added to the hessian sum when ordering categories (LightGBM's cat_smooth).
  static let categorySmoothing = 10.0

  /// Throws `Interrupted` between rounds when a stop is requested.
  func fit(_ data: TrainingData) throws -> FittedBoosting {
    let binned = BinnedMatrix.fit(data.x, maximumBins: min(bins, 255), threads: data.threads)
    let n = data.x.rowCount
    let task = data.y.task
    let classes = data.classCount
    let outputs = task == .classification && classes > 2 ? classes : 1
    // Training and validation rows (the validation rows only when early stopping).
    var trainRows = Array(0..<n)
    var validationRows: [Int] = []
    if earlyStoppingPatience != nil, n >= 20 {
      var generator = SeededGenerator(seed: derivedSeed(data.seed, 0xB005_7ED))
      var shuffled = trainRows
      generator.shuffle(&shuffled)
      let validationCount = max(1, n / 10)
      validationRows = Array(shuffled.prefix(validationCount)).sorted()
      trainRows = Array(shuffled.dropFirst(validationCount)).sorted()
    }
    let weights = (0..<n).map { data.weight($0) }
    let base = baseScores(data, rows: trainRows, outputs: outputs)
    var scores = [Double](repeating: 0, count: n * outputs)
    for i in 0..<n { for k in 0..<outputs { scores[i * outputs + k] = base[k] } }
    var model = FittedBoosting(
      bins: binned.bins, base: base, trees: [], outputs: outputs, task: task, classCount: classes)
    var gradients = [Double](repeating: 0, count: trainRows.count * outputs)
    var hessians = [Double](repeating: 0, count: trainRows.count * outputs)
    var bestLoss = Double.infinity
    var bestRounds = 0
    let grower = LeafWiseGrower(
      binned: binned, rows: trainRows, leaves: leaves, maximumDepth: maximumDepth, minimumLeaf: minimumLeaf, l2: l2,
      rate: rate, threads: data.threads)
    let width = data.x.width
    let drawn = min(width, max(1, featuresPerTree))
    var featureGenerator = SeededGenerator(seed: derivedSeed(data.seed, 0xFEA7_0E5))
    let progress = WorkProgress.begin("boosting round", total: trees)
    defer { WorkProgress.end(progress) }
    for round in 0..<trees {
      try Interrupt.check()
      WorkProgress.advance(progress)
      var features: [Int]?
      if drawn < width {
        var order = Array(0..<width)
        featureGenerator.shuffle(&order)
        features = order.prefix(drawn).sorted()
      }
      computeGradients(
        data, rows: trainRows, scores: scores, outputs: outputs, weights: weights, gradients: &gradients,
        hessians: &hessians)
      for k in 0..<outputs {
        let g = outputs == 1 ? gradients : (0..<trainRows.count).map { gradients[$0 * outputs + k] }
        let h = outputs == 1 ? hessians : (0..<trainRows.count).map { hessians[$0 * outputs + k] }
        let grown = grower.grow(gradients: g, hessians: h, features: features)
        add(grown, toScores: &scores, rows: trainRows, outputs: outputs, output: k, threads: data.threads)
        let tree = grown.tree
        for row in validationRows { scores[row * outputs + k] += tree.leafValues[tree.leaf(binned.codes, row: row)] }
        model.trees.append(tree)
      }
      if let patience = earlyStoppingPatience, !validationRows.isEmpty {
        let loss = validationLoss(data, rows: validationRows, scores: scores, outputs: outputs)
        if loss < bestLoss - 1e-12 {
          bestLoss = loss
          bestRounds = round + 1
        } else if round + 1 - bestRounds >= patience {
          break
        }
      }
    }
    if earlyStoppingPatience != nil, !validationRows.isEmpty {
      model.trees = Array(model.trees.prefix(bestRounds * outputs))
    }
    return model
  }

  /// Adds each leaf's value to the scores of the training rows that reached it; leaves are disjoint, so
  /// they are done in parallel, each score receiving exactly one addition.
  private func add(
    _ grown: LeafWiseGrower.Grown, toScores scores: inout [Double], rows: [Int], outputs: Int, output k: Int,
    threads: Int
  ) {
    let leafCount = grown.leafStarts.count - 1
    scores.withUnsafeMutableBufferPointer { scoreBuffer in
      let out = Shared(scoreBuffer)
      parallelFor(count: leafCount, threads: rows.count > 50_000 ? threads : 1) { leaf in
        let value = grown.tree.leafValues[leaf]
        for p in grown.leafStarts[leaf]..<grown.leafStarts[leaf + 1] {
          out.value[rows[Int(grown.positions[p])] * outputs + k] += value
        }
      }
    }
  }

  /// Log-odds of the positive class, log priors per class, or the mean.
  private func baseScores(_ data: TrainingData, rows: [Int], outputs: Int) -> [Double] {
    var total = 0.0
    switch data.y.task {
    case .regression:
      var sum = 0.0
      for row in rows {
        sum += data.weight(row) * data.y.values[row]
        total += data.weight(row)
      }
      return [sum / max(total, 1e-300)]
    case .classification:
      var counts = [Double](repeating: 0, count: data.classCount)
      for row in rows {
        counts[data.y.codes[row]] += data.weight(row)
        total += data.weight(row)
      }
      let p = counts.map { min(max($0 / max(total, 1e-300), 1e-15), 1 - 1e-15) }
      if outputs == 1 { return [Foundation.log(p[1] / (1 - p[1]))] }
      return p.map { Foundation.log($0) }
    }
  }

  /// Gradients and hessians of the loss at the current scores, for every training row; rows are
  /// independent, so they are computed in parallel chunks, each writing only its own rows.
  private func computeGradients(
    _ data: TrainingData, rows: [Int], scores: [Double], outputs: Int, weights: [Double], gradients: inout [Double],
    hessians: inout [Double]
  ) {
    let chunk = 8192
    let chunks = (rows.count + chunk - 1) / chunk
    let target = data.y
    gradients.withUnsafeMutableBufferPointer { gBuffer in
      hessians.withUnsafeMutableBufferPointer { hBuffer in
        let gOut = Shared(gBuffer)
        let hOut = Shared(hBuffer)
        parallelFor(count: chunks, threads: rows.count > 50_000 ? data.threads : 1) { c in
          var p = [Double](repeating: 0, count: outputs)
          for position in (c * chunk)..<min(rows.count, (c + 1) * chunk) {
            let row = rows[position]
            let w = weights[row]
            switch target.task {
            case .regression:
              gOut.value[position] = w * (scores[row] - target.values[row])
              hOut.value[position] = w
            case .classification where outputs == 1:
              let probability = 1 / (1 + Foundation.exp(-scores[row]))
              let y = target.codes[row] == 1 ? 1.0 : 0.0
              gOut.value[position] = w * (probability - y)
              hOut.value[position] = w * max(probability * (1 - probability), 1e-16)
            case .classification:
              var top = -Double.infinity
              for k in 0..<outputs { top = max(top, scores[row * outputs + k]) }
              var sum = 0.0
              for k in 0..<outputs {
                p[k] = Foundation.exp(scores[row * outputs + k] - top)
                sum += p[k]
              }
              for k in 0..<outputs {
                let probability = p[k] / sum
                let y = target.codes[row] == k ? 1.0 : 0.0
                gOut.value[position * outputs + k] = w * (probability - y)
                hOut.value[position * outputs + k] = w * max(probability * (1 - probability), 1e-16)
              }
            }
          }
        }
      }
    }
  }

  private func validationLoss(_ data: TrainingData, rows: [Int], scores: [Double], outputs: Int) -> Double {
    var loss = 0.0
    for row in rows {
      switch data.y.task {
      case .regression:
        let e = scores[row] - data.y.values[row]
        loss += e * e
      case .classification where outputs == 1:
        let p = min(max(1 / (1 + Foundation.exp(-scores[row])), 1e-15), 1 - 1e-15)
        loss -= data.y.codes[row] == 1 ? Foundation.log(p) : Foundation.log(1 - p)
      case .classification:
        var top = -Double.infinity
        for k in 0..<outputs { top = max(top, scores[row * outputs + k]) }
        var sum = 0.0
        for k in 0..<outputs { sum += Foundation.exp(scores[row * outputs + k] - top) }
        loss -= scores[row * outputs + data.y.codes[row]] - top - Foundation.log(sum)
      }
    }
    return loss / Double(rows.count)
  }
}

package struct FittedBoosting: FittedLearner {
  package var bins: [FeatureBins]
  package var base: [Double]
  /// Round-major: the trees of round r are at r·outputs ..< (r+1)·outputs.
  package var trees: [BinnedTree]
  package var outputs: Int
  package var task: Task
  package var classCount: Int

  package func predict(_ x: FeatureMatrix) -> Prediction {
    let n = x.rowCount
    var scores = [Double](repeating: 0, count: n * outputs)
    for i in 0..<n { for k in 0..<outputs { scores[i * outputs + k] = base[k] } }
    // Tree t adds to output t mod outputs (round-major: one tree per class per round).
    FlatTrees(trees, stride: 1).accumulate(
      columns: FlatTrees.columns(x), rowCount: n, blockRows: 256, into: &scores, width: outputs,
      outputOfTree: trees.indices.map { $0 % outputs })
    switch task {
    case .regression: return .values(scores)
    case .classification where outputs == 1:
      var result = [Double](repeating: 0, count: n * 2)
      for i in 0..<n {
        let p = 1 / (1 + Foundation.exp(-scores[i]))
        result[i * 2] = 1 - p
        result[i * 2 + 1] = p
      }
      return .probabilities(result, classes: 2)
    case .classification:
      var result = [Double](repeating: 0, count: n * outputs)
      for i in 0..<n {
        var top = -Double.infinity
        for k in 0..<outputs { top = max(top, scores[i * outputs + k]) }
        var sum = 0.0
        for k in 0..<outputs {
          result[i * outputs + k] = Foundation.exp(scores[i * outputs + k] - top)
          sum += result[i * outputs + k]
        }
        for k in 0..<outputs { result[i * outputs + k] /= sum }
      }
      return .probabilities(result, classes: outputs)
    }
  }
}
