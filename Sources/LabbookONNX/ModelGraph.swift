import Foundation
import LabbookData
import LabbookML

/// A trained model as an ONNX graph, as skl2onnx converts a scikit-learn Pipeline: one input per raw
/// column (double `[N, 1]` for numbers, NaN = missing; string `[N, 1]` for categories, "" = missing),
/// every pipeline step, the automatic one-hot encoding, the learner, and the outputs `label` (`[N]`:
/// int64 when every class is a whole number, else string) and `probabilities` (`[N, K]` double) for a
/// classifier, `variable` (`[N, 1]` double) for a regressor.
///
/// Everything is computed in double, in the order Labbook computes it where the order changes the
/// result (nearest-neighbour distances, naive Bayes sums), so predictions agree to rounding: trees use
/// the ai.onnx.ml TreeEnsemble operator (opset 5) with double thresholds and set-membership splits for
/// categories. What cannot be written exactly is refused with the reason.
struct ModelGraph {
  var graph = ONNXGraph()
  /// The current tensor of each column, and whether it holds text.
  private var columns: [String: (name: String, text: Bool)] = [:]
  private var order: [String] = []

  static let defaultDomain = ""
  static let mlDomain = "ai.onnx.ml"

  /// The whole model: inputs, the model's computation, outputs.
  static func build(_ model: TrainedModel) throws -> ONNXGraph {
    guard model.groupThresholds == nil else {
      throw ExportError(
        "this model applies group thresholds from `mitigate ... method threshold`, which read the protected column's group at prediction time; ONNX export of that is not supported — export the model before mitigation"
      )
    }
    var builder = ModelGraph()
    let outputNames = model.task == .regression ? ["variable"] : ["label", "probabilities"]
    let root = model.ensemble?.members.first ?? model
    if let clash = root.inputColumns.first(where: outputNames.contains) {
      throw ExportError(
        "input column '\(clash)' has the name of an ONNX output (\(outputNames.joined(separator: ", "))); give the column another name (derive it under a new name and drop it) and train again"
      )
    }
    for name in outputNames + root.inputColumns { builder.graph.reserve(name) }
    let kinds = try builder.addInputs(model)
    let scores = try builder.prediction(model, kinds: kinds)
    builder.addOutputs(model, scores)
    return builder.graph
  }

  /// One graph input per raw column the model reads, typed as it was in training.
  private mutating func addInputs(_ model: TrainedModel) throws -> [String: InputKind] {
    let root = model.ensemble?.members.first ?? model
    guard let kinds = root.inputKinds else {
      throw ExportError(
        "this model comes from model-file format 1, which did not record whether each input was a number or a category; train it again to export it"
      )
    }
    var byName: [String: InputKind] = [:]
    for (name, kind) in zip(root.inputColumns, kinds) {
      var text = false
      if case .categorical = kind { text = true }
      graph.inputs.append(ONNXGraph.Value(name: name, type: text ? .string : .double, shape: [nil, 1]))
      byName[name] = kind
    }
    return byName
  }

  /// The model's probabilities `[N, K]` or values `[N, 1]` (an ensemble: its members' weighted mean).
  private mutating func prediction(_ model: TrainedModel, kinds: [String: InputKind]) throws -> String {
    if let ensemble = model.ensemble {
      var total: String?
      for (member, weight) in zip(ensemble.members, ensemble.weights) {
        let output = try single(member, kinds: kinds)
        let weighted = graph.op("Mul", [output, graph.scalar(weight)])
        total = total.map { graph.op("Add", [$0, weighted]) } ?? graph.op("Add", [graph.scalar(0), weighted])
      }
      return total!
    }
    return try single(model, kinds: kinds)
  }

  /// One model: inputs read through its training levels, its pipeline, its encoding, its learner.
  private mutating func single(_ model: TrainedModel, kinds: [String: InputKind]) throws -> String {
    columns = [:]
    order = []
    for name in model.inputColumns {
      guard let kind = kinds[name] else { throw ExportError("the ensemble's members read different columns") }
      switch kind {
      case .numeric: columns[name] = (name, false)
      case .categorical(let levels): columns[name] = (unseenAsMissing(name, levels.levels), true)
      }
      order.append(name)
    }
    for step in model.pipeline?.steps ?? [] { try apply(step) }
    if let step = model.autoEncoding { try apply(step) }
    var features: [String] = []
    for (index, name) in model.featureNames.enumerated() {
      guard let column = columns[name] else { throw ExportError("the pipeline does not produce feature '\(name)'") }
      if index < model.featureLevels.count, let levels = model.featureLevels[index] {
        features.append(codes(column.name, levels.levels))
      } else {
        guard !column.text else { throw ExportError("feature '\(name)' is text where the learner expects a number") }
        features.append(column.name)
      }
    }
    let x = features.count == 1 ? features[0] : graph.op("Concat", features, attributes: [.int("axis", 1)], name: "x")
    return try LearnerGraph.build(model, x: x, features: features, in: &graph)
  }

  /// Text that is not one of the training levels becomes "" (missing), as Labbook reads it.
  private mutating func unseenAsMissing(_ input: String, _ levels: [String]) -> String {
    let code = graph.op(
      "LabelEncoder", [input], domain: Self.mlDomain,
      attributes: [
        .strings("keys_strings", levels), .ints("values_int64s", Array(0..<levels.count)),
        .int("default_int64", -1),
      ], name: "level")
    let unseen = graph.op("Equal", [code, graph.constant(int64s: [-1], dims: [])])
    return graph.op("Where", [unseen, graph.constant(strings: [""], dims: []), input], name: input)
  }

