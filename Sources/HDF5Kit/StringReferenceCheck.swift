import CHDF5
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A variable-length string is stored as a 16-byte descriptor: its length (4 bytes), the address of a
/// global heap collection (8) and an object index in it (4). libhdf5 1.10's `H5HG_read` trusts all
/// three: an index the collection does not hold reads an empty slot of its object table or past the
/// table's end (SIGSEGV: the most frequent crash of the hdf5 and model fuzz targets), and an object
/// longer than the descriptor says is copied into a buffer of the descriptor's length. So before
/// libhdf5 reads a dataset of variable-length strings, every descriptor is read here from the raw data
/// and looked up in the `GlobalHeapIndex` built before the file was opened: the address must name a
/// collection libhdf5 could load, the index an object in it, and the object must be exactly as long as
/// the descriptor says (libhdf5 writes it so). A null descriptor (address 0) is an empty string.
///
/// The descriptors are read as stored: a contiguous dataset's bytes from the file (`H5Dget_offset`), a
/// 1-D chunked one's chunks through `H5Dread_chunk` with deflate and shuffle undone here; any other
/// dataset, and string attributes, through libhdf5's own read into `RawStringDescriptors`, a type whose
/// conversion keeps the descriptors as they are. Strings inside compounds are left to libhdf5, and so
/// to the reader process that contains it.
extension HDF5Dataset {
  /// Bytes of one descriptor with 8-byte addresses.
  static let descriptorSize = 16

  /// Checks every descriptor (once); returns them, in element order, when every element's descriptor is
  /// stored (nil when the check does not apply, or some elements are not written and take the dataset's
  /// fill value, which only libhdf5 gives).
  @discardableResult
  func checkStringReferences() throws -> [UInt8]? {
    if stringReferencesChecked { return nil }
    defer { stringReferencesChecked = true }
    guard let heap = file.globalHeap, heap.addressSize == 8, H5Tis_variable_str(fileType.id) > 0, count > 0 else {
      return nil
    }
    let plist = try checkID("cannot read how '\(path)' is stored") { H5Dget_create_plist(handle.id) }
    let layout = H5Pget_layout(plist)
    let pipeline = Self.stringPipeline(plist)
    H5Pclose(plist)
    if layout == H5D_CONTIGUOUS { return try checkContiguousReferences(heap) }
    if layout == H5D_CHUNKED, shape.count == 1, let pipeline {
      return try checkChunkedReferences(heap, pipeline: pipeline)
    }
    try checkReferencesReadByLibrary(heap)
    return nil
  }

