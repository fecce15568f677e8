import LabbookCore

/// k nearest neighbours by Euclidean distance (brute force), votes weighted uniformly or by 1/distance,
/// as scikit-learn's KNeighborsClassifier/Regressor. Ties in distance go to the earlier training row.
struct NearestNeighbors {
  var k: Int
  var distanceWeighted: Bool

  func fit(_ data: TrainingData) -> FittedNeighbors {
    let n = data.x.rowCount
    let d = data.x.width
    var rows = [Double](repeating: 0, count: n * d)
    for (j, feature) in data.x.features.enumerated() {
      for i in 0..<n { rows[i * d + j] = feature.values[i] }
    }
    return FittedNeighbors(
      rows: rows, width: d, k: min(k, n), distanceWeighted: distanceWeighted, target: data.y,
      weights: (0..<n).map { data.weight($0) })
  }
}

package struct FittedNeighbors: FittedLearner {
  package var rows: [Double]
  package var width: Int
  package var k: Int
  package var distanceWeighted: Bool
  package var target: Target
  package var weights: [Double]

  package func predict(_ x: FeatureMatrix) -> Prediction {
    let n = x.rowCount
    let trainRows = weights.count
    let classes = target.classes.count
    var probabilities = [Double](repeating: 0, count: target.task == .classification ? n * classes : 0)
    var values = [Double](repeating: 0, count: target.task == .regression ? n : 0)
    var query = [Double](repeating: 0, count: width)
    var nearest: [(distance: Double, index: Int)] = []
    for i in 0..<n {
      for j in 0..<width { query[j] = x.features[j].values[i] }
      nearest.removeAll(keepingCapacity: true)
      for t in 0..<trainRows {
        var distance = 0.0
        let base = t * width
        for j in 0..<width {
          let delta = rows[base + j] - query[j]
          distance += delta * delta
        }
        if nearest.count < k {
          nearest.append((distance, t))
          if nearest.count == k { nearest.sort { ($0.distance, $0.index) < ($1.distance, $1.index) } }
        } else if distance < nearest[k - 1].distance {
          var position = k - 1
          while position > 0 && nearest[position - 1].distance > distance { position -= 1 }
          nearest.insert((distance, t), at: position)
          nearest.removeLast()
        }
      }
      if nearest.count < k { nearest.sort { ($0.distance, $0.index) < ($1.distance, $1.index) } }
      // With distance weights an exact match decides alone (scikit-learn does the same).
      let exact = distanceWeighted && nearest.contains { $0.distance == 0 }
      var total = 0.0
      for neighbour in nearest {
        var w = weights[neighbour.index]
        if distanceWeighted { w = exact ? (neighbour.distance == 0 ? w : 0) : w / neighbour.distance.squareRoot() }
        total += w
        if target.task == .classification {
          probabilities[i * classes + target.codes[neighbour.index]] += w
        } else {
          values[i] += w * target.values[neighbour.index]
        }
      }
      if total > 0 {
        if target.task == .classification {
          for c in 0..<classes { probabilities[i * classes + c] /= total }
        } else {
          values[i] /= total
        }
      }
    }
    return target.task == .classification ? .probabilities(probabilities, classes: classes) : .values(values)
  }
}
