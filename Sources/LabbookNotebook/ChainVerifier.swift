import Foundation
import LabbookCore

/// Checks a notebook's tamper evidence without executing anything: every cell's hash must follow
/// from the cell before it, the chain head must match the last cell, and the inputs recorded in the
/// metadata must be the ones the cells' (hashed) outputs name.
public enum ChainVerifier {
  public struct Report: Sendable {
    /// The first problem found, naming the cell; nil when the notebook is intact.
    public var problem: String?
    /// How the recorded input files compare with the files on disk now (information, not tampering).
    public var inputStatus: [(RecordedInput, InputState)]
    public var cellCount: Int
    /// Who signed the chain head, when the signature is valid.
    public var signedBy: NotebookSignature?
    public var intact: Bool { problem == nil }
  }

  public enum InputState: Equatable, Sendable {
    case unchanged
    case changed(now: String)
    case missing
    /// The path names a folder, device, pipe or socket now: it is not read.
    case notAFile
  }

  /// Verifies the chain, the inputs list and the signature; with `trustedKey`, the notebook must be signed
  /// by that key.
  public static func verify(_ notebook: RecordedNotebook, trustedKey: Data? = nil) -> Report {
    var report = Report(problem: nil, inputStatus: [], cellCount: notebook.cells.count)
    report.problem =
      chainProblem(notebook) ?? inputProblem(notebook)
      ?? signatureProblem(notebook, trustedKey: trustedKey, signedBy: &report.signedBy)
    for input in notebook.inputs {
      switch RegularFile.check(input.path) {
      case .missing: report.inputStatus.append((input, .missing))
      case .folder, .notRegular: report.inputStatus.append((input, .notAFile))
      case .regular:
        if let now = try? SHA256Digest.hex(fileAt: input.path) {
          report.inputStatus.append((input, now == input.sha256 ? .unchanged : .changed(now: now)))
        } else {
          report.inputStatus.append((input, .notAFile))
        }
      }
    }
    return report
  }

  static func chainProblem(_ notebook: RecordedNotebook) -> String? {
    let recorded = notebook.cells.map(\.hash)
    let start = notebook.format >= 2 ? HashChain.genesis(header: notebook.header) : HashChain.genesis
    func link(_ previous: String, _ cell: RecordedNotebook.Cell) -> String {
      notebook.format >= 2
        ? HashChain.link(previous: previous, cell: cell.raw)
        : HashChain.linkFormat1(previous: previous, source: cell.source, outputs: cell.outputs)
    }
    var previous = start
    for cell in notebook.cells {
      guard let hash = cell.hash else {
        return "cell \(cell.position) has no recorded hash: it was inserted or its metadata was edited"
      }
      let expected = link(previous, cell)
      if expected != hash {
        // Is the cell intact but out of place? Then some other cell's hash (or the start) explains it.
        let candidates = [start] + recorded.compactMap { $0 }
        let intact = candidates.contains { link($0, cell) == hash }
        let statement = summary(cell.source)
        if intact {
          return
            "cell \(cell.position) (\(statement)) is intact but out of place: a cell was deleted, inserted or moved before it"
        }
        return
          "cell \(cell.position) (\(statement)) does not follow from the cell before it: its source, outputs, metadata or hash were edited, a cell before it was deleted, or the notebook's header (seed, parameters, revision) was edited"
      }
      previous = hash
    }
    guard let chain = notebook.chain else { return "the notebook's chain head (metadata.labbook.chain) is missing" }
    if chain != previous {
      if notebook.cells.isEmpty || recorded.contains(chain) == false {
        return "the chain head does not match the last cell: cells were deleted from the end, or the head was edited"
      }
      return "the chain head names an earlier cell: cells were added at the end"
    }
    return nil
  }

  /// The inputs in the metadata must be exactly those the cells recorded.
  static func inputProblem(_ notebook: RecordedNotebook) -> String? {
    var fromCells: [RecordedInput] = []
    for cell in notebook.cells {
      for input in cell.inputs where !fromCells.contains(input) { fromCells.append(input) }
      for output in cell.outputs {
        let structured = output["data"]?["application/json"] ?? output["data"]?["application/vnd.labbook+json"]
        guard let source = structured?["source"], let sha = source["sha256"]?.stringValue,
          let path = source["path"]?.stringValue
        else { continue }
        if !cell.inputs.contains(RecordedInput(path: path, sha256: sha)) {
          return
            "cell \(cell.position) (\(summary(cell.source))): its recorded inputs do not match the file hash in its output"
        }
      }
    }
    if fromCells != notebook.inputs {
      return "the notebook's list of inputs (metadata.labbook.inputs) does not match its cells' inputs"
    }
    return nil
  }

  /// A signature present must be valid for the chain head; with a trusted key it must be by that key.
  static func signatureProblem(_ notebook: RecordedNotebook, trustedKey: Data?, signedBy: inout NotebookSignature?)
    -> String?
  {
    guard notebook.hasSignatureField else {
      return trustedKey == nil ? nil : "the notebook is not signed, but --key asks for a signature"
    }
    guard let signature = notebook.signature, let chain = notebook.chain, signature.isValid(for: chain) else {
      return "the signature does not match the chain head: the notebook was changed after it was signed"
    }
    if let trustedKey, signature.publicKey != trustedKey {
      return
        "the notebook is signed by key \(signature.keyID) ('\(signature.signer)'), not by the key given (\(NotebookKeys.keyID(trustedKey))): it was re-signed by someone else"
    }
    signedBy = signature
    return nil
  }

  /// The first line of a statement, in backticks, for messages that name a cell.
  public static func summary(_ source: String) -> String {
    let line = source.split(separator: "\n").first.map(String.init) ?? ""
    return line.count > 50 ? "`" + line.prefix(47) + "...`" : "`\(line)`"
  }
}
