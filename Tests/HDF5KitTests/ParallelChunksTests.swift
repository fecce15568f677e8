import CHDF5
import Foundation
import Testing

@testable import HDF5Kit

/// Chunks inflated on several cores must give exactly what libhdf5 gives reading the same dataset
/// (the reference here: `readDoubles`, libhdf5's own filters), for every filter pipeline this path
/// takes, a last chunk cut short, unaligned compound fields, and 1 to 3 threads; layouts it does not
/// take must be left to libhdf5 (nil); a damaged chunk is an error.
@Suite struct ParallelChunksTests {
  func path(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("chunks-\(getpid())-\(UUID().uuidString)-\(name)")
      .path
  }

  struct Layout {
    var chunk: [hsize_t]?
    var shuffle = false
    var deflate = false
    var fletcher = false
  }

  /// Writes `bytes` as dataset `name` of `type` and `dims` with the C API.
  func write(_ group: HDF5Group, _ name: String, type: hid_t, dims: [hsize_t], layout: Layout, bytes: UnsafeRawPointer)
    throws
  {
    var dims = dims
    let space = H5Screate_simple(Int32(dims.count), &dims, nil)
    defer { H5Sclose(space) }
    let dcpl = H5Pcreate(lb_h5p_dataset_create())
    defer { H5Pclose(dcpl) }
    if var chunk = layout.chunk {
      #expect(H5Pset_chunk(dcpl, Int32(chunk.count), &chunk) >= 0)
      if layout.fletcher { #expect(H5Pset_fletcher32(dcpl) >= 0) }
      if layout.shuffle { #expect(H5Pset_shuffle(dcpl) >= 0) }
      if layout.deflate { #expect(H5Pset_deflate(dcpl, 6) >= 0) }
    }
    let dataset = H5Dcreate2(group.objectID, name, type, space, lb_h5p_default(), dcpl, lb_h5p_default())
    #expect(dataset >= 0)
    defer { H5Dclose(dataset) }
    #expect(H5Dwrite(dataset, type, lb_h5s_all(), lb_h5s_all(), lb_h5p_default(), bytes) >= 0)
  }

  func values(_ count: Int, seed: UInt64) -> [Double] {
    var state = seed
    return (0..<count).map { index in
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      switch index % 97 {
      case 0: return .nan
      case 1: return -0.0
      case 2: return .infinity
      default: return Double(Int64(bitPattern: state >> 11)) / 1e9
      }
    }
  }

  func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }

  @Test func columnsAreWhatLibhdf5Reads() throws {
    let file = try HDF5File.create(path("columns.h5"))
    let root = try file.root
    let column = values(200_003, seed: 1)
    let pipelines: [(String, Layout)] = [
      ("plain", Layout(chunk: [16_384])), ("shuffled", Layout(chunk: [16_384], shuffle: true)),
      ("deflated", Layout(chunk: [16_384], deflate: true)),
      ("both", Layout(chunk: [16_384], shuffle: true, deflate: true)),
      ("one-chunk", Layout(chunk: [200_003], shuffle: true, deflate: true)),
    ]
    for (name, layout) in pipelines {
      try column.withUnsafeBytes {
        try write(
          root, name, type: lb_h5t_ieee_f64le(), dims: [hsize_t(column.count)], layout: layout, bytes: $0.baseAddress!)
      }
    }
    let width = 5
    let rows = 50_001
    let matrix = values(rows * width, seed: 2)
    try matrix.withUnsafeBytes {
      try write(
        root, "matrix", type: lb_h5t_ieee_f64le(), dims: [hsize_t(rows), hsize_t(width)],
        layout: Layout(chunk: [4_096, hsize_t(width)], shuffle: true, deflate: true), bytes: $0.baseAddress!)
    }
    for name in pipelines.map(\.0) {
      let dataset = try root.openDataset(name)
      let reference = try dataset.readDoubles()
      #expect(bits(reference) == bits(column))
      for threads in 1...3 {
        let columns = try #require(try dataset.readDoubleColumnsInParallel(threads: threads), "\(name)")
        #expect(columns.count == 1 && bits(columns[0]) == bits(reference), "\(name), \(threads) threads")
      }
    }
    let dataset = try root.openDataset("matrix")
    let reference = try dataset.readDoubles()
    for threads in 1...3 {
      let columns = try #require(try dataset.readDoubleColumnsInParallel(threads: threads))
      #expect(columns.count == width)
      for j in 0..<width {
        #expect(bits(columns[j]) == bits(stride(from: j, to: reference.count, by: width).map { reference[$0] }))
      }
    }
  }

  @Test func compoundFieldsAreWhatLibhdf5Reads() throws {
    let file = try HDF5File.create(path("compound.h5"))
    let root = try file.root
    // Record of 28 bytes: a f64 at 0, n i32 at 8, b f64 at 12 and c f64 at 20 (unaligned), packed.
    let record = H5Tcreate(H5T_COMPOUND, 28)
    defer { H5Tclose(record) }
    H5Tinsert(record, "a", 0, lb_h5t_ieee_f64le())
    H5Tinsert(record, "n", 8, lb_h5t_std_i32be())
    H5Tinsert(record, "b", 12, lb_h5t_ieee_f64le())
    H5Tinsert(record, "c", 20, lb_h5t_ieee_f64le())
    let count = 30_001
    let a = values(count, seed: 3)
    let b = values(count, seed: 4)
    let c = values(count, seed: 5)
    var bytes = [UInt8](repeating: 0, count: 28 * count)
    bytes.withUnsafeMutableBytes { raw in
      for i in 0..<count {
        raw.storeBytes(of: a[i].bitPattern.littleEndian, toByteOffset: 28 * i, as: UInt64.self)
        raw.storeBytes(of: UInt32(i).bigEndian, toByteOffset: 28 * i + 8, as: UInt32.self)
        raw.storeBytes(of: b[i].bitPattern.littleEndian, toByteOffset: 28 * i + 12, as: UInt64.self)
        raw.storeBytes(of: c[i].bitPattern.littleEndian, toByteOffset: 28 * i + 20, as: UInt64.self)
      }
    }
    for (name, layout) in [
      ("deflated", Layout(chunk: [4_096], deflate: true)),
      ("both", Layout(chunk: [4_096], shuffle: true, deflate: true)),
    ] {
      try bytes.withUnsafeBytes {
        try write(root, name, type: record, dims: [hsize_t(count)], layout: layout, bytes: $0.baseAddress!)
      }
      let dataset = try root.openDataset(name)
      for threads in 1...3 {
        let fields = try #require(try dataset.readDoubleFieldsInParallel(["c", "a"], threads: threads))
        #expect(bits(fields[0]) == bits(try dataset.readDoubles(field: "c")) && bits(fields[0]) == bits(c))
        #expect(bits(fields[1]) == bits(try dataset.readDoubles(field: "a")) && bits(fields[1]) == bits(a))
      }
      // A field that is not float64 is left to libhdf5.
      #expect(try dataset.readDoubleFieldsInParallel(["a", "n"], threads: 2) == nil)
    }
  }

  @Test func otherLayoutsAreLeftToLibhdf5() throws {
    let file = try HDF5File.create(path("other.h5"))
    let root = try file.root
    let column = values(100_000, seed: 6)
    try column.withUnsafeBytes { raw in
      try write(
        root, "contiguous", type: lb_h5t_ieee_f64le(), dims: [100_000], layout: Layout(), bytes: raw.baseAddress!)
      try write(
        root, "fletcher", type: lb_h5t_ieee_f64le(), dims: [100_000],
        layout: Layout(chunk: [16_384], deflate: true, fletcher: true), bytes: raw.baseAddress!)
      try write(
        root, "narrow-chunks", type: lb_h5t_ieee_f64le(), dims: [50_000, 2],
        layout: Layout(chunk: [16_384, 1], deflate: true), bytes: raw.baseAddress!)
      try write(
        root, "tiny-chunks", type: lb_h5t_ieee_f64le(), dims: [100_000], layout: Layout(chunk: [64], deflate: true),
        bytes: raw.baseAddress!)
      try write(
        root, "big-endian", type: lb_h5t_ieee_f64be(), dims: [100_000], layout: Layout(chunk: [16_384], deflate: true),
        bytes: raw.baseAddress!)
    }
    for name in ["contiguous", "fletcher", "narrow-chunks", "tiny-chunks", "big-endian"] {
      #expect(try root.openDataset(name).readDoubleColumnsInParallel(threads: 2) == nil, "\(name)")
    }
  }

  @Test func aDamagedChunkIsAnError() throws {
    let name = path("damaged.h5")
    do {
      let file = try HDF5File.create(name)
      let column = values(100_000, seed: 7)
      try column.withUnsafeBytes {
        try write(
          try file.root, "d", type: lb_h5t_ieee_f64le(), dims: [100_000],
          layout: Layout(chunk: [16_384], deflate: true),
          bytes: $0.baseAddress!)
      }
    }
    // Where the third chunk is stored, from libhdf5; then the middle of its deflate stream overwritten.
    var address: haddr_t = 0
    var size: hsize_t = 0
    do {
      let dataset = try HDF5File.open(name).root.openDataset("d")
      var offset: [hsize_t] = [2 * 16_384]
      var mask: UInt32 = 0
      #expect(H5Dget_chunk_info_by_coord(dataset.objectID, &offset, &mask, &address, &size) >= 0)
    }
    let handle = try #require(FileHandle(forUpdatingAtPath: name))
    try handle.seek(toOffset: UInt64(address) + UInt64(size) / 2)
    try handle.write(contentsOf: Data(repeating: 0x5A, count: 64))
    try handle.close()
    let dataset = try HDF5File.open(name).root.openDataset("d")
    #expect(throws: HDF5Error.self) { try dataset.readDoubleColumnsInParallel(threads: 2) }
  }
}
