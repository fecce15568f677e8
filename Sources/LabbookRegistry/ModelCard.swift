import Foundation
import LabbookCore
import LabbookML

/// `card.json`: the model card a person reads next to `model.h5` (after Mitchell et al., "Model Cards
/// for Model Reporting", 2019): what the model is, what it was trained on and how, how well and how
/// fairly it did where it was evaluated, where it came from, and how to use it.
enum ModelCard {
  static func json(_ record: VersionRecord, model: TrainedModel) -> JSONValue {
    .object([
      ("model", .string(record.reference)),
      ("summary", .string(summary(record, model))),
      ("description", .string(record.description)),
      (
        "details",
        .object([
          ("learner", .string(model.learnerName)), ("task", .string(model.task.rawValue)),
          ("target", .string(model.target)), ("classes", .array(model.classes.map { .string($0) })),
          ("input_columns", .array(model.inputColumns.map { .string($0) })),
          ("features", .num(model.featureNames.count)), ("pipeline", .optional(model.pipelineDescription)),
          ("params", record.params), ("training_rows", .num(model.trainingRows)),
          ("seed", .string(String(model.seed))),
          (
            "group_thresholds",
            model.groupThresholds.map { thresholds in
              .object(zip(thresholds.labels, thresholds.thresholds).map { ($0.0, .num($0.1)) })
            } ?? .null
          ),
        ])
      ),
      ("metrics", record.metrics),
      ("fairness", record.fairness),
      ("lineage", record.lineage.json),
      ("tags", .object(record.tags.map { ($0.key, .string($0.value)) })),
      ("sha256_of_model_h5", .string(record.sha256)),
      ("creator", .string(record.creator)),
      ("created", .string(record.created)),
      ("tool_version", .string(record.toolVersion)),
      ("how_to_use", .string("labbook: m = use \"\(record.reference)\"  ·  predict m on TABLE")),
    ])
  }

  static func summary(_ record: VersionRecord, _ model: TrainedModel) -> String {
    var text =
      "\(record.reference): a \(model.learnerName) \(model.task.rawValue) model of '\(model.target)' trained on \(model.trainingRows) rows"
    if let table = record.metrics["table"]?.stringValue {
      let name = model.task == .classification ? "accuracy" : "r2"
      if let value = record.metrics[name]?.doubleValue { text += "; \(name) \(formatScore(value)) on '\(table)'" }
    }
    return text + "."
  }

  static func formatScore(_ value: Double) -> String { String(format: "%.4f", value) }

  static func write(_ record: VersionRecord, model: TrainedModel, to path: String) throws {
    try Data((json(record, model: model).prettyString(indent: 2) + "\n").utf8).write(to: URL(fileURLWithPath: path))
  }
}
