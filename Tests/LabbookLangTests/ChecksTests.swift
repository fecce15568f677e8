import Foundation
import LabbookCore
import Testing

@testable import LabbookData
@testable import LabbookLang
@testable import LabbookML

/// `fairness`, `mitigate` and `drift` through the language, on small tables whose expected figures are
/// worked out by hand in the comments (fairlearn/scipy parity is MonitoringReferenceTests').
@Suite struct ChecksTests {
  func run(_ session: Session, _ source: String) throws -> [Value] {
    try Parser.parse(source).map { try session.execute($0) }
  }

  /// Group a: truth 1,0,1, predicted 1,1,0 → TP 1, FP 1, FN 1: selection 2/3, TPR 1/2, FPR 1, precision 1/2,
  /// accuracy 1/3. Group b: truth 0,0,0, predicted 1,0,0 → FP 1, TN 2: selection 1/3, TPR undefined,
  /// FPR 1/3, precision 0, accuracy 2/3. Summaries: DP difference 1/3, ratio 1/2; TPR only from a, so
  /// equal opportunity 0; equalized odds max(0, 2/3) = 2/3 and ratio min(1, 1/3) = 1/3.
  @Test func undefinedRatesAreNullWithANote() throws {
    let table = try Table(name: "t", columns: [.categorical("g", ["a", "a", "a", "b", "b", "b"])])
    let groups = try ProtectedGroups.make(table, columns: ["g"], bins: nil)
    let report = FairnessReport.compute(
      truth: [true, false, true, false, false, false], predicted: [true, true, false, true, false, false],
      groups: groups, positive: "1")
    let a = report.groups[0]
    let b = report.groups[1]
    #expect(a.selectionRate == 2.0 / 3 && a.truePositiveRate == 0.5 && a.falsePositiveRate == 1)
    #expect(a.precision == 0.5 && a.accuracy == 1.0 / 3)
    #expect(b.selectionRate == 1.0 / 3 && b.truePositiveRate == nil && b.falsePositiveRate == 1.0 / 3)
    #expect(b.precision == 0 && b.accuracy == 2.0 / 3)
    #expect(report.demographicParityDifference == 2.0 / 3 - 1.0 / 3)
    #expect(report.demographicParityRatio == (1.0 / 3) / (2.0 / 3))
    #expect(report.equalOpportunityDifference == 0)
    #expect(report.equalizedOddsDifference == 1 - 1.0 / 3)
    #expect(report.equalizedOddsRatio == (1.0 / 3) / 1)
    #expect(report.notes.contains { $0.contains("'b'") && $0.contains("TPR") })
    // The JSON has null, never NaN text.
    let json = Value.fairness(model: "m", table: "t", report).json.canonicalString
    #expect(json.contains("\"tpr\":null") && !json.lowercased().contains("nan"))
  }

  /// Groups a,a,a,b with labels 1,1,0,0: n = 4, n_a = 3, n_b = 1, n_1 = n_0 = 2, n_a1 = 2, n_a0 = 1, n_b0 = 1.
  /// w(a,1) = 3·2/(4·2) = 0.75, w(a,0) = 3·2/(4·1) = 1.5, w(b,0) = 1·2/(4·1) = 0.5.
  @Test func reweighingWeights() throws {
    let table = try Table(name: "t", columns: [.categorical("g", ["a", "a", "a", "b"])])
    let groups = try ProtectedGroups.make(table, columns: ["g"], bins: nil)
    let weights = Reweighing(groups: groups, labels: [1, 1, 0, 0], labelNames: ["0", "1"])
    #expect(weights.rowWeights == [0.75, 0.75, 1.5, 0.5])
    #expect(weights.table.map(\.weight) == [1.5, 0.75, 0.5])
  }

  @Test func thresholdRemapKeepsTheDecision() {
    for t in [0.0, 0.2, 0.5, 0.9, 1.0] {
      for p in stride(from: 0.0, through: 1.0, by: 0.05) {
        let remapped = GroupThresholds.remap(p, threshold: t)
        #expect((remapped > 0.5) == (p > t), "p \(p), t \(t) → \(remapped)")
        #expect(remapped >= 0 && remapped <= 1)
      }
    }
  }

