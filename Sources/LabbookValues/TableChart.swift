/// What `plot T x COL [y COL] [by COL]` draws, computed from the table: the chart's data, not the table.
public struct TableChart: Sendable, Equatable {
  public var table: String
  public var x: String
  public var y: String?
  public var by: String?
  public var content: Content
  /// Rows left out because a plotted column was missing there.
  public var missingRows: Int

  public enum Content: Sendable, Equatable {
    /// A numeric column's distribution: bin edges (one more than counts) and counts.
    case histogram(edges: [Double], counts: [Int])
    /// A categorical column's level counts, per group of `by` (one unnamed group without it).
    case bars(levels: [String], groups: [String], counts: [[Int]])
    /// Two numeric columns, per group of `by`; at most `TableChart.maximumPoints` rows, sampled evenly.
    case scatter(groups: [ScatterGroup])
    /// A numeric column's quartiles per group of `by`.
    case boxes([BoxSummary])
  }

  public struct Point: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) {
      self.x = x
      self.y = y
    }
  }

  public struct ScatterGroup: Sendable, Equatable {
    public var name: String
    public var points: [Point]
    public init(name: String, points: [Point]) {
      self.name = name
      self.points = points
    }
  }

  /// Tukey's box: quartiles (linear interpolation, as numpy), whiskers at the furthest values within
  /// 1.5 IQR of the box, and how many values lie beyond them.
  public struct BoxSummary: Sendable, Equatable {
    public var group: String
    public var count: Int
    public var low: Double
    public var q1: Double
    public var median: Double
    public var q3: Double
    public var high: Double
    public var outliers: Int
    public init(
      group: String, count: Int, low: Double, q1: Double, median: Double, q3: Double, high: Double, outliers: Int
    ) {
      self.group = group
      self.count = count
      self.low = low
      self.q1 = q1
      self.median = median
      self.q3 = q3
      self.high = high
      self.outliers = outliers
    }
  }

  public static let maximumPoints = 5000

  public init(table: String, x: String, y: String?, by: String?, content: Content, missingRows: Int) {
    self.table = table
    self.x = x
    self.y = y
    self.by = by
    self.content = content
    self.missingRows = missingRows
  }

  /// histogram, bars, scatter or box.
  public var kind: String {
    switch content {
    case .histogram: return "histogram"
    case .bars: return "bars"
    case .scatter: return "scatter"
    case .boxes: return "box"
    }
  }
}
