import LabbookCore
import LabbookData
import LabbookML
import LabbookValues

/// Layouts of the learning results: pipelines, models, metrics, cross-validation, importance.
public enum LearningLayouts {
  public static func model(_ name: String, _ model: TrainedModel) -> [Block] {
    var lines = [
      "\(name): \(model.learnerName) \(model.task.rawValue) of '\(model.target)' on \(model.trainingRows) rows, \(model.featureNames.count) features"
    ]
    if model.task == .classification { lines.append("classes: " + model.classes.joined(separator: ", ")) }
    if !model.parameters.isEmpty, model.ensemble == nil {
      lines.append(
        "params: " + model.parameters.keys.sorted().map { "\($0) \(model.parameters[$0]!)" }.joined(separator: ", "))
    }
    if let pipeline = model.pipelineDescription, model.ensemble == nil { lines.append("pipeline: " + pipeline) }
    if let ensemble = model.ensemble {
      lines.append("members (weight): " + ensemble.summary)
    }
    return lines.map(Block.line)
  }

  public static func metrics(_ model: String, _ table: String, _ metrics: Metrics) -> [Block] {
    let names = Metrics.names(for: metrics.task)
    let rows = names.compactMap { name in metrics.value(name).map { [name, formatNumber($0)] } }
    var blocks: [Block] = [
      .line("\(model) on \(table)"), .table(GridTable(header: ["metric", "value"], rows: rows, numericColumns: [1])),
    ]
    if let confusion = metrics.confusion {
      blocks.append(.line("confusion (rows: truth, columns: predicted)"))
      let header = [""] + metrics.labels.map { TableLayouts.clip($0) }
      let body = confusion.enumerated().map {
        [TableLayouts.clip(metrics.labels[$0.offset])] + $0.element.map(String.init)
      }
      blocks.append(.table(GridTable(header: header, rows: body, numericColumns: Set(1...metrics.labels.count))))
    }
    return blocks
  }

  public static func crossValidation(_ model: String, _ table: String, _ cv: CrossValidation) -> [Block] {
    let rows = cv.metricNames.map { [$0, formatNumber(cv.metrics[$0]!.mean), formatNumber(cv.metrics[$0]!.std)] }
    return [
      .line("\(model) on \(table), \(cv.folds)-fold cross-validation"),
      .table(GridTable(header: ["metric", "mean", "std"], rows: rows, numericColumns: [1, 2])),
    ]
  }

  public static func importance(_ model: String, _ table: String, _ importance: PermutationImportance) -> [Block] {
    let rows = importance.columns.map { [$0.name, formatNumber($0.mean), formatNumber($0.std)] }
    return [
      .line(
        "\(model) on \(table): drop in \(importance.metric) (baseline \(formatNumber(importance.baseline))) when a column is shuffled, \(importance.repeats) repeats"
      ),
      .table(GridTable(header: ["column", "mean drop", "std"], rows: rows, numericColumns: [1, 2])),
    ]
  }
}
