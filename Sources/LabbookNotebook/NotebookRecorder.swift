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

/// Writes a file by writing a sibling temporary file, syncing it, and renaming it over the target.
public enum AtomicFile {
  public static func write(_ text: String, to path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    if !directory.isEmpty {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    let name = (path as NSString).lastPathComponent
    let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).tmp-\(getpid())"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary]) }
    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count {
      let n = bytes[written...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
      if n <= 0 {
        close(descriptor)
        unlink(temporary)
        throw CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: temporary])
      }
      written += n
    }
    fsync(descriptor)
    close(descriptor)
    guard rename(temporary, path) == 0 else {
      unlink(temporary)
      throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
    }
  }
}
