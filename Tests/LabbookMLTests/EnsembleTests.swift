import Foundation
import LabbookCore
import Testing

@testable import LabbookData
@testable import LabbookML

/// AutoML's ensembles and budgets.
@Suite struct EnsembleTests {
  static let credit: Table = try! HDF5TableReader.load(
    path: repositoryRoot + "/datasets/german_credit.h5", name: "credit")

  /// An ensemble predicts the weighted mean of its members, bit for bit as computed here, and a model
  /// file keeps it (members, weights, their own pipelines).
  @Test func anEnsemblePredictsTheWeightedMeanOfItsMembersAndRoundTrips() throws {
    let logistic = try Trainer.train(
      .logistic, on: Self.credit, target: "risk",
      pipeline: Pipeline(steps: [.impute(.mode, columns: nil), .scale(.standard, columns: nil)]), seed: 1, threads: 2)
    let gbm = try Trainer.train(
      .gbm, on: Self.credit, target: "risk", parameters: [("trees", .number(5))], seed: 1, threads: 2)
    var model = logistic
    model.ensemble = Ensemble(members: [logistic, gbm], weights: [0.25, 0.75])
    guard case .probabilities(let a, 2) = try logistic.predict(Self.credit),
      case .probabilities(let b, 2) = try gbm.predict(Self.credit),
      case .probabilities(let mixed, 2) = try model.predict(Self.credit)
    else {
      Issue.record("not binary")
      return
    }
    #expect(mixed == zip(a, b).map { 0.25 * $0 + 0.75 * $1 })
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("ensemble-\(getpid()).h5").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try ModelArchive.write(model, to: path)
    let read = try ModelArchive.read(from: path)
    #expect(read.learnerName == "ensemble" && read.ensemble?.weights == [0.25, 0.75])
    guard case .probabilities(let again, 2) = try read.predict(Self.credit) else { return }
    #expect(again.map(\.bitPattern) == mixed.map(\.bitPattern))
    // Cross-validation refits every member on each fold.
    let cv = try CrossValidation.run(model, on: Self.credit, folds: 3, seed: 2, threads: 2)
    #expect(cv.perFold.count == 3)
  }

  /// Forty rows of alternating classes, scored by 2-fold cross-validation on `metric`, and two binary
  /// predictors that give the truth probability `sure` on one half of the rows (the first half, the
  /// second) and `unsure` on the other.
  static func complementaryHalves(metric: String, sure: Double, unsure: Double) throws
    -> (evaluation: TrialEvaluation, first: [Double], second: [Double])
  {
    let n = 40
    let truth = (0..<n).map { Double($0 % 2) }
    let table = try Table(name: "t", columns: [.numeric("x", (0..<n).map(Double.init)), .numeric("y", truth)])
    let target = try Target.read(table, column: "y", task: .classification)
    let evaluation = TrialEvaluation(
      table: table, target: target, metric: metric, method: .crossValidation(folds: 2, repeats: 1), seed: 1)
    func predictions(_ isSure: (Int) -> Bool) -> [Double] {
      evaluation.scoringRows.flatMap { row -> [Double] in
        let forTruth = isSure(row) ? sure : unsure
        return truth[row] == 1 ? [1 - forTruth, forTruth] : [forTruth, 1 - forTruth]
      }
    }
    return (evaluation, predictions { $0 < n / 2 }, predictions { $0 >= n / 2 })
  }

  /// Two predictors each right on half the rows (and unsure on the other half): the average is right
  /// on all of them, so selection takes both, equally, and beats either alone.
  @Test func selectionCombinesComplementaryTrials() throws {
    let (evaluation, first, second) = try Self.complementaryHalves(metric: "logloss", sure: 0.95, unsure: 0.5)
    let selection = EnsembleSelection(evaluation: evaluation)
    let chosen = try #require(selection.select([(1, first), (2, second)]))
    #expect(chosen.members.map(\.0).sorted() == [1, 2])
    #expect(chosen.members.allSatisfy { $0.1 == 0.5 })
    #expect(chosen.loss < selection.loss(first) && chosen.loss < selection.loss(second))
  }

  /// Search version 3 hill-climbs a stepped metric's ensemble on the log loss. Two trials each sure and
  /// right on half the rows (p = 0.9 for the truth) and slightly wrong on the other half (0.45): each has
  /// accuracy 0.5, their average gives the truth 0.675 on every row. Expected losses by hand:
  /// one trial −(ln 0.9 + ln 0.45)/2 = 0.451934..., the pair −ln 0.675 = 0.39304...
  @Test func aSteppedMetricsEnsembleIsChosenOnTheLogLoss() throws {
    let (evaluation, first, second) = try Self.complementaryHalves(metric: "accuracy", sure: 0.9, unsure: 0.45)
    let selection = EnsembleSelection(evaluation: evaluation, byLogLoss: true)
    #expect(abs(selection.loss(first) - 0.451_934_105_937_798_9) < 1e-12)
    let chosen = try #require(selection.select([(1, first), (2, second)]))
    #expect(chosen.members.map(\.0).sorted() == [1, 2] && chosen.members.allSatisfy { $0.1 == 0.5 })
    #expect(abs(chosen.loss - 0.393_042_588_109_607_2) < 1e-12)
    let averaged = EnsembleSelection.average(chosen.members, of: [(1, first), (2, second)])
    #expect(EnsembleSelection(evaluation: evaluation).loss(averaged) < -0.999_999)  // accuracy 1, as a loss
  }

  /// A round's gate refuses a trial; the trials after it still run (before, the whole search stopped).
  @Test func aRefusedTrialIsSkippedAndTheRoundGoesOn() throws {
    let results = RoundResults(count: 4)
    var started: [Int] = []
    while let index = results.nextIndex(
      interrupted: { false }, gate: { $0 != 1 },
      skip: { Trial(id: $0 + 1, learner: .gbm, parameters: [], seconds: 0, skipped: true) })
    {
      started.append(index)
    }
    #expect(started == [0, 2, 3])
    #expect(results.values[1]?.skipped == true)
  }

  /// `budget N trials` runs exactly N, whatever the clock.
  @Test func aBudgetInTrialsRunsThatMany() throws {
    var settings = AutoML.Settings(target: "risk", budget: AutoML.maximumBudget, seed: 3, threads: 2)
    settings.maximumTrials = 9
    settings.timeGate = false
    let result = try AutoML.run(Self.credit.taking(Array(0..<300)), settings: settings)
    #expect(result.evaluated.count == 9 && result.trials.count == 9)
  }
}
