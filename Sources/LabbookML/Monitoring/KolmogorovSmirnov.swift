import Foundation

/// The two-sample Kolmogorov–Smirnov test, two-sided, as scipy's `ks_2samp(a, b)` computes it with its
/// default `method='auto'`: the statistic D = max |F_a − F_b| over the pooled values; the p-value exact
/// when both samples have at most 10,000 values (the lattice-path count of Hodges, in Viehmann's
/// form for 1 − p, and the closed form for equal sizes), else asymptotic: the one-sample
/// Kolmogorov distribution's survival function at D with n = round(n_a·n_b / (n_a + n_b)).
/// In the exact case scipy reports D rounded to the lattice, h / lcm(n_a, n_b); so does this.
public struct KolmogorovSmirnov: Sendable, Equatable {
  public var statistic: Double
  public var pValue: Double
  public var exact: Bool

  public static let maximumExactSize = 10_000

  /// `a` and `b`: the two samples, without NaN, in any order.
  public static func twoSample(_ a: [Double], _ b: [Double]) -> KolmogorovSmirnov? {
    guard !a.isEmpty, !b.isEmpty else { return nil }
    let x = radixSorted(a)
    let y = radixSorted(b)
    let n1 = x.count
    let n2 = y.count
    // Walk the pooled values; after all copies of a value, compare the two empirical CDFs.
    var i = 0
    var j = 0
    var maxS = 0.0
    var minS = 0.0
    while i < n1 || j < n2 {
      let value = j >= n2 || (i < n1 && x[i] <= y[j]) ? x[i] : y[j]
      while i < n1 && x[i] == value { i += 1 }
      while j < n2 && y[j] == value { j += 1 }
      let difference = Double(i) / Double(n1) - Double(j) / Double(n2)
      maxS = max(maxS, difference)
      minS = min(minS, difference)
    }
    var d = max(maxS, min(max(-minS, 0), 1))
    if max(n1, n2) <= maximumExactSize {
      let g = gcd(n1, n2)
      let lcm = Double(n1 / g) * Double(n2)
      let h = (d * lcm).rounded(.toNearestOrEven)
      d = h / lcm
      if h == 0 { return KolmogorovSmirnov(statistic: d, pValue: 1, exact: true) }
      let p =
        n1 == n2
        ? probabilityOutsideSquare(n: n1, h: Int(h)) : outerProbabilityInside(m: n1, n: n2, g: g, h: Int(h))
      if p >= 0, p <= 1 { return KolmogorovSmirnov(statistic: d, pValue: p, exact: true) }
    }
    let m = Double(max(n1, n2))
    let n = Double(min(n1, n2))
    let en = (m * n / (m + n)).rounded(.toNearestOrEven)
    let p = KolmogorovDistribution.survival(n: Int(en), x: d)
    return KolmogorovSmirnov(statistic: d, pValue: min(max(p, 0), 1), exact: false)
  }

  static func gcd(_ a: Int, _ b: Int) -> Int {
    var (a, b) = (a, b)
    while b != 0 { (a, b) = (b, a % b) }
    return a
  }

  /// P(D_{n,n} ≥ h/n) = 2·Σ_k (−1)^(k+1) C(2n, n−kh)/C(2n, n), evaluated Horner-style from the last term
  /// so that no large binomial is ever formed.
  static func probabilityOutsideSquare(n: Int, h: Int) -> Double {
    var p = 0.0
    var k = n / h
    while k >= 0 {
      var term = 1.0
      for j in 0..<h { term = Double(n - k * h - j) * term / Double(n + k * h + j + 1) }
      p = term * (1 - p)
      k -= 1
    }
    return 2 * p
  }

  /// 1 − P(every lattice path from (0,0) to (m,n) stays strictly inside |x/m − y/n| < h/lcm), by
  /// Hodges' column recursion written for the complement (Viehmann 2021), one sliding column at a time.
  static func outerProbabilityInside(m: Int, n: Int, g: Int, h: Int) -> Double {
    let (m, n) = m < n ? (n, m) : (m, n)
    let mg = m / g
    let ng = n / g
    var minj = 0
    var maxj = min(Int((Double(h) / Double(mg)).rounded(.up)), n + 1)
    var currentLength = maxj - minj
    let length = min(2 * maxj + 2, n + 1)
    var a = [Double](repeating: 1, count: length)
    for j in minj..<maxj { a[j] = 0 }
    for i in 1...m {
      let lastMinj = minj
      let lastLength = currentLength
      minj = max(Int((Double(ng * i - h) / Double(mg)).rounded(.down)) + 1, 0)
      minj = min(minj, n)
      maxj = min(Int((Double(ng * i + h) / Double(mg)).rounded(.up)), n + 1)
      if maxj <= minj { return 1 }
      var value = minj == 0 ? 0.0 : 1.0
      for jj in 0..<(maxj - minj) {
        let j = jj + minj
        value = (a[jj + minj - lastMinj] * Double(i) + value * Double(j)) / Double(i + j)
        a[jj] = value
      }
      currentLength = maxj - minj
      if lastLength > currentLength {
        for index in (maxj - minj)..<(maxj - minj + lastLength - currentLength) { a[index] = 1 }
      }
    }
    return a[maxj - minj - 1]
  }
}

