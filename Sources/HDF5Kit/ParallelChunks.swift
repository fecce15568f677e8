import CHDF5
import Foundation

/// Float64 data read by inflating its chunks on several cores. libhdf5 inflates one chunk after
/// another on one core, and zlib's inflate is most of a compressed read (on this project's machine zlib
/// alone inflates the benchmark matrix at about 190 MB/s, as long as h5py takes to read it). Here the
/// chunks' stored bytes are read through libhdf5 (`H5Dread_chunk`, which parses the chunk index), then
/// inflated by zlib and un-shuffled on every core, then their fields copied into the columns. The values
/// are the bytes HDF5 would return, so the result is the same on any number of threads.
///
/// Only layouts where that is plainly right take this path: chunks along the first dimension only
/// (each chunk whole rows), filters deflate and shuffle only (none skipped for any chunk), every chunk
/// stored, the values IEEE float64 little-endian. For anything else these return nil and the caller
/// reads through libhdf5.
extension HDF5Dataset {
  /// The columns of a 1-D float64 dataset (one column) or of a 2-D float64 matrix (one per column).
  public func readDoubleColumnsInParallel(threads: Int) throws -> [[Double]]? {
    guard shape.count == 1 || shape.count == 2, H5Tequal(fileType.id, lb_h5t_ieee_f64le()) > 0 else { return nil }
    let width = shape.count == 2 ? shape[1] : 1
    guard width > 0 else { return nil }
    return try readInParallel(fieldOffsets: (0..<width).map { 8 * $0 }, recordSize: 8 * width, threads: threads)
  }

  /// The named fields of a 1-D compound dataset, when every one is float64.
  public func readDoubleFieldsInParallel(_ fields: [String], threads: Int) throws -> [[Double]]? {
    guard shape.count == 1, !fields.isEmpty, H5Tget_class(fileType.id) == H5T_COMPOUND else { return nil }
    var offsets: [Int] = []
    for field in fields {
      let index = H5Tget_member_index(fileType.id, field)
      guard index >= 0 else { return nil }
      let member = H5Tget_member_type(fileType.id, UInt32(index))
      guard member >= 0 else { return nil }
      defer { H5Tclose(member) }
      guard H5Tequal(member, lb_h5t_ieee_f64le()) > 0 else { return nil }
      offsets.append(Int(H5Tget_member_offset(fileType.id, UInt32(index))))
    }
    let recordSize = Int(H5Tget_size(fileType.id))
    guard offsets.allSatisfy({ $0 >= 0 && $0 + 8 <= recordSize }) else { return nil }
    return try readInParallel(fieldOffsets: offsets, recordSize: recordSize, threads: threads)
  }

  /// The filters this path can undo, in the order they were applied when writing.
  enum Filter { case shuffle, deflate }

