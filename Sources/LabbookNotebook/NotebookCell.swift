import LabbookCore

/// One code cell: a statement, its outputs, and its place in the hash chain.
public struct NotebookCell: Sendable {
  public var index: Int
  public var source: String
  public var outputs: [CellOutput]
  public var hash: String
  public var elapsedMilliseconds: Int
  /// Files this cell read, by content.
  public var inputs: [RecordedInput]
  /// Anything else replay needs to reproduce the cell exactly.
  public var replay: [(String, JSONValue)]

  /// Makes a cell and links it to the chain after `previousHash`.
  public init(
    index: Int, source: String, outputs: [CellOutput], previousHash: String, elapsedMilliseconds: Int,
    inputs: [RecordedInput] = [], replay: [(String, JSONValue)] = []
  ) {
    self.index = index
    self.source = source
    self.outputs = outputs
    self.hash = HashChain.link(previous: previousHash, source: source, outputs: outputs.map(\.json))
    self.elapsedMilliseconds = elapsedMilliseconds
    self.inputs = inputs
    self.replay = replay
  }

  /// Deterministic cell ids (nbformat 4.5 requires one per cell).
  public var id: String { "cell-\(index)" }

  public var json: JSONValue {
    var labbook: [(String, JSONValue)] = [
      ("hash", .string(hash)),
      ("elapsed_ms", .number(Double(elapsedMilliseconds))),
    ]
    if !inputs.isEmpty { labbook.append(("inputs", .array(inputs.map(\.json)))) }
    labbook += replay
    return .object([
      ("cell_type", .string("code")),
      ("execution_count", .number(Double(index))),
      ("id", .string(id)),
      ("metadata", .object([("labbook", .object(labbook))])),
      ("outputs", .array(outputs.map(\.json))),
      ("source", .string(source)),
    ])
  }
}

/// A cell's output: a result (plain text and structured JSON) or an error.
public enum CellOutput: Sendable {
  case result(executionCount: Int, text: String, json: JSONValue)
  case error(name: String, message: String, traceback: [String])

  public var json: JSONValue {
    switch self {
    case .result(let count, let text, let json):
      return .object([
        ("data", .object([("application/json", json), ("text/plain", .string(text))])),
        ("execution_count", .number(Double(count))),
        ("metadata", .object([])),
        ("output_type", .string("execute_result")),
      ])
    case .error(let name, let message, let traceback):
      return .object([
        ("ename", .string(name)),
        ("evalue", .string(message)),
        ("output_type", .string("error")),
        ("traceback", .array(traceback.map { .string($0) })),
      ])
    }
  }
}

/// The tamper-evident chain: each cell's hash covers the previous hash, its source and its outputs.
public enum HashChain {
  /// The "previous hash" of the first cell.
  public static let genesis = ""

  /// sha256(previous ‖ source ‖ canonical JSON of outputs), as lower-case hex.
  public static func link(previous: String, source: String, outputs: [JSONValue]) -> String {
    SHA256Digest.hex(previous + source + JSONValue.array(outputs).canonicalString)
  }
}