/// The survival function P(D_n > x) of the one-sample two-sided Kolmogorov statistic, chosen among
/// exact and approximate methods by n and x as Simard & L'Ecuyer (2011) advise and scipy's `kstwo.sf`
/// does: Ruben–Gambino closed forms at the ends, twice the one-sided Smirnov tail for large x,
/// Durbin's matrix (Marsaglia–Tsang–Wang) for small n·x², Pomeranz's recursion for n ≤ 140, and the
/// Pelz–Good series for large n.
public enum KolmogorovDistribution {
  public static func survival(n: Int, x: Double) -> Double {
    guard n > 0 else { return .nan }
    let nd = Double(n)
    if x <= 0.5 / nd { return 1 }
    if x >= 1 { return 0 }
    let t = nd * x
    if t <= 1 {
      let cdf: Double
      if n <= 140 {
        var product = 1.0
        for i in 1...n { product *= Double(i) * (1 / nd) * (2 * t - 1) }
        cdf = product
      } else {
        cdf = exp(logFactorialOverPower(n) + nd * log(2 * t - 1))
      }
      return clip(1 - cdf)
    }
    if t >= nd - 1 { return clip(2 * pow(1 - x, nd)) }
    if x >= 0.5 { return clip(2 * smirnov(n, x)) }
    let nxSquared = t * x
    if n <= 140 {
      if nxSquared <= 0.754693 { return clip(1 - durbinMatrix(n, x)) }
      if nxSquared <= 4 { return clip(1 - pomeranz(n, x)) }
      return clip(2 * smirnov(n, x))
    }
    if nxSquared >= 370 { return 0 }
    if nxSquared >= 2.2 { return clip(2 * smirnov(n, x)) }
    let cdf = n <= 100_000 && nd * pow(x, 1.5) <= 1.4 ? durbinMatrix(n, x) : pelzGood(n, x)
    return clip(1 - cdf)
  }

  static func clip(_ p: Double) -> Double { min(max(p, 0), 1) }

  /// log(n!/nⁿ) by Stirling's series.
  static func logFactorialOverPower(_ n: Int) -> Double {
    let coefficients = [
      -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4,
      -5.952380952380952381e-4, 7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
    ]
    let nd = Double(n)
    let r = 1 / nd
    var polynomial = 0.0
    for c in coefficients { polynomial = polynomial * (r / nd) + c }
    return log(nd) / 2 - nd + log(2 * Double.pi) / 2 + r * polynomial
  }

  private static let scaleUp = 0x1p128
  private static let scaleDown = 0x1p-128

