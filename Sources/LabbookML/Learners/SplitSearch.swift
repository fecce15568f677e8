import Foundation

/// A leaf's best split on one feature, found from its histogram. Gain is LightGBM's:
/// G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ), for splits leaving at least `minimumLeaf` rows and
/// `GradientBoosting.minimumHessian` on each side. Numeric features try every bin boundary with the
/// missing rows right, then left; categorical ones try every prefix of their levels ordered by gradient
/// ratio (Fisher, 1958). Ties go to the first candidate in that order.
struct SplitSearch: Sendable {
  let bins: [FeatureBins]
  let minimumLeaf: Int
  let l2: Double

  /// What the search needs to know of a leaf besides its histogram.
  struct LeafTotals: Sendable {
    var g: Double
    var h: Double
    var count: Int
  }

  struct Candidate: Sendable {
    var feature: Int
    var threshold: Int
    var missingLeft: Bool
    var leftCategories: [UInt64]?
    var gain: Double
    var leftG: Double
    var leftH: Double
  }

  /// A split must gain more than this to be made at all.
  static let minimumGain = 1e-12

  /// The tree node that makes `split` (children still to be linked): a numeric split also carries its
  /// bin's upper bound, so raw values can be sent down without binning.
  func node(for split: Candidate) -> BinnedTree.Node {
    let featureBins = bins[split.feature]
    return BinnedTree.Node(
      feature: split.feature, threshold: split.threshold,
      rawThreshold: split.threshold >= 0 && split.threshold < featureBins.count
        ? featureBins.upperBounds[split.threshold] : .nan,
      missingLeft: split.missingLeft, leftCategories: split.leftCategories, left: 0, right: 0)
  }

  /// Whether a leaf has enough rows for two sides of `minimumLeaf`.
  func canSplit(count: Int) -> Bool { count >= 2 * minimumLeaf }

  @inline(__always) private func score(_ g: Double, _ h: Double) -> Double { g * g / (h + l2) }

  func best(_ histogram: HistogramBuffer, feature: Int, leaf: LeafTotals) -> Candidate? {
    let featureBins = bins[feature]
    let count = featureBins.count
    let sums = histogram.sums(feature)
    let missing = Int(FeatureBins.missing)
    let missingG = sums.g(missing)
    let missingH = sums.h(missing)
    let missingCount = sums.count(missing)
    let totalCount = Double(leaf.count)
    let parentScore = score(leaf.g, leaf.h)
    let minimum = Double(minimumLeaf)
    let minimumHessian = GradientBoosting.minimumHessian
    let leafG = leaf.g
    let leafH = leaf.h
    /// The gain of sending rows summing to (g, h, c) left and the rest right; −∞ when a side would
    /// have fewer than `minimumLeaf` rows or too little hessian.
    @inline(__always) func gain(_ g: Double, _ h: Double, _ c: Double) -> Double {
      guard c >= minimum, totalCount - c >= minimum, h >= minimumHessian, leafH - h >= minimumHessian else {
        return -.infinity
      }
      return score(g, h) + score(leafG - g, leafH - h) - parentScore
    }
    if featureBins.isCategorical {
      // Levels present here, ordered by gradient ratio; every prefix is a candidate left set.
      var levels = (0..<count).filter { sums.count($0) > 0 }
      if levels.count < 2 { return nil }
      let ratio = { (level: Int) -> Double in
        sums.g(level) / (sums.h(level) + GradientBoosting.categorySmoothing)
      }
      levels.sort { (ratio($0), $0) < (ratio($1), $1) }
      var best: Candidate?
      var lg = 0.0
      var lh = 0.0
      var lc = 0.0
      var set = [UInt64](repeating: 0, count: 4)
      for level in levels.dropLast() {
        lg += sums.g(level)
        lh += sums.h(level)
        lc += sums.count(level)
        set[level >> 6] |= 1 << UInt64(level & 63)
        let candidate = gain(lg, lh, lc)
        if candidate > (best?.gain ?? Self.minimumGain) {
          best = Candidate(
            feature: feature, threshold: -1, missingLeft: false, leftCategories: set, gain: candidate, leftG: lg,
            leftH: lh)
        }
      }
      return best
    }
    // Numeric, in one pass that keeps only indices and sums of the best so far.
    var bestGain = Self.minimumGain
    var bestThreshold = -1
    var bestMissingLeft = false
    var bestG = 0.0
    var bestH = 0.0
    var lg = 0.0
    var lh = 0.0
    var lc = 0.0
    for threshold in 0..<max(0, count - 1) {
      let c = sums.count(threshold)
      lg += sums.g(threshold)
      lh += sums.h(threshold)
      lc += c
      if c == 0 { continue }
      let missingRight = gain(lg, lh, lc)
      if missingRight > bestGain {
        (bestGain, bestThreshold, bestMissingLeft, bestG, bestH) = (missingRight, threshold, false, lg, lh)
      }
      if missingCount > 0 {
        let (mg, mh) = (lg + missingG, lh + missingH)
        let missingLeft = gain(mg, mh, lc + missingCount)
        if missingLeft > bestGain {
          (bestGain, bestThreshold, bestMissingLeft, bestG, bestH) = (missingLeft, threshold, true, mg, mh)
        }
      }
    }
    guard bestThreshold >= 0 else { return nil }
    return Candidate(
      feature: feature, threshold: bestThreshold, missingLeft: bestMissingLeft, leftCategories: nil, gain: bestGain,
      leftG: bestG, leftH: bestH)
  }
}
