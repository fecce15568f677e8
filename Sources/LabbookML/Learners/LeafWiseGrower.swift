import Foundation
import LabbookCore

/// Grows one regression tree on gradients and hessians, leaf-wise: always split the leaf whose best
/// split gains most (`SplitSearch`), until `leaves` leaves; a leaf's value is −rate·G/(H+λ).
/// After a split only the smaller child's histogram is summed from its rows; the larger child's is the
/// parent's minus it. Summing, subtracting and searching are done feature by feature in one parallel
/// pass, so each feature's sums are searched while still in cache, and the results are the same on
/// any number of threads (features are independent; candidates are reduced in feature order). A tree may
/// be limited to a subset of the features (LightGBM's `feature_fraction`): only theirs are summed and searched.
///
/// A leaf keeps its histogram while it may still be split, for the subtraction. On a wide table with many
/// leaves that is a lot of memory (8 kB a feature per leaf: 1,000 features and 4,096 leaves would hold
/// 32 GB), so the buffers a tree holds at once are bounded (`histogramLimit`, LightGBM's
/// `histogram_pool_size`): a leaf that cannot split gives its buffer back at once, and when the bound is
/// reached the splittable leaf of least gain gives up its own; if it is split later, both its children are
/// summed from their rows. Which leaf gives up its buffer depends only on the gains, so the trees are the
/// same on any number of threads; they are the same as without the bound (to the last bit) whenever the
/// bound is not reached, which on 28 features takes more than 4,000 leaves.
struct LeafWiseGrower {
  /// Bin codes of the training rows, per feature, by position.
  let codes: [[UInt8]]
  let leaves: Int
  let maximumDepth: Int?
  let search: SplitSearch
  let rate: Double
  let threads: Int
  private let pool: HistogramPool
  /// The most histogram buffers a tree holds at once (three at least: a parent's and its two children's).
  let histogramLimit: Int
  /// Histogram memory a tree may hold before leaves give up their buffers (see above).
  static let histogramMemory = 1 << 30
  /// Every feature's counts by code over all the training rows: the root's counts, the same every tree.
  private let rootCounts: [[UInt32]]

  init(
    binned: BinnedMatrix, rows: [Int], leaves: Int, maximumDepth: Int?, minimumLeaf: Int, l2: Double, rate: Double,
    threads: Int, histogramLimit: Int? = nil
  ) {
    // Every row (no validation split): share the binned columns rather than copy them.
    let rowCodes = rows.count == binned.rowCount ? binned.codes : binned.codes.map { column in rows.map { column[$0] } }
    codes = rowCodes
    self.leaves = max(2, leaves)
    self.maximumDepth = maximumDepth
    search = SplitSearch(bins: binned.bins, minimumLeaf: max(1, minimumLeaf), l2: l2)
    self.rate = rate
    self.threads = threads
    pool = HistogramPool(features: binned.bins.count)
    self.histogramLimit = max(
      3, histogramLimit ?? Self.histogramMemory / HistogramBuffer.bytes(features: binned.bins.count))
    rootCounts = rowCodes.map { column in column.withUnsafeBufferPointer { HistogramBuffer.codeCounts($0) } }
  }

  typealias Candidate = SplitSearch.Candidate

  struct Leaf {
    var start: Int
    var end: Int
    var g: Double
    var h: Double
    var depth: Int
    /// Its sums while it may still be split; nil once it cannot, or once it gave its buffer up (the bound).
    var histogram: HistogramBuffer?
    var best: Candidate?
    /// The node whose child this leaf is, and on which side.
    var parent: (node: Int, left: Bool)?
    var count: Int { end - start }
    var totals: SplitSearch.LeafTotals { .init(g: g, h: h, count: count) }
  }

  /// A grown tree, and which training positions reached each of its leaves: leaf i's positions are
  /// `positions[leafStarts[i]..<leafStarts[i + 1]]`.
  struct Grown {
    var tree: BinnedTree
    var positions: [Int32]
    var leafStarts: [Int]
  }

