import Foundation
import LabbookCore

/// Grows one regression tree on gradients and hessians, leaf-wise: always split the leaf whose best
/// split gains most, until `leaves` leaves. Gain is LightGBM's:
/// G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ); a leaf's value is −rate·G/(H+λ).
struct LeafWiseGrower {
  let bins: [FeatureBins]
  /// Bin codes of the training rows, per feature, by position.
  let codes: [[UInt8]]
  let leaves: Int
  let maximumDepth: Int?
  let minimumLeaf: Int
  let l2: Double
  let rate: Double
  let threads: Int
  /// Each feature's histogram has 256 slots of three doubles (g, h, count): one per bin code, with
  /// the missing code (255) last, so building it needs no branch.
  static let slotsPerFeature = 256

  init(
    binned: BinnedMatrix, rows: [Int], leaves: Int, maximumDepth: Int?, minimumLeaf: Int, l2: Double, rate: Double,
    threads: Int
  ) {
    bins = binned.bins
    codes = binned.codes.map { column in rows.map { column[$0] } }
    self.leaves = max(2, leaves)
    self.maximumDepth = maximumDepth
    self.minimumLeaf = max(1, minimumLeaf)
    self.l2 = l2
    self.rate = rate
    self.threads = threads
  }

  struct Candidate {
    var feature: Int
    var threshold: Int
    var missingLeft: Bool
    var leftCategories: [UInt64]?
    var gain: Double
    var leftG: Double
    var leftH: Double
  }

  struct Leaf {
    var start: Int
    var end: Int
    var g: Double
    var h: Double
    var depth: Int
    var histogram: HistogramBuffer
    var best: Candidate?
    /// The node whose child this leaf is, and on which side.
    var parent: (node: Int, left: Bool)?
    var count: Int { end - start }
  }

  func grow(gradients: [Double], hessians: [Double]) -> (BinnedTree, leafOfPosition: [Int]) {
    let m = gradients.count
    var positions = Array(0..<m)
    var scratch = [Int](repeating: 0, count: m)
    var tree = BinnedTree()
    var rootG = 0.0
    var rootH = 0.0
    for p in 0..<m {
      rootG += gradients[p]
      rootH += hessians[p]
    }
    var root = Leaf(
      start: 0, end: m, g: rootG, h: rootH, depth: 0, histogram: rootHistogram(gradients, hessians),
      best: nil,
      parent: nil)
    root.best = bestSplit(root)
    var active = [root]
    while active.count < leaves {
      var chosen: Int?
      for (index, leaf) in active.enumerated() {
        guard let best = leaf.best else { continue }
        if chosen == nil || best.gain > active[chosen!].best!.gain { chosen = index }
      }
      guard let index = chosen else { break }
      let parent = active[index]
      let split = parent.best!
      // Stable partition of the leaf's positions: left ones in place, right ones through the scratch buffer.
      let featureBins = bins[split.feature]
      let node = BinnedTree.Node(
        feature: split.feature, threshold: split.threshold,
        rawThreshold: split.threshold >= 0 && split.threshold < featureBins.count
          ? featureBins.upperBounds[split.threshold] : .nan,
        missingLeft: split.missingLeft, leftCategories: split.leftCategories, left: 0, right: 0)
      let middle = partition(&positions, &scratch, parent.start, parent.end, by: node)
      let nodeIndex = tree.nodes.count
      tree.nodes.append(node)
      if let link = parent.parent {
        if link.left { tree.nodes[link.node].left = nodeIndex } else { tree.nodes[link.node].right = nodeIndex }
      }
      var leftLeaf = Leaf(
        start: parent.start, end: middle, g: split.leftG, h: split.leftH, depth: parent.depth + 1,
        histogram: parent.histogram,
        best: nil,
        parent: (nodeIndex, true))
      var rightLeaf = Leaf(
        start: middle, end: parent.end, g: parent.g - split.leftG, h: parent.h - split.leftH, depth: parent.depth + 1,
        histogram: parent.histogram, best: nil, parent: (nodeIndex, false))
      // Build the smaller child's histogram; the larger one is the parent's minus it.
      if leftLeaf.count <= rightLeaf.count {
        leftLeaf.histogram = histogram(positions, leftLeaf.start, leftLeaf.end, gradients, hessians)
        parent.histogram.subtract(leftLeaf.histogram)  // the parent's buffer becomes the right child's
      } else {
        rightLeaf.histogram = histogram(positions, rightLeaf.start, rightLeaf.end, gradients, hessians)
        parent.histogram.subtract(rightLeaf.histogram)  // the parent's buffer becomes the left child's
      }
      leftLeaf.best = bestSplit(leftLeaf)
      rightLeaf.best = bestSplit(rightLeaf)
      active.replaceSubrange(index...index, with: [leftLeaf, rightLeaf])
    }
    var leafOfPosition = [Int](repeating: 0, count: m)
    for (leafIndex, leaf) in active.enumerated() {
      tree.leafValues.append(-rate * leaf.g / (leaf.h + l2))
      for p in leaf.start..<leaf.end { leafOfPosition[positions[p]] = leafIndex }
      if let link = leaf.parent {
        if link.left { tree.nodes[link.node].left = ~leafIndex } else { tree.nodes[link.node].right = ~leafIndex }
      }
    }
    return (tree, leafOfPosition)
  }

