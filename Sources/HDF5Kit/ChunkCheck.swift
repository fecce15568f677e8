import CHDF5
import Foundation

/// libhdf5 1.10 copies a whole chunk's worth of bytes out of whatever its deflate filter returned: a
/// chunk whose stream inflates to fewer bytes than the chunk holds is read past its buffer (a heap
/// overflow in `H5VM_memcpyvv`, from the hdf5 fuzz target; without a sanitizer, neighbouring memory
/// becomes values). So before libhdf5 reads a deflated dataset, every stored chunk is inflated here once
/// (zlib, counting bytes, keeping none) and must give exactly the chunk's size. The parallel float64 path
/// (`ParallelChunks`) inflates chunks itself and checks the same. Pipelines other than shuffle and
/// deflate are left to libhdf5 (and the reader process that contains it).
extension HDF5Dataset {
  func checkChunksInflate() throws {
    if chunksChecked { return }
    try checkEveryChunkInflates()
    chunksChecked = true
  }

  private func checkEveryChunkInflates() throws {
    guard let chunk = chunkShape, chunk.count == shape.count, chunk.allSatisfy({ $0 > 0 }),
      let filters = try filterPipeline(), filters.contains(.deflate)
    else { return }
    guard let elementSize = try storedElementSize() else { return }
    var chunkBytes = elementSize
    for extent in chunk {
      let (product, overflow) = chunkBytes.multipliedReportingOverflow(by: extent)
      guard !overflow, product <= ReadLimits.maximumBytes else {
        throw HDF5Error("'\(path)' declares chunks of \(chunk) elements; the file is damaged")
      }
      chunkBytes = product
    }
    let grid = zip(shape, chunk).map { ($0 + $1 - 1) / $1 }
    if grid.contains(0) { return }
    var scratch = [UInt8](repeating: 0, count: min(chunkBytes, 1 << 20))
    var stored: [UInt8] = []
    var position = [Int](repeating: 0, count: grid.count)
    while true {
      var offset = zip(position, chunk).map { hsize_t($0 * $1) }
      var mask: UInt32 = 0
      var address: haddr_t = 0
      var size: hsize_t = 0
      try checkStatus("cannot find the chunk at \(offset) of '\(path)'") {
        H5Dget_chunk_info_by_coord(objectID, &offset, &mask, &address, &size)
      }
      if address != lb_haddr_undef() {
        guard let bytes = Int(exactly: size), bytes > 0, bytes <= chunkBytes + chunkBytes / 1_000 + 1_024
        else {
          throw HDF5Error("the chunk at \(offset) of '\(path)' declares \(size) stored bytes; the file is damaged")
        }
        // A filter whose bit is set in the mask was skipped when the chunk was written (an optional
        // filter that failed, as shuffle does on variable-length strings): without deflate the chunk
        // holds the chunk's bytes as they are (shuffle only reorders them).
        let deflated = filters.enumerated().contains { index, filter in
          filter == .deflate && (index >= 32 || mask & (1 << UInt32(index)) == 0)
        }
        if !deflated {
          guard bytes == chunkBytes else {
            throw HDF5Error(
              "the chunk at \(offset) of '\(path)' stores \(bytes) unfiltered bytes, not \(chunkBytes); the file is damaged"
            )
          }
        } else {
          if stored.count < bytes { stored = [UInt8](repeating: 0, count: bytes) }
          try stored.withUnsafeMutableBytes { buffer in
            try Self.readStoredChunk(
              objectID, at: &offset, mask: &mask, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<bytes]),
              path: path)
          }
          let inflated = Self.inflatedSize(of: stored, count: bytes, into: &scratch, limit: chunkBytes)
          guard inflated == chunkBytes else {
            throw HDF5Error(
              "the chunk at \(offset) of '\(path)' does not inflate to its \(chunkBytes) bytes\(inflated.map { " (\($0))" } ?? ""); the file is damaged"
            )
          }
        }
      }
      // The next chunk position, last dimension fastest.
      var dimension = grid.count - 1
      while dimension >= 0 {
        position[dimension] += 1
        if position[dimension] < grid[dimension] { break }
        position[dimension] = 0
        dimension -= 1
      }
      if dimension < 0 { return }
    }
  }

  /// The bytes one element takes in the file: the type's size, except that a variable-length string or
  /// sequence is stored as a 4-byte length, a heap address and a 4-byte index (the type's size is that of
  /// a pointer in memory). Nil for a compound holding variable-length members, which is not checked.
  private func storedElementSize() throws -> Int? {
    let variable = H5Tis_variable_str(fileType.id) > 0 || H5Tget_class(fileType.id) == H5T_VLEN
    if !variable {
      return H5Tdetect_class(fileType.id, H5T_VLEN) > 0 ? nil : Int(H5Tget_size(fileType.id))
    }
    let fileID = H5Iget_file_id(objectID)
    guard fileID >= 0 else { return nil }
    defer { H5Fclose(fileID) }
    let creation = H5Fget_create_plist(fileID)
    guard creation >= 0 else { return nil }
    defer { H5Pclose(creation) }
    var addressSize = 0
    var lengthSize = 0
    guard H5Pget_sizes(creation, &addressSize, &lengthSize) >= 0 else { return nil }
    return 8 + addressSize
  }

  /// How many bytes the zlib stream in `stored[0..<count]` inflates to, or nil when it is not one
  /// complete stream or gives more than `limit` bytes.
  static func inflatedSize(of stored: [UInt8], count: Int, into scratch: inout [UInt8], limit: Int) -> Int? {
    var stream = z_stream()
    guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
    defer { inflateEnd(&stream) }
    var total = 0
    let status: Int32 = stored.withUnsafeBytes { source in
      scratch.withUnsafeMutableBytes { target in
        stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(count)
        var status: Int32 = Z_OK
        while status == Z_OK {
          stream.next_out = target.baseAddress!.assumingMemoryBound(to: Bytef.self)
          stream.avail_out = uInt(target.count)
          status = inflate(&stream, Z_NO_FLUSH)
          total += target.count - Int(stream.avail_out)
          if total > limit { return Z_DATA_ERROR }
          if status == Z_BUF_ERROR && stream.avail_in == 0 { break }
        }
        return status
      }
    }
    return status == Z_STREAM_END ? total : nil
  }
}

extension HDF5Dataset {
  /// `H5Dread_chunk` into `buffer` after checking that the chunk it will read (found by a search of the
  /// chunk index) has exactly the buffer's size. libhdf5 takes no buffer size: it reads the size its
  /// search finds, and on a damaged index that search can find another record than the iteration behind
  /// `H5Dget_chunk_info_by_coord` did (a fuzzed file made it write past a buffer sized from the latter).
  static func readStoredChunk(
    _ dataset: hid_t, at offset: inout [hsize_t], mask: inout UInt32, into buffer: UnsafeMutableRawBufferPointer,
    path: String
  ) throws {
    var found: hsize_t = 0
    try checkStatus("cannot find the chunk at \(offset) of '\(path)'") {
      H5Dget_chunk_storage_size(dataset, &offset, &found)
    }
    guard found == hsize_t(buffer.count) else {
      throw HDF5Error(
        "the chunk at \(offset) of '\(path)' is listed with \(buffer.count) stored bytes but found with \(found); the file is damaged"
      )
    }
    try checkStatus("cannot read the chunk at \(offset) of '\(path)'") {
      H5Dread_chunk(dataset, lb_h5p_default(), &offset, &mask, buffer.baseAddress)
    }
  }
}