  /// `features`: the features this tree may split on, ascending; nil for all of them.
  func grow(gradients: [Double], hessians: [Double], features: [Int]? = nil) -> Grown {
    let m = gradients.count
    let usable = features ?? Array(0..<codes.count)
    // Training positions (Int32: the grower needs m < 2³¹), grouped by leaf as the tree grows.
    // (Filled in place: `map` appended one element at a time, 18% of this function's own time.)
    var positions = [Int32](unsafeUninitializedCapacity: m) { buffer, initialized in
      for p in 0..<m { buffer[p] = Int32(truncatingIfNeeded: p) }
      initialized = m
    }
    var scratch = [Int32](repeating: 0, count: m)
    // The smaller child's gradients and hessians in leaf order, rewritten at every split.
    var ordered = [Double].unfilled(count: 2 * m)
    var tree = BinnedTree()
    var rootG = 0.0
    var rootH = 0.0
    for p in 0..<m {
      rootG += gradients[p]
      rootH += hessians[p]
    }
    var root = Leaf(start: 0, end: m, g: rootG, h: rootH, depth: 0, histogram: pool.take(), best: nil, parent: nil)
    root.best = summarizeRoot(root, gradients, hessians, features: usable)
    var active = [root]
    releaseIfUnsplittable(&active[0])
    while active.count < leaves {
      var chosen: Int?
      for (index, leaf) in active.enumerated() {
        guard let best = leaf.best else { continue }
        if chosen == nil || best.gain > active[chosen!].best!.gain { chosen = index }
      }
      guard let index = chosen else { break }
      let parent = active[index]
      active[index].histogram = nil  // it goes to the larger child
      let split = parent.best!
      let node = search.node(for: split)
      let middle = partition(&positions, &scratch, parent.start, parent.end, by: node)
      let nodeIndex = tree.nodes.count
      tree.nodes.append(node)
      if let link = parent.parent {
        if link.left { tree.nodes[link.node].left = nodeIndex } else { tree.nodes[link.node].right = nodeIndex }
      }
      // The parent's buffer goes to the larger child (its sums become the child's by subtraction); the
      // smaller one gets a buffer of its own. A parent that gave its buffer up has both children summed.
      let leftIsSmaller = middle - parent.start <= parent.end - middle
      let inherited = parent.histogram
      let smallBuffer = takeBuffer(&active)
      let largeBuffer = inherited ?? takeBuffer(&active)
      var left = Leaf(
        start: parent.start, end: middle, g: split.leftG, h: split.leftH, depth: parent.depth + 1,
        histogram: leftIsSmaller ? smallBuffer : largeBuffer, best: nil, parent: (nodeIndex, true))
      var right = Leaf(
        start: middle, end: parent.end, g: parent.g - split.leftG, h: parent.h - split.leftH, depth: parent.depth + 1,
        histogram: leftIsSmaller ? largeBuffer : smallBuffer, best: nil, parent: (nodeIndex, false))
      (left.best, right.best) = summarizeChildren(
        left, right, leftIsSmaller: leftIsSmaller, largeFromParent: inherited != nil, positions: positions,
        gradients, hessians, features: usable, ordered: &ordered)
      releaseIfUnsplittable(&left)
      releaseIfUnsplittable(&right)
      active.replaceSubrange(index...index, with: [left, right])
    }
    var leafStarts: [Int] = []
    for (leafIndex, leaf) in active.enumerated() {
      tree.leafValues.append(-rate * leaf.g / (leaf.h + l2))
      leafStarts.append(leaf.start)
      if let link = leaf.parent {
        if link.left { tree.nodes[link.node].left = ~leafIndex } else { tree.nodes[link.node].right = ~leafIndex }
      }
      if let histogram = leaf.histogram { pool.give(histogram) }
    }
    leafStarts.append(m)
    return Grown(tree: tree, positions: positions, leafStarts: leafStarts)
  }

  private var l2: Double { search.l2 }

  /// The most histogram buffers this grower's trees have held at once.
  var mostHistogramsHeld: Int { pool.mostHeld }

  /// A leaf that cannot be split never needs its sums again: its buffer goes back to the pool.
  private func releaseIfUnsplittable(_ leaf: inout Leaf) {
    guard leaf.best == nil, let histogram = leaf.histogram else { return }
    pool.give(histogram)
    leaf.histogram = nil
  }