  private func checkContiguousReferences(_ heap: GlobalHeapIndex) throws -> [UInt8]? {
    let offset = H5Dget_offset(handle.id)  // from the file's first byte, the base included
    if offset == lb_haddr_undef() { return nil }  // nothing written: libhdf5 gives the fill value
    let (bytes, overflow) = count.multipliedReportingOverflow(by: Self.descriptorSize)
    guard !overflow, offset <= UInt64(Int.max), bytes <= fileSize, Int(offset) <= fileSize - bytes else {
      throw HDF5Error("'\(path)' declares \(count) strings stored past the end of the file; the file is damaged")
    }
    let descriptor = Glibc.open(file.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else { throw HDF5Error("cannot read '\(path)' from '\(file.path)'") }
    defer { close(descriptor) }
    let reader = BlockReader(descriptor: descriptor, size: fileSize)
    let raw = reader.read(at: Int(offset), count: bytes)
    guard raw.count == bytes else {
      throw HDF5Error("'\(path)' declares \(count) strings stored past the end of the file; the file is damaged")
    }
    if let problem = try raw.withUnsafeBytes({ try heap.firstBadReference(in: $0, count: count) }) {
      throw HDF5Error("string \(problem.row + 1) of '\(path)' \(problem.reason); the file is damaged")
    }
    return raw
  }

  /// Compact datasets, chunks of several dimensions and other filters: libhdf5 reads the descriptors
  /// (after `checkChunksInflate`, as before any read) and `RawStringDescriptors` keeps them as stored.
  private func checkReferencesReadByLibrary(_ heap: GlobalHeapIndex) throws {
    guard let raw = RawStringDescriptors.memoryType else { return }
    try checkChunksInflate()
    let bytes = try ReadLimits.bytes(count, of: Self.descriptorSize, reading: path)
    var descriptors = [UInt8](repeating: 0, count: bytes)
    _ = try descriptors.withUnsafeMutableBytes { buffer in
      try checkStatus("cannot read '\(path)'") {
        H5Dread(handle.id, raw, lb_h5s_all(), lb_h5s_all(), lb_h5p_default(), buffer.baseAddress)
      }
    }
    if let problem = try descriptors.withUnsafeBytes({ try heap.firstBadReference(in: $0, count: count) }) {
      throw HDF5Error("string \(problem.row + 1) of '\(path)' \(problem.reason); the file is damaged")
    }
  }

  private func checkChunkedReferences(_ heap: GlobalHeapIndex, pipeline: [StringFilter]) throws -> [UInt8]? {
    guard let chunkRows = chunkShape?.first, chunkRows > 0 else { return nil }
    let (chunkBytes, overflow) = chunkRows.multipliedReportingOverflow(by: Self.descriptorSize)
    guard !overflow, chunkBytes <= ReadLimits.maximumBytes else {
      throw HDF5Error("'\(path)' declares chunks of \(chunkRows) strings; the file is damaged")
    }
    let chunks = (count + chunkRows - 1) / chunkRows
    var stored: [UInt8] = []
    var descriptors: [UInt8]? = []
    descriptors?.reserveCapacity(try ReadLimits.bytes(count, of: Self.descriptorSize, reading: path))
    for chunk in 0..<chunks {
      var offset = [hsize_t(chunk * chunkRows)]
      var mask: UInt32 = 0
      var address: haddr_t = 0
      var size: hsize_t = 0
      try checkStatus("cannot find the chunk at \(offset) of '\(path)'") {
        H5Dget_chunk_info_by_coord(handle.id, &offset, &mask, &address, &size)
      }
      if address == lb_haddr_undef() {  // not written: libhdf5 gives the fill value
        descriptors = nil
        continue
      }
      guard let storedBytes = Int(exactly: size), storedBytes > 0,
        storedBytes <= chunkBytes + chunkBytes / 1_000 + 1_024
      else {
        throw HDF5Error("the chunk at \(offset) of '\(path)' declares \(size) stored bytes; the file is damaged")
      }
      stored = [UInt8](repeating: 0, count: storedBytes)
      try stored.withUnsafeMutableBytes { buffer in
        try HDF5Dataset.readStoredChunk(handle.id, at: &offset, mask: &mask, into: buffer, path: path)
      }
      guard let data = Self.undo(pipeline, mask: mask, on: stored, bytes: chunkBytes) else {
        throw HDF5Error(
          "the chunk at \(offset) of '\(path)' does not decode to its \(chunkBytes) bytes; the file is damaged")
      }
      let rows = min(chunkRows, count - chunk * chunkRows)
      if let problem = try data.withUnsafeBytes({ try heap.firstBadReference(in: $0, count: rows) }) {
        throw HDF5Error(
          "string \(chunk * chunkRows + problem.row + 1) of '\(path)' \(problem.reason); the file is damaged")
      }
      descriptors?.append(contentsOf: data[0..<(rows * Self.descriptorSize)])
    }
    chunksChecked = true  // every stored chunk decoded to its exact size: what `checkChunksInflate` asks
    return descriptors
  }

  /// A filter this check can undo, with what it needs.
  enum StringFilter: Equatable {
    case deflate
    /// Element size 0 when the dataset has none: libhdf5 sets none for variable-length strings, so the
    /// filter fails when writing and, being optional, is skipped (its bit set in the chunk's mask).
    case shuffle(elementSize: Int)
  }

  /// The dataset's filters in the order they were applied when writing, or nil when one of them is not
  /// deflate or shuffle (libhdf5 refuses Fletcher-32 on variable-length strings).
  static func stringPipeline(_ plist: hid_t) -> [StringFilter]? {
    let count = H5Pget_nfilters(plist)
    guard count >= 0, count <= 32 else { return nil }
    var filters: [StringFilter] = []
    for index in 0..<UInt32(count) {
      var flags: UInt32 = 0
      var values = 4
      var parameters = [UInt32](repeating: 0, count: 4)
      var config: UInt32 = 0
      switch H5Pget_filter2(plist, index, &flags, &values, &parameters, 0, nil, &config) {
      case H5Z_FILTER_DEFLATE: filters.append(.deflate)
      case H5Z_FILTER_SHUFFLE: filters.append(.shuffle(elementSize: values >= 1 ? Int(parameters[0]) : 0))
      default: return nil
      }
    }
    return filters
  }

  /// A chunk's stored bytes with its filters undone (a filter whose bit is set in `mask` was skipped
  /// when writing), by `decode`, or nil when they do not give exactly `bytes` bytes.
  static func undo(_ pipeline: [StringFilter], mask: UInt32, on stored: [UInt8], bytes: Int) -> [UInt8]? {
    var applied: [Filter] = []
    var shuffledSize = 1
    for (index, filter) in pipeline.enumerated() where index >= 32 || mask & (1 << UInt32(index)) == 0 {
      switch filter {
      case .deflate: applied.append(.deflate)
      case .shuffle(let elementSize):
        guard elementSize >= 1 else { return nil }  // libhdf5 cannot undo it either
        applied.append(.shuffle)
        shuffledSize = elementSize
      }
    }
    return decode(stored, filters: applied, bytes: bytes, elementSize: shuffledSize)
  }
}

/// A memory type into which libhdf5 reads variable-length strings as their stored 16-byte descriptors,
/// without following them: an opaque type with Labbook's tag, and a conversion from variable-length
/// strings to it (registered once per process, found by libhdf5 like its own) that leaves the bytes as
/// libhdf5 hands them over, which is as stored. Nil if libhdf5 refused the registration.
enum RawStringDescriptors {
  static let tag = "labbook.raw-string-descriptors"

