import Foundation

/// Trees flattened for prediction: every node of every tree in one array of plain values, and the
/// rows' features in one column-major buffer, so walking a row down a tree touches no reference-counted
/// storage. The test at each node is `BinnedTree.Node.goesLeft(value:)`'s, and the leaves reached are
/// `BinnedTree.leaf(values:row:)`'s (the node-by-node walk the tests compare against).
struct FlatTrees {
  struct Node {
    var feature: Int
    var rawThreshold: Double
    /// Index of the node's left-going category set in `categorySets`, or −1 for a numeric split.
    var categorySet: Int
    var missingLeft: Bool
    /// Children as in `BinnedTree`, node indices offset into this array; < 0 is a leaf (~child).
    var left: Int
    var right: Int
  }

  private(set) var nodes: [Node] = []
  /// Four 64-bit words per categorical split: the levels that go left.
  private(set) var categorySets: [UInt64] = []
  /// Where each tree's nodes begin, and one past the last tree's end.
  private(set) var starts: [Int] = []
  /// Every tree's leaf values, `stride` per leaf, tree after tree; tree t's begin at leafStarts[t].
  private(set) var leafValues: [Double] = []
  private(set) var leafStarts: [Int] = []
  let stride: Int

  init(_ trees: [BinnedTree], stride: Int) {
    self.stride = stride
    for tree in trees {
      let offset = nodes.count
      starts.append(offset)
      leafStarts.append(leafValues.count)
      leafValues += tree.leafValues
      for node in tree.nodes {
        var set = -1
        if let categories = node.leftCategories {
          set = categorySets.count / 4
          categorySets += (0..<4).map { $0 < categories.count ? categories[$0] : 0 }
        }
        nodes.append(
          Node(
            feature: node.feature, rawThreshold: node.rawThreshold, categorySet: set, missingLeft: node.missingLeft,
            left: node.left >= 0 ? node.left + offset : node.left,
            right: node.right >= 0 ? node.right + offset : node.right
          ))
      }
    }
    starts.append(nodes.count)
  }

  /// `x` as one buffer, feature after feature (row i of feature f at f·rowCount + i).
  static func columns(_ x: FeatureMatrix) -> [Double] {
    var flat: [Double] = []
    flat.reserveCapacity(x.rowCount * x.width)
    for feature in x.features { flat += feature.values }
    return flat
  }

  /// Rows go down a tree eight at a time, step by step in lockstep: one row's walk is a chain of
  /// dependent loads (node, then value, then the next node), so eight independent chains keep the
  /// processor busy where one would leave it waiting.
  static let lanes = 8

  /// For every row and tree, adds the `stride` values of the leaf the row reaches to
  /// scores[row·width + outputOfTree[tree] + 0..<stride]. Rows are taken `blockRows` at a time, every
  /// tree over a block before the next (small trees: a block's values stay in cache; large trees: one
  /// block of every row keeps each tree in cache instead). Each row meets the trees in order, so the
  /// sums are the same as adding tree after tree over all rows.
  func accumulate(
    columns: [Double], rowCount: Int, blockRows: Int, into scores: inout [Double], width: Int, outputOfTree: [Int]
  ) {
    let stride = self.stride
    let lanes = Self.lanes
    nodes.withUnsafeBufferPointer { nodes in
      categorySets.withUnsafeBufferPointer { sets in
        columns.withUnsafeBufferPointer { values in
          leafValues.withUnsafeBufferPointer { leafValues in
            scores.withUnsafeMutableBufferPointer { scores in
              withUnsafeTemporaryAllocation(of: Int.self, capacity: lanes) { current in
                /// One step of a row's walk from `node`: the next node, or ~leaf.
                @inline(__always) func step(_ index: Int, _ row: Int) -> Int {
                  let node = nodes[index]
                  let value = values[node.feature &* rowCount &+ row]
                  let left: Bool
                  if value.isNaN {
                    left = node.missingLeft
                  } else if node.categorySet >= 0 {
                    if value > -1, value < 256 {
                      let level = Int(value)
                      left = sets[node.categorySet &* 4 &+ (level >> 6)] & (1 << UInt64(level & 63)) != 0
                    } else {
                      left = node.missingLeft
                    }
                  } else {
                    left = value <= node.rawThreshold
                  }
                  return left ? node.left : node.right
                }
                for first in Swift.stride(from: 0, to: rowCount, by: max(1, blockRows)) {
                  let blockEnd = min(rowCount, first + max(1, blockRows))
                  for tree in 0..<(starts.count - 1) {
                    let root = starts[tree]
                    let isLeaf = starts[tree + 1] == root
                    let leafBase = leafStarts[tree]
                    let output = outputOfTree[tree]
                    for group in Swift.stride(from: first, to: blockEnd, by: lanes) {
                      let count = min(lanes, blockEnd - group)
                      // current[l] ≥ 0: the node lane l is at; < 0: the leaf it reached (~leaf).
                      for lane in 0..<count { current[lane] = isLeaf ? ~0 : root }
                      var walking = isLeaf ? 0 : count
                      while walking > 0 {
                        for lane in 0..<count where current[lane] >= 0 {
                          let next = step(current[lane], group &+ lane)
                          current[lane] = next
                          if next < 0 { walking -= 1 }
                        }
                      }
                      for lane in 0..<count {
                        let from = leafBase &+ (~current[lane]) &* stride
                        let to = (group &+ lane) &* width &+ output
                        for s in 0..<stride { scores[to &+ s] += leafValues[from &+ s] }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
