import Foundation

/// Per-feature sums of gradients and hessians, and row counts, by bin code, for one leaf: the summary a
/// split search reads instead of the rows (LightGBM's histogram). Each feature has 256 slots, one per
/// code, the missing code (255) last, so filling it needs no branch. A slot is four doubles side by side,
/// (g, h, count, unused), and a leaf's row adds (g, h, 1, 0) to its slot as one 4-lane vector: one load
/// and one store a row. (Before, the count was a UInt32 in an array of its own, a second read-modify-write
/// a row in another place; the 4-lane slot made the two-thread fit of `benchmarks/learn.sh` 14% faster,
/// 15 paired runs, and the one-thread fit the same within the noise, with the same trees: counts are whole
/// numbers far below 2⁵³, exact as doubles.) Workers fill and read disjoint features, hence the
/// unchecked sendability.
final class HistogramBuffer: @unchecked Sendable {
  static let slotsPerFeature = 256
  /// Doubles per slot: g, h, the row count, and one unused, so a row adds to its slot as one 4-lane vector.
  static let lanes = 4
  private static let slotBytes = lanes * MemoryLayout<Double>.stride

  /// Feature f's slots are `all[1024·f ..< 1024·(f + 1)]`, code c's g, h and count at `4c`, `4c + 1`, `4c + 2`.
  private let all: UnsafeMutablePointer<Double>

  /// The bytes of a buffer for `features` features.
  static func bytes(features: Int) -> Int { max(1, features) * slotsPerFeature * slotBytes }

  init(features: Int) {
    all = .allocate(capacity: features * Self.lanes * Self.slotsPerFeature)
    all.initialize(repeating: 0, count: features * Self.lanes * Self.slotsPerFeature)
  }
  deinit { all.deallocate() }

  /// `feature`'s slots.
  @inline(__always) func slots(_ feature: Int) -> UnsafeMutablePointer<Double> {
    all + feature * Self.lanes * Self.slotsPerFeature
  }

  /// One feature's sums and count by code, for reading (the split search), so the slot layout stays here.
  struct FeatureSums {
    let slots: UnsafeMutablePointer<Double>
    @inline(__always) func g(_ code: Int) -> Double { slots[HistogramBuffer.lanes * code] }
    @inline(__always) func h(_ code: Int) -> Double { slots[HistogramBuffer.lanes * code + 1] }
    @inline(__always) func count(_ code: Int) -> Double { slots[HistogramBuffer.lanes * code + 2] }
  }

  @inline(__always) func sums(_ feature: Int) -> FeatureSums { FeatureSums(slots: slots(feature)) }

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
    let out = slots(feature)
    for c in 0..<Self.slotsPerFeature {
      UnsafeMutableRawPointer(out + Self.lanes * c).storeBytes(
        of: SIMD4(0, 0, Double(codeCounts[c]), 0), as: SIMD4<Double>.self)
    }
    // Only (g, h) per row: the root's counts are already in place.
    let pairs = UnsafeMutableRawPointer(out)
    for i in 0..<codes.count {
      let pair = pairs + Int(codes[i]) &* Self.slotBytes
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
    let out = slots(feature)
    out.update(repeating: 0, count: Self.lanes * Self.slotsPerFeature)
    let base = UnsafeMutableRawPointer(out)
    let rows = UnsafeRawPointer(ordered.baseAddress!)
    for i in 0..<positions.count {
      let code = Int(codes[Int(positions[i])])
      let slot = base + code &* Self.slotBytes
      let gh = rows.loadUnaligned(fromByteOffset: i &* 16, as: SIMD2<Double>.self)
      let sum = slot.loadUnaligned(as: SIMD4<Double>.self) + SIMD4(lowHalf: gh, highHalf: SIMD2(1, 0))
      slot.storeBytes(of: sum, as: SIMD4<Double>.self)
    }
  }

  /// self −= other, for one feature's slots (a parent's sums become its larger child's).
  func subtract(_ other: HistogramBuffer, feature: Int) {
    let out = slots(feature)
    let minus = other.slots(feature)
    for i in 0..<(Self.lanes * Self.slotsPerFeature) { out[i] -= minus[i] }
  }
}

/// Histogram buffers kept between leaves and trees, since a tree of 31 leaves would otherwise map and
/// unmap 31 buffers of 229 kB (28 features) each time. Buffers come back with stale sums: `fill`
/// clears a feature before summing into it.
final class HistogramPool: @unchecked Sendable {
  private let features: Int
  private var free: [HistogramBuffer] = []
  private var out = 0
  private var mostOut = 0
  private let lock = NSLock()

  init(features: Int) { self.features = features }

  func take() -> HistogramBuffer {
    let reused: HistogramBuffer? = lock.withLock {
      out += 1
      mostOut = max(mostOut, out)
      return free.popLast()
    }
    return reused ?? HistogramBuffer(features: features)
  }

  func give(_ buffer: HistogramBuffer) {
    lock.withLock {
      out -= 1
      free.append(buffer)
    }
  }

  /// Buffers taken and not given back.
  var held: Int { lock.withLock { out } }
  /// The most buffers ever held at once (for tests).
  var mostHeld: Int { lock.withLock { mostOut } }
}
