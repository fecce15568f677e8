import Foundation
import LabbookCore
import Testing

@testable import LabbookData
@testable import LabbookML

/// Fairness and drift figures against fairlearn 0.15 and scipy 1.17, computed on the same data by
/// Tests/Fixtures/make_monitoring_reference.py and committed as monitoring_reference.json.
@Suite struct MonitoringReferenceTests {
  static let reference: JSONValue = {
    let path = repositoryRoot + "/Tests/Fixtures/monitoring_reference.json"
    return try! JSONValue.parse(String(contentsOfFile: path, encoding: .utf8))
  }()

  /// The fixture's hash: splitmix64's finaliser of (s << 32 | i), top 53 bits, in [0, 1).
  static func u(_ i: Int, _ s: Int) -> Double {
    var z = (UInt64(s) << 32 | UInt64(i)) &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    return Double(z >> 11) / 0x1p53
  }

  static func sample(_ spec: JSONValue) -> [Double] {
    let n = Int(spec["n"]!.doubleValue!)
    let seed = Int(spec["seed"]!.doubleValue!)
    let scale = spec["scale"]?.doubleValue ?? 1
    let shift = spec["shift"]?.doubleValue ?? 0
    let levels = spec["levels"]?.doubleValue
    return (0..<n).map { i in
      var v = u(i, seed)
      if let levels { v = (v * levels).rounded(.down) }
      return v * scale + shift
    }
  }

  /// Within `relative` of b (exactly equal when b is 0).
  static func close(_ a: Double?, _ b: Double, relative: Double = 1e-12) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= relative * abs(b)
  }

  @Test func fairnessMatchesFairlearn() throws {
    let data = Self.reference["fairness"]!
    let sex = data["sex"]!.arrayValue!.map { $0.stringValue! }
    let band = data["band"]!.arrayValue!.map { $0.stringValue! }
    let truth = data["truth"]!.arrayValue!.map { $0.doubleValue! == 1 }
    let predicted = data["predicted"]!.arrayValue!.map { $0.doubleValue! == 1 }
    let table = try Table(name: "people", columns: [.categorical("sex", sex), .categorical("band", band)])
    for case_ in data["cases"]!.arrayValue! {
      let columns = case_["protected"]!.arrayValue!.map { $0.stringValue! }
      let groups = try ProtectedGroups.make(table, columns: columns, bins: nil)
      let report = FairnessReport.compute(truth: truth, predicted: predicted, groups: groups, positive: "1")
      let expectedGroups = case_["groups"]!.arrayValue!
      #expect(report.groups.map(\.group) == expectedGroups.map { $0["group"]!.stringValue! })
      for (ours, theirs) in zip(report.groups, expectedGroups) {
        #expect(Double(ours.count) == theirs["count"]!.doubleValue!)
        #expect(Self.close(ours.selectionRate, theirs["selection_rate"]!.doubleValue!))
        #expect(Self.close(ours.truePositiveRate, theirs["tpr"]!.doubleValue!))
        #expect(Self.close(ours.falsePositiveRate, theirs["fpr"]!.doubleValue!))
        #expect(Self.close(ours.precision, theirs["precision"]!.doubleValue!))
        #expect(Self.close(ours.accuracy, theirs["accuracy"]!.doubleValue!))
      }
      #expect(Self.close(report.demographicParityDifference, case_["demographic_parity_difference"]!.doubleValue!))
      #expect(Self.close(report.demographicParityRatio, case_["demographic_parity_ratio"]!.doubleValue!))
      #expect(Self.close(report.equalizedOddsDifference, case_["equalized_odds_difference"]!.doubleValue!))
      #expect(Self.close(report.equalizedOddsRatio, case_["equalized_odds_ratio"]!.doubleValue!))
      #expect(Self.close(report.equalOpportunityDifference, case_["equal_opportunity_difference"]!.doubleValue!))
      #expect(report.disparateImpact == report.demographicParityRatio)
      #expect(report.notes.isEmpty)
    }
  }

  /// Statistics bit for bit; exact p-values (both samples ≤ 10,000) to 1e-12 relative (they agree to the
  /// last bit today). Asymptotic p-values to 1e-11 relative: for tiny p-values scipy sums Smirnov's
  /// series in double-double arithmetic, these loops in doubles (measured: 2.7e-12 at p = 7e-16).
  @Test func kolmogorovSmirnovMatchesScipy() {
    for case_ in Self.reference["ks"]!.arrayValue! {
      let a = Self.sample(case_["a"]!)
      let b = Self.sample(case_["b"]!)
      let result = KolmogorovSmirnov.twoSample(a, b)!
      let label = "n=\(a.count), m=\(b.count)"
      #expect(result.statistic == case_["statistic"]!.doubleValue!, "\(label) statistic")
      let tolerance = result.exact ? 1e-12 : 1e-11
      #expect(
        Self.close(result.pValue, case_["pvalue"]!.doubleValue!, relative: tolerance),
        "\(label): \(result.pValue) vs scipy \(case_["pvalue"]!.doubleValue!)")
      #expect(
        Self.close(DriftReport.populationStability(a, b), case_["psi"]!.doubleValue!, relative: 1e-12), "\(label) psi")
    }
  }

  @Test func chiSquareMatchesScipy() {
    for case_ in Self.reference["chi2"]!.arrayValue! {
      let reference = case_["reference"]!.arrayValue!.map { $0.doubleValue! }
      let current = case_["current"]!.arrayValue!.map { $0.doubleValue! }
      let result = ChiSquareTest.contingency(reference, current)
      #expect(Double(result.degreesOfFreedom) == case_["dof"]!.doubleValue!)
      #expect(Self.close(result.statistic, case_["statistic"]!.doubleValue!))
      #expect(Self.close(result.pValue, case_["pvalue"]!.doubleValue!), "\(result.pValue) vs \(case_["pvalue"]!)")
    }
  }
}
