import LabbookML
import LabbookValues

/// A chart drawn as a self-contained SVG document, with the title that stands for it in text.
public struct Plot: Sendable, Equatable {
  public var title: String
  public var svg: String
  public init(title: String, svg: String) {
    self.title = title
    self.svg = svg
  }
}

extension Value {
  /// The charts that show this value better than its table does (none for most values).
  public var plots: [Plot] {
    switch self {
    case .metrics(let model, let table, let metrics):
      return metrics.curves.map { EvaluationPlots.plots($0, model: model, table: table) } ?? []
    case .importance(let model, let table, let importance):
      return [ImportancePlot.plot(importance, model: model, table: table)]
    case .fairness(let model, let table, let report):
      return [FairnessPlot.plot(report, title: "\(model) on \(table): rates by group")]
    case .drift(let report): return DriftPlot.plot(report).map { [$0] } ?? []
    case .automl(let result), .leaderboard(let result): return [AutoMLPlot.plot(result)]
    case .chart(let chart): return [TablePlots.plot(chart)]
    default: return []
    }
  }
}