  /// Stable partition of positions[start..<end] by `node`: rows going left first. Large ranges are cut
  /// in two halves partitioned in parallel and joined in order, so the result is the same either way.
  /// Returns where the right side begins.
  private func partition(
    _ positions: inout [Int], _ scratch: inout [Int], _ start: Int, _ end: Int, by node: BinnedTree.Node
  )
    -> Int
  {
    let halves = end - start > 40_000 ? 2 : 1
    let bounds = halves == 2 ? [start, start + (end - start) / 2, end] : [start, end]
    var middle = start
    codes[node.feature].withUnsafeBufferPointer { featureCodes in
      positions.withUnsafeMutableBufferPointer { all in
        scratch.withUnsafeMutableBufferPointer { spare in
          let shared = PartitionBuffers(all: all, spare: spare, codes: featureCodes)
          let leftCounts = Slots<Int>(count: halves)
          // Each half moves its left rows to the front of its own range and its right rows to the same
          // range of the scratch buffer.
          parallelFor(count: halves, threads: threads) { half in
            var left = bounds[half]
            var right = bounds[half]
            for p in bounds[half]..<bounds[half + 1] {
              let position = shared.all[p]
              if node.goesLeft(shared.codes[position]) {
                shared.all[left] = position
                left += 1
              } else {
                shared.spare[right] = position
                right += 1
              }
            }
            leftCounts.store(left - bounds[half], at: half)
          }
          let counts = leftCounts.values
          // Join in order: left rows of each half (moving forward, never past their source), then right rows.
          var write = start
          for half in 0..<halves {
            for i in 0..<counts[half] { all[write + i] = all[bounds[half] + i] }
            write += counts[half]
          }
          middle = write
          for half in 0..<halves {
            let rightCount = bounds[half + 1] - bounds[half] - counts[half]
            for i in 0..<rightCount { all[write + i] = spare[bounds[half] + i] }
            write += rightCount
          }
        }
      }
    }
    return middle
  }