  /// A category's level code among `levels` as a double (NaN for missing or any other text).
  private mutating func codes(_ input: String, _ levels: [String]) -> String {
    let code = graph.op(
      "LabelEncoder", [input], domain: Self.mlDomain,
      attributes: [
        .strings("keys_strings", levels), .floats("values_floats", (0..<levels.count).map(Float.init)),
        .float("default_float", .nan),
      ], name: "code")
    return graph.op("Cast", [code], attributes: [.int("to", Int(ONNXGraph.ElementType.double.rawValue))])
  }

  private mutating func numeric(_ name: String) throws -> String {
    guard let column = columns[name], !column.text else {
      throw ExportError("the pipeline expects '\(name)' to be numeric")
    }
    return column.name
  }

  /// One fitted pipeline step, on the columns it was fitted on.
  private mutating func apply(_ step: FittedStep) throws {
    switch step {
    case .impute(let fills):
      for (name, fill) in fills.sorted(by: { $0.key < $1.key }) {
        guard let column = columns[name] else { continue }
        switch fill {
        case .number(let value):
          let x = try numeric(name)
          columns[name] = (graph.op("Where", [graph.op("IsNaN", [x]), graph.scalar(value), x], name: name), false)
        case .level(let level):
          let missing = graph.op("Equal", [column.name, graph.constant(strings: [""], dims: [])])
          columns[name] = (
            graph.op("Where", [missing, graph.constant(strings: [level], dims: []), column.name], name: name), true
          )
        }
      }
    case .scale(let affine):
      for (name, a) in affine.sorted(by: { $0.key < $1.key }) {
        let x = try numeric(name)
        let shifted = graph.op("Sub", [x, graph.scalar(a.center)])
        columns[name] = (graph.op("Div", [shifted, graph.scalar(a.scale)], name: name), false)
      }
    case .clip(let ranges):
      for (name, range) in ranges.sorted(by: { $0.key < $1.key }) {
        let x = try numeric(name)
        let low = graph.op("Max", [x, graph.scalar(range.lowerBound)])
        let clipped = graph.op("Min", [low, graph.scalar(range.upperBound)])
        columns[name] = (graph.op("Where", [graph.op("IsNaN", [x]), x, clipped], name: name), false)
      }
    case .log(let names):
      // sign(x)·log(1 + |x|): ONNX has no log1p, so values within about 1e-8 of 0 differ from Labbook's
      // log1p by less than one part in 10⁸ of themselves.
      for name in names {
        let x = try numeric(name)
        let magnitude = graph.op("Log", [graph.op("Add", [graph.op("Abs", [x]), graph.scalar(1)])])
        columns[name] = (graph.op("Mul", [graph.op("Sign", [x]), magnitude], name: name), false)
      }
    case .bin(let edges):
      for (name, cuts) in edges.sorted(by: { $0.key < $1.key }) {
        let x = try numeric(name)
        // The bin is the number of cuts at or below the value; missing stays missing.
        let above = graph.op("GreaterOrEqual", [x, graph.constant(doubles: cuts, dims: [1, cuts.count])])
        let counted = graph.op(
          "Cast", [above], attributes: [.int("to", Int(ONNXGraph.ElementType.double.rawValue))])
        let bin = graph.op(
          "ReduceSum", [counted, graph.constant(int64s: [1])], attributes: [.int("keepdims", 1)])
        columns[name] = (graph.op("Where", [graph.op("IsNaN", [x]), x, bin], name: name), false)
      }
    case .ordinal(let levelsByColumn):
      for (name, levels) in levelsByColumn.sorted(by: { $0.key < $1.key }) {
        guard let column = columns[name], column.text else { continue }
        columns[name] = (codes(column.name, levels), false)
      }
    case .onehot(let levelsByColumn):
      var newOrder: [String] = []
      for name in order {
        guard let levels = levelsByColumn[name], let column = columns[name] else {
          newOrder.append(name)
          continue
        }
        guard column.text else { throw ExportError("one-hot encoding expects '\(name)' to be categorical") }
        columns[name] = nil
        for level in levels {
          let equal = graph.op("Equal", [column.name, graph.constant(strings: [level], dims: [])])
          let output = "\(name)=\(level)"
          columns[output] = (
            graph.op("Cast", [equal], attributes: [.int("to", Int(ONNXGraph.ElementType.double.rawValue))]), false
          )
          newOrder.append(output)
        }
      }
      order = newOrder
    }
  }

  /// `probabilities` and `label`, or `variable`.
  private mutating func addOutputs(_ model: TrainedModel, _ scores: String) {
    if model.task == .regression {
      graph.add("Identity", [scores], name: "variable")
      let node = graph.nodes.count - 1
      graph.nodes[node].outputs = ["variable"]
      graph.outputs.append(ONNXGraph.Value(name: "variable", type: .double, shape: [nil, 1]))
      return
    }
    graph.add("Identity", [scores])
    graph.nodes[graph.nodes.count - 1].outputs = ["probabilities"]
    let index = graph.op(
      "ArgMax", ["probabilities"], attributes: [.int("axis", 1), .int("keepdims", 0), .int("select_last_index", 0)])
    let integers = model.classes.compactMap { Int64($0) }
    let table =
      integers.count == model.classes.count
      ? graph.constant(int64s: integers, name: "classes") : graph.constant(strings: model.classes, name: "classes")
    graph.add("Gather", [table, index], attributes: [.int("axis", 0)])
    graph.nodes[graph.nodes.count - 1].outputs = ["label"]
    graph.outputs.append(
      ONNXGraph.Value(name: "label", type: integers.count == model.classes.count ? .int64 : .string, shape: [nil]))
    graph.outputs.append(
      ONNXGraph.Value(name: "probabilities", type: .double, shape: [nil, model.classes.count]))
  }
}

/// Why a model cannot be exported.
public struct ExportError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
