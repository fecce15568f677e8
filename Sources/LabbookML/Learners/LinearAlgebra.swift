/// Small dense linear algebra for the linear learners (row-major matrices).
enum LinearAlgebra {
  /// Solves A·x = b for a symmetric positive semi-definite A (n×n) by Cholesky. A tiny multiple of the
  /// diagonal's scale is added first, so collinear features (one-hot columns beside an intercept) give
  /// the near minimum-norm solution instead of failing.
  static func solveSymmetric(_ a: [Double], _ b: [Double], n: Int) -> [Double] {
    var m = a
    let scale = (0..<n).map { m[$0 * n + $0] }.max() ?? 1
    let jitter = max(scale, 1e-300) * 1e-12
    for i in 0..<n { m[i * n + i] += jitter }
    // Cholesky: m = L·Lᵀ, L stored in the lower triangle.
    for j in 0..<n {
      var diagonal = m[j * n + j]
      for k in 0..<j { diagonal -= m[j * n + k] * m[j * n + k] }
      diagonal = diagonal > 0 ? diagonal.squareRoot() : 1e-150
      m[j * n + j] = diagonal
      for i in (j + 1)..<n {
        var value = m[i * n + j]
        for k in 0..<j { value -= m[i * n + k] * m[j * n + k] }
        m[i * n + j] = value / diagonal
      }
    }
    var z = b
    for i in 0..<n {
      for k in 0..<i { z[i] -= m[i * n + k] * z[k] }
      z[i] /= m[i * n + i]
    }
    for i in stride(from: n - 1, through: 0, by: -1) {
      for k in (i + 1)..<n { z[i] -= m[k * n + i] * z[k] }
      z[i] /= m[i * n + i]
    }
    return z
  }
}

/// Limited-memory BFGS (Nocedal & Wright, Algorithm 7.4) with a backtracking Armijo line search:
/// minimises a smooth function given its value and gradient.
struct LBFGS {
  var memory = 10
  var maximumIterations = 100
  /// Stop when the largest gradient component is below this.
  var gradientTolerance = 1e-4

  func minimize(_ start: [Double], _ objective: ([Double]) -> (value: Double, gradient: [Double])) -> [Double] {
    var x = start
    var (f, g) = objective(x)
    var s: [[Double]] = []
    var y: [[Double]] = []
    for _ in 0..<maximumIterations {
      if g.map(abs).max() ?? 0 <= gradientTolerance { break }
      // Two-loop recursion for the search direction d = −H·g.
      var q = g
      var alphas = [Double](repeating: 0, count: s.count)
      for i in stride(from: s.count - 1, through: 0, by: -1) {
        let rho = 1 / dot(y[i], s[i])
        alphas[i] = rho * dot(s[i], q)
        for j in q.indices { q[j] -= alphas[i] * y[i][j] }
      }
      if let lastS = s.last, let lastY = y.last {
        let gamma = dot(lastS, lastY) / dot(lastY, lastY)
        for j in q.indices { q[j] *= gamma }
      } else {
        let norm = (g.reduce(0) { $0 + $1 * $1 }).squareRoot()
        if norm > 0 { for j in q.indices { q[j] /= norm } }
      }
      for i in 0..<s.count {
        let rho = 1 / dot(y[i], s[i])
        let beta = rho * dot(y[i], q)
        for j in q.indices { q[j] += s[i][j] * (alphas[i] - beta) }
      }
      var direction = q.map { -$0 }
      var slope = dot(direction, g)
      if slope >= 0 {  // not a descent direction: restart from steepest descent
        direction = g.map { -$0 }
        slope = dot(direction, g)
        s.removeAll()
        y.removeAll()
      }
      var step = 1.0
      var next = x
      var fNext = f
      var gNext = g
      var accepted = false
      for _ in 0..<40 {
        for j in x.indices { next[j] = x[j] + step * direction[j] }
        (fNext, gNext) = objective(next)
        if fNext.isFinite && fNext <= f + 1e-4 * step * slope {
          accepted = true
          break
        }
        step *= 0.5
      }
      if !accepted { break }
      let sNew = zip(next, x).map { $0 - $1 }
      let yNew = zip(gNext, g).map { $0 - $1 }
      if dot(sNew, yNew) > 1e-12 {
        s.append(sNew)
        y.append(yNew)
        if s.count > memory {
          s.removeFirst()
          y.removeFirst()
        }
      }
      let improvement = f - fNext
      x = next
      f = fNext
      g = gNext
      if improvement <= 1e-12 * max(abs(f), 1) { break }
    }
    return x
  }
}

@inline(__always) func dot(_ a: [Double], _ b: [Double]) -> Double {
  var total = 0.0
  for i in a.indices { total += a[i] * b[i] }
  return total
}