  /// Per-feature (g, h, count) sums over positions[start..<end]; features in parallel when worth it.
  /// The leaf's gradients are gathered into leaf order first (LightGBM's ordered gradients), so the
  /// inner loop reads them sequentially for every feature.
  private func histogram(_ positions: [Int], _ start: Int, _ end: Int, _ g: [Double], _ h: [Double]) -> HistogramBuffer
  {
    let count = end - start
    let slots = Self.slotsPerFeature
    let result = HistogramBuffer(count: bins.count * slots * 3)
    var ordered = [Double](repeating: 0, count: count * 2)
    var leafPositions = [Int32](repeating: 0, count: count)
    // Gather in two halves when large (a plain copy, so the result is the same either way).
    ordered.withUnsafeMutableBufferPointer { orderedOut in
      leafPositions.withUnsafeMutableBufferPointer { positionsOut in
        let out = GatherOutput(gradients: orderedOut, positions: positionsOut)
        let halves = count > 20_000 ? 2 : 1
        parallelFor(count: halves, threads: threads) { half in
          let from = half * count / halves
          let to = (half + 1) * count / halves
          for i in from..<to {
            let position = positions[start + i]
            out.positions[i] = Int32(position)
            out.gradients[2 * i] = g[position]
            out.gradients[2 * i + 1] = h[position]
          }
        }
      }
    }
    let workers = count * bins.count > 100_000 ? threads : 1
    ordered.withUnsafeBufferPointer { orderedBuffer in
      leafPositions.withUnsafeBufferPointer { positionBuffer in
        let shared = SharedLeaf(positions: positionBuffer, gradients: orderedBuffer)
        parallelFor(count: bins.count, threads: workers) { feature in
          codes[feature].withUnsafeBufferPointer { codeBuffer in
            let out = result.pointer + feature * slots * 3
            let gh = shared.gradients
            for i in 0..<count {
              let slot = Int(codeBuffer[Int(shared.positions[i])]) &* 3
              out[slot] += gh[2 &* i]
              out[slot &+ 1] += gh[2 &* i &+ 1]
              out[slot &+ 2] += 1
            }
          }
        }
      }
    }
    return result
  }

  /// The root's histogram: every row, in position order, so neither a gather nor an indirection is needed.
  private func rootHistogram(_ g: [Double], _ h: [Double]) -> HistogramBuffer {
    let count = g.count
    let slots = Self.slotsPerFeature
    let result = HistogramBuffer(count: bins.count * slots * 3)
    g.withUnsafeBufferPointer { gBuffer in
      h.withUnsafeBufferPointer { hBuffer in
        let shared = SharedGradients(g: gBuffer, h: hBuffer)
        parallelFor(count: bins.count, threads: threads) { feature in
          codes[feature].withUnsafeBufferPointer { codeBuffer in
            let out = result.pointer + feature * slots * 3
            for i in 0..<count {
              let slot = Int(codeBuffer[i]) &* 3
              out[slot] += shared.g[i]
              out[slot &+ 1] += shared.h[i]
              out[slot &+ 2] += 1
            }
          }
        }
      }
    }
    return result
  }

  private func bestSplit(_ leaf: Leaf) -> Candidate? {
    if let maximumDepth, leaf.depth >= maximumDepth { return nil }
    if leaf.count < 2 * minimumLeaf { return nil }
    let slots = Slots<Candidate?>(count: bins.count)
    let workers = leaf.count * bins.count > 200_000 ? threads : 1
    parallelFor(count: bins.count, threads: workers) { feature in
      slots.store(bestSplit(leaf, feature: feature), at: feature)
    }
    // Reduce in feature order, so ties go to the first feature whatever the scheduling.
    var best: Candidate?
    for candidate in slots.values {
      if let candidate, candidate.gain > (best?.gain ?? 1e-12) { best = candidate }
    }
    return best
  }

  private func score(_ g: Double, _ h: Double) -> Double { g * g / (h + l2) }

