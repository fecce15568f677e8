import Foundation

/// Per-feature sums of gradients, hessians and row counts by bin code, for one leaf: the summary a
/// split search reads instead of the rows (LightGBM's histogram). Each feature has 256 slots of three
/// doubles (g, h, count), one per code, the missing code (255) last, so filling it needs no branch.
/// Workers fill and read disjoint features, hence the unchecked sendability.
final class HistogramBuffer: @unchecked Sendable {
  static let slotsPerFeature = 256
  static let doublesPerFeature = slotsPerFeature * 3

  let pointer: UnsafeMutablePointer<Double>
  let features: Int

  init(features: Int) {
    self.features = features
    pointer = .allocate(capacity: features * Self.doublesPerFeature)
    pointer.initialize(repeating: 0, count: features * Self.doublesPerFeature)
  }
  deinit { pointer.deallocate() }

  /// The first of `feature`'s slots.
  @inline(__always) func slots(_ feature: Int) -> UnsafeMutablePointer<Double> {
    pointer + feature * Self.doublesPerFeature
  }

  /// Sums over every row in position order (the root: no gather, no indirection).
  func fill(
    feature: Int, codes: UnsafeBufferPointer<UInt8>, gradients: UnsafeBufferPointer<Double>,
    hessians: UnsafeBufferPointer<Double>
  ) {
    let out = slots(feature)
    out.update(repeating: 0, count: Self.doublesPerFeature)
    for i in 0..<codes.count {
      let slot = Int(codes[i]) &* 3
      out[slot] += gradients[i]
      out[slot &+ 1] += hessians[i]
      out[slot &+ 2] += 1
    }
  }

  /// Sums over a leaf's rows: `positions` in leaf order, `ordered` their g and h interleaved in the
  /// same order (LightGBM's ordered gradients, so only the codes are read indirectly).
  func fill(
    feature: Int, codes: UnsafeBufferPointer<UInt8>, positions: UnsafeBufferPointer<Int32>,
    ordered: UnsafeBufferPointer<Double>
  ) {
    let out = slots(feature)
    out.update(repeating: 0, count: Self.doublesPerFeature)
    for i in 0..<positions.count {
      let slot = Int(codes[Int(positions[i])]) &* 3
      out[slot] += ordered[2 &* i]
      out[slot &+ 1] += ordered[2 &* i &+ 1]
      out[slot &+ 2] += 1
    }
  }

  /// self −= other, for one feature's slots (a parent's sums become its larger child's).
  func subtract(_ other: HistogramBuffer, feature: Int) {
    let out = slots(feature)
    let minus = other.slots(feature)
    for i in 0..<Self.doublesPerFeature { out[i] -= minus[i] }
  }
}

/// Histogram buffers kept between leaves and trees, since a tree of 31 leaves would otherwise map and
/// unmap 31 buffers of 170 kB (28 features) each time. Buffers come back with stale sums: `fill`
/// clears a feature before summing into it.
final class HistogramPool: @unchecked Sendable {
  private let features: Int
  private var free: [HistogramBuffer] = []
  private let lock = NSLock()

  init(features: Int) { self.features = features }

  func take() -> HistogramBuffer { lock.withLock { free.popLast() } ?? HistogramBuffer(features: features) }

  func give(_ buffer: HistogramBuffer) { lock.withLock { free.append(buffer) } }
}
