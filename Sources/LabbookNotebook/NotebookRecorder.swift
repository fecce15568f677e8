import CLabbookSupport
import Foundation
import LabbookCore

/// Appends cells to a notebook. When `writesEachCell`, the file on disk is a complete, valid notebook of
/// every cell run so far after each one; otherwise (replay with `--output`) it is written once, by
/// `write()`, when the whole run succeeded. With no path (`--no-record`) nothing is written.
///
/// Recording costs the same for the ten-thousandth cell as for the first: the notebook's cells come
/// first in the file and never change, so a new cell is written over the old tail (the closing bracket
/// and the top-level metadata) with the new tail after it, in one `pwrite` followed by `fsync`. A
/// process killed at any moment leaves the old file or the new one (a write to a regular file is not
/// cut short by a signal). The first cell, and any cell after the file was moved or replaced, writes
/// the whole file by an atomic rename instead.
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

  /// The next code cell's execution count.
  public var nextIndex: Int { notebook.codeCellCount + 1 }
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
    let number =
      notebook.cells.reduce(0) {
        if case .markdown = $1 { return $0 + 1 }
        return $0
      } + 1
    try append(.markdown(MarkdownCell(number: number, source: source, previousHash: chainHead)))
  }

  private func append(_ entry: NotebookEntry) throws {
    notebook.cells.append(entry)
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

/// A notebook file kept open for appending, remembered by device and inode so that a file moved away
/// or replaced by someone else is never written into.
final class AppendableFile {
  let descriptor: Int32
  let device: UInt64
  let inode: UInt64
  var endOfCells: Int

  init?(path: String, endOfCells: Int) {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    var info = stat()
    guard fstat(fd, &info) == 0 else {
      Foundation.close(fd)
      return nil
    }
    descriptor = fd
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
    self.endOfCells = endOfCells
  }

  func stillAt(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
  }

  /// One positioned write of all the bytes, then `fsync`; the file is cut to end where they end.
  func write(_ bytes: [UInt8], at offset: Int, path: String) throws {
    let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
    guard written == bytes.count else {
      throw FileWriteError(path: path, reason: String(cString: strerror(errno)))
    }
    guard ftruncate(descriptor, off_t(offset + bytes.count)) == 0, fsync(descriptor) == 0 else {
      throw FileWriteError(path: path, reason: String(cString: strerror(errno)))
    }
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
