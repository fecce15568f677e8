import CLabbookSupport
import Foundation
import LabbookCore

/// Appends cells to a notebook. When `writesEachCell`, the file is rewritten atomically after each
/// one, so the file on disk is always a complete, valid notebook of every cell run so far; otherwise
/// (replay with `--output`) it is written once, by `write()`, when the whole run succeeded. With no
/// path (`--no-record`) nothing is written.
public final class NotebookRecorder {
  public private(set) var notebook: Notebook
  public let path: String?
  public let writesEachCell: Bool

  public init(path: String?, metadata: NotebookMetadata, writesEachCell: Bool = true) {
    self.path = path
    self.notebook = Notebook(metadata: metadata)
    self.writesEachCell = writesEachCell
  }

  public var nextIndex: Int { notebook.cells.count + 1 }
  public var chainHead: String { notebook.chainHead }

  /// Records a cell; also adds its inputs to the notebook's list of inputs.
  public func append(_ cell: NotebookCell) throws {
    notebook.cells.append(cell)
    for input in cell.inputs where !notebook.metadata.inputs.contains(input) {
      notebook.metadata.inputs.append(input)
    }
    if writesEachCell { try write() }
  }

  public func setParams(_ params: [(String, JSONValue)]) { notebook.metadata.params = params }

  public func write() throws {
    guard let path else { return }
    try AtomicFile.write(notebook.fileText, to: path)
  }
}

/// Replaces a file atomically (see `lb_atomic_write`): a reader, or a process killed mid-write,
/// sees the old file or the new one, and no temporary file is left behind.
public enum AtomicFile {
  public static func write(_ text: String, to path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    if !directory.isEmpty {
      do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      } catch {
        throw FileWriteError(path: path, reason: "cannot create the folder '\(directory)'")
      }
    }
    let target = directory.isEmpty ? "./" + path : path
    var bytes = Array(text.utf8)
    let status = bytes.withUnsafeMutableBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { lb_atomic_write(target, $0.baseAddress, $0.count) }
    }
    guard status == 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(status))) }
  }
}

public struct FileWriteError: Error, LocalizedError, Sendable {
  public let path: String
  public let reason: String
  public var errorDescription: String? { "cannot write '\(path)': \(reason)" }
}