  /// A buffer for a new leaf's sums. At the bound, the active leaf of least gain that still holds a
  /// buffer (the first such, in leaf order) gives it up.
  private func takeBuffer(_ active: inout [Leaf]) -> HistogramBuffer {
    if pool.held >= histogramLimit {
      var victim: Int?
      for (index, leaf) in active.enumerated() where leaf.histogram != nil {
        if victim == nil || leaf.best!.gain < active[victim!].best!.gain { victim = index }
      }
      if let victim {
        pool.give(active[victim].histogram!)
        active[victim].histogram = nil
      }
    }
    return pool.take()
  }

  private func canSplit(_ leaf: Leaf) -> Bool {
    if let maximumDepth, leaf.depth >= maximumDepth { return false }
    return search.canSplit(count: leaf.count)
  }

  /// The root's histogram (every row in position order: no gather, no indirection) and its best split.
  private func summarizeRoot(_ root: Leaf, _ g: [Double], _ h: [Double], features: [Int]) -> Candidate? {
    let histogram = root.histogram!
    let splittable = canSplit(root)
    let found = Slots<Candidate?>(count: features.count)
    g.withUnsafeBufferPointer { gBuffer in
      h.withUnsafeBufferPointer { hBuffer in
        let gradients = Shared(gBuffer)
        let hessians = Shared(hBuffer)
        parallelFor(count: features.count, threads: threads) { slot in
          let feature = features[slot]
          codes[feature].withUnsafeBufferPointer { codeBuffer in
            rootCounts[feature].withUnsafeBufferPointer { counts in
              histogram.fill(
                feature: feature, codes: codeBuffer, gradients: gradients.value, hessians: hessians.value,
                codeCounts: counts)
            }
          }
          found.store(splittable ? search.best(histogram, feature: feature, leaf: root.totals) : nil, at: slot)
        }
      }
    }
    return Self.first(found.values)
  }

  /// After a split: the smaller child's histogram from its rows, the larger child's as the parent's
  /// (already in its buffer) minus the smaller's, or, when the parent had given its buffer up
  /// (`largeFromParent` false), from its rows too; and both children's best splits.
  private func summarizeChildren(
    _ left: Leaf, _ right: Leaf, leftIsSmaller: Bool, largeFromParent: Bool, positions: [Int32], _ g: [Double],
    _ h: [Double], features: [Int], ordered: inout [Double]
  ) -> (Candidate?, Candidate?) {
    let small = leftIsSmaller ? left : right
    let large = leftIsSmaller ? right : left
    let (smallSums, largeSums) = (small.histogram!, large.histogram!)
    let (leftSums, rightSums) = leftIsSmaller ? (smallSums, largeSums) : (largeSums, smallSums)
    let leftSplittable = canSplit(left)
    let rightSplittable = canSplit(right)
    // The rows summed: the smaller child's, then the larger's when it is summed too.
    let count = largeFromParent ? small.count : small.count + large.count
    let leftFound = Slots<Candidate?>(count: features.count)
    let rightFound = Slots<Candidate?>(count: features.count)
    positions.withUnsafeBufferPointer { allPositions in
      let smallPositions = Shared(UnsafeBufferPointer(rebasing: allPositions[small.start..<small.end]))
      let largePositions = Shared(UnsafeBufferPointer(rebasing: allPositions[large.start..<large.end]))
      // Gather the summed children's g and h into leaf order, one after the other (in two halves when
      // large: a plain copy, so the same either way).
      ordered.withUnsafeMutableBufferPointer { orderedOut in
        let out = Shared(orderedOut)
        var offset = 0
        for leafPositions in largeFromParent ? [smallPositions] : [smallPositions, largePositions] {
          let (n, base) = (leafPositions.value.count, offset)
          let halves = n > 20_000 ? 2 : 1
          parallelFor(count: halves, threads: threads) { half in
            for i in (half * n / halves)..<((half + 1) * n / halves) {
              let position = Int(leafPositions.value[i])
              out.value[2 * (base + i)] = g[position]
              out.value[2 * (base + i) + 1] = h[position]
            }
          }
          offset += n
        }
      }
      ordered.withUnsafeBufferPointer { orderedBuffer in
        let smallOrdered = Shared(UnsafeBufferPointer(rebasing: orderedBuffer[0..<(2 * small.count)]))
        let largeOrdered = Shared(UnsafeBufferPointer(rebasing: orderedBuffer[(2 * small.count)..<(2 * count)]))
        parallelFor(count: features.count, threads: threads) { slot in
          let feature = features[slot]
          codes[feature].withUnsafeBufferPointer { codeBuffer in
            smallSums.fill(
              feature: feature, codes: codeBuffer, positions: smallPositions.value, ordered: smallOrdered.value)
            if !largeFromParent {
              largeSums.fill(
                feature: feature, codes: codeBuffer, positions: largePositions.value, ordered: largeOrdered.value)
            }
          }
          if largeFromParent { largeSums.subtract(smallSums, feature: feature) }
          leftFound.store(
            leftSplittable ? search.best(leftSums, feature: feature, leaf: left.totals) : nil, at: slot)
          rightFound.store(
            rightSplittable ? search.best(rightSums, feature: feature, leaf: right.totals) : nil, at: slot)
        }
      }
    }
    return (Self.first(leftFound.values), Self.first(rightFound.values))
  }

