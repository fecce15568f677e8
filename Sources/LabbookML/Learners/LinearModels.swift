import Foundation

/// Least squares (`linear`, alpha 0) and ridge regression: minimises Σ wᵢ(yᵢ − xᵢ·β − b)² + α‖β‖²
/// (the intercept is not penalised), by centring and solving the normal equations.
struct RidgeRegression {
  var alpha: Double

  func fit(_ data: TrainingData) -> FittedLinear {
    let x = data.x
    let d = x.width
    let n = x.rowCount
    var totalWeight = 0.0
    var means = [Double](repeating: 0, count: d)
    var yMean = 0.0
    for i in 0..<n {
      let w = data.weight(i)
      totalWeight += w
      yMean += w * data.y.values[i]
    }
    yMean /= totalWeight
    for j in 0..<d {
      var total = 0.0
      for i in 0..<n { total += data.weight(i) * x.features[j].values[i] }
      means[j] = total / totalWeight
    }
    // Normal equations on centred data: (XᵀWX + αI)β = XᵀW(y − ȳ).
    var gram = [Double](repeating: 0, count: d * d)
    var right = [Double](repeating: 0, count: d)
    let centred = x.features.enumerated().map { j, feature in feature.values.map { $0 - means[j] } }
    for a in 0..<d {
      for b in a..<d {
        var total = 0.0
        for i in 0..<n { total += data.weight(i) * centred[a][i] * centred[b][i] }
        gram[a * d + b] = total
        gram[b * d + a] = total
      }
      var total = 0.0
      for i in 0..<n { total += data.weight(i) * centred[a][i] * (data.y.values[i] - yMean) }
      right[a] = total
      gram[a * d + a] += alpha
    }
    let beta = d == 0 ? [] : LinearAlgebra.solveSymmetric(gram, right, n: d)
    let intercept = yMean - zip(beta, means).reduce(0) { $0 + $1.0 * $1.1 }
    return FittedLinear(coefficients: beta, intercept: intercept)
  }
}

package struct FittedLinear: FittedLearner {
  package var coefficients: [Double]
  package var intercept: Double

  package func predict(_ x: FeatureMatrix) -> Prediction {
    var values = [Double](repeating: intercept, count: x.rowCount)
    for (j, feature) in x.features.enumerated() {
      let c = coefficients[j]
      for i in 0..<x.rowCount { values[i] += c * feature.values[i] }
    }
    return .values(values)
  }
}

/// L2-regularised logistic regression as scikit-learn's `LogisticRegression(C=c)` defines it:
/// minimises C·Σ wᵢ·logloss + ½‖W‖² (intercepts not penalised) with L-BFGS; binary problems use one
/// weight vector, multiclass ones the multinomial (softmax) model. The optimisation runs on
/// standardised features with the penalty rewritten to match (‖W‖² = Σ (vⱼ/σⱼ)²), which is the same
/// objective but far better conditioned, so it reaches the optimum within the iteration budget even
/// on unscaled data.
struct LogisticRegression {
  var c: Double
  var iterations: Int