  static let memoryType: hid_t? = {
    let opaque = H5Tcreate(H5T_OPAQUE, HDF5Dataset.descriptorSize)
    guard opaque >= 0 else { return nil }
    guard H5Tset_tag(opaque, tag) >= 0, let source = try? makeVariableStringType() else {
      H5Tclose(opaque)
      return nil
    }
    defer { H5Tclose(source) }
    guard H5Tregister(H5T_PERS_SOFT, "labbook raw string descriptors", source, opaque, keepDescriptors) >= 0 else {
      _ = takeErrorStack()
      H5Tclose(opaque)
      return nil
    }
    return opaque
  }()
}

/// The conversion: applies only from a variable-length string of 16-byte descriptors to the tagged
/// opaque type (libhdf5 asks with `H5T_CONV_INIT` and tries its other conversions when refused); the
/// conversion itself changes nothing, since the stored descriptors are what is wanted.
private let keepDescriptors: H5T_conv_t = { source, destination, data, _, _, _, _, _, _ in
  guard let data else { return -1 }
  guard data.pointee.command == H5T_CONV_INIT else { return 0 }
  guard H5Tis_variable_str(source) > 0, H5Tget_size(source) == HDF5Dataset.descriptorSize,
    H5Tget_class(destination) == H5T_OPAQUE, H5Tget_size(destination) == HDF5Dataset.descriptorSize,
    let tag = H5Tget_tag(destination)
  else { return -1 }
  defer { H5free_memory(tag) }
  return String(cString: tag) == RawStringDescriptors.tag ? 0 : -1
}
