import Foundation

/// Pearson's chi-square test of independence on a 2 × L table of counts (reference and current rows,
/// one column per level), as scipy's `chi2_contingency(table)` computes it by default: expected counts
/// from the margins, Yates' continuity correction when there is one degree of freedom, and the
/// p-value from the chi-square survival function with L − 1 degrees of freedom.
public struct ChiSquareTest: Sendable, Equatable {
  public var statistic: Double
  public var degreesOfFreedom: Int
  public var pValue: Double

  /// `reference` and `current`: counts per level, same order; levels absent from both are dropped.
  public static func contingency(_ reference: [Double], _ current: [Double]) -> ChiSquareTest {
    let kept = reference.indices.filter { reference[$0] + current[$0] > 0 }
    let rows = [kept.map { reference[$0] }, kept.map { current[$0] }]
    let total = rows[0].reduce(0, +) + rows[1].reduce(0, +)
    let degrees = kept.count - 1
    guard degrees > 0, total > 0 else { return ChiSquareTest(statistic: 0, degreesOfFreedom: 0, pValue: 1) }
    let rowSums = rows.map { $0.reduce(0, +) }
    var statistic = 0.0
    for r in 0..<2 {
      for c in kept.indices {
        let expected = rowSums[r] * (rows[0][c] + rows[1][c]) / total
        var observed = rows[r][c]
        if degrees == 1 {
          let difference = expected - observed
          observed += min(0.5, abs(difference)) * (difference > 0 ? 1 : difference < 0 ? -1 : 0)
        }
        statistic += (observed - expected) * (observed - expected) / expected
      }
    }
    return ChiSquareTest(
      statistic: statistic, degreesOfFreedom: degrees,
      pValue: Gamma.upperRegularized(Double(degrees) / 2, statistic / 2))
  }
}

/// The regularized incomplete gamma functions, by the series for x < a + 1 and Lentz's continued
/// fraction otherwise (Numerical Recipes §6.2; cephes `igam`/`igamc` choose the same way).
enum Gamma {
  /// Q(a, x) = Γ(a, x) / Γ(a): the chi-square survival function is Q(k/2, χ²/2).
  static func upperRegularized(_ a: Double, _ x: Double) -> Double {
    if x <= 0 { return 1 }
    if x < a + 1 { return 1 - lowerSeries(a, x) }
    return upperContinuedFraction(a, x)
  }

  private static func prefactor(_ a: Double, _ x: Double) -> Double {
    exp(-x + a * log(x) - lgamma(a))
  }

  private static func lowerSeries(_ a: Double, _ x: Double) -> Double {
    var term = 1 / a
    var sum = term
    var denominator = a
    for _ in 0..<10_000 {
      denominator += 1
      term *= x / denominator
      sum += term
      if abs(term) < abs(sum) * Double.ulpOfOne { break }
    }
    return sum * prefactor(a, x)
  }

  private static func upperContinuedFraction(_ a: Double, _ x: Double) -> Double {
    let tiny = 1e-300
    var b = x + 1 - a
    var c = 1 / tiny
    var d = 1 / b
    var h = d
    for i in 1..<10_000 {
      let an = -Double(i) * (Double(i) - a)
      b += 2
      d = an * d + b
      if abs(d) < tiny { d = tiny }
      c = b + an / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let delta = d * c
      h *= delta
      if abs(delta - 1) < Double.ulpOfOne { break }
    }
    return prefactor(a, x) * h
  }
}
