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
      ("kind", .string("model")), ("name", .string(name)), ("learner", .string(model.learnerName)),
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
