import Foundation
import LabbookCore
import Testing

@testable import LabbookData
@testable import LabbookML

/// Expected values from scikit-learn 1.9 on the same inputs (accuracy_score, precision_score,
/// recall_score, f1_score, roc_auc_score, log_loss, confusion_matrix, r2_score, mean_squared_error,
/// mean_absolute_error; average="macro" and multi_class="ovr" for three classes).
@Suite struct MetricsTests {
  func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) < 1e-12 } ?? false }

  @Test func binary() {
    let truth = [0, 1, 1, 0, 1, 1, 0, 0, 1, 1]
    let positive = [0.1, 0.9, 0.6, 0.4, 0.35, 0.8, 0.7, 0.2, 0.8, 0.55]
    let m = Metrics.classification(truth: truth, probabilities: positive.flatMap { [1 - $0, $0] }, labels: ["0", "1"])
    #expect(close(m.accuracy, 0.8))
    #expect(
      close(m.precision, 0.8333333333333334) && close(m.recall, 0.8333333333333334) && close(m.f1, 0.8333333333333334))
    #expect(close(m.auc, 0.8333333333333334))
    #expect(close(m.logLoss, 0.4753434862370498))
    #expect(m.confusion == [[3, 1], [1, 5]])
  }

  @Test func multiclassMacroAndOneVersusRest() {
    let truth = [0, 1, 2, 2, 1, 0, 2, 1]
    let p: [Double] = [
      0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.2, 0.6, 0.3, 0.4, 0.3, 0.5, 0.4, 0.1, 0.6, 0.3, 0.1, 0.1, 0.1, 0.8, 0.2, 0.5,
      0.3,
    ]
    let m = Metrics.classification(truth: truth, probabilities: p, labels: ["a", "b", "c"])
    #expect(close(m.accuracy, 0.75))
    #expect(close(m.precision, 0.7777777777777777) && close(m.recall, 0.7777777777777777))
    #expect(close(m.f1, 0.7555555555555555))
    #expect(close(m.auc, 0.9666666666666668))
    #expect(close(m.logLoss, 0.6157132604138689))
    #expect(m.confusion == [[2, 0, 0], [1, 2, 0], [0, 1, 2]])
  }

  @Test func regression() {
    let m = Metrics.regression(truth: [3, -0.5, 2, 7], predicted: [2.5, 0, 2, 8])
    #expect(close(m.r2, 0.9486081370449679) && close(m.rmse, 0.6123724356957945) && close(m.mae, 0.5))
  }

  @Test func aucCountsTiesAsHalf() {
    // By hand: positives {0.5, 0.5}, negatives {0.5, 0.1}: pairs (0.5>0.1)×2 = 2, ties 2×½ = 1 → 3/4.
    #expect(Metrics.rocAUC(scores: [0.5, 0.5, 0.5, 0.1], positives: [true, true, false, false]) == 0.75)
    #expect(Metrics.rocAUC(scores: [0.2, 0.3], positives: [true, true]) == nil)
  }
}

@Suite struct PipelineTests {
  func table() throws -> Table {
    try Table(
      name: "t",
      columns: [
        .numeric("x", [1, 2, .nan, 4, 100]), .categorical("c", ["a", "b", nil, "a", "a"]),
        .numeric("y", [0, 1, 0, 1, 0]),
      ])
  }

  @Test func imputeScaleEncodeLearnOnlyFromTheFittingTable() throws {
    let pipeline = Pipeline(steps: [
      .impute(.median, columns: nil), .impute(.mode, columns: nil), .encode(.onehot, columns: nil),
      .scale(.standard, columns: ["x"]),
    ])
    let fitted = try pipeline.fit(try table(), target: "y")
    let out = try fitted.apply(try table())
    #expect(out.columnNames == ["x", "c=a", "c=b", "y"])
    // Median of 1, 2, 4, 100 is 3 (by hand); then standardised with the mean and population std of [1,2,3,4,100].
    guard case .numeric(let x) = try out.column("x").values else { return }
    let raw = [1.0, 2, 3, 4, 100]
    let mean = raw.reduce(0, +) / 5
    let std = (raw.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 5).squareRoot()
    #expect(zip(x, raw).allSatisfy { abs($0 - ($1 - mean) / std) < 1e-12 })
    #expect(try out.column("c=a").values == .numeric([1, 0, 1, 1, 1]))  // missing c imputed with the mode 'a'
    #expect(try out.column("y").values == .numeric([0, 1, 0, 1, 0]))  // the target is never touched
    // An unseen level at prediction time is all zeros, not a crash.
    let unseen = try Table(name: "u", columns: [.numeric("x", [5]), .categorical("c", ["zzz"]), .numeric("y", [1])])
    let encoded = try fitted.apply(unseen)
    #expect(try encoded.column("c=a").values == .numeric([0]) && encoded.column("c=b").values == .numeric([0]))
  }

