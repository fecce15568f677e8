import Foundation
import Testing

@testable import HDF5Kit

/// The global heap check must pass every file libhdf5 writes and refuse the two shapes of collection that
/// make libhdf5 1.10 spin or copy out of bounds. The damaged bytes are written by hand here, at offsets
/// read from the HDF5 file format specification (a collection: "GCOL", version, 3 reserved bytes, an
/// 8-byte size; an object: 2-byte index, 2-byte reference count, 4 reserved bytes, 8-byte size).
@Suite struct GlobalHeapCheckTests {
  func path(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("gheap-\(getpid())-\(UUID().uuidString)-\(name)")
      .path
  }

  /// A file with thousands of variable-length strings, so several collections.
  func stringsFile() throws -> (path: String, bytes: [UInt8]) {
    let file = path("strings.h5")
    do {
      let written = try HDF5File.create(file)
      let group = try written.root.createGroup("t")
      try group.setAttribute("columns", strings: ["a", "b"])
      try group.createDataset("a", strings: (0..<5_000).map { "level \($0 % 97) of row \($0)" })
    }
    return (file, [UInt8](try Data(contentsOf: URL(fileURLWithPath: file))))
  }

  func collections(in bytes: [UInt8]) -> [Int] {
    let signature = Array("GCOL".utf8)
    return (0..<(bytes.count - 4)).filter { Array(bytes[$0..<($0 + 4)]) == signature }
  }

