import CLabbookSupport
import Foundation
import LabbookCore

/// Features reduced once to at most 255 bins each (LightGBM's first step): a numeric feature with few
/// distinct values gets one bin per value (so splits are exact), otherwise bins of about equal counts;
/// a categorical feature gets one bin per level. Missing values have their own code.
package struct FeatureBins: Sendable, Equatable {
  /// Numeric: bin b holds values ≤ upperBounds[b] (the last bound is +∞).
  package var upperBounds: [Double]
  package var isCategorical: Bool
  package var count: Int { upperBounds.count }

  static let missing: UInt8 = 255

  static func make(_ values: [Double], levels: [String]?, maximumBins: Int) -> FeatureBins {
    if let levels, levels.count < 255 {
      return FeatureBins(upperBounds: (0..<levels.count).map(Double.init), isCategorical: true)
    }
    let sorted = radixSorted(values.filter { !$0.isNaN })
    var distinct: [Double] = []
    distinct.reserveCapacity(min(sorted.count, 1024))
    for value in sorted where distinct.last != value { distinct.append(value) }
    if distinct.isEmpty { return FeatureBins(upperBounds: [.infinity], isCategorical: false) }
    var bounds: [Double] = []
    if distinct.count <= maximumBins {
      for b in 0..<(distinct.count - 1) { bounds.append((distinct[b] + distinct[b + 1]) / 2) }
    } else {
      // Cut at equally spaced ranks, then between the value there and the next distinct value.
      var previous = -Double.infinity
      for b in 1..<maximumBins {
        let value = sorted[b * sorted.count / maximumBins]
        guard value > previous, let next = nextDistinct(after: value, in: distinct) else { continue }
        bounds.append((value + next) / 2)
        previous = value
      }
    }
    bounds.append(.infinity)
    return FeatureBins(upperBounds: bounds, isCategorical: false)
  }

  private static func nextDistinct(after value: Double, in distinct: [Double]) -> Double? {
    var low = 0
    var high = distinct.count
    while low < high {
      let middle = (low + high) / 2
      if distinct[middle] <= value { low = middle + 1 } else { high = middle }
    }
    return low < distinct.count ? distinct[low] : nil
  }

  @inline(__always) func code(_ value: Double) -> UInt8 {
    if value.isNaN { return FeatureBins.missing }
    if isCategorical {
      // A level code outside the levels (or an infinite value, which Int() would trap on) is not a level.
      guard value > -1, value < Double(count) else { return FeatureBins.missing }
      return UInt8(Int(value))
    }
    return upperBounds.withUnsafeBufferPointer { bounds in
      var code: UInt8 = 0
      withUnsafePointer(to: value) { lb_bin_codes($0, 1, bounds.baseAddress, bounds.count, &code) }
      return code
    }
  }
}

/// A feature matrix as bin codes, one contiguous column per feature.
struct BinnedMatrix: Sendable {
  var codes: [[UInt8]]
  var bins: [FeatureBins]
  var rowCount: Int

  init(_ x: FeatureMatrix, bins: [FeatureBins], threads: Int = 1) {
    self.bins = bins
    rowCount = x.rowCount
    let slots = Slots<[UInt8]>(count: bins.count)
    parallelFor(count: bins.count, threads: threads) { f in
      let featureBins = bins[f]
      let values = x.features[f].values
      if featureBins.isCategorical {
        slots.store(values.map { featureBins.code($0) }, at: f)
      } else {
        // The whole column in C (`lb_bin_codes`: the same first-bound search as `code`, branch-free).
        var codes = [UInt8].unfilled(count: values.count)
        values.withUnsafeBufferPointer { v in
          featureBins.upperBounds.withUnsafeBufferPointer { b in
            codes.withUnsafeMutableBufferPointer { c in
              lb_bin_codes(v.baseAddress, v.count, b.baseAddress, b.count, c.baseAddress)
            }
          }
        }
        slots.store(codes, at: f)
      }
    }
    codes = slots.values
  }

  /// Bins every feature (features in parallel; each feature's bins depend only on its own values).
  static func fit(_ x: FeatureMatrix, maximumBins: Int, threads: Int = 1) -> BinnedMatrix {
    let slots = Slots<FeatureBins>(count: x.width)
    parallelFor(count: x.width, threads: threads) { f in
      slots.store(FeatureBins.make(x.features[f].values, levels: x.features[f].levels, maximumBins: maximumBins), at: f)
    }
    return BinnedMatrix(x, bins: slots.values, threads: threads)
  }
}

/// A binary tree. Internal nodes send a row left when its value is at most `rawThreshold` (for a
/// split found on bins, the bin's upper bound, so code ≤ `threshold` is the same test), or, for
/// categorical splits, when its level is in `leftCategories`; missing values follow `missingLeft`.
/// Children ≥ 0 are nodes, children < 0 are leaves (~child is the leaf's index).
package struct BinnedTree: Sendable, Equatable {
  package struct Node: Sendable, Equatable {
    package var feature: Int
    package var threshold: Int
    package var rawThreshold: Double
    package var missingLeft: Bool
    package var leftCategories: [UInt64]?
    package var left: Int
    package var right: Int

    /// The same test on a raw value (a level code for categorical features).
    @inline(__always) func goesLeft(value: Double) -> Bool {
      if value.isNaN { return missingLeft }
      if let set = leftCategories {
        // A level code outside 0..<256 (or an infinite value, which Int() would trap on) is not a level.
        guard value > -1, value < 256 else { return missingLeft }
        let level = Int(value)
        return set[level >> 6] & (1 << UInt64(level & 63)) != 0
      }
      return value <= rawThreshold
    }

    @inline(__always) func goesLeft(_ code: UInt8) -> Bool {
      if code == FeatureBins.missing { return missingLeft }
      if let set = leftCategories { return set[Int(code) >> 6] & (1 << UInt64(code & 63)) != 0 }
      return Int(code) <= threshold
    }
  }

  package var nodes: [Node] = []
  /// Leaf values, `stride` per leaf (class probabilities, or one value).
  package var leafValues: [Double] = []
  package var stride = 1

  /// The leaf a row reaches.
  @inline(__always) func leaf(_ codes: [[UInt8]], row: Int) -> Int {
    if nodes.isEmpty { return 0 }
    var node = 0
    while true {
      let n = nodes[node]
      let next = n.goesLeft(codes[n.feature][row]) ? n.left : n.right
      if next < 0 { return ~next }
      node = next
    }
  }

  /// The leaf a row of raw feature values reaches, node by node (prediction walks `FlatTrees`, which
  /// must reach the same leaves).
  @inline(__always) func leaf(values: [[Double]], row: Int) -> Int {
    if nodes.isEmpty { return 0 }
    var node = 0
    while true {
      let n = nodes[node]
      let next = n.goesLeft(value: values[n.feature][row]) ? n.left : n.right
      if next < 0 { return ~next }
      node = next
    }
  }

  package var leafCount: Int { leafValues.count / max(stride, 1) }
}