  @Test func clipLogAndBin() throws {
    let t = try Table(name: "t", columns: [.numeric("x", [-3, 0, 1, 2, 3, 4, 5, 6, 7, 100])])
    let clipped = try Pipeline(steps: [.clip(sigmas: 1, columns: nil)]).fit(t, target: nil).apply(t)
    guard case .numeric(let c) = try clipped.column("x").values else { return }
    // mean 12.5 and population std of the values, computed here: only 100 lies beyond mean ± 1·std.
    let raw = [-3.0, 0, 1, 2, 3, 4, 5, 6, 7, 100]
    let mean = raw.reduce(0, +) / 10
    let std = (raw.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 10).squareRoot()
    #expect(Array(c.prefix(9)) == Array(raw.prefix(9)) && c[9] == mean + std)
    let logged = try Pipeline(steps: [.log(columns: nil)]).fit(t, target: nil).apply(t)
    guard case .numeric(let l) = try logged.column("x").values else { return }
    #expect(abs(l[0] + Foundation.log(4)) < 1e-15 && l[1] == 0)
    let binned = try Pipeline(steps: [.bin(count: 2, columns: nil)]).fit(t, target: nil).apply(t)
    #expect(try binned.column("x").values == .numeric([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]))
  }

  @Test func badColumnListsAreErrors() throws {
    #expect(throws: (any Error).self) {
      try Pipeline(steps: [.scale(.standard, columns: ["c"])]).fit(try table(), target: "y")
    }
    #expect(throws: (any Error).self) {
      try Pipeline(steps: [.scale(.standard, columns: ["y"])]).fit(try table(), target: "y")
    }
    #expect(throws: (any Error).self) {
      try Pipeline(steps: [.encode(.onehot, columns: ["nope"])]).fit(try table(), target: "y")
    }
  }
}

@Suite struct TrainerTests {
  func credit() throws -> Table {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    return try HDF5TableReader.load(path: root.path + "/datasets/german_credit.h5", name: "credit")
  }

  func message(_ body: () throws -> Any) -> String {
    do {
      _ = try body()
      return "no error"
    } catch { return "\(error)" }
  }

