/// The outcome of `promote ... if better on T`.
public struct PromotionDecision: Sendable {
  public var name: String
  public var alias: String
  public var candidate: Int
  public var incumbent: Int?
  public var table: String
  public var metric: String
  public var candidateScore: Double?
  public var incumbentScore: Double?
  public var promoted: Bool

  public init(
    name: String, alias: String, candidate: Int, incumbent: Int?, table: String, metric: String,
    candidateScore: Double?, incumbentScore: Double?, promoted: Bool
  ) {
    self.name = name
    self.alias = alias
    self.candidate = candidate
    self.incumbent = incumbent
    self.table = table
    self.metric = metric
    self.candidateScore = candidateScore
    self.incumbentScore = incumbentScore
    self.promoted = promoted
  }
}
