import LabbookCore
import LabbookONNX
import LabbookValues

/// `export M to "f.onnx"` (and `labbook registry export ... --onnx`): what the file holds, as text and JSON.
public enum ExportLayouts {
  public static func text(_ summary: ONNXExport.Summary) -> [Block] {
    func ports(_ ports: [ONNXExport.Port]) -> String {
      ports.map { "\($0.name) \($0.type) \($0.shape)" }.joined(separator: ", ")
    }
    let numbers = summary.inputs.filter { $0.type == "double" }.count
    let texts = summary.inputs.count - numbers
    return [
      .line(
        "exported \(summary.model) (\(summary.learner) \(summary.task)) to \(summary.path): \(summary.nodes) ONNX nodes"
      ),
      .line(
        "inputs  \(summary.inputs.count) (\(numbers) double [N, 1], \(texts) string [N, 1]): "
          + summary.inputs.map(\.name).joined(separator: ", ")),
      .line("outputs \(ports(summary.outputs))"),
      .line("model sha256 \(summary.modelSHA256)"),
    ]
  }

  public static func json(_ summary: ONNXExport.Summary) -> JSONValue {
    func ports(_ ports: [ONNXExport.Port]) -> JSONValue {
      .array(
        ports.map { .object([("name", .string($0.name)), ("type", .string($0.type)), ("shape", .string($0.shape))]) })
    }
    return .object([
      ("kind", .string("exported")), ("format", .string("onnx")), ("path", .string(summary.path)),
      ("model", .string(summary.model)), ("learner", .string(summary.learner)), ("task", .string(summary.task)),
      ("inputs", ports(summary.inputs)), ("outputs", ports(summary.outputs)), ("nodes", .num(summary.nodes)),
      ("model_sha256", .string(summary.modelSHA256)),
    ])
  }
}