  @Test func badInputGivesClearErrors() throws {
    let credit = try credit()
    #expect(
      message { try Trainer.train(.linear, on: credit, target: "risk", seed: 0, threads: 1) }.contains("use `logistic`")
    )
    #expect(
      message { try Trainer.train(.logistic, on: credit, target: "age", task: .regression, seed: 0, threads: 1) }
        .contains("classification learner"))
    #expect(
      message { try Trainer.train(.gbm, on: credit, target: "rsk", seed: 0, threads: 1) }.contains(
        "did you mean 'risk'"))
    #expect(
      message {
        try Trainer.train(.gbm, on: credit, target: "risk", parameters: [("leafs", .number(3))], seed: 0, threads: 1)
      }.contains("takes `trees`, `leaves`"))
    #expect(
      message {
        try Trainer.train(.gbm, on: credit, target: "risk", parameters: [("rate", .number(2))], seed: 0, threads: 1)
      }.contains("`rate` takes a number from"))
    #expect(
      message { try Trainer.train(.gbm, on: credit.taking([]), target: "risk", seed: 0, threads: 1) }.contains(
        "no rows"))
    let constant = try Table(name: "k", columns: [.numeric("x", [1, 2, 3]), .numeric("y", [5, 5, 5])])
    #expect(
      message { try Trainer.train(.linear, on: constant, target: "y", task: .regression, seed: 0, threads: 1) }
        .contains("constant"))
    let single = try Table(name: "s", columns: [.numeric("x", [1, 2, 3]), .categorical("y", ["a", "a", "a"])])
    #expect(
      message { try Trainer.train(.logistic, on: single, target: "y", seed: 0, threads: 1) }.contains("single class"))
    let gaps = try Table(name: "g", columns: [.numeric("x", [1, .nan, 3, 4]), .numeric("y", [0, 1, 0, 1])])
    #expect(
      message { try Trainer.train(.logistic, on: gaps, target: "y", seed: 0, threads: 1) }.contains(
        "add `impute median`"))
    let many = try Table(name: "m", columns: [.numeric("x", [1, 2, 3, 4]), .categorical("y", ["a", "b", "c", "d"])])
    #expect(
      message { try Trainer.train(.knn, on: many, target: "y", seed: 0, threads: 1) }.contains("too few rows per class")
    )
  }

  @Test func sameSeedSameModelOnAnyNumberOfThreads() throws {
    let credit = try credit()
    let extra: [(String, ParameterValue)] = [("splits", .word("random"))]
    for (kind, more) in [(LearnerKind.forest, []), (.forest, extra), (.gbm, [])] {
      let one = try Trainer.train(
        kind, on: credit, target: "risk", parameters: [("trees", .number(20))] + more, seed: 9, threads: 1)
      let two = try Trainer.train(
        kind, on: credit, target: "risk", parameters: [("trees", .number(20))] + more, seed: 9, threads: 4)
      guard case .probabilities(let a, _) = try one.predict(credit),
        case .probabilities(let b, _) = try two.predict(credit)
      else {
        Issue.record("not probabilities")
        return
      }
      #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(kind)")
    }
  }

  @Test func gbmHandlesMissingValuesAndCategoriesNatively() throws {
    var credit = try credit()
    guard case .numeric(var age) = try credit.column("age").values else { return }
    for i in stride(from: 0, to: age.count, by: 7) { age[i] = .nan }
    credit.columns[credit.columns.firstIndex { $0.name == "age" }!] = .numeric("age", age)
    let model = try Trainer.train(.gbm, on: credit, target: "risk", seed: 0, threads: 2)
    #expect(model.autoEncoding == nil)  // categories stay categories
    #expect(try model.evaluate(on: credit).accuracy! > 0.8)  // it learns (training accuracy)
  }
}

@Suite struct PermutationImportanceTests {
  /// y is x's sign; `noise` is random. A one-split tree uses x only, so shuffling `noise` cannot change
  /// a single prediction (a drop of exactly 0, whatever the implementation), while shuffling x costs
  /// about half the accuracy (the shuffled x agrees with y's sign half the time: expected drop ≈ 0.5).
  /// The same on 1 and 3 threads, bit for bit.
  @Test func anUnusedColumnCostsNothingAndThreadsDoNotMatter() throws {
    var generator = SeededGenerator(seed: 11)
    let x = (0..<2_000).map { _ in Double.random(in: -1...1, using: &generator) }
    let noise = (0..<2_000).map { _ in Double.random(in: -1...1, using: &generator) }
    let table = try Table(
      name: "t", columns: [.numeric("x", x), .numeric("noise", noise), .categorical("y", x.map { $0 > 0 ? "p" : "n" })])
    let model = try Trainer.train(
      .tree, on: table, target: "y", parameters: [("depth", .number(1))], seed: 0, threads: 1)
    let one = try PermutationImportance.run(model, on: table, repeats: 4, seed: 5, threads: 1)
    let three = try PermutationImportance.run(model, on: table, repeats: 4, seed: 5, threads: 3)
    #expect(one.baseline > 0.99)  // the cut falls on a bin edge near 0, not exactly at it
    #expect(one.columns.map { $0.name } == ["x", "noise"])
    #expect(one.columns[1].mean == 0 && one.columns[1].std == 0)
    #expect(abs(one.columns[0].mean - 0.5) < 0.05)
    #expect(
      one.columns.map { [$0.mean.bitPattern, $0.std.bitPattern] }
        == three.columns.map { [$0.mean.bitPattern, $0.std.bitPattern] })
  }
}
