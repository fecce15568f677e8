import Foundation
import HDF5Kit

/// A model file's group, seen as plain named data: strings as attributes, numbers and lists as 1-D
/// datasets (float64, int64 or UTF-8 strings). Writing and reading go through the same names, and a
/// missing or malformed entry is an error that names it, never a crash.
struct ArchiveGroup {
  let group: HDF5Group

  func child(_ name: String) throws -> ArchiveGroup { ArchiveGroup(group: try group.createGroup(name)) }
  func open(_ name: String) throws -> ArchiveGroup {
    guard group.kind(of: name) == .group else { throw malformed(name, "is missing") }
    return ArchiveGroup(group: try group.openGroup(name))
  }
  func has(_ name: String) -> Bool { group.contains(name) || group.hasAttribute(name) }

  // MARK: Writing

  func set(_ name: String, _ text: String) throws { try group.setAttribute(name, string: text) }
  func set(_ name: String, _ number: Int) throws { try group.setAttribute(name, integer: Int64(number)) }
  func set(_ name: String, _ flag: Bool) throws { try group.setAttribute(name, integer: flag ? 1 : 0) }
  func set(_ name: String, _ number: Double) throws { try set(name, doubles: [number]) }
  func set(_ name: String, doubles: [Double]) throws {
    try group.createDataset(name, doubles: doubles, options: Self.options(doubles.count))
  }
  func set(_ name: String, ints: [Int]) throws {
    try group.createDataset(name, int64s: ints.map(Int64.init), options: Self.options(ints.count))
  }
  func set(_ name: String, strings: [String]) throws {
    try group.createDataset(name, strings: strings, options: Self.options(strings.count))
  }

  /// Small arrays are stored plainly; large ones compressed.
  static func options(_ count: Int) -> DatasetOptions {
    count < 1024 ? DatasetOptions(chunkLength: max(1, count), deflateLevel: 0, shuffle: false) : DatasetOptions()
  }

  // MARK: Reading

  func malformed(_ name: String, _ problem: String) -> MLError {
    MLError("model file: '\(group.childPath(name))' \(problem)")
  }

  func string(_ name: String) throws -> String {
    guard let values = try group.stringsAttribute(name), values.count == 1 else { throw malformed(name, "is missing") }
    return values[0]
  }
  func int(_ name: String) throws -> Int {
    guard let value = try group.integerAttribute(name) else { throw malformed(name, "is missing") }
    return Int(value)
  }
  func bool(_ name: String) throws -> Bool { try int(name) != 0 }
  func double(_ name: String) throws -> Double {
    let values = try doubles(name)
    guard values.count == 1 else { throw malformed(name, "should hold one number") }
    return values[0]
  }
  func doubles(_ name: String, count: Int? = nil) throws -> [Double] {
    guard group.kind(of: name) == .dataset else { throw malformed(name, "is missing") }
    let values = try group.openDataset(name).readDoubles()
    if let count, values.count != count { throw malformed(name, "has \(values.count) values, expected \(count)") }
    return values
  }
  func ints(_ name: String, count: Int? = nil) throws -> [Int] {
    guard group.kind(of: name) == .dataset else { throw malformed(name, "is missing") }
    let values = try group.openDataset(name).readInt64().map { Int($0) }
    if let count, values.count != count { throw malformed(name, "has \(values.count) values, expected \(count)") }
    return values
  }
  func strings(_ name: String, count: Int? = nil) throws -> [String] {
    guard group.kind(of: name) == .dataset else { throw malformed(name, "is missing") }
    let values = try group.openDataset(name).readStrings()
    if let count, values.count != count { throw malformed(name, "has \(values.count) values, expected \(count)") }
    return values
  }

  /// Children named 0, 1, 2, ... in order.
  func indexedChildren() throws -> [ArchiveGroup] {
    var result: [ArchiveGroup] = []
    while group.kind(of: String(result.count)) == .group { result.append(try open(String(result.count))) }
    return result
  }
}
