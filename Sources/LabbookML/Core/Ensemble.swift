import LabbookData

/// A weighted average of models (AutoML's ensemble selection): each member is a whole trained model with
/// its own pipeline, refitted on every row; the ensemble predicts the weighted mean of the members'
/// class probabilities (classification) or values (regression).
public struct Ensemble: Sendable {
  public var members: [TrainedModel]
  /// One per member, summing to 1 (how many times ensemble selection picked it, over the picks).
  public var weights: [Double]

  public init(members: [TrainedModel], weights: [Double]) {
    self.members = members
    self.weights = weights
  }

  /// The weighted mean of the members' predictions, and the first member's unseen-level report (they
  /// all read the same columns through the same training levels).
  func predict(_ table: Table) throws -> (Prediction, UnseenLevels) {
    var sum: [Double] = []
    var classes = 0
    var unseen = UnseenLevels()
    for (index, (member, weight)) in zip(members, weights).enumerated() {
      let (prediction, report) = try member.predictReporting(table)
      if index == 0 { unseen = report }
      let values: [Double]
      switch prediction {
      case .probabilities(let p, let k):
        classes = k
        values = p
      case .values(let v): values = v
      }
      if sum.isEmpty { sum = [Double](repeating: 0, count: values.count) }
      guard values.count == sum.count else { throw MLError("the ensemble's members disagree on the output shape") }
      for i in values.indices { sum[i] += weight * values[i] }
    }
    return (classes > 0 ? .probabilities(sum, classes: classes) : .values(sum), unseen)
  }

  /// "gbm ×2, logistic", for the model's description.
  public var summary: String {
    var counts: [(String, Double)] = []
    for (member, weight) in zip(members, weights) {
      if let index = counts.firstIndex(where: { $0.0 == member.kind.rawValue }) {
        counts[index].1 += weight
      } else {
        counts.append((member.kind.rawValue, weight))
      }
    }
    return counts.map { "\($0.0) \(formatNumber($0.1, significant: 3))" }.joined(separator: ", ")
  }
}
