import CHDF5
import Foundation
import Testing

@testable import HDF5Kit

/// Variable-length strings are descriptors (a 4-byte length, an 8-byte collection address, a 4-byte
/// object index, as the HDF5 file format specification lays them out) that libhdf5 1.10 follows without
/// checking. Files are written here by libhdf5 itself (contiguous, chunked with each filter, behind a
/// user block) and must read back as written; then one descriptor is changed by hand, at the offset
/// `H5Dget_offset` gives, and the read must be a located error instead of libhdf5's SIGSEGV.
@Suite struct StringReferenceCheckTests {
  /// Shuffle on variable-length strings is skipped by libhdf5 when writing (it has no element size),
  /// its bit set in each chunk's filter mask; Fletcher-32 on them is refused.
  enum Layout {
    case contiguous
    case chunked(shuffle: Bool, deflate: Bool)
    case compact
  }

  let strings = (0..<600).map { $0 % 7 == 0 ? "" : "level \($0 % 31) — row \($0) ✓" }

  func path(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("strref-\(getpid())-\(UUID().uuidString)-\(name)")
      .path
  }

  /// Writes `strings` as the variable-length string dataset `/s`; returns where its raw data starts
  /// (contiguous layout only; else nil).
  @discardableResult
  func write(_ strings: [String], to file: String, layout: Layout, userBlock: Int = 0) throws -> Int? {
    try write(bytes: strings.map { Array($0.utf8) }, to: file, layout: layout, userBlock: userBlock)
  }

  /// The same for strings given as bytes (which may be invalid UTF-8; no NUL, as libhdf5 takes C strings).
  @discardableResult
  func write(bytes strings: [[UInt8]], to file: String, layout: Layout, userBlock: Int = 0) throws -> Int? {
    let fcpl = H5Pcreate(lb_h5p_file_create())
    defer { H5Pclose(fcpl) }
    if userBlock > 0 { H5Pset_userblock(fcpl, hsize_t(userBlock)) }
    let id = H5Fcreate(file, lb_h5f_acc_trunc(), fcpl, lb_h5p_default())
    #expect(id >= 0)
    defer { H5Fclose(id) }
    let type = H5Tcopy(lb_h5t_c_s1())
    defer { H5Tclose(type) }
    H5Tset_size(type, lb_h5t_variable())
    var dims = [hsize_t(strings.count)]
    let space = H5Screate_simple(1, &dims, nil)
    defer { H5Sclose(space) }
    let dcpl = H5Pcreate(lb_h5p_dataset_create())
    defer { H5Pclose(dcpl) }
    if case .chunked(let shuffle, let deflate) = layout {
      var chunk = [hsize_t(128)]
      H5Pset_chunk(dcpl, 1, &chunk)
      if shuffle { H5Pset_shuffle(dcpl) }
      if deflate { H5Pset_deflate(dcpl, 6) }
    }
    if case .compact = layout { H5Pset_layout(dcpl, H5D_COMPACT) }
    let dataset = H5Dcreate2(id, "s", type, space, lb_h5p_default(), dcpl, lb_h5p_default())
    #expect(dataset >= 0)
    defer { H5Dclose(dataset) }
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { bytes in
      let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
      for (index, byte) in bytes.enumerated() { pointer[index] = CChar(bitPattern: byte) }
      pointer[bytes.count] = 0
      return pointer
    }
    defer { for pointer in pointers { pointer?.deallocate() } }
    let status = pointers.withUnsafeBytes {
      H5Dwrite(dataset, type, lb_h5s_all(), lb_h5s_all(), lb_h5p_default(), $0.baseAddress)
    }
    #expect(status >= 0)
    // The same strings as the attribute `names` of the root group.
    let attribute = H5Acreate2(id, "names", type, space, lb_h5p_default(), lb_h5p_default())
    #expect(attribute >= 0)
    defer { H5Aclose(attribute) }
    #expect(pointers.withUnsafeBytes { H5Awrite(attribute, type, $0.baseAddress) } >= 0)
    let offset = H5Dget_offset(dataset)
    return offset == lb_haddr_undef() ? nil : Int(offset)
  }

  /// Reads `/s`; opened writable, the file has no heap index, so only `ChunkCheck` runs before libhdf5.
  func read(_ file: String, writable: Bool = false) throws -> [String] {
    try HDF5File.open(file, writable: writable).root.openDataset("s").readStrings()
  }