  /// A score that is shifted down for group b, and a model that does not see the group: one shared
  /// threshold selects b far less often. Group
  /// thresholds chosen on the same rows bring the selection-rate difference to the tolerance (0.01)
  /// plus at most one row's worth of granularity (1/300 here), and the model predicts by them.
  @Test func thresholdMitigationEqualisesSelectionRates() throws {
    var generator = SeededGenerator(seed: 5)
    var x: [Double] = []
    var g: [String?] = []
    var y: [Double] = []
    for i in 0..<600 {
      let group = i % 2 == 0 ? "a" : "b"
      let signal = Double(generator.next() % 1000) / 1000
      x.append(signal - (group == "b" ? 0.3 : 0))
      g.append(group)
      y.append(signal + Double(generator.next() % 1000) / 4000 > 0.6 ? 1 : 0)
    }
    let session = Session(seed: 1)
    session.bind(
      "data", .table(try Table(name: "data", columns: [.numeric("x", x), .categorical("g", g), .numeric("y", y)])))
    let values = try run(
      session,
      """
      blind = drop data [g]
      m = train logistic on blind target y
      before = fairness m on data protect g
      fair = mitigate m on data protect g method threshold
      after = fairness fair on data protect g
      scored = predict fair on data
      """)
    guard case .fairness(_, _, let before) = values[2], case .mitigated(_, _, let report) = values[3],
      case .fairness(_, _, let after) = values[4], case .table(let scored) = values[5].bound
    else {
      Issue.record("unexpected values")
      return
    }
    #expect(before.demographicParityDifference! > 0.2)
    #expect(after.demographicParityDifference! <= Mitigation.tolerance + 1.0 / 300)
    #expect(report.after == after && report.before == before)
    // `predict` follows the thresholds: prediction 1 exactly when the remapped probability is above 0.5.
    guard case .numeric(let prediction) = try scored.column("prediction").values,
      case .numeric(let probability) = try scored.column("probability").values
    else { return }
    #expect(zip(prediction, probability).allSatisfy { ($0 == 1) == ($1 > 0.5) })
    // Mitigating the mitigated model starts again from the learner's probabilities: the same thresholds.
    guard case .mitigated(_, _, let again) = try run(session, "mitigate fair on data protect g method threshold")[0]
    else { return }
    #expect(again.thresholds == report.thresholds)
    // cv cannot refit thresholds, so it refuses.
    #expect(throws: LabError.self) { try run(session, "cv fair on data folds 3") }
  }

  @Test func driftAgainstAModelMatchesDriftAgainstItsTrainingTable() throws {
    let session = Session(seed: 2)
    let values = try run(
      session,
      """
      credit = load "\(repositoryRoot)/datasets/german_credit.h5"
      train, test = split credit ratio 0.8 seed 42 stratify risk
      m = train tree on train target risk depth 3
      a = drift train vs test
      b = drift m on test
      """)
    guard case .drift(let a) = values[3], case .drift(let b) = values[4] else {
      Issue.record("not drift reports")
      return
    }
    #expect(a.columns == b.columns && a.drifted == b.drifted)
    #expect(a.columns.count == 10)
    // german_credit's split is stratified on the target, so the target's distribution is identical.
    #expect(a.columns[0].name == "risk" && a.columns[0].ksStatistic == 0 && a.columns[0].psi == 0)
  }

  /// A model trained on more than 10,000 rows keeps a seeded sample of 10,000 values per numeric column.
  @Test func largeTrainingDataIsSampled() throws {
    let n = 12_000
    let x = (0..<n).map { Double($0 % 997) }
    let y = (0..<n).map { Double($0 % 2) }
    let table = try Table(name: "big", columns: [.numeric("x", x), .numeric("y", y)])
    let model = try Trainer.train(
      .tree, on: table, target: "y", parameters: [("depth", .number(2))], seed: 1, threads: 1)
    guard let profile = model.trainingProfile, case .numeric(let stored) = profile.columns[0].values else {
      Issue.record("no profile")
      return
    }
    #expect(profile.sampled && stored.count == DataProfile.modelSampleLimit)
    let report = try DriftReport.compare(profile, DataProfile.make(table))
    #expect(report.notes.contains { $0.contains("sample") })
    #expect(!report.drifted)
  }

  @Test func badInputIsAClearError() throws {
    let session = Session(seed: 2)
    _ = try run(
      session,
      """
      credit = load "\(repositoryRoot)/datasets/german_credit.h5"
      m = train tree on credit target risk depth 3
      r = train ridge on credit target credit_amount
      women = filter credit where sex == "female"
      small = select credit [sex, age]
      """)
    func message(_ source: String) -> String {
      do {
        _ = try run(session, source)
        return "no error"
      } catch let error as LabError {
        return error.message
      } catch {
        return "\(error)"
      }
    }
    #expect(message("fairness m on credit protect sexx").contains("did you mean 'sex'"))
    #expect(message("fairness m on credit protect age").contains("bins"))
    #expect(message("fairness m on women protect sex").contains("single group"))
    #expect(message("fairness r on credit protect sex").contains("classification model"))
    #expect(message("fairness m on credit protect sex positive 7").contains("not one of the model's classes"))
    #expect(message("drift credit vs small").contains("different columns"))
    #expect(message("drift m on small").contains("lacks the model's input columns"))
    #expect(message("mitigate m on credit protect sex method magic").contains("`threshold` or `reweigh`"))
    #expect(message("mitigate r on credit protect sex method threshold").contains("classification"))
  }
}
