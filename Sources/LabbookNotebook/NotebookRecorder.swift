import CLabbookSupport
import Foundation
import LabbookCore

/// Appends cells to a notebook. When `writesEachCell`, the file on disk is a complete, valid notebook of
/// every cell run so far after each one; otherwise (replay with `--output`) it is written once, by
/// `write()`, when the whole run succeeded. With no path (`--no-record`) nothing is written.
///
/// Each cell is recorded by a new file renamed over the old one, so a process killed at any moment
/// leaves the old notebook or the new one, whole. The cells come first in the file and never change:
/// the new file is the old one's cells copied in the kernel (`copy_file_range`, no re-encoding), then the
/// new cell and the tail (the closing bracket and the top-level metadata), synced and renamed over the
/// old (`lb_atomic_extend`). An in-place write over the old tail would be cheaper but is not safe: a
/// SIGKILL can cut a multi-page `pwrite` short at a page boundary and leave a truncated notebook (a test
/// caught one). The first cell, and any cell after the file was moved or replaced, writes the whole file.
public final class NotebookRecorder {
  public private(set) var notebook: Notebook
  public let path: String?
  public let writesEachCell: Bool
  /// Signs the chain head each time the file is written (`--sign KEY`).
  public var signer: NotebookSigner?
  /// Each cell's text as it sits in the file (two levels deep), made once.
  private var cellTexts: [String] = []
  private var openFile: AppendableFile?

  public init(path: String?, metadata: NotebookMetadata, writesEachCell: Bool = true) {
    self.path = path
    self.notebook = Notebook(metadata: metadata)
    self.writesEachCell = writesEachCell
  }

  deinit { openFile?.close() }

  /// Counted as cells are added (counting the cells each time made recording quadratic).
  private var codeCells = 0
  private var markdownCells = 0

  /// The next code cell's execution count.
  public var nextIndex: Int { codeCells + 1 }
  public var chainHead: String { notebook.chainHead }

  /// Records a code cell; also adds its inputs to the notebook's list of inputs.
  public func append(_ cell: NotebookCell) throws {
    for input in cell.inputs where !notebook.metadata.inputs.contains(input) {
      notebook.metadata.inputs.append(input)
    }
    try append(.code(cell))
  }

  /// Records comment lines (as markdown text) as a markdown cell.
  public func appendMarkdown(_ source: String) throws {
    try append(.markdown(MarkdownCell(number: markdownCells + 1, source: source, previousHash: chainHead)))
  }

  private func append(_ entry: NotebookEntry) throws {
    notebook.cells.append(entry)
    if case .code = entry { codeCells += 1 } else { markdownCells += 1 }
    cellTexts.append(entry.json.prettyString(indent: 1, level: 2))
    guard writesEachCell, let path else { return }
    if let file = openFile, file.stillAt(path) {
      let piece = (cellTexts.count > 1 ? "," : "") + "\n  " + cellTexts[cellTexts.count - 1]
      let offset = file.endOfCells
      try file.write(Array((piece + tail).utf8), at: offset, path: path)
      file.endOfCells = offset + piece.utf8.count
    } else {
      try write()
    }
  }

  public func setParams(_ params: [(String, JSONValue)]) { notebook.metadata.params = params }

  /// Writes the whole file (atomically), and keeps it open for the cells that follow.
  public func write() throws {
    guard let path else { return }
    notebook.signature = signer?.sign(chain: notebook.chainHead)
    openFile?.close()
    openFile = nil
    let head = Self.head + cellTexts.enumerated().map { ($0.offset > 0 ? "," : "") + "\n  " + $0.element }.joined()
    try AtomicFile.write(head + tail, to: path)
    if writesEachCell { openFile = AppendableFile(path: path, endOfCells: head.utf8.count) }
  }

  private static let head = "{\n \"cells\": ["

  /// Everything after the last cell: the closing bracket and the top-level fields, as `Notebook.fileText`
  /// writes them (a test checks the two agree byte for byte).
  private var tail: String {
    notebook.signature = signer?.sign(chain: notebook.chainHead)
    var text = cellTexts.isEmpty ? "]" : "\n ]"
    for (key, value) in notebook.fieldsAfterCells {
      text += ",\n " + JSONValue.string(key).compactString + ": " + value.prettyString(indent: 1, level: 1)
    }
    return text + "\n}\n"
  }
}

/// A notebook file kept open to be extended, remembered by device and inode so that a file moved away
/// or replaced by someone else is never used as the start of the next one.
final class AppendableFile {
  private(set) var descriptor: Int32
  private(set) var device: UInt64
  private(set) var inode: UInt64
  var endOfCells: Int

  init?(path: String, endOfCells: Int) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    descriptor = fd
    device = 0
    inode = 0
    self.endOfCells = endOfCells
    guard identify() else {
      Foundation.close(fd)
      return nil
    }
  }

  private func identify() -> Bool {
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { return false }
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
    return true
  }

  func stillAt(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
  }

  /// Replaces the file, atomically, by its first `offset` bytes followed by `bytes`; keeps the new file open.
  func write(_ bytes: [UInt8], at offset: Int, path: String) throws {
    var opened: Int32 = -1
    let status = bytes.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) {
        lb_atomic_extend(path, descriptor, Int64(offset), $0.baseAddress, $0.count, &opened)
      }
    }
    guard status == 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(status))) }
    Foundation.close(descriptor)
    descriptor = opened
    _ = identify()
  }

  func close() { Foundation.close(descriptor) }
}

/// Replaces a file atomically (see `lb_atomic_write`): a reader, or a process killed mid-write,
/// sees the old file or the new one, and no temporary file is left behind.
public enum AtomicFile {
  public static func write(_ text: String, to path: String) throws { try write(Data(text.utf8), to: path) }

  public static func write(_ data: Data, to path: String) throws {
    let directory = (path as NSString).deletingLastPathComponent
    if !directory.isEmpty {
      do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      } catch {
        throw FileWriteError(path: path, reason: "cannot create the folder '\(directory)'")
      }
    }
    let target = directory.isEmpty ? "./" + path : path
    var bytes = [UInt8](data)
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