  /// Changes `count` little-endian bytes at `offset` of the file.
  func patch(_ file: String, at offset: Int, value: UInt64, count: Int) throws {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
    for index in 0..<count { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
    try Data(bytes).write(to: URL(fileURLWithPath: file))
  }

  @Test(arguments: [
    Layout.contiguous, .chunked(shuffle: false, deflate: false), .chunked(shuffle: false, deflate: true),
    .chunked(shuffle: true, deflate: true), .chunked(shuffle: true, deflate: false), .compact,
  ])
  func stringsLibhdf5WroteReadBack(layout: Layout) throws {
    let file = path("written.h5")
    try write(strings, to: file, layout: layout)
    #expect(try read(file) == strings)
    #expect(try read(file, writable: true) == strings)
    let behindUserBlock = path("userblock.h5")
    try write(strings, to: behindUserBlock, layout: layout, userBlock: 1024)
    #expect(try read(behindUserBlock) == strings)
    #expect(try HDF5File.open(file).root.stringsAttribute("names") == strings)
    #expect(try HDF5File.open(behindUserBlock).root.stringsAttribute("names") == strings)
  }

  /// The stored descriptors of `/s`, read through `RawStringDescriptors` (as the check reads them).
  func storedDescriptors(_ file: String) throws -> [UInt8] {
    let dataset = try HDF5File.open(file).root.openDataset("s")
    let raw = try #require(RawStringDescriptors.memoryType)
    var bytes = [UInt8](repeating: 0, count: dataset.count * 16)
    #expect(H5Dread(dataset.objectID, raw, lb_h5s_all(), lb_h5s_all(), lb_h5p_default(), &bytes) >= 0)
    return bytes
  }

  /// Every offset of the file where `needle` is stored.
  func offsets(of needle: [UInt8], in file: String) throws -> [Int] {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
    return (0...(bytes.count - needle.count)).filter { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
  }

  /// Read-only, a dataset's strings come from the heap index's collections; writable (no index), from
  /// libhdf5's own conversion. Both must give the same strings: here with invalid UTF-8 (read as Latin-1), strings of 10
  /// and 70 KB (the second larger than a collection's usual 4 KB), and a string whose heap object gets a
  /// NUL in its middle (by hand, at its bytes in the file: libhdf5 hands over a C string, so it ends there).
  @Test(arguments: [Layout.contiguous, .chunked(shuffle: false, deflate: true), .compact])
  func theHeapGivesWhatLibhdf5Gives(layout: Layout) throws {
    var values = strings.map { Array($0.utf8) }
    values += [[0xFF, 0x41], [0xC3], [0x41, 0xE2, 0x82], [0xED, 0xA0, 0x80], Array(repeating: 0x62, count: 10_000)]
    values += [Array(repeating: 0x63, count: 70_000), Array("needle in the haystack".utf8)]
    if case .compact = layout { values = Array(values.prefix(40)) + [Array("needle in the haystack".utf8)] }
    let file = path("same.h5")
    try write(bytes: values, to: file, layout: layout)
    // Valid UTF-8 as UTF-8, anything else byte for byte as Latin-1 (Foundation's decoder, not Labbook's).
    let expected = values.map { String(validating: $0, as: UTF8.self) ?? String(bytes: $0, encoding: .isoLatin1)! }
    #expect(try read(file, writable: true) == expected)
    #expect(try read(file) == expected)
    let needle = try #require(try offsets(of: Array("needle in the haystack".utf8), in: file).first)
    try patch(file, at: needle + 6, value: 0, count: 1)
    let libhdf5 = try read(file, writable: true)
    #expect(libhdf5.last == "needle")
    #expect(try read(file) == libhdf5)
  }

  @Test func theRawReadGivesTheDescriptorsAsStored() throws {
    let file = path("raw.h5")
    let start = try #require(try write(strings, to: file, layout: .contiguous))
    let stored = Array([UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))[start..<(start + strings.count * 16)])
    #expect(try storedDescriptors(file) == stored)
  }

  /// A compact dataset's descriptors (in its object header) and an attribute's are read by libhdf5 into
  /// `RawStringDescriptors`. String 6's descriptor is found in the file by its 16 bytes (once: the
  /// attribute's strings are heap objects of their own, with other indexes) and its object index set to
  /// one the collection lacks.
  @Test func compactDatasetsAndAttributesAreCheckedToo() throws {
    let file = path("compact.h5")
    try write(strings, to: file, layout: .compact)
    #expect(try read(file) == strings)
    let descriptors = try storedDescriptors(file)
    let sixth = Array(descriptors[(5 * 16)..<(6 * 16)])
    let places = try offsets(of: sixth, in: file)
    #expect(places.count == 1, "the compact dataset's copy (the attribute's strings are new heap objects)")
    for place in places { try patch(file, at: place + 12, value: 999, count: 4) }
    #expect {
      try read(file)
    } throws: {
      (($0 as? HDF5Error)?.message ?? "").hasPrefix("string 6 of '/s' points at object 999 of the global heap")
    }
    // The attribute, found the same way.
    let attributeFile = path("attribute.h5")
    try write(strings, to: attributeFile, layout: .contiguous)
    var stored = [UInt8](repeating: 0, count: strings.count * 16)
    do {  // closed again before the file is changed: libhdf5 would keep serving the open file's header
      let root = try HDF5File.open(attributeFile).root
      let attribute = H5Aopen(root.objectID, "names", lb_h5p_default())
      defer { H5Aclose(attribute) }
      #expect(H5Aread(attribute, try #require(RawStringDescriptors.memoryType), &stored) >= 0)
    }
    let attributeSixth = Array(stored[(5 * 16)..<(6 * 16)])
    let attributePlaces = try offsets(of: attributeSixth, in: attributeFile)
    #expect(attributePlaces.count == 1)
    for place in attributePlaces { try patch(attributeFile, at: place + 12, value: 999, count: 4) }
    #expect {
      try HDF5File.open(attributeFile).root.stringsAttribute("names")
    } throws: {
      (($0 as? HDF5Error)?.message ?? "").hasPrefix(
        "string 6 of attribute 'names' of '/' points at object 999 of the global heap collection at byte ")
    }
  }

  @Test func stringsLabbookWroteReadBack() throws {
    let file = path("labbook.h5")
    do { try HDF5File.create(file).root.createDataset("s", strings: strings) }
    #expect(try read(file) == strings)
  }

  @Test(arguments: [0, 1024])
  func aDescriptorNamingNoObjectIsAnError(userBlock: Int) throws {
    let file = path("index.h5")
    let start = try #require(try write(strings, to: file, layout: .contiguous, userBlock: userBlock))
    try patch(file, at: start + 16 * 5 + 12, value: 999, count: 4)  // string 6's object index
    #expect {
      try read(file)
    } throws: {
      let message = ($0 as? HDF5Error)?.message ?? ""
      return message.hasPrefix("string 6 of '/s' points at object 999 of the global heap collection at byte ")
        && message.hasSuffix(", which holds none; the file is damaged")
    }
  }

  @Test func aDescriptorLongerThanItsObjectIsAnError() throws {
    let file = path("length.h5")
    let start = try #require(try write(strings, to: file, layout: .contiguous))
    // String 2 is "level 1 — row 1 ✓": 21 bytes of UTF-8.
    try patch(file, at: start + 16 * 1, value: 4_000, count: 4)
    #expect {
      try read(file)
    } throws: {
      ($0 as? HDF5Error)?.message
        == "string 2 of '/s' declares 4000 bytes but its heap object holds 21; the file is damaged"
    }
  }

  @Test func aDescriptorPointingOutsideTheHeapIsAnError() throws {
    let file = path("address.h5")
    let start = try #require(try write(strings, to: file, layout: .contiguous))
    try patch(file, at: start + 16 * 3 + 4, value: 40, count: 8)  // string 4's collection address
    #expect {
      try read(file)
    } throws: {
      ($0 as? HDF5Error)?.message
        == "string 4 of '/s' points at byte 40, where no global heap collection starts; the file is damaged"
    }
  }

  @Test func aNullDescriptorIsAnEmptyString() throws {
    let file = path("null.h5")
    let start = try #require(try write(strings, to: file, layout: .contiguous))
    try patch(file, at: start + 16 * 2 + 4, value: 0, count: 8)  // string 3: address 0, what libhdf5 reads as nil
    var expected = strings
    expected[2] = ""
    #expect(try read(file) == expected)
  }

  @Test func theIndexHoldsEveryObjectAsLibhdf5TablesIt() throws {
    // One collection by hand (sizes from the file format specification): header 16 bytes, object 1 of
    // 3 bytes (padded to 8), object 4 of 0 bytes, object 1 again of 5 bytes (replaces the first, as
    // libhdf5's table does), then free space (object 0) to the collection's end.
    var bytes = [UInt8](repeating: 0, count: 4096)
    func put(_ value: UInt64, at offset: Int, count: Int) {
      for index in 0..<count { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(index))) }
    }
    let superblock: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0, 0, 8, 8, 0]
    bytes.replaceSubrange(0..<16, with: superblock)
    let start = 2048
    bytes.replaceSubrange(start..<(start + 4), with: Array("GCOL".utf8))
    bytes[start + 4] = 1
    put(2048, at: start + 8, count: 8)
    var at = start + 16
    for (index, size) in [(1, 3), (4, 0), (1, 5)] as [(UInt64, UInt64)] {
      put(index, at: at, count: 2)
      put(size, at: at + 8, count: 8)
      at += 16 + Int((size + 7) / 8 * 8)
    }
    put(0, at: at, count: 2)
    put(UInt64(start + 2048 - at), at: at + 8, count: 8)
    let index = try #require(try GlobalHeapCheck.index(of: bytes).get())
    let collection = try #require(try index.collection(at: UInt64(start)))
    #expect(collection.size(of: 1) == 5)
    #expect(collection.size(of: 4) == 0)
    #expect(collection.size(of: 2) == nil)
    #expect(collection.size(of: 0) == nil)
    #expect(collection.size(of: 70_000) == nil)
    #expect(try index.collection(at: UInt64(start + 8)) == nil)
  }
}