  /// P(D_n ≤ d) by Durbin's matrix method: the (k,k) entry of Hⁿ, times n!/nⁿ, with H's powers
  /// rescaled by 2^128 to stay in range (Marsaglia, Tsang & Wang 2003).
  static func durbinMatrix(_ n: Int, _ d: Double) -> Double {
    if d >= 1 { return 1 }
    let nd = Double(n) * d
    if nd <= 0.5 { return 0 }
    let k = Int(nd.rounded(.up))
    let h = Double(k) - nd
    let m = 2 * k - 1
    var v = (1...m).map { 1 - pow(h, Double($0)) }
    var w = [Double](repeating: 0, count: m)
    var factorial = 1.0
    for j in 1...m {
      w[j - 1] = factorial
      factorial /= Double(j)
      v[j - 1] *= factorial
    }
    let tt = pow(max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))
    v[m - 1] = (1 + tt) * factorial
    var matrix = [Double](repeating: 0, count: m * m)
    for i in 1..<m {
      for row in (i - 1)..<m { matrix[row * m + i] = w[row - i + 1] }
    }
    for row in 0..<m { matrix[row * m] = v[row] }
    for column in 0..<m { matrix[(m - 1) * m + column] = v[m - 1 - column] }
    var power = [Double](repeating: 0, count: m * m)
    for i in 0..<m { power[i * m + i] = 1 }
    var remaining = n
    var exponent = 0
    var matrixExponent = 0
    while remaining > 0 {
      if remaining % 2 == 1 {
        power = multiply(power, matrix, m)
        exponent += matrixExponent
      }
      matrix = multiply(matrix, matrix, m)
      matrixExponent *= 2
      if abs(matrix[(k - 1) * m + k - 1]) > scaleUp {
        for i in matrix.indices { matrix[i] /= scaleUp }
        matrixExponent += 128
      }
      remaining /= 2
    }
    var p = power[(k - 1) * m + k - 1]
    for i in 1...n {
      p = Double(i) * p / Double(n)
      if abs(p) < scaleDown {
        p *= scaleUp
        exponent -= 128
      }
    }
    if exponent != 0 { p = scalbn(p, exponent) }
    return clip(p)
  }

  private static func multiply(_ a: [Double], _ b: [Double], _ m: Int) -> [Double] {
    var c = [Double](repeating: 0, count: m * m)
    for i in 0..<m {
      for l in 0..<m {
        let ail = a[i * m + l]
        if ail == 0 { continue }
        for j in 0..<m { c[i * m + j] += ail * b[l * m + j] }
      }
    }
    return c
  }

  /// P(D_n ≤ x) by Pomeranz's recursion (1974), convolving with truncated exponential series.
  static func pomeranz(_ n: Int, _ x: Double) -> Double {
    let nd = Double(n)
    let t = nd * x
    let ll = Int(t.rounded(.down))
    let f = t - Double(ll)
    let g = min(f, 1 - f)
    let ceilF = f > 0 ? 1 : 0
    let roundF = f > 0.5 ? 1 : 0
    let powers = 2 * (ll + 1)
    var gPower = [Double](repeating: 1, count: powers)
    var twoGPower = [Double](repeating: 1, count: powers)
    var oneMinusTwoGPower = [Double](repeating: 1, count: powers)
    for m in 1..<powers {
      gPower[m] = gPower[m - 1] * (g / nd) / Double(m)
      twoGPower[m] = twoGPower[m - 1] * (2 * g / nd) / Double(m)
      oneMinusTwoGPower[m] = oneMinusTwoGPower[m - 1] * ((1 - 2 * g) / nd) / Double(m)
    }
    func bounds(_ i: Int) -> (Int, Int) {
      var j1: Int
      var j2: Int
      if i == 0 {
        j1 = -ll - ceilF - 1
        j2 = ll + ceilF - 1
      } else {
        let half = (i + 1) / 2
        if (i + 1) % 2 == 0 {
          if half == n + 1 {
            j1 = n - ll - ceilF - 1
            j2 = n + ll + ceilF - 1
          } else {
            j1 = half - 1 - ll - roundF - 1
            j2 = half + ll - 1 + ceilF - 1
          }
        } else {
          j1 = half - 1 - ll - 1
          j2 = half + ll + roundF - 1
        }
      }
      return (max(j1 + 2, 0), min(j2, n))
    }
    var v0 = [Double](repeating: 0, count: powers)
    var v1 = [Double](repeating: 0, count: powers)
    v1[0] = 1
    var start0 = 0
    var start1 = 0
    var exponent = 0
    var (j1, j2) = bounds(0)
    for i in 1..<(2 * n + 2) {
      let k1 = j1
      swap(&v0, &v1)
      swap(&start0, &start1)
      for index in v1.indices { v1[index] = 0 }
      (j1, j2) = bounds(i)
      let weights = i == 1 || i == 2 * n + 1 ? gPower : (i % 2 == 1 ? twoGPower : oneMinusTwoGPower)
      let count = j2 - k1 + 1
      if count > 0 {
        // Full convolution of v0[k1 − start0 ..< + count] with weights[..< count], entries j1 − k1 ... j2 − k1.
        let from = k1 - start0
        for out in 0..<(j2 - j1 + 1) {
          let position = j1 - k1 + out
          var sum = 0.0
          for s in 0...position where s < count && position - s < count {
            sum += v0[from + s] * weights[position - s]
          }
          v1[out] = sum
        }
        let largest = v1.max() ?? 0
        if largest > 0, largest < scaleDown {
          for index in v1.indices { v1[index] *= scaleUp }
          exponent -= 128
        }
        start1 = start0 + j1 - k1
      }
    }
    var answer = v1[n - start1]
    for m in 1...n {
      if abs(answer) > scaleUp {
        answer *= scaleDown
        exponent += 128
      }
      answer *= Double(m)
    }
    if exponent != 0 { answer = scalbn(answer, exponent) }
    return clip(answer)
  }

  /// P(D_n ≤ x) by the Pelz–Good (1976) asymptotic series, in its small-z (Jacobi theta) form.
  static func pelzGood(_ n: Int, _ x: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let pi2 = Double.pi * Double.pi
    let pi4 = pi2 * pi2
    let pi6 = pi4 * pi2
    let sqrt2pi = (2 * Double.pi).squareRoot()
    let z = Double(n).squareRoot() * x
    let z2 = z * z
    let z3 = z2 * z
    let z4 = z2 * z2
    let z6 = z4 * z2
    let qlog = -pi2 / 8 / z2
    if qlog < -708 { return 0 }
    var q = exp(qlog)
    let k1a = -z2
    let k1b = pi2 / 4
    let k2a = 6 * z6 + 2 * z4
    let k2b = (2 * z4 - 5 * z2) * pi2 / 4
    let k2c = pi4 * (1 - 2 * z2) / 16
    let k3d = pi6 * (5 - 30 * z2) / 64
    let k3c = pi4 * (-60 * z2 + 212 * z4) / 16
    let k3b = pi2 * (135 * z4 - 96 * z6) / 4
    let k3a = -30 * z6 - 90 * pow(z, 8)
    var terms = [0.0, 0.0, 0.0, 0.0]
    let maxK = Int((16 * z / Double.pi).rounded(.up))
    for k in stride(from: maxK, to: 0, by: -1) {
      let m = Double(2 * k - 1)
      let m2 = m * m
      let m4 = m2 * m2
      let m6 = m4 * m2
      let qPower = pow(q, Double(8 * k))
      let coefficients = [
        1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6,
      ]
      for i in 0..<4 { terms[i] = terms[i] * qPower + coefficients[i] }
    }
    let divisors = [z, 6 * z4, 72 * pow(z, 7), 6480 * pow(z, 10)]
    for i in 0..<4 { terms[i] = terms[i] * q * sqrt2pi / divisors[i] }
    q = exp(-pi2 / 2 / z2)
    var k2extra = 0.0
    var k3extra = 0.0
    let sqrt3z = 3.0.squareRoot() * z
    for k in stride(from: maxK, to: 0, by: -1) {
      let kd = Double(k)
      let k2 = kd * kd
      let qPower = pow(q, k2)
      k2extra += k2 * qPower
      let kpi = Double.pi * kd
      k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qPower
    }
    terms[2] += k2extra * pi2 * sqrt2pi / (-36 * z3)
    terms[3] += k3extra * pi2 * sqrt2pi / (216 * z6)
    var sum = 0.0
    for i in 0..<4 { sum += terms[i] / pow(Double(n), Double(i) / 2) }
    return sum
  }

  /// P(D⁺_n ≥ x), the one-sided Smirnov tail, by the Birnbaum–Tingey sum
  /// Σ_{v=0}^{⌊n(1−x)⌋} C(n,v)·x·(x + v/n)^(v−1)·(1 − x − v/n)^(n−v), terms formed in logarithms.
  static func smirnov(_ n: Int, _ x: Double) -> Double {
    if n == 1 { return x }
    if x <= 0 { return 1 }
    if x >= 1 { return 0 }
    let nd = Double(n)
    let nx = nd * x
    var nxFloor = Int(nx.rounded(.down))
    var alpha = nx - Double(nxFloor)
    if alpha >= 1 {
      nxFloor += 1
      alpha = 0
    }
    if nxFloor == 0 || (nxFloor == 1 && alpha == 0) {
      return 1 - x * pow(1 + x, nd - 1)
    }
    if -2 * nd * x * x < -708.3964185322641 { return 0 }
    if nxFloor >= n - 1 { return pow(1 - x, nd) }
    if n > 1_000_000 {
      // scipy's (cephes) approximation for huge n: p ≈ exp(−(6nx + 1)² / 18n).
      let logP = -pow(6 * nx + 1, 2) / 18 / nd
      return logP < -M_LN2 ? exp(logP) : 1 + expm1(logP)
    }
    // Terms v = 0 ... n − ⌊nx⌋ − 1 (the next one has 1 − x − v/n ≤ 0).
    let last = n - nxFloor - 1
    var sum = 0.0
    var logBinomial = 0.0
    for v in 0...max(0, last) {
      let vd = Double(v)
      let base = 1 - x - vd / nd
      if base <= 0 { break }
      let term = exp(logBinomial + (vd - 1) * log(x + vd / nd) + (nd - vd) * log(base))
      sum += term
      if term > 0 {
        if 4 * Double(last - v) * term < Double.ulpOfOne * sum, v != last { break }
      } else if v > n / 2 {
        break
      }
      logBinomial += log((nd - vd) / (vd + 1))
    }
    return clip(x * sum)
  }
}
