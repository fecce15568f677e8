import Foundation
import LabbookCore
import LabbookML

/// A trained model as an ONNX file's bytes, with where it came from in the file's metadata.
public enum ONNXExport {
  /// Lineage written into the file (`metadata_props`), so it survives the export.
  public struct Provenance: Sendable {
    /// A session variable's name, or a registered name.
    public var name: String
    /// The registry version, when the model is a registered one.
    public var version: Int?
    /// The sha256 of the Labbook model file (`model.h5`) this export was made from.
    public var modelSHA256: String
    /// The files the model's session read, with their sha256.
    public var trainingData: [(path: String, sha256: String)]

    public init(name: String, version: Int?, modelSHA256: String, trainingData: [(path: String, sha256: String)]) {
      self.name = name
      self.version = version
      self.modelSHA256 = modelSHA256
      self.trainingData = trainingData
    }

    var reference: String { version.map { "\(name)@\($0)" } ?? name }
  }

  /// One graph input or output: name, element type and shape as ONNX has them.
  public struct Port: Sendable, Equatable {
    public var name: String
    public var type: String
    public var shape: String
  }

  /// What was written, for the statement's result.
  public struct Summary: Sendable {
    public var path: String
    public var model: String
    public var learner: String
    public var task: String
    public var inputs: [Port]
    public var outputs: [Port]
    public var nodes: Int
    public var modelSHA256: String
  }

  /// The metadata keys every export carries.
  public static let metadataKeys = [
    "labbook.model", "labbook.model_version", "labbook.model_sha256", "labbook.training_data", "labbook.version",
    "labbook.learner", "labbook.task", "labbook.target", "labbook.classes",
  ]

  /// The ONNX file's bytes and a summary (its `path` empty until written).
  public static func serialize(_ model: TrainedModel, provenance: Provenance) throws -> (Data, Summary) {
    let graph = try ModelGraph.build(model)
    let trainingData = JSONValue.array(
      provenance.trainingData.map { .object([("path", .string($0.path)), ("sha256", .string($0.sha256))]) })
    let properties: [(String, String)] = [
      ("labbook.model", provenance.reference),
      ("labbook.model_version", provenance.version.map(String.init) ?? ""),
      ("labbook.model_sha256", provenance.modelSHA256),
      ("labbook.training_data", trainingData.compactString),
      ("labbook.version", Labbook.version),
      ("labbook.learner", model.learnerName),
      ("labbook.task", model.task.rawValue),
      ("labbook.target", model.target),
      ("labbook.classes", JSONValue.array(model.classes.map { .string($0) }).compactString),
    ]
    let documentation =
      "\(provenance.reference): a Labbook \(model.learnerName) \(model.task.rawValue) model of '\(model.target)', trained on \(model.trainingRows) rows. "
      + (model.task == .classification
        ? "Outputs: label (the predicted class) and probabilities (one column per class, in the order of labbook.classes)."
        : "Output: variable (the predicted value).")
      + " Inputs: one per raw column, double [N, 1] for numbers (NaN = missing) and string [N, 1] for categories (\"\" = missing)."
    let data = try ONNXSerializer.serialize(
      graph,
      ONNXSerializer.Metadata(
        graphName: String(provenance.reference.prefix(200)), documentation: documentation,
        producerVersion: Labbook.version, modelVersion: Int64(provenance.version ?? 0), properties: properties))
    func port(_ value: ONNXGraph.Value) -> Port {
      Port(
        name: value.name, type: value.type.name,
        shape: "[" + value.shape.map { $0.map(String.init) ?? "N" }.joined(separator: ", ") + "]")
    }
    let summary = Summary(
      path: "", model: provenance.reference, learner: model.learnerName, task: model.task.rawValue,
      inputs: graph.inputs.map(port), outputs: graph.outputs.map(port), nodes: graph.nodes.count,
      modelSHA256: provenance.modelSHA256)
    return (data, summary)
  }
}

extension ONNXGraph.ElementType {
  var name: String {
    switch self {
    case .float: return "float"
    case .uint8: return "uint8"
    case .int64: return "int64"
    case .string: return "string"
    case .bool: return "bool"
    case .double: return "double"
    }
  }
}
