import LabbookCore

/// A Labbook notebook: nbformat 4.5 JSON with Labbook's provenance in `metadata.labbook`.
public struct Notebook: Sendable {
  public var metadata: NotebookMetadata
  public var cells: [NotebookEntry]
  /// The signature over the chain head, when the notebook is signed.
  public var signature: NotebookSignature?

  public init(metadata: NotebookMetadata, cells: [NotebookEntry] = []) {
    self.metadata = metadata
    self.cells = cells
  }

  /// The hash of the last cell, or the chain's start (the header's hash) when there are none.
  public var chainHead: String { cells.last?.hash ?? HashChain.genesis(header: metadata.header) }

  /// Code cells so far (the next one's execution count is one more).
  public var codeCellCount: Int {
    cells.reduce(0) {
      if case .code = $1 { return $0 + 1 }
      return $0
    }
  }

  /// The whole document, keys in the order Jupyter writes them.
  public var json: JSONValue { .object([("cells", .array(cells.map(\.json)))] + fieldsAfterCells) }

  /// Every top-level field but `cells` (which comes first), in file order.
  public var fieldsAfterCells: [(String, JSONValue)] {
    var labbook = metadata.json
    if case .object(var pairs) = labbook {
      pairs.append(("chain", .string(chainHead)))
      if let signature { pairs.append(("signature", signature.json)) }
      labbook = .object(pairs)
    }
    return [
      (
        "metadata",
        .object([
          (
            "kernelspec",
            .object([
              ("display_name", .string("Labbook")), ("language", .string("labbook")), ("name", .string("labbook")),
            ])
          ),
          ("labbook", labbook),
          (
            "language_info",
            .object([
              ("codemirror_mode", .string("python")), ("file_extension", .string(".lab")),
              ("mimetype", .string("text/x-labbook")), ("name", .string("labbook")),
              // Pygments has no Labbook lexer; Python's colours its strings, numbers, comments and `and or not`.
              ("pygments_lexer", .string("python")), ("version", .string(Labbook.version)),
            ])
          ),
        ])
      ),
      ("nbformat", .number(4)),
      ("nbformat_minor", .number(5)),
    ]
  }

  /// The file's text: one-space indentation and a final newline, as Jupyter writes notebooks.
  public var fileText: String { json.prettyString(indent: 1) + "\n" }
}

/// `metadata.labbook` at the top of a notebook.
public struct NotebookMetadata: Sendable {
  /// 2: cells hashed in canonical form from a header-derived start, markdown cells, rich outputs.
  /// 1 (read and verified still): hashes over source and the outputs' JSON layout, code cells only.
  public static let format = 2
  public var format = NotebookMetadata.format
  public var toolVersion: String = Labbook.version
  public var created: String
  public var revision: Int = 1
  public var parent: String?
  public var params: [(String, JSONValue)] = []
  /// The `--param NAME=VALUE` texts the run was given, so replay can give them again.
  public var overrides: [String: String] = [:]
  public var seed: UInt64
  public var inputs: [RecordedInput] = []
  public var source: String?

  public init(created: String, seed: UInt64, source: String? = nil) {
    self.created = created
    self.seed = seed
    self.source = source
  }

  public var json: JSONValue {
    var pairs: [(String, JSONValue)] = [
      ("format", .number(Double(format))),
      ("tool_version", .string(toolVersion)),
      ("created", .string(created)),
      ("revision", .number(Double(revision))),
      ("parent", .optional(parent)),
      ("params", .object(params)),
      ("overrides", .object(overrides.keys.sorted().map { ($0, .string(overrides[$0]!)) })),
      ("seed", .number(Double(seed))),
      ("inputs", .array(inputs.map(\.json))),
    ]
    if let source { pairs.append(("source", .string(source))) }
    return .object(pairs)
  }

  /// What the chain's start covers: everything fixed before the first cell runs.
  public var header: JSONValue {
    NotebookMetadata.header(
      format: format, toolVersion: toolVersion, created: created, revision: revision, parent: parent,
      overrides: overrides.keys.sorted().map { ($0, .string(overrides[$0]!)) }, seed: .number(Double(seed)),
      source: source)
  }

  static func header(
    format: Int, toolVersion: String, created: String, revision: Int, parent: String?,
    overrides: [(String, JSONValue)], seed: JSONValue, source: String?
  ) -> JSONValue {
    .object([
      ("format", .number(Double(format))), ("tool_version", .string(toolVersion)), ("created", .string(created)),
      ("revision", .number(Double(revision))), ("parent", .optional(parent)), ("overrides", .object(overrides)),
      ("seed", seed), ("source", .optional(source)),
    ])
  }
}

/// A file a notebook read, by content.
public struct RecordedInput: Sendable, Equatable {
  public var path: String
  public var sha256: String
  public init(path: String, sha256: String) {
    self.path = path
    self.sha256 = sha256
  }
  public var json: JSONValue { .object([("path", .string(path)), ("sha256", .string(sha256))]) }
}
