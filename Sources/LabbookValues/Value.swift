import LabbookCore
import LabbookData
import LabbookML
import LabbookNotebook
import LabbookONNX
import LabbookRegistry

/// Everything a statement can produce or a variable can hold. Rendering as text or JSON is separate
/// (`Value+Text.swift`, `Value+JSON.swift`), so the prompt, `--json` and the notebook show the same value.
public indirect enum Value: Sendable {
  case number(Double)
  case string(String)
  case duration(Double)
  case list([Value])
  case table(Table)
  /// A table just read from a file, with the file's content hash (so the chain covers the input).
  case loaded(Table, source: RecordedInput)
  /// Several values bound at once (`train, test = split ...`).
  case tuple([Value])
  case description(table: String, TableDescription)
  case findings(table: String, rows: Int, [Finding])
  case rows(Table, limit: Int)
  /// `predict`'s table, with the rows whose inputs held levels never seen in training.
  case predicted(Table, unseen: UnseenLevels)
  case saved(path: String, group: String, table: Table)
  /// `export M to "f.onnx"`: what the ONNX file holds.
  case exported(ONNXExport.Summary)
  case variables([VariableSummary])
  /// A help page, laid out so it wraps to whatever width shows it.
  case help(topic: String, page: [Block])
  case history([String])
  case param(name: String, value: Value, overridden: Bool)
  case pipeline(Pipeline)
  case model(name: String, TrainedModel)
  case metrics(model: String, table: String, Metrics)
  case crossValidation(model: String, table: String, CrossValidation)
  case importance(model: String, table: String, PermutationImportance)
  case fairness(model: String, table: String, FairnessReport)
  /// A model from `mitigate`, with the figures before and after; binds as the model.
  case mitigated(name: String, TrainedModel, MitigationReport)
  case drift(DriftReport)
  case registered(name: String, version: Int, aliases: [String], sha256: String)
  case aliasMoved(name: String, alias: String, version: Int)
  case rolledBack(name: String, alias: String, from: Int, to: Int)
  case registryListing([VersionRecord])
  case comparison(Comparison)
  case promotion(PromotionDecision)
  /// An AutoML search; `show S` gives its whole leaderboard.
  case automl(AutoMLResult)
  case leaderboard(AutoMLResult)
  /// `plot T x COL [y COL] [by COL]`.
  case chart(TableChart)

  /// What kind of thing this is, in words, for messages and `vars`.
  public var typeName: String {
    switch self {
    case .number: return "number"
    case .string: return "string"
    case .duration: return "duration"
    case .list: return "list"
    case .table, .loaded, .predicted: return "table"
    case .tuple: return "values"
    case .description: return "description"
    case .findings: return "check report"
    case .rows: return "rows"
    case .saved: return "saved table"
    case .exported: return "ONNX export"
    case .variables: return "variables"
    case .help: return "help"
    case .history: return "history"
    case .param(_, let value, _): return value.typeName
    case .pipeline: return "pipeline"
    case .model: return "model"
    case .metrics: return "metrics"
    case .crossValidation: return "cross-validation"
    case .importance: return "importance"
    case .fairness: return "fairness report"
    case .mitigated: return "model"
    case .drift: return "drift report"
    case .registered: return "registered version"
    case .aliasMoved: return "alias move"
    case .rolledBack: return "rollback"
    case .registryListing: return "registry listing"
    case .comparison: return "comparison"
    case .promotion: return "promotion"
    case .automl: return "automl search"
    case .leaderboard: return "leaderboard"
    case .chart: return "plot"
    }
  }
}

/// One line of `vars`.
public struct VariableSummary: Sendable {
  public var name: String
  public var type: String
  public var summary: String

  public init(name: String, type: String, summary: String) {
    self.name = name
    self.type = type
    self.summary = summary
  }
}
