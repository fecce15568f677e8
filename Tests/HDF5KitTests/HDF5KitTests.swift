import Foundation
import Testing

@testable import HDF5Kit

@Suite struct HDF5KitTests {
  func path(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("hdf5kit-\(getpid())-\(UUID().uuidString)-\(name)")
      .path
  }

  @Test func errorsCarryTheLibraryStackAsText() {
    do {
      _ = try HDF5File.open("/nonexistent/dir/file.h5")
      Issue.record("opening a missing file succeeded")
    } catch let error as HDF5Error {
      #expect(error.message.hasPrefix("cannot open '/nonexistent/dir/file.h5' as HDF5 ("))
      #expect(error.message.contains("unable to open file"))
    } catch {
      Issue.record("unexpected error \(error)")
    }
  }

  @Test func linksComeBackInCreationOrder() throws {
    let file = try HDF5File.create(path("order.h5"))
    let group = try file.root.createGroup("g")
    for name in ["zeta", "alpha", "mid"] { try group.createDataset(name, doubles: [1]) }
    #expect(try group.linkNames() == ["zeta", "alpha", "mid"])
    #expect(group.kind(of: "zeta") == .dataset)
    #expect(try file.root.kind(of: "g") == .group)
    #expect(try file.root.kind(of: "missing") == .other)
  }

  /// Past 8 links libhdf5 stores a group densely, where the one-pass listing comes in hash order: the
  /// creation order must still come back.
  @Test func linksOfADenseGroupComeBackInCreationOrder() throws {
    let file = try HDF5File.create(path("dense.h5"))
    let group = try file.root.createGroup("g")
    let names = (0..<40).map { "n\(($0 * 23) % 40)" }
    for name in names { try group.createDataset(name, doubles: [1]) }
    #expect(try group.linkNames() == names)
  }

  @Test func attributesRoundTrip() throws {
    let file = try HDF5File.create(path("attrs.h5"))
    let group = try file.root.createGroup("g")
    try group.setAttribute("n", integer: -42)
    try group.setAttribute("s", string: "héllo")
    try group.setAttribute("list", strings: ["a", "b/c", ""])
    try group.setAttribute("s", string: "replaced")
    #expect(try group.integerAttribute("n") == -42)
    #expect(try group.stringsAttribute("s") == ["replaced"])
    #expect(try group.stringsAttribute("list") == ["a", "b/c", ""])
    #expect(try group.stringsAttribute("absent") == nil)
    #expect(try group.integerAttribute("s") == nil)
  }

  @Test func datasetsRoundTripWithChunkingAndDeflate() throws {
    let file = try HDF5File.create(path("data.h5"))
    let root = try file.root
    let values = (0..<100_000).map { Double($0).squareRoot() }
    try root.createDataset("d", doubles: values)
    try root.createDataset("i", int64s: [Int64.min, 0, Int64.max])
    try root.createDataset("s", strings: ["x", "", "ünïcode"])
    try root.createDataset("empty", doubles: [])
    #expect(try root.openDataset("d").readDoubles() == values)
    #expect(try root.openDataset("i").readInt64() == [Int64.min, 0, Int64.max])
    #expect(try root.openDataset("s").readStrings() == ["x", "", "ünïcode"])
    #expect(try root.openDataset("empty").shape == [0])
  }
}
