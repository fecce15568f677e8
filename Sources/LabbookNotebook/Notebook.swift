import LabbookCore

/// A Labbook notebook: nbformat 4.5 JSON with Labbook's provenance in `metadata.labbook`.
public struct Notebook: Sendable {
  public var metadata: NotebookMetadata
  public var cells: [NotebookCell]

  public init(metadata: NotebookMetadata, cells: [NotebookCell] = []) {
    self.metadata = metadata
    self.cells = cells
  }

  /// The hash of the last cell, or the chain's start when there are none.
  public var chainHead: String { cells.last?.hash ?? HashChain.genesis }

  /// The whole document, keys in the order Jupyter writes them.
  public var json: JSONValue { .object([("cells", .array(cells.map(\.json)))] + fieldsAfterCells) }

  /// Every top-level field but `cells` (which comes first), in file order.
  public var fieldsAfterCells: [(String, JSONValue)] {
    var labbook = metadata.json
    if case .object(var pairs) = labbook {
      pairs.append(("chain", .string(chainHead)))
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
              ("file_extension", .string(".lab")), ("name", .string("labbook")), ("version", .string(Labbook.version)),
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
  public static let format = 1
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
      ("format", .number(Double(NotebookMetadata.format))),
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
