import Foundation

/// Naive Bayes: Gaussian likelihoods for numeric features (variances smoothed by `smoothing` times the
/// largest feature variance, as scikit-learn's GaussianNB) and categorical likelihoods with Laplace
/// smoothing for categorical features. A missing value leaves its feature out of that row's product.
struct NaiveBayes {
  var smoothing: Double

  func fit(_ data: TrainingData) -> FittedNaiveBayes {
    let k = data.classCount
    let n = data.x.rowCount
    var classWeight = [Double](repeating: 0, count: k)
    for i in 0..<n { classWeight[data.y.codes[i]] += data.weight(i) }
    let total = classWeight.reduce(0, +)
    var features: [FittedNaiveBayes.FeatureModel] = []
    var largestVariance = 0.0
    for feature in data.x.features {
      if let levels = feature.levels {
        var counts = [[Double]](repeating: [Double](repeating: 0, count: levels.count), count: k)
        for i in 0..<n where !feature.values[i].isNaN {
          counts[data.y.codes[i]][Int(feature.values[i])] += data.weight(i)
        }
        let logProbabilities = counts.map { row -> [Double] in
          let rowTotal = row.reduce(0, +) + Double(levels.count)
          return row.map { Foundation.log(($0 + 1) / rowTotal) }
        }
        features.append(.categorical(logProbabilities))
        continue
      }
      var means = [Double](repeating: 0, count: k)
      var variances = [Double](repeating: 0, count: k)
      var weights = [Double](repeating: 0, count: k)
      for i in 0..<n where !feature.values[i].isNaN {
        means[data.y.codes[i]] += data.weight(i) * feature.values[i]
        weights[data.y.codes[i]] += data.weight(i)
      }
      for c in 0..<k { means[c] /= max(weights[c], 1e-300) }
      for i in 0..<n where !feature.values[i].isNaN {
        let delta = feature.values[i] - means[data.y.codes[i]]
        variances[data.y.codes[i]] += data.weight(i) * delta * delta
      }
      for c in 0..<k { variances[c] /= max(weights[c], 1e-300) }
      // The smoothing scale is the variance of the feature over all rows (scikit-learn's var_smoothing).
      let present = feature.values.filter { !$0.isNaN }
      if !present.isEmpty {
        let mean = present.reduce(0, +) / Double(present.count)
        largestVariance = max(
          largestVariance, present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(present.count))
      }
      features.append(.gaussian(means: means, variances: variances))
    }
    let epsilon = smoothing * largestVariance
    features = features.map { model in
      if case .gaussian(let means, let variances) = model {
        return .gaussian(means: means, variances: variances.map { $0 + (epsilon > 0 ? epsilon : 1e-300) })
      }
      return model
    }
    return FittedNaiveBayes(logPriors: classWeight.map { Foundation.log(max($0, 1e-300) / total) }, features: features)
  }
}

package struct FittedNaiveBayes: FittedLearner {
  package enum FeatureModel: Sendable {
    case gaussian(means: [Double], variances: [Double])
    case categorical([[Double]])
  }
  package var logPriors: [Double]
  package var features: [FeatureModel]

  package func predict(_ x: FeatureMatrix) -> Prediction {
    let k = logPriors.count
    var result = [Double](repeating: 0, count: x.rowCount * k)
    for i in 0..<x.rowCount {
      var scores = logPriors
      for (j, model) in features.enumerated() {
        let value = x.features[j].values[i]
        if value.isNaN { continue }
        switch model {
        case .gaussian(let means, let variances):
          for c in 0..<k {
            let delta = value - means[c]
            scores[c] += -0.5 * Foundation.log(2 * Double.pi * variances[c]) - delta * delta / (2 * variances[c])
          }
        case .categorical(let logProbabilities):
          let level = Int(value)
          for c in 0..<k where level >= 0 && level < logProbabilities[c].count {
            scores[c] += logProbabilities[c][level]
          }
        }
      }
      let top = scores.max()!
      let exps = scores.map { Foundation.exp($0 - top) }
      let total = exps.reduce(0, +)
      for c in 0..<k { result[i * k + c] = exps[c] / total }
    }
    return .probabilities(result, classes: k)
  }
}
