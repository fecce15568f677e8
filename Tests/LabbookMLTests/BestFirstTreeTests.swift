import Foundation
import LabbookCore
import Testing

@testable import LabbookData
@testable import LabbookML

/// `leaves N` on `tree` and `forest`: trees grown best first (the open leaf whose split decreases the
/// impurity most is split next) up to N leaves, as scikit-learn's `max_leaf_nodes` grows them.
@Suite struct BestFirstTreeTests {
  func values(_ model: TrainedModel, _ table: Table) throws -> [Double] {
    guard case .values(let v) = try model.predict(table) else {
      Issue.record("not a regression")
      return []
    }
    return v
  }

  /// x = 1…8, y = 0 0 1 1 10 10 20 20. Worked by hand: the root's best cut is x ≤ 4.5 (squared error
  /// 1 + 100 against the parent's 521.5); its left side then gains 1 by a cut at 2.5 and its right side
  /// 100 by a cut at 6.5. Two leaves: the means 0.5 and 15. Three: the right side is split first (0.5,
  /// 10, 20). Four: both.
  @Test func theLeafOfLargestGainIsSplitFirst() throws {
    let x: [Double] = [1, 2, 3, 4, 5, 6, 7, 8]
    let y: [Double] = [0, 0, 1, 1, 10, 10, 20, 20]
    let table = try Table(name: "steps", columns: [.numeric("x", x), .numeric("y", y)])
    func predictions(_ leaves: Int) throws -> [Double] {
      let model = try Trainer.train(
        .tree, on: table, target: "y", task: .regression, parameters: [("leaves", .number(Double(leaves)))], seed: 1,
        threads: 1)
      #expect(try #require(model.learner as? FittedTrees).trees[0].leafCount == leaves)
      return try values(model, table)
    }
    #expect(try predictions(2) == [0.5, 0.5, 0.5, 0.5, 15, 15, 15, 15])
    #expect(try predictions(3) == [0.5, 0.5, 0.5, 0.5, 10, 10, 20, 20])
    #expect(try predictions(4) == [0, 0, 1, 1, 10, 10, 20, 20])
  }

  /// CART's cuts are each chosen from their own node's rows, so the order of growth does not change them:
  /// with room for every leaf, a tree grown best first predicts what the depth-first tree predicts (on
  /// distinct random values, where no tie between cuts leaves the choice to the seeded order).
  @Test func withRoomForEveryLeafTheTreeIsTheDepthFirstOne() throws {
    var generator = SeededGenerator(seed: 11)
    func uniform() -> Double { Double(generator.next() >> 11) / 0x1p53 }
    let a = (0..<300).map { _ in uniform() }
    let b = (0..<300).map { _ in uniform() }
    let y = zip(a, b).map { sin(6 * $0) + $1 * $1 + 0.3 * uniform() }
    let table = try Table(name: "wavy", columns: [.numeric("a", a), .numeric("b", b), .numeric("y", y)])
    let depthFirst = try Trainer.train(
      .tree, on: table, target: "y", parameters: [("min_leaf", .number(3))], seed: 5, threads: 1)
    let leafCount = try #require(depthFirst.learner as? FittedTrees).trees[0].leafCount
    #expect(leafCount > 20)
    let bestFirst = try Trainer.train(
      .tree, on: table, target: "y", parameters: [("min_leaf", .number(3)), ("leaves", .number(Double(leafCount)))],
      seed: 5, threads: 1)
    #expect(try values(bestFirst, table) == values(depthFirst, table))
    // One leaf fewer: a different, smaller tree, each leaf still the mean of its rows.
    let smaller = try Trainer.train(
      .tree, on: table, target: "y",
      parameters: [("min_leaf", .number(3)), ("leaves", .number(Double(leafCount - 1)))], seed: 5,
      threads: 1)
    #expect(try #require(smaller.learner as? FittedTrees).trees[0].leafCount == leafCount - 1)
    #expect(try values(smaller, table) != values(depthFirst, table))
  }

  /// Extremely randomised trees with a leaf limit: a random cut always leaves rows on both sides, so every
  /// tree has exactly the limit, and the forest is the same on one thread or two.
  @Test func everyForestTreeHasTheLimitOnAnyThreadCount() throws {
    var generator = SeededGenerator(seed: 3)
    let x = (0..<200).map { _ in Double(generator.next() >> 11) / 0x1p53 }
    let table = try Table(
      name: "noise", columns: [.numeric("x", x), .categorical("y", x.map { $0 < 0.4 ? "a" : "b" })])
    func forest(threads: Int) throws -> [BinnedTree] {
      let model = try Trainer.train(
        .forest, on: table, target: "y",
        parameters: [("trees", .number(12)), ("leaves", .number(7)), ("splits", .word("random"))], seed: 9,
        threads: threads)
      return try #require(model.learner as? FittedTrees).trees
    }
    let one = try forest(threads: 1)
    #expect(one.allSatisfy { $0.leafCount == 7 && $0.nodes.count == 6 })
    #expect(try forest(threads: 2) == one)
  }

  @Test func aLimitBelowTwoIsRefused() throws {
    let table = try Table(name: "t", columns: [.numeric("x", [1, 2, 3, 4]), .numeric("y", [1, 2, 3, 4])])
    #expect(throws: MLError.self) {
      try Trainer.train(.forest, on: table, target: "y", parameters: [("leaves", .number(1))], seed: 1, threads: 1)
    }
  }
}
