import LabbookCore
import LabbookData
import LabbookML
import LabbookRender
import LabbookValues

/// What names and fields mean in the language: the value an assignment binds, and `value.field`.
extension Value {
  /// The value a parameter or assignment stands for.
  var bound: Value {
    if case .param(_, let value, _) = self { return value }
    if case .rows(let table, _) = self { return .table(table) }
    if case .saved(_, _, let table) = self { return .table(table) }
    if case .loaded(let table, _) = self { return .table(table) }
    if case .predicted(let table, _) = self { return .table(table) }
    if case .mitigated(let name, let model, _) = self { return .model(name: name, model) }
    return self
  }

  /// `value.field`, for the fields a value has.
  func field(_ name: String) -> Value? {
    switch bound {
    case .table(let table):
      switch name {
      case "rows": return .number(Double(table.rowCount))
      case "columns": return .list(table.columnNames.map { .string($0) })
      case "target": return table.target.map { .string($0) }
      case "protected": return table.protected.map { .string($0) }
      default: return nil
      }
    case .tuple(let values), .list(let values):
      if name == "count" { return .number(Double(values.count)) }
      return nil
    case .model(_, let model):
      switch name {
      case "task": return .string(model.task.rawValue)
      case "target": return .string(model.target)
      case "learner": return .string(model.learnerName)
      case "classes": return .list(model.classes.map { .string($0) })
      case "features": return .list(model.featureNames.map { .string($0) })
      default: return nil
      }
    case .metrics(_, _, let metrics):
      return metrics.value(name).map { .number($0) }
    case .crossValidation(_, _, let cv):
      return cv.metrics[name].map { .number($0.mean) }
    case .fairness(_, _, let report):
      return report.summary(name).map { .number($0) }
    case .automl(let result):
      switch name {
      case "best": return .model(name: "best", result.model)
      case "trials": return .table(AutoMLLayouts.trialTable(result))
      case "score": return .number(result.best.score ?? .nan)
      case "evaluated": return .number(Double(result.evaluated.count))
      default: return nil
      }
    case .drift(let report):
      if name == "drifted" { return .number(report.drifted ? 1 : 0) }
      if name == "columns" { return .list(report.columns.filter(\.drifted).map { .string($0.name) }) }
      return nil
    default: return nil
    }
  }

  func fieldNames() -> [String] {
    switch bound {
    case .table: return ["rows", "columns", "target", "protected"]
    case .tuple, .list: return ["count"]
    case .model: return ["task", "target", "learner", "classes", "features"]
    case .metrics(_, _, let m):
      return Metrics.names(for: m.task).filter {
        m.value($0) != nil
      }
    case .crossValidation(_, _, let cv): return cv.metricNames
    case .fairness(_, _, let report): return FairnessReport.summaryNames.filter { report.summary($0) != nil }
    case .automl: return ["best", "trials", "score", "evaluated"]
    case .drift: return ["drifted", "columns"]
    default: return []
    }
  }
}