  func fit(_ data: TrainingData) -> FittedLogistic {
    let x = data.x
    let d = x.width
    let n = x.rowCount
    let k = data.classCount
    let outputs = k == 2 ? 1 : k
    let stride = d + 1
    var means = [Double](repeating: 0, count: d)
    var scales = [Double](repeating: 1, count: d)
    for (j, feature) in x.features.enumerated() {
      let mean = feature.values.reduce(0, +) / Double(max(n, 1))
      let variance = feature.values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(n, 1))
      means[j] = mean
      scales[j] = variance > 1e-24 ? variance.squareRoot() : 1
    }
    let columns = x.features.enumerated().map { j, feature in feature.values.map { ($0 - means[j]) / scales[j] } }
    let penalty = scales.map { 1 / ($0 * $0) }
    // The objective is divided by the total weight (as scikit-learn does), so the gradient tolerance
    // means the same for 100 rows as for 100,000.
    let optimizer = LBFGS(memory: 10, maximumIterations: iterations, gradientTolerance: 1e-4)
    let weights = (0..<n).map { data.weight($0) }
    let labels = data.y.codes
    let c = self.c
    let normaliser = 1 / max(weights.reduce(0, +), 1e-300)
    let scaled = optimizer.minimize([Double](repeating: 0, count: outputs * stride)) { theta in
      var value = 0.0
      var gradient = [Double](repeating: 0, count: theta.count)
      var scores = [Double](repeating: 0, count: outputs)
      var residuals = [Double](repeating: 0, count: outputs)
      for i in 0..<n {
        for o in 0..<outputs {
          var z = theta[o * stride + d]
          for j in 0..<d { z += theta[o * stride + j] * columns[j][i] }
          scores[o] = z
        }
        let w = weights[i] * c
        if outputs == 1 {
          let z = scores[0]
          let y = labels[i] == 1 ? 1.0 : 0.0
          // log(1 + e^z) − y·z, computed stably.
          value +=
            w * ((z > 0 ? z + Foundation.log1p(Foundation.exp(-z)) : Foundation.log1p(Foundation.exp(z))) - y * z)
          residuals[0] = 1 / (1 + Foundation.exp(-z)) - y
        } else {
          let top = scores.max()!
          var total = 0.0
          for o in 0..<outputs {
            residuals[o] = Foundation.exp(scores[o] - top)
            total += residuals[o]
          }
          value += w * (top + Foundation.log(total) - scores[labels[i]])
          for o in 0..<outputs { residuals[o] = residuals[o] / total - (o == labels[i] ? 1 : 0) }
        }
        for o in 0..<outputs {
          let r = w * residuals[o]
          for j in 0..<d { gradient[o * stride + j] += r * columns[j][i] }
          gradient[o * stride + d] += r
        }
      }
      for o in 0..<outputs {
        for j in 0..<d {
          let v = theta[o * stride + j]
          value += 0.5 * penalty[j] * v * v
          gradient[o * stride + j] += penalty[j] * v
        }
      }
      return (value * normaliser, gradient.map { $0 * normaliser })
    }
    // Back to the raw features: wⱼ = vⱼ/σⱼ and b = b' − Σ vⱼ·μⱼ/σⱼ.
    var parameters = scaled
    for o in 0..<outputs {
      var intercept = scaled[o * stride + d]
      for j in 0..<d {
        parameters[o * stride + j] = scaled[o * stride + j] / scales[j]
        intercept -= scaled[o * stride + j] * means[j] / scales[j]
      }
      parameters[o * stride + d] = intercept
    }
    return FittedLogistic(parameters: parameters, width: d, outputs: outputs, classes: k)
  }
}

package struct FittedLogistic: FittedLearner {
  package var parameters: [Double]
  package var width: Int
  package var outputs: Int
  package var classes: Int

  package func predict(_ x: FeatureMatrix) -> Prediction {
    let n = x.rowCount
    let stride = width + 1
    var result = [Double](repeating: 0, count: n * classes)
    var scores = [Double](repeating: 0, count: outputs)
    for i in 0..<n {
      for o in 0..<outputs {
        var z = parameters[o * stride + width]
        for j in 0..<width { z += parameters[o * stride + j] * x.features[j].values[i] }
        scores[o] = z
      }
      if outputs == 1 {
        let p = 1 / (1 + Foundation.exp(-scores[0]))
        result[i * 2] = 1 - p
        result[i * 2 + 1] = p
      } else {
        let top = scores.max()!
        let exps = scores.map { Foundation.exp($0 - top) }
        let total = exps.reduce(0, +)
        for o in 0..<outputs { result[i * classes + o] = exps[o] / total }
      }
    }
    return .probabilities(result, classes: classes)
  }
}
