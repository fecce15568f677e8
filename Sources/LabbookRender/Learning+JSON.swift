import LabbookCore
import LabbookData
import LabbookML
import LabbookValues

/// JSON of the learning results (SPEC §3 `metrics`, and `pipeline`, `model`, `cv`, `importance`).
public enum LearningJSON {
  public static func render(_ value: Value) -> JSONValue {
    switch value {
    case .pipeline(let pipeline):
      return .object([("kind", .string("pipeline")), ("steps", .array(pipeline.steps.map { .string($0.description) }))])
    case .model(let name, let model): return self.model(name, model)
    case .metrics(let model, let table, let metrics):
      var pairs: [(String, JSONValue)] = [
        ("kind", .string("metrics")), ("model", .string(model)), ("table", .string(table)),
      ]
      pairs += fields(metrics)
      return .object(pairs)
    case .crossValidation(let model, let table, let cv):
      return .object([
        ("kind", .string("cv")), ("model", .string(model)), ("table", .string(table)), ("folds", .num(cv.folds)),
        (
          "metrics",
          .object(
            cv.metricNames.map { name in
              (name, .object([("mean", .num(cv.metrics[name]!.mean)), ("std", .num(cv.metrics[name]!.std))]))
            })
        ),
      ])
    case .importance(let model, let table, let importance):
      return .object([
        ("kind", .string("importance")), ("model", .string(model)), ("table", .string(table)),
        ("metric", .string(importance.metric)), ("baseline", .num(importance.baseline)),
        ("repeats", .num(importance.repeats)),
        (
          "columns",
          .array(
            importance.columns.map {
              .object([("name", .string($0.name)), ("mean", .num($0.mean)), ("std", .num($0.std))])
            })
        ),
      ])
    default: return .null
    }
  }

  public static func fields(_ metrics: Metrics) -> [(String, JSONValue)] {
    if metrics.task == .regression {
      return [
        ("r2", .num(metrics.r2 ?? .nan)), ("rmse", .num(metrics.rmse ?? .nan)), ("mae", .num(metrics.mae ?? .nan)),
      ]
    }
    return [
      ("accuracy", .num(metrics.accuracy ?? .nan)), ("precision", .num(metrics.precision ?? .nan)),
      ("recall", .num(metrics.recall ?? .nan)), ("f1", .num(metrics.f1 ?? .nan)),
      ("auc", metrics.auc.map { .num($0) } ?? .null),
      ("logloss", .num(metrics.logLoss ?? .nan)),
      ("confusion", .array((metrics.confusion ?? []).map { .array($0.map { .num($0) }) })),
      ("labels", .array(metrics.labels.map { .string($0) })),
    ]
  }

  public static func model(_ name: String, _ model: TrainedModel) -> JSONValue {
    .object([
      ("kind", .string("model")), ("name", .string(name)), ("learner", .string(model.kind.rawValue)),
      ("task", .string(model.task.rawValue)), ("target", .string(model.target)),
      ("classes", .array(model.classes.map { .string($0) })),
      ("params", .object(model.parameters.keys.sorted().map { ($0, parameterJSON(model.parameters[$0]!)) })),
      ("pipeline", .optional(model.pipelineDescription)), ("inputs", .array(model.inputColumns.map { .string($0) })),
      ("features", .num(model.featureNames.count)), ("train_rows", .num(model.trainingRows)),
      ("seed", .number(Double(model.seed))),
    ])
  }

  public static func parameterJSON(_ value: ParameterValue) -> JSONValue {
    switch value {
    case .number(let v): return .num(v)
    case .word(let w): return .string(w)
    }
  }
}

/// Text of the learning results for the prompt and the notebook's text/plain.
public enum LearningText {
  public static func render(_ value: Value) -> String {
    switch value {
    case .pipeline(let pipeline): return "pipeline: " + pipeline.description
    case .model(let name, let model):
      var lines = [
        "\(name): \(model.kind.rawValue) \(model.task.rawValue) of '\(model.target)' on \(model.trainingRows) rows, \(model.featureNames.count) features"
      ]
      if model.task == .classification { lines.append("classes: " + model.classes.joined(separator: ", ")) }
      if !model.parameters.isEmpty {
        lines.append(
          "params: " + model.parameters.keys.sorted().map { "\($0) \(model.parameters[$0]!)" }.joined(separator: ", "))
      }
      if let pipeline = model.pipelineDescription { lines.append("pipeline: " + pipeline) }
      return lines.joined(separator: "\n")
    case .metrics(let model, let table, let metrics): return self.metrics(model, table, metrics)
    case .crossValidation(let model, let table, let cv):
      let rows = cv.metricNames.map { [$0, formatNumber(cv.metrics[$0]!.mean), formatNumber(cv.metrics[$0]!.std)] }
      return "\(model) on \(table), \(cv.folds)-fold cross-validation\n"
        + TableText.grid(header: ["metric", "mean", "std"], rows: rows, numericColumns: [1, 2])
    case .importance(let model, let table, let importance):
      let rows = importance.columns.map { [$0.name, formatNumber($0.mean), formatNumber($0.std)] }
      return
        "\(model) on \(table): drop in \(importance.metric) (baseline \(formatNumber(importance.baseline))) when a column is shuffled, \(importance.repeats) repeats\n"
        + TableText.grid(header: ["column", "mean drop", "std"], rows: rows, numericColumns: [1, 2])
    default: return ""
    }
  }

  public static func metrics(_ model: String, _ table: String, _ metrics: Metrics) -> String {
    let names = Metrics.names(for: metrics.task)
    let rows = names.compactMap { name in metrics.value(name).map { [name, formatNumber($0)] } }
    var text = "\(model) on \(table)\n" + TableText.grid(header: ["metric", "value"], rows: rows, numericColumns: [1])
    if let confusion = metrics.confusion {
      text += "\nconfusion (rows: truth, columns: predicted)\n"
      let header = [""] + metrics.labels.map { TableText.clip($0) }
      let body = confusion.enumerated().map {
        [TableText.clip(metrics.labels[$0.offset])] + $0.element.map(String.init)
      }
      text += TableText.grid(header: header, rows: body, numericColumns: Set(1...metrics.labels.count))
    }
    return text
  }
}
