import Foundation

/// Per-feature sums of gradients and hessians, and row counts, by bin code, for one leaf: the summary a
/// split search reads instead of the rows (LightGBM's histogram). Each feature has 256 slots, one per
/// code, the missing code (255) last, so filling it needs no branch: a (g, h) pair of doubles side by
/// side, added to as one two-lane vector, and a 32-bit count apart from them. Workers fill and read
/// disjoint features, hence the unchecked sendability.
final class HistogramBuffer: @unchecked Sendable {
  static let slotsPerFeature = 256

  /// Feature f's (g, h) pairs are `allSums[512·f ..< 512·(f + 1)]`, code c's at `2c` and `2c + 1`.
  private let allSums: UnsafeMutablePointer<Double>
  /// Feature f's counts are `allCounts[256·f ..< 256·(f + 1)]`.
  private let allCounts: UnsafeMutablePointer<UInt32>

  init(features: Int) {
    allSums = .allocate(capacity: features * 2 * Self.slotsPerFeature)
    allSums.initialize(repeating: 0, count: features * 2 * Self.slotsPerFeature)
    allCounts = .allocate(capacity: features * Self.slotsPerFeature)
    allCounts.initialize(repeating: 0, count: features * Self.slotsPerFeature)
  }
  deinit {
    allSums.deallocate()
    allCounts.deallocate()
  }

  /// `feature`'s (g, h) pairs.
  @inline(__always) func sums(_ feature: Int) -> UnsafeMutablePointer<Double> {
    allSums + feature * 2 * Self.slotsPerFeature
  }

  /// `feature`'s counts.
  @inline(__always) func counts(_ feature: Int) -> UnsafeMutablePointer<UInt32> {
    allCounts + feature * Self.slotsPerFeature
  }

  /// How many of `codes` have each code: the counts of a histogram over all of them.
  static func codeCounts(_ codes: UnsafeBufferPointer<UInt8>) -> [UInt32] {
    var counts = [UInt32](repeating: 0, count: slotsPerFeature)
    counts.withUnsafeMutableBufferPointer { out in
      for code in codes { out[Int(code)] &+= 1 }
    }
    return counts
  }

  /// Sums over every row in position order (the root: no gather, no indirection). The counts are the
  /// same for every tree, so they come from `codeCounts` once instead of being counted again.
  func fill(
    feature: Int, codes: UnsafeBufferPointer<UInt8>, gradients: UnsafeBufferPointer<Double>,
    hessians: UnsafeBufferPointer<Double>, codeCounts: UnsafeBufferPointer<UInt32>
  ) {
    let out = sums(feature)
    out.update(repeating: 0, count: 2 * Self.slotsPerFeature)
    counts(feature).update(from: codeCounts.baseAddress!, count: Self.slotsPerFeature)
    let pairs = UnsafeMutableRawPointer(out)
    for i in 0..<codes.count {
      let pair = pairs + Int(codes[i]) &* 16
      let sum = pair.loadUnaligned(as: SIMD2<Double>.self) + SIMD2(gradients[i], hessians[i])
      pair.storeBytes(of: sum, as: SIMD2<Double>.self)
    }
  }

  /// Sums and counts over a leaf's rows: `positions` in leaf order, `ordered` their g and h interleaved
  /// in the same order (LightGBM's ordered gradients, so only the codes are read indirectly).
  func fill(
    feature: Int, codes: UnsafeBufferPointer<UInt8>, positions: UnsafeBufferPointer<Int32>,
    ordered: UnsafeBufferPointer<Double>
  ) {
    let out = sums(feature)
    let count = counts(feature)
    out.update(repeating: 0, count: 2 * Self.slotsPerFeature)
    count.update(repeating: 0, count: Self.slotsPerFeature)
    let pairs = UnsafeMutableRawPointer(out)
    let rows = UnsafeRawPointer(ordered.baseAddress!)
    for i in 0..<positions.count {
      let code = Int(codes[Int(positions[i])])
      let pair = pairs + code &* 16
      let sum =
        pair.loadUnaligned(as: SIMD2<Double>.self) + rows.loadUnaligned(fromByteOffset: i &* 16, as: SIMD2<Double>.self)
      pair.storeBytes(of: sum, as: SIMD2<Double>.self)
      count[code] &+= 1
    }
  }

  /// self −= other, for one feature's slots (a parent's sums become its larger child's).
  func subtract(_ other: HistogramBuffer, feature: Int) {
    let out = sums(feature)
    let minus = other.sums(feature)
    for i in 0..<(2 * Self.slotsPerFeature) { out[i] -= minus[i] }
    let count = counts(feature)
    let minusCount = other.counts(feature)
    for i in 0..<Self.slotsPerFeature { count[i] &-= minusCount[i] }
  }
}

/// Histogram buffers kept between leaves and trees, since a tree of 31 leaves would otherwise map and
/// unmap 31 buffers of 140 kB (28 features) each time. Buffers come back with stale sums: `fill`
/// clears a feature before summing into it.
final class HistogramPool: @unchecked Sendable {
  private let features: Int
  private var free: [HistogramBuffer] = []
  private let lock = NSLock()

  init(features: Int) { self.features = features }

  func take() -> HistogramBuffer { lock.withLock { free.popLast() } ?? HistogramBuffer(features: features) }

  func give(_ buffer: HistogramBuffer) { lock.withLock { free.append(buffer) } }
}