  /// The best of per-feature candidates, reduced in feature order so ties go to the first feature
  /// whatever the scheduling.
  private static func first(_ candidates: [Candidate?]) -> Candidate? {
    var best: Candidate?
    for candidate in candidates {
      if let candidate, candidate.gain > (best?.gain ?? SplitSearch.minimumGain) { best = candidate }
    }
    return best
  }

  /// Stable partition of positions[start..<end] by `node`: rows going left first. Large ranges are cut
  /// in two halves partitioned in parallel and joined in order, so the result is the same either way.
  /// Returns where the right side begins.
  private func partition(
    _ positions: inout [Int32], _ scratch: inout [Int32], _ start: Int, _ end: Int, by node: BinnedTree.Node
  )
    -> Int
  {
    // Which codes go left, as 0/1, so the loop below has no branch to mispredict.
    var goesLeft = [UInt8](repeating: 0, count: 256)
    for code in 0..<256 where node.goesLeft(UInt8(code)) { goesLeft[code] = 1 }
    let halves = end - start > 8_000 ? 2 : 1
    let bounds = halves == 2 ? [start, start + (end - start) / 2, end] : [start, end]
    var middle = start
    codes[node.feature].withUnsafeBufferPointer { featureCodes in
      goesLeft.withUnsafeBufferPointer { table in
        positions.withUnsafeMutableBufferPointer { all in
          scratch.withUnsafeMutableBufferPointer { spare in
            let (sharedAll, sharedSpare) = (Shared(all), Shared(spare))
            let (rowCodes, goesLeftTable) = (Shared(featureCodes), Shared(table))
            let leftCounts = Slots<Int>(count: halves)
            // Each half moves its left rows to the front of its own range (never past where it reads) and
            // its right rows to the same range of the scratch buffer; every row is written to both, and
            // only the side it belongs to advances.
            parallelFor(count: halves, threads: threads) { half in
              var left = bounds[half]
              var right = bounds[half]
              for p in bounds[half]..<bounds[half + 1] {
                let position = sharedAll.value[p]
                let isLeft = Int(goesLeftTable.value[Int(rowCodes.value[Int(position)])])
                sharedAll.value[left] = position
                sharedSpare.value[right] = position
                left &+= isLeft
                right &+= 1 &- isLeft
              }
              leftCounts.store(left - bounds[half], at: half)
            }
            let counts = leftCounts.values
            // Join in order: left rows of each half (moving towards the front, onto rows already moved; `update`
            // copies overlapping ranges correctly), then right rows from the scratch buffer. The first half's
            // left rows are in place. (Element by element, these copies were half of the tree growth's serial
            // time; `update` copies a range at once.)
            let (base, spareBase) = (all.baseAddress!, spare.baseAddress!)
            var write = start + counts[0]
            for half in 1..<halves {
              (base + write).update(from: base + bounds[half], count: counts[half])
              write += counts[half]
            }
            middle = write
            for half in 0..<halves {
              let rightCount = bounds[half + 1] - bounds[half] - counts[half]
              (base + write).update(from: spareBase + bounds[half], count: rightCount)
              write += rightCount
            }
          }
        }
      }
    }
    return middle
  }
}
