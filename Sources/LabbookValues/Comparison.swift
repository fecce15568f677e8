import LabbookML

/// The result of `compare`.
public struct Comparison: Sendable {
  public var first: String
  public var second: String
  public var table: String
  public var metric: String
  public var firstMetrics: Metrics
  public var secondMetrics: Metrics
  /// The better model's name, or nil on a tie.
  public var better: String?

  public init(
    first: String, second: String, table: String, metric: String, firstMetrics: Metrics, secondMetrics: Metrics,
    better: String?
  ) {
    self.first = first
    self.second = second
    self.table = table
    self.metric = metric
    self.firstMetrics = firstMetrics
    self.secondMetrics = secondMetrics
    self.better = better
  }
}
