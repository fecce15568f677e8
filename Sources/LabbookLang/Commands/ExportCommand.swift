import Foundation
import LabbookML
import LabbookNotebook
import LabbookONNX
import LabbookValues

/// `export M to "model.onnx"`
struct ExportCommand: Command {
  static let keyword = "export"
  static let help = CommandHelp(
    usage: "export MODEL to FILE.onnx",
    summary: "write the whole fitted model (pipeline and learner) as an ONNX file for onnxruntime and other runtimes",
    details: """
      Inputs: one per raw column the model reads, named as the column: double [N, 1] for numbers (NaN = missing),
      string [N, 1] for categories ("" = missing; a level never seen in training counts as missing, as in
      `predict`). Outputs: `label` [N] (int64 when every class is a whole number, else string) and `probabilities`
      [N, K] (classes in the model's order) for a classifier; `variable` [N, 1] for a regressor. Everything is
      computed in double, in Labbook's order, so onnxruntime gives the same labels and the same numbers to rounding.
      Uses the default ONNX domain at opset 21 and ai.onnx.ml at opset 5 (TreeEnsemble): onnxruntime 1.20 or
      later. The file's metadata holds the model's name, the sha256 of its Labbook model file, the sha256 of
      every file the session read, and the Labbook version. A model with group thresholds from `mitigate` cannot
      be exported (the error says why). In Python:  onnxruntime.InferenceSession("model.onnx").run(None, inputs).
      """,
    example: "export model to \"out/credit.onnx\"")

  let model: ValueExpression
  let file: ValueExpression

  init(parsing parser: inout StatementParser) throws {
    model = try parser.value("the model to export")
    try parser.expect("to")
    file = try parser.value("a file name such as \"model.onnx\"")
    try parser.finish()
  }

  func execute(in session: Session) throws -> Value {
    let (name, trained) = try resolveModel(model, in: session)
    let path = try session.path(file, "the file")
    let sha256 = try locatedRegistry(model.span) { try RegisterCommand.sha256(of: trained) }
    let provenance = ONNXExport.Provenance(
      name: name, version: nil, modelSHA256: sha256,
      trainingData: session.allInputs.map { (path: $0.path, sha256: $0.sha256) })
    var (data, summary): (Data, ONNXExport.Summary)
    do {
      (data, summary) = try ONNXExport.serialize(trained, provenance: provenance)
    } catch let error as ExportError {
      throw LabError("cannot export '\(name)' to ONNX: \(error.message)", at: model.span)
    }
    do {
      try AtomicFile.write(data, to: path)
    } catch let error as FileWriteError {
      throw LabError(error.localizedDescription, at: file.span)
    }
    summary.path = path
    return .exported(summary)
  }
}