  private func bestSplit(_ leaf: Leaf, feature: Int) -> Candidate? {
    let featureBins = bins[feature]
    let count = featureBins.count
    let base = feature * Self.slotsPerFeature * 3
    let hist = leaf.histogram.pointer
    let missingSlot = base + Int(FeatureBins.missing) * 3
    let missingG = hist[missingSlot]
    let missingH = hist[missingSlot + 1]
    let missingCount = hist[missingSlot + 2]
    let totalCount = Double(leaf.count)
    let parentScore = score(leaf.g, leaf.h)
    let minimum = Double(minimumLeaf)
    var best: Candidate?
    func consider(_ lg: Double, _ lh: Double, _ lc: Double, threshold: Int, missingLeft: Bool, categories: [UInt64]?) {
      let rg = leaf.g - lg
      let rh = leaf.h - lh
      let rc = totalCount - lc
      guard lc >= minimum, rc >= minimum, lh >= GradientBoosting.minimumHessian, rh >= GradientBoosting.minimumHessian
      else { return }
      let gain = score(lg, lh) + score(rg, rh) - parentScore
      if gain > (best?.gain ?? 1e-12) {
        best = Candidate(
          feature: feature, threshold: threshold, missingLeft: missingLeft, leftCategories: categories, gain: gain,
          leftG: lg,
          leftH: lh)
      }
    }
    if featureBins.isCategorical {
      // Levels present here, ordered by gradient ratio; every prefix is a candidate left set.
      var levels = (0..<count).filter { hist[base + $0 * 3 + 2] > 0 }
      if levels.count < 2 { return nil }
      let ratio = { (level: Int) -> Double in
        hist[base + level * 3] / (hist[base + level * 3 + 1] + GradientBoosting.categorySmoothing)
      }
      levels.sort { (ratio($0), $0) < (ratio($1), $1) }
      var lg = 0.0
      var lh = 0.0
      var lc = 0.0
      var set = [UInt64](repeating: 0, count: 4)
      for level in levels.dropLast() {
        lg += hist[base + level * 3]
        lh += hist[base + level * 3 + 1]
        lc += hist[base + level * 3 + 2]
        set[level >> 6] |= 1 << UInt64(level & 63)
        consider(lg, lh, lc, threshold: -1, missingLeft: false, categories: set)
      }
      return best
    }
    var lg = 0.0
    var lh = 0.0
    var lc = 0.0
    for threshold in 0..<max(0, count - 1) {
      let c = hist[base + threshold * 3 + 2]
      lg += hist[base + threshold * 3]
      lh += hist[base + threshold * 3 + 1]
      lc += c
      if c == 0 { continue }
      consider(lg, lh, lc, threshold: threshold, missingLeft: false, categories: nil)
      if missingCount > 0 {
        consider(
          lg + missingG, lh + missingH, lc + missingCount, threshold: threshold, missingLeft: true, categories: nil)
      }
    }
    return best
  }
}

/// Read-only views shared with the histogram workers (the arrays outlive the parallel loop).
struct SharedLeaf: @unchecked Sendable {
  let positions: UnsafeBufferPointer<Int32>
  /// g and h of the leaf's rows, interleaved, in leaf order.
  let gradients: UnsafeBufferPointer<Double>
}

/// A zeroed buffer that parallel workers fill in disjoint ranges (one feature each).
final class HistogramBuffer: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<Double>
  let count: Int
  init(count: Int) {
    self.count = count
    pointer = .allocate(capacity: count)
    pointer.initialize(repeating: 0, count: count)
  }
  deinit { pointer.deallocate() }

  /// self −= other, element by element.
  func subtract(_ other: HistogramBuffer) {
    for i in 0..<count { pointer[i] -= other.pointer[i] }
  }
}

struct SharedGradients: @unchecked Sendable {
  let g: UnsafeBufferPointer<Double>
  let h: UnsafeBufferPointer<Double>
}

struct GatherOutput: @unchecked Sendable {
  let gradients: UnsafeMutableBufferPointer<Double>
  let positions: UnsafeMutableBufferPointer<Int32>
}

struct PartitionBuffers: @unchecked Sendable {
  let all: UnsafeMutableBufferPointer<Int>
  let spare: UnsafeMutableBufferPointer<Int>
  let codes: UnsafeBufferPointer<UInt8>
}
