import LabbookCore

/// One code cell: a statement, its outputs, and its place in the hash chain.
public struct NotebookCell: Sendable {
  /// The execution count: 1 for the first statement, 2 for the second, ...
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
    self.elapsedMilliseconds = elapsedMilliseconds
    self.inputs = inputs
    self.replay = replay
    self.hash = ""
    self.hash = HashChain.link(previous: previousHash, cell: json(withHash: false))
  }

  /// Deterministic cell ids (nbformat 4.5 requires one per cell).
  public var id: String { "cell-\(index)" }

  public var json: JSONValue { json(withHash: true) }

  func json(withHash: Bool) -> JSONValue {
    var labbook: [(String, JSONValue)] = withHash ? [("hash", .string(hash))] : []
    labbook.append(("elapsed_ms", .number(Double(elapsedMilliseconds))))
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

/// A markdown cell: the comment lines written before a statement, kept as prose.
public struct MarkdownCell: Sendable {
  /// 1 for the first markdown cell, 2 for the second, ... (its id is `note-N`).
  public var number: Int
  public var source: String
  public var hash: String

  public init(number: Int, source: String, previousHash: String) {
    self.number = number
    self.source = source
    self.hash = ""
    self.hash = HashChain.link(previous: previousHash, cell: json(withHash: false))
  }

  public var json: JSONValue { json(withHash: true) }

  func json(withHash: Bool) -> JSONValue {
    .object([
      ("cell_type", .string("markdown")),
      ("id", .string("note-\(number)")),
      ("metadata", .object([("labbook", .object(withHash ? [("hash", .string(hash))] : []))])),
      ("source", .string(source)),
    ])
  }

  /// Comment lines as markdown: one `#` and the space after it are taken off each line, so `# note`
  /// reads as prose and `## Heading` becomes a heading.
  public static func markdown(fromComments lines: [String]) -> String {
    lines.map { line in
      var text = Substring(line.drop { $0 == " " || $0 == "\t" })
      if text.hasPrefix("#") { text = text.dropFirst() }
      if text.hasPrefix(" ") { text = text.dropFirst() }
      return String(text)
    }.joined(separator: "\n")
  }
}

/// A notebook cell of either kind, in file order.
public enum NotebookEntry: Sendable {
  case code(NotebookCell)
  case markdown(MarkdownCell)

  public var hash: String {
    switch self {
    case .code(let cell): return cell.hash
    case .markdown(let cell): return cell.hash
    }
  }

  public var json: JSONValue {
    switch self {
    case .code(let cell): return cell.json
    case .markdown(let cell): return cell.json
    }
  }
}

/// A cell's output: a result or a display (MIME type → content, shown by the richest type a front end
/// knows), or an error.
public enum CellOutput: Sendable {
  case result(executionCount: Int, data: [(String, JSONValue)])
  case display(data: [(String, JSONValue)])
  /// Text on a stream (`stderr` for warnings).
  case stream(name: String, text: String)
  case error(name: String, message: String, traceback: [String])

  public var json: JSONValue {
    switch self {
    case .result(let count, let data):
      return .object([
        ("data", .object(data)),
        ("execution_count", .number(Double(count))),
        ("metadata", .object([])),
        ("output_type", .string("execute_result")),
      ])
    case .display(let data):
      return .object([
        ("data", .object(data)),
        ("metadata", .object([])),
        ("output_type", .string("display_data")),
      ])
    case .stream(let name, let text):
      return .object([("name", .string(name)), ("output_type", .string("stream")), ("text", .string(text))])
    case .error(let name, let message, let traceback):
      return .object([
        ("ename", .string(name)),
        ("evalue", .string(message)),
        ("output_type", .string("error")),
        ("traceback", .array(traceback.map { .string($0) })),
      ])
    }
  }

  /// The MIME type of Labbook's structured results in notebooks: a vendor type, because front ends rank
  /// plain application/json above HTML and would show a JSON tree instead of the table.
  public static let structuredType = "application/vnd.labbook+json"
}
