import Foundation
import LabbookCore
import Testing

@testable import LabbookData
@testable import LabbookML

/// `forest splits random` (Extra-Trees, Geurts et al. 2006): each cut is drawn inside the node's range
/// of the feature, every tree sees every row. Its accuracy against scikit-learn's ExtraTrees is in
/// QualityBarTests (`extra`); here, what follows from the algorithm itself.
@Suite struct ExtraTreesTests {
  /// A step at x = 37.5 on x = 0…99. A searched cut finds the step at the root of every tree (halfway
  /// between the bootstrap sample's values either side of it, so within a row or two of 37.5); random cuts
  /// fall anywhere in [0, 99), differ from tree to tree, and trees grown until pure still reproduce every
  /// training label (each tree sees every row).
  @Test func cutsAreDrawnInsideTheNodeAndGrownTreesFitEveryRow() throws {
    let x = (0..<100).map(Double.init)
    let table = try Table(
      name: "step", columns: [.numeric("x", x), .categorical("y", x.map { $0 < 37.5 ? "low" : "high" })])
    func roots(_ splits: String) throws -> (cuts: [Double], model: TrainedModel) {
      let model = try Trainer.train(
        .forest, on: table, target: "y", parameters: [("trees", .number(9)), ("splits", .word(splits))], seed: 4,
        threads: 2)
      let trees = try #require(model.learner as? FittedTrees).trees
      return (trees.map { $0.nodes[0].rawThreshold }, model)
    }
    let random = try roots("random")
    #expect(random.cuts.allSatisfy { $0 >= 0 && $0 < 99 })
    #expect(Set(random.cuts).count == random.cuts.count, "\(random.cuts)")
    guard case .probabilities(let p, let classes) = try random.model.predict(table) else {
      Issue.record("not probabilities")
      return
    }
    let high = random.model.classes.firstIndex(of: "high")!
    for row in 0..<100 { #expect((p[row * classes + high] > 0.5) == (x[row] > 37.5), "row \(row)") }
    let searched = try roots("best")
    #expect(searched.cuts.allSatisfy { abs($0 - 37.5) <= 2 }, "\(searched.cuts)")
    #expect(!random.cuts.allSatisfy { abs($0 - 37.5) <= 2 }, "\(random.cuts)")
  }

  /// Random cuts and missing values: rows without a value go to whichever side gains more, as in the
  /// searched forest, and a model with gaps in its training data predicts every row.
  @Test func missingValuesGoToTheBetterSide() throws {
    let x = (0..<60).map { $0 % 5 == 0 ? Double.nan : Double($0) }
    let y = (0..<60).map { $0 % 5 == 0 || $0 >= 30 ? "b" : "a" }
    let table = try Table(name: "gaps", columns: [.numeric("x", x), .categorical("y", y)])
    let model = try Trainer.train(
      .forest, on: table, target: "y", parameters: [("trees", .number(15)), ("splits", .word("random"))], seed: 2,
      threads: 1)
    // Every missing row is "b": trees send them with the "b" side, so the training accuracy is perfect.
    #expect(try model.evaluate(on: table).accuracy == 1)
  }
}
