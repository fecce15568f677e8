import Foundation
import HDF5Kit

/// Writes a table in Labbook's canonical HDF5 layout (SPEC §4): one group, one chunked and
/// deflate-compressed 1-D dataset per column in column order, attributes `labbook_format`, `columns`,
/// and the optional roles `target` and `protected`. No modification times are stored, so the same
/// table written twice gives the same bytes.
public enum HDF5TableWriter {
  public static let format: Int64 = 1

  /// A column's dataset name: HDF5 reserves '/' as the path separator.
  public static func datasetName(for columnName: String) -> String {
    columnName.replacingOccurrences(of: "/", with: "_")
  }

  public static func save(_ table: Table, to path: String, group groupPath: String) throws {
    let components = groupPath.split(separator: "/").map(String.init)
    guard !components.isEmpty else {
      throw DataError("save needs a group path such as \"/\(table.name)\", not '\(groupPath)'")
    }
    let datasetNames = table.columns.map { datasetName(for: $0.name) }
    if let clash = firstDuplicate(datasetNames) {
      throw DataError("two columns would both be stored as '\(clash)' ('/' becomes '_'); rename one with `derive`")
    }
    var previous: HDF5File?
    if FileManager.default.fileExists(atPath: path) {
      let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
      guard size > 0, HDF5File.isHDF5(path) else {
        throw DataError("'\(path)' exists and is not an HDF5 file; not overwriting it")
      }
      previous = try HDF5File.open(path)
    }
    let directory = (path as NSString).deletingLastPathComponent
    // Folders the user names are made, as `--notebook` makes its folder; what cannot be written is said in
    // one line naming the user's path (never libhdf5's error stack about a temporary file).
    if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
      do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      } catch {
        throw DataError("cannot save to '\(path)': cannot make the folder '\(directory)' (\(reason(errno)))")
      }
    }
    if access(directory.isEmpty ? "." : directory, W_OK) != 0 {
      throw DataError("cannot save to '\(path)': \(reason(errno)) in folder '\(directory.isEmpty ? "." : directory)'")
    }
    // The file is always written anew beside its final name and moved into place: no half-written file
    // is ever seen, and the same tables give the same bytes however often they are saved. Other objects
    // of an existing file are copied across unchanged.
    let temporary =
      (directory.isEmpty ? "" : directory + "/") + ".\((path as NSString).lastPathComponent).tmp-\(getpid())"
    do {
      try writeNewFile(
        table, datasetNames: datasetNames, temporary: temporary, components: components, keeping: previous)
      previous = nil
      if rename(temporary, path) != 0 { throw DataError("cannot move the new file into place at '\(path)'") }
    } catch is HDF5Error {
      try? FileManager.default.removeItem(atPath: temporary)
      throw DataError("cannot save to '\(path)': \(whyNotWritable(directory.isEmpty ? "." : directory))")
    } catch {
      try? FileManager.default.removeItem(atPath: temporary)
      throw error
    }
  }

  private static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

  /// Why a file cannot be made in `directory`, found by making (and removing) an empty one there.
  private static func whyNotWritable(_ directory: String) -> String {
    let probe = directory + "/.labbook-probe-\(getpid())"
    let descriptor = open(probe, O_CREAT | O_EXCL | O_WRONLY, 0o600)
    if descriptor < 0 { return "\(reason(errno)) in folder '\(directory)'" }
    close(descriptor)
    unlink(probe)
    return "the file could not be written (is the disk full?)"
  }

  private static func writeNewFile(
    _ table: Table, datasetNames: [String], temporary: String, components: [String], keeping previous: HDF5File?
  ) throws {
    let file = try HDF5File.create(temporary)
    if let previous { try copyAll(from: try previous.root, to: try file.root, except: components) }
    try write(table, datasetNames: datasetNames, into: file, components: components)
    try file.flush()
  }

  /// Copies every object of the file at `path` into a scratch file and deletes it: what `save` does to
  /// an existing file's other objects, run by the reader process before the real save.
  public static func copyCheck(_ path: String) throws {
    let source = try HDF5TableReader.open(path)
    let scratch = NSTemporaryDirectory() + "labbook-copy-check-\(getpid()).h5"
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    let file = try HDF5File.create(scratch)
    try copyAll(from: try source.root, to: try file.root, except: [])
  }

  /// Refuses to copy what would make libhdf5 read other files: links to them, external raw storage,
  /// virtual datasets (opening a dataset checks its storage).
  private static func checkCopyable(_ group: HDF5Group, _ name: String, depth: Int = 0) throws {
    guard depth < 64 else { throw DataError("'\(group.childPath(name))' is nested more than 64 groups deep") }
    switch group.kind(of: name) {
    case .externalLink:
      throw DataError("'\(group.childPath(name))' is a link to another file; Labbook does not copy it")
    case .dataset: _ = try group.openDataset(name)
    case .group:
      let child = try group.openGroup(name)
      for link in try child.linkNames() { try checkCopyable(child, link, depth: depth + 1) }
    case .other: break
    }
  }

  /// Copies every object of `source` into `destination` but the one at `excluded` (a path below it).
  private static func copyAll(from source: HDF5Group, to destination: HDF5Group, except excluded: [String]) throws {
    for name in try source.linkNames() {
      try checkCopyable(source, name)
      if name != excluded.first {
        try source.copy(name, to: destination)
      } else if excluded.count > 1, source.kind(of: name) == .group {
        try copyAll(
          from: try source.openGroup(name), to: try destination.createGroup(name), except: Array(excluded.dropFirst()))
      }
    }
  }

  private static func write(_ table: Table, datasetNames: [String], into file: HDF5File, components: [String]) throws {
    var parent = try file.root
    for component in components.dropLast() {
      if parent.contains(component) {
        guard parent.kind(of: component) == .group else {
          throw DataError("'\(parent.childPath(component))' in '\(file.path)' is a dataset, not a group")
        }
        parent = try parent.openGroup(component)
      } else {
        parent = try parent.createGroup(component)
      }
    }
    let leaf = components[components.count - 1]
    let group = try parent.createGroup(leaf)
    try group.setAttribute("labbook_format", integer: format)
    try group.setAttribute("columns", strings: table.columnNames)
    if let target = table.target { try group.setAttribute("target", string: target) }
    if let protected = table.protected { try group.setAttribute("protected", string: protected) }
    for (column, datasetName) in zip(table.columns, datasetNames) {
      switch column.values {
      case .numeric(let values):
        if let integers = exactIntegers(values) {
          try group.createDataset(datasetName, int64s: integers)
        } else {
          try group.createDataset(datasetName, doubles: values)
        }
      case .categorical(let codes, let levels):
        try group.createDataset(datasetName, strings: codes.map { $0 < 0 ? "" : levels[Int($0)] })
      }
    }
  }

  /// The values as Int64 when every one is a whole number within ±2^53 and none is missing.
  static func exactIntegers(_ values: [Double]) -> [Int64]? {
    var out = [Int64]()
    out.reserveCapacity(values.count)
    for value in values {
      guard value.isFinite, value == value.rounded(), abs(value) <= 9_007_199_254_740_992 else { return nil }
      out.append(Int64(value))
    }
    return out
  }

  private static func firstDuplicate(_ names: [String]) -> String? {
    var seen = Set<String>()
    return names.first { !seen.insert($0).inserted }
  }
}
