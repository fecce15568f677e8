import Foundation
import HDF5Kit
import Testing

@testable import LabbookData

@Suite struct HDF5WriterTests {
  func sample() throws -> Table {
    try Table(
      name: "t",
      columns: [
        .numeric("count", [1, 2, 3]),
        .numeric("ratio", [0.5, .nan, 2.25]),
        .categorical("a/b", ["x", nil, "y"]),
      ], target: "count", protected: "a/b")
  }

  @Test func canonicalLayoutRoundTrips() throws {
    let path = temporaryPath("save.h5")
    let table = try sample()
    try HDF5TableWriter.save(table, to: path, group: "/t")
    let back = try HDF5TableReader.load(path: path, name: "t")
    #expect(back == table)
    #expect(back.target == "count" && back.protected == "a/b")
    #expect(back.contentHash == table.contentHash)
    // The layout itself, read with HDF5Kit: int64 for whole numbers, float64 with NaN, strings, '/' → '_'.
    let group = try HDF5File.open(path).root.openGroup("t")
    #expect(try group.linkNames() == ["count", "ratio", "a_b"])
    #expect(try group.openDataset("count").elementType == .integer(bytes: 8, signed: true, bigEndian: false))
    #expect(try group.openDataset("ratio").elementType == .float(bytes: 8, bigEndian: false))
    #expect(try group.openDataset("a_b").elementType == .string(fixedSize: nil))
    #expect(try group.stringsAttribute("columns") == ["count", "ratio", "a/b"])
    #expect(try group.integerAttribute("labbook_format") == 1)
  }

  @Test func savingTwiceGivesIdenticalBytes() throws {
    let first = temporaryPath("a.h5")
    let second = temporaryPath("b.h5")
    try HDF5TableWriter.save(try sample(), to: first, group: "/t")
    Thread.sleep(forTimeInterval: 1.1)  // a stored modification time would now differ
    try HDF5TableWriter.save(try sample(), to: second, group: "/t")
    #expect(try Data(contentsOf: URL(fileURLWithPath: first)) == Data(contentsOf: URL(fileURLWithPath: second)))
  }

  @Test func resavingIntoTheSameFileGivesIdenticalBytes() throws {
    // What a replay does: save again, over the file the recorded run wrote.
    let path = temporaryPath("again.h5")
    try HDF5TableWriter.save(try sample(), to: path, group: "/t")
    let first = try Data(contentsOf: URL(fileURLWithPath: path))
    try HDF5TableWriter.save(try sample(), to: path, group: "/t")
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == first)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
    #expect(!leftovers.contains { $0.contains(".tmp-") })
  }

  @Test func savingIntoAnExistingFileKeepsOtherGroupsAndReplacesItsOwn() throws {
    let path = temporaryPath("multi.h5")
    var table = try sample()
    try HDF5TableWriter.save(table, to: path, group: "/one")
    try HDF5TableWriter.save(table, to: path, group: "/two/nested")
    table.columns[0] = .numeric("count", [9, 9, 9])
    try HDF5TableWriter.save(table, to: path, group: "/one")
    // Replacing /one re-creates it, so it now comes after /two in creation order.
    #expect(try HDF5TableReader.candidates(path: path) == ["/two/nested", "/one"])
    let one = try HDF5TableReader.load(path: path, inside: "/one", name: "t")
    #expect(try one.column("count").values == .numeric([9, 9, 9]))
  }

  @Test func refusesToOverwriteANonHDF5File() throws {
    let path = temporaryPath("notes.h5")
    try "precious".write(toFile: path, atomically: true, encoding: .utf8)
    #expect(throws: DataError.self) { try HDF5TableWriter.save(try sample(), to: path, group: "/t") }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious")
  }
}