  private func readInParallel(fieldOffsets: [Int], recordSize: Int, threads: Int) throws -> [[Double]]? {
    guard let chunk = chunkShape, chunk.count == shape.count, chunk.dropFirst() == shape.dropFirst(),
      let chunkRows = chunk.first, chunkRows > 0, let filters = try filterPipeline()
    else { return nil }
    let rows = shape[0]
    // The element size shuffle works on: a matrix's values, or a compound's whole records.
    let elementSize = Int(H5Tget_size(fileType.id))
    try checkReadable(elementSize: elementSize)
    if rows == 0 { return fieldOffsets.map { _ in [] } }
    let (chunkBytes, overflow) = chunkRows.multipliedReportingOverflow(by: recordSize)
    let chunkCount = (rows + chunkRows - 1) / chunkRows
    // Chunks of up to 64 MiB (a few are in memory at once); many tiny chunks gain nothing from cores.
    guard !overflow, chunkBytes <= 64 << 20, chunkBytes >= 1 << 16 || chunkCount <= 4 else { return nil }
    // Where each chunk is stored and how large; nil (libhdf5 reads it) if one is missing or skipped a filter.
    var stored: [Int] = []
    stored.reserveCapacity(chunkCount)
    for index in 0..<chunkCount {
      var offset = [hsize_t](repeating: 0, count: shape.count)
      offset[0] = hsize_t(index * chunkRows)
      var mask: UInt32 = 0
      var address: haddr_t = 0
      var size: hsize_t = 0
      try checkStatus("cannot find chunk \(index) of '\(path)'") {
        H5Dget_chunk_info_by_coord(handle.id, &offset, &mask, &address, &size)
      }
      guard mask == 0, address != lb_haddr_undef() else { return nil }
      let bound = filters.contains(.deflate) ? chunkBytes + chunkBytes / 1_000 + 1_024 : chunkBytes
      guard let bytes = Int(exactly: size), bytes > 0, bytes <= bound else {
        throw HDF5Error("chunk \(index) of '\(path)' declares \(size) stored bytes; the file is damaged")
      }
      if !filters.contains(.deflate), bytes != chunkBytes {
        throw HDF5Error("chunk \(index) of '\(path)' stores \(bytes) bytes, not \(chunkBytes); the file is damaged")
      }
      stored.append(bytes)
    }
    var columns = fieldOffsets.map { _ in [Double].unfilledDoubles(count: rows) }
    // A group of chunks at a time, in a pipeline: while the workers inflate one group, this thread
    // copies the previous group's values into the columns and reads the next group's stored bytes
    // (libhdf5 is used from this thread only).
    let workers = max(1, threads)
    let groupSize = max(workers, min(4 * workers, (64 << 20) / chunkBytes))
    let groups = stride(from: 0, to: chunkCount, by: groupSize).map { $0..<min(chunkCount, $0 + groupSize) }
    func readStored(_ group: Range<Int>) throws -> [[UInt8]] {
      try group.map { index in
        var bytes = [UInt8](repeating: 0, count: stored[index])
        var offset = [hsize_t](repeating: 0, count: shape.count)
        offset[0] = hsize_t(index * chunkRows)
        var mask: UInt32 = 0
        try bytes.withUnsafeMutableBytes { buffer in
          try HDF5Dataset.readStoredChunk(handle.id, at: &offset, mask: &mask, into: buffer, path: path)
        }
        return bytes
      }
    }
    func copyIntoColumns(_ group: Range<Int>, _ decoded: DecodedChunks) throws {
      for (slot, index) in group.enumerated() {
        guard let bytes = decoded.take(slot) else {
          throw HDF5Error("chunk \(index) of '\(path)' does not inflate to \(chunkBytes) bytes; the file is damaged")
        }
        let first = index * chunkRows
        let count = min(chunkRows, rows - first)
        bytes.withUnsafeBytes { source in
          for (column, fieldOffset) in fieldOffsets.enumerated() {
            columns[column].withUnsafeMutableBufferPointer { target in
              var at = fieldOffset
              for row in first..<(first + count) {
                target[row] = Double(
                  bitPattern: UInt64(littleEndian: source.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
                at += recordSize
              }
            }
          }
        }
      }
    }
    var nextStored = try readStored(groups[0])
    var previous: (Range<Int>, DecodedChunks)?
    for (number, group) in groups.enumerated() {
      let storedChunks = nextStored
      let decoded = DecodedChunks(count: group.count)
      let inflating = DispatchGroup()
      for worker in 0..<min(workers, group.count) {
        DispatchQueue.global().async(group: inflating) {
          for slot in stride(from: worker, to: group.count, by: workers) {
            decoded.store(
              Self.decode(storedChunks[slot], filters: filters, bytes: chunkBytes, elementSize: elementSize), at: slot)
          }
        }
      }
      // Nothing is thrown while the workers run (they read storedChunks and write decoded).
      let result = Result {
        if let (previousGroup, previousDecoded) = previous { try copyIntoColumns(previousGroup, previousDecoded) }
        if number + 1 < groups.count { nextStored = try readStored(groups[number + 1]) }
      }
      inflating.wait()
      try result.get()
      previous = (group, decoded)
    }
    if let (lastGroup, lastDecoded) = previous { try copyIntoColumns(lastGroup, lastDecoded) }
    return columns
  }

  /// The dataset's filters if each is shuffle or deflate (in the order applied when writing), else nil.
  func filterPipeline() throws -> [Filter]? {
    let plist = try checkID("cannot read how '\(path)' is stored") { H5Dget_create_plist(handle.id) }
    defer { H5Pclose(plist) }
    let count = H5Pget_nfilters(plist)
    guard count >= 0, count <= 32 else { return nil }
    var filters: [Filter] = []
    for index in 0..<UInt32(count) {
      var flags: UInt32 = 0
      var values = 0
      var config: UInt32 = 0
      switch H5Pget_filter2(plist, index, &flags, &values, nil, 0, nil, &config) {
      case H5Z_FILTER_SHUFFLE: filters.append(.shuffle)
      case H5Z_FILTER_DEFLATE: filters.append(.deflate)
      default: return nil
      }
    }
    return filters
  }

  /// A chunk's stored bytes with its filters undone (last applied, first undone), or nil when they do
  /// not give exactly `bytes` bytes.
  static func decode(_ stored: [UInt8], filters: [Filter], bytes: Int, elementSize: Int) -> [UInt8]? {
    var data = stored
    for filter in filters.reversed() {
      switch filter {
      case .deflate:
        var output = [UInt8](repeating: 0, count: bytes)
        var length = uLong(bytes)
        let status = output.withUnsafeMutableBufferPointer { target in
          data.withUnsafeBufferPointer { source in
            uncompress(target.baseAddress, &length, source.baseAddress, uLong(source.count))
          }
        }
        guard status == Z_OK, length == uLong(bytes) else { return nil }
        data = output
      case .shuffle:
        guard data.count == bytes else { return nil }
        data = unshuffle(data, elementSize: elementSize)
      }
    }
    return data.count == bytes ? data : nil
  }

  /// Undoes HDF5's shuffle filter: byte k of every element was stored together (all first bytes, then
  /// all second bytes, ...); bytes past the last whole element were left in place.
  static func unshuffle(_ data: [UInt8], elementSize: Int) -> [UInt8] {
    guard elementSize > 1 else { return data }
    let elements = data.count / elementSize
    guard elements > 1 else { return data }
    var output = data
    data.withUnsafeBufferPointer { source in
      output.withUnsafeMutableBufferPointer { target in
        for byte in 0..<elementSize {
          let plane = byte * elements
          for element in 0..<elements {
            target[element * elementSize + byte] = source[plane + element]
          }
        }
      }
    }
    return output
  }
}

/// One slot per chunk of a group, each written by one worker and read once all are done.
private final class DecodedChunks: @unchecked Sendable {
  private var slots: [[UInt8]?]
  private let lock = NSLock()
  init(count: Int) { slots = Array(repeating: nil, count: count) }
  func store(_ value: [UInt8]?, at index: Int) { lock.withLock { slots[index] = value } }
  func take(_ index: Int) -> [UInt8]? { lock.withLock { slots[index] } }
}

extension Array where Element == Double {
  /// `count` doubles, not zero-filled, for a caller that writes every one (as LabbookCore's `unfilled`).
  fileprivate static func unfilledDoubles(count: Int) -> [Double] {
    [Double](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
  }
}