  func setLittleEndian(_ value: UInt64, in bytes: inout [UInt8], at offset: Int, count: Int) {
    for index in 0..<count { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
  }

  @Test func filesLibhdf5WroteAreAccepted() throws {
    let (_, bytes) = try stringsFile()
    #expect(collections(in: bytes).count >= 2, "the file should hold several collections")
    #expect(GlobalHeapCheck.firstProblem(in: bytes) == nil)
    let datasets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("datasets")
    for name in ["iris", "wine", "german_credit", "diabetes", "breast_cancer"] {
      let data = try Data(contentsOf: datasets.appendingPathComponent("\(name).h5"))
      #expect(GlobalHeapCheck.firstProblem(in: [UInt8](data)) == nil, "\(name).h5")
    }
  }

  @Test func aFreeSpaceObjectOfSizeZeroIsRefusedBeforeLibhdf5OpensTheFile() throws {
    var (file, bytes) = try stringsFile()
    let first = try #require(collections(in: bytes).first)
    setLittleEndian(0, in: &bytes, at: first + 16, count: 2)  // object index 0: free space
    setLittleEndian(0, in: &bytes, at: first + 24, count: 8)  // of size 0
    #expect(
      GlobalHeapCheck.firstProblem(in: bytes)
        == "the global heap collection at byte \(first) holds a free-space object of size 0, which HDF5 would read forever"
    )
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    // To be written, the file is refused at once; read-only, when its strings are read.
    #expect(throws: HDF5Error.self) { try HDF5File.open(file, writable: true) }
    #expect {
      try HDF5File.open(file).root.openGroup("t").openDataset("a").readStrings()
    } throws: {
      (($0 as? HDF5Error)?.message ?? "").hasPrefix("the global heap collection at byte \(first) holds a free-space")
    }
  }

  /// Read-only, a collection is walked when first needed: a few descriptors (an attribute's) walk only
  /// their collection, so damage elsewhere in the file shows when the strings that live there are read.
  @Test func aDamagedCollectionIsFoundWhenNeeded() throws {
    var (file, bytes) = try stringsFile()
    let last = try #require(collections(in: bytes).last)
    #expect(last != collections(in: bytes).first)
    setLittleEndian(0, in: &bytes, at: last + 16, count: 2)  // the last collection's first object: free
    setLittleEndian(0, in: &bytes, at: last + 24, count: 8)  // space of size 0
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    let group = try HDF5File.open(file).root.openGroup("t")
    #expect(try group.stringsAttribute("columns") == ["a", "b"])
    #expect {
      try group.openDataset("a").readStrings()
    } throws: {
      ($0 as? HDF5Error)?.message
        == "the global heap collection at byte \(last) holds a free-space object of size 0, which HDF5 would read forever"
    }
  }

  @Test func anObjectPastTheCollectionsEndIsRefused() throws {
    var (_, bytes) = try stringsFile()
    let first = try #require(collections(in: bytes).first)
    let index = Int(bytes[first + 16]) | Int(bytes[first + 17]) << 8
    setLittleEndian(0xFFFF_FFFF_FFFF, in: &bytes, at: first + 24, count: 8)
    #expect(
      GlobalHeapCheck.firstProblem(in: bytes)?.hasSuffix(
        "holds object \(index) of 281474976710655 bytes, past the collection's end") == true)
    // An object reaching exactly to the end is allowed; one byte more is not.
    let declared = Int(bytes[first + 8]) | Int(bytes[first + 9]) << 8 | Int(bytes[first + 10]) << 16
    setLittleEndian(UInt64(declared - 16 - 16), in: &bytes, at: first + 24, count: 8)
    #expect(GlobalHeapCheck.firstProblem(in: bytes) == nil)
    setLittleEndian(UInt64(declared - 16 - 16 + 1), in: &bytes, at: first + 24, count: 8)
    #expect(GlobalHeapCheck.firstProblem(in: bytes)?.contains("past the collection's end") == true)
  }

  /// A collection declaring more bytes than the file has is not walked: libhdf5 fails to read it.
  @Test func aCollectionLargerThanTheFileIsLeftToLibhdf5() throws {
    var (_, bytes) = try stringsFile()
    let first = try #require(collections(in: bytes).first)
    setLittleEndian(0, in: &bytes, at: first + 24, count: 8)
    setLittleEndian(0, in: &bytes, at: first + 16, count: 2)
    setLittleEndian(UInt64(bytes.count), in: &bytes, at: first + 8, count: 8)
    #expect(GlobalHeapCheck.firstProblem(in: bytes) == nil)
  }

  /// The vectorised search finds what a byte-by-byte search finds, at every alignment and near the end.
  @Test func theSearchFindsEverySignatureAByteByByteSearchFinds() throws {
    var generator = SystemRandomNumberGenerator()
    var bytes = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
    for start in [0, 5, 15, 31, 47, 4_000, 4_017, 9_980, 9_991, 9_996] {
      bytes.replaceSubrange(start..<(start + 4), with: Array("GCOL".utf8))
    }
    bytes.replaceSubrange(5_000..<5_004, with: Array("GCOX".utf8))  // first and last bytes alone are not enough
    bytes.replaceSubrange(5_100..<5_104, with: Array("GXOL".utf8))
    let naive = (0...(bytes.count - 4)).filter { Array(bytes[$0..<($0 + 4)]) == Array("GCOL".utf8) }
    #expect(GlobalHeapCheck.signatureOffsets(in: MemoryBytes(bytes: bytes)) == naive)
    #expect(naive.count >= 10)
  }

  /// The file is scanned in 1 MB blocks; a header across a block boundary (here the eighth) is still found.
  @Test func aCollectionAcrossABlockBoundaryIsFound() throws {
    var bytes = [UInt8](repeating: 0, count: (8 << 20) + 4096)
    let superblock: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0, 0, 8, 8, 0]
    bytes.replaceSubrange(0..<16, with: superblock)
    let start = (8 << 20) - 2
    bytes.replaceSubrange(start..<(start + 5), with: Array("GCOL".utf8) + [1])
    setLittleEndian(64, in: &bytes, at: start + 8, count: 8)
    #expect(GlobalHeapCheck.firstProblem(in: bytes)?.hasPrefix("the global heap collection at byte \(start) ") == true)
    bytes[start + 4] = 2  // a version libhdf5 refuses is its error, not a problem here
    #expect(GlobalHeapCheck.firstProblem(in: bytes) == nil)
  }

  /// A collection whose header is in one block and whose objects run into the next is read on its own
  /// and walked the same: here its second object (past the boundary) has size 0 as free space.
  @Test func aCollectionRunningIntoTheNextBlockIsWalkedWhole() throws {
    var bytes = [UInt8](repeating: 0, count: (8 << 20) + 8192)
    let superblock: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0, 0, 8, 8, 0]
    bytes.replaceSubrange(0..<16, with: superblock)
    let start = (8 << 20) - 1_000
    bytes.replaceSubrange(start..<(start + 5), with: Array("GCOL".utf8) + [1])
    setLittleEndian(4096, in: &bytes, at: start + 8, count: 8)
    setLittleEndian(1, in: &bytes, at: start + 16, count: 2)  // object 1 of 1,000 bytes, ending past the block
    setLittleEndian(1_000, in: &bytes, at: start + 24, count: 8)
    let second = start + 16 + 16 + 1_000
    setLittleEndian(0, in: &bytes, at: second, count: 2)  // then free space of size 0
    setLittleEndian(0, in: &bytes, at: second + 8, count: 8)
    #expect(
      GlobalHeapCheck.firstProblem(in: bytes)
        == "the global heap collection at byte \(start) holds a free-space object of size 0, which HDF5 would read forever"
    )
    setLittleEndian(UInt64(4096 - 32 - 1_000), in: &bytes, at: second + 8, count: 8)  // free space to the end
    let index = try #require(try GlobalHeapCheck.index(of: bytes).get())
    #expect(try index.collection(at: UInt64(start))?.size(of: 1) == 1_000)
  }
}
