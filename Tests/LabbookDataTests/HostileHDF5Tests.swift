import CHDF5
import Foundation
import HDF5Kit
import Testing

@testable import LabbookData

/// `load` reads only the file it is given and never believes a size it cannot hold: the files here are
/// written with the C API (as an attacker would craft them) and each must give a clear error, not the
/// lines of another file, a library loaded from a plugin path, or an allocation of the declared size.
@Suite struct HostileHDF5Tests {
  func message(_ body: () throws -> Table) -> String {
    do {
      let table = try body()
      let cells = table.columns.map { column in (0..<column.count).map { column.text(at: $0) ?? "" } }
      return "no error: \(cells)"
    } catch { return "\(error)" }
  }

  /// A secret file beside the hostile ones, and a valid HDF5 file others point into.
  func neighbours() throws -> (secret: String, other: String) {
    let secret = temporaryPath("secret.txt")
    try "root:x:0:0\nsecond secret line\n".write(toFile: secret, atomically: true, encoding: .utf8)
    let other = temporaryPath("other.h5")
    let w = CFixtureWriter(other)
    w.group("/t")
    w.doubles("/t/a", [7, 8, 9], as: lb_h5t_ieee_f64le())
    return (secret, other)
  }

  @Test func externalLinksAreNotFollowed() throws {
    let (_, other) = try neighbours()
    let path = temporaryPath("elink.h5")
    do {
      let w = CFixtureWriter(path)
      w.group("/t")
      w.doubles("/t/b", [1, 2, 3], as: lb_h5t_ieee_f64le())
      #expect(H5Lcreate_external(other, "/t/a", w.file, "/t/a", lb_h5p_default(), lb_h5p_default()) >= 0)
    }
    #expect(message { try HDF5TableReader.load(path: path, name: "t") }.contains("link to another file"))
    #expect(
      message { try HDF5TableReader.load(path: path, inside: "/t/a", name: "t") }.contains("link to another file"))
  }

  @Test func externalRawStorageIsRefused() throws {
    let (secret, _) = try neighbours()
    let path = temporaryPath("estore.h5")
    do {
      let w = CFixtureWriter(path)
      w.group("/t")
      // A 2 × 16-byte string dataset whose bytes are the secret file's (created, never written).
      let type = H5Tcopy(lb_h5t_c_s1())
      H5Tset_size(type, 16)
      var dims: [hsize_t] = [2]
      let space = H5Screate_simple(1, &dims, nil)
      let dcpl = H5Pcreate(lb_h5p_dataset_create())
      _ = H5Pset_external(dcpl, secret, 0, 32)
      let id = H5Dcreate2(w.file, "/t/a", type, space, lb_h5p_default(), dcpl, lb_h5p_default())
      #expect(id >= 0)
      H5Dclose(id)
      H5Pclose(dcpl)
      H5Sclose(space)
      H5Tclose(type)
    }
    let text = message { try HDF5TableReader.load(path: path, name: "t") }
    #expect(text.contains("external files"), "\(text)")
    #expect(!text.contains("secret"))
  }

  @Test func aFilterThatNeedsAPluginIsRefused() throws {
    let path = temporaryPath("plugin.h5")
    do {
      let w = CFixtureWriter(path)
      w.group("/t")
      w.doubles("/t/a", (0..<10).map(Double.init), as: lb_h5t_ieee_f64le()) { dcpl in
        var chunk: [hsize_t] = [5]
        _ = H5Pset_chunk(dcpl, 1, &chunk)
        // 32004 is LZ4's registered id; optional, so libhdf5 writes the data unfiltered.
        _ = H5Pset_filter(dcpl, 32004, UInt32(H5Z_FLAG_OPTIONAL), 0, nil)
      }
    }
    #expect(message { try HDF5TableReader.load(path: path, name: "t") }.contains("filter 32004, which needs a plugin"))
  }

  @Test func aMatrixWithoutColumnsOrWithOneRowChunksEndsQuickly() throws {
    // Found by the hdf5 fuzz target (fuzz/corpus/hdf5/regression-matrix-band-loop.h5): the band-by-band
    // reader stepped one chunk row at a time through a matrix of huge declared height and no columns.
    let empty = temporaryPath("no-columns.h5")
    do {
      let w = CFixtureWriter(empty)
      w.doubles("/X", [], as: lb_h5t_ieee_f64le(), dims: [1 << 40, 0])
    }
    #expect(message { try HDF5TableReader.load(path: empty, name: "t") }.contains("matrix with no columns"))
    // 50,000 rows in one-row chunks: read in bands of about a million values, not one call per row.
    let thin = temporaryPath("one-row-chunks.h5")
    do {
      let w = CFixtureWriter(thin)
      w.doubles("/X", (0..<100_000).map(Double.init), as: lb_h5t_ieee_f64le(), dims: [50_000, 2]) { dcpl in
        var chunk: [hsize_t] = [1, 2]
        _ = H5Pset_chunk(dcpl, 2, &chunk)
      }
    }
    let table = try HDF5TableReader.load(path: thin, name: "t")
    guard case .numeric(let x1) = try table.column("x1").values else { throw DataError("x1 is not numeric") }
    let expected: [Double] = (0..<50_000).map { (row: Int) -> Double in Double(2 * row + 1) }
    #expect(x1 == expected)
    #expect(HDF5TableReader.rowsPerBand(rows: 50_000, width: 2, chunkRows: 1) == 50_000)
    #expect(HDF5TableReader.rowsPerBand(rows: 1 << 40, width: 8, chunkRows: 1) == 131_072)
    #expect(HDF5TableReader.rowsPerBand(rows: 1_000_000, width: 8, chunkRows: 65_536) == 131_072)
  }

  @Test func declaredSizesAreCheckedBeforeAnythingIsAllocated() throws {
    let path = temporaryPath("huge.h5")
    do {
      let w = CFixtureWriter(path)
      w.group("/t")
      var dims: [hsize_t] = [1 << 40]
      var chunk: [hsize_t] = [1024]
      let space = H5Screate_simple(1, &dims, nil)
      let dcpl = H5Pcreate(lb_h5p_dataset_create())
      _ = H5Pset_chunk(dcpl, 1, &chunk)
      let id = H5Dcreate2(w.file, "/t/a", lb_h5t_ieee_f64le(), space, lb_h5p_default(), dcpl, lb_h5p_default())
      H5Dclose(id)
      H5Pclose(dcpl)
      H5Sclose(space)
      // A million declared elements, nothing stored: within memory, but more than the file can expand to.
      w.group("/u")
      var million: [hsize_t] = [4_000_000]
      let space2 = H5Screate_simple(1, &million, nil)
      let dcpl2 = H5Pcreate(lb_h5p_dataset_create())
      _ = H5Pset_chunk(dcpl2, 1, &chunk)
      let id2 = H5Dcreate2(w.file, "/u/a", lb_h5t_ieee_f64le(), space2, lb_h5p_default(), dcpl2, lb_h5p_default())
      H5Dclose(id2)
      H5Pclose(dcpl2)
      H5Sclose(space2)
    }
    #expect(
      message { try HDF5TableReader.load(path: path, inside: "/t", name: "t") }.contains(
        "more than this machine's memory"))
    #expect(message { try HDF5TableReader.load(path: path, inside: "/u", name: "t") }.contains("stores only 0 bytes"))
  }

  /// `Tests/Fixtures/hostile/dense-group-link-table.h5` came from fuzzing the `hdf5` target: its group `/s`
  /// stores its links densely (a fractal heap and a name index) and one link message is damaged. Asking
  /// libhdf5 1.10 for names by position made it build a table of the links, stop half-way and free the
  /// uninitialised rest (SIGSEGV or abort in `H5MM_xfree`, in this very process); listing in the name
  /// index's own order builds no table, and the damage is an error.
  @Test func aDamagedDenseGroupIsAnErrorNotACrash() throws {
    let path = repositoryRoot + "/Tests/Fixtures/hostile/dense-group-link-table.h5"
    #expect(message { try HDF5TableReader.load(path: path, name: "t") }.contains("cannot list the links of group '/s'"))
  }

  /// Files from the hdf5 fuzz target that libhdf5 1.10 could not survive in this very process, each
  /// now a located error before libhdf5 reads the damaged part:
  /// - `global-heap-free-space-loop.h5`: a global heap collection whose free-space object has size 0;
  ///   reading the `columns` attribute spun in `H5HG__cache_heap_deserialize` forever (67 fuzz hangs).
  /// - `iris-global-heap.h5`: a heap object's size runs past its collection; `H5HG_read` copied past it.
  /// - `compound-member-outside.h5`: a compound field at offset 4,294,967,295 of a 16-byte record
  ///   (SIGSEGV in `H5T__conv_struct_opt`).
  /// - `number-of-327688-bytes.h5`: a float type 327,688 bytes wide (SIGSEGV in `H5VM_memcpyvv`).
  /// - `global-heap-object-index.h5`: a string of the `columns` attribute names heap object 16,383,744
  ///   of a collection holding a handful (SIGSEGV in `H5HG_read`; `StringReferenceCheck`).
  /// - `metadata-accumulator-sigsegv.h5`: counting the links of a damaged old-style group copied out of
  ///   bounds in libhdf5's metadata accumulator (SIGSEGV in `H5F__accum_read`); files Labbook did not
  ///   write are read through its read-only driver, which keeps no accumulator.
  /// - `chunk-found-larger-than-listed.h5`: a damaged chunk index lists the first chunk of '/records'
  ///   with 1,552 stored bytes when iterated (`H5Dget_chunk_info_by_coord`) and 1,555 when searched;
  ///   `H5Dread_chunk` reads what the search finds, past the end of a buffer sized from the listing
  ///   (heap-buffer-overflow under AddressSanitizer). Both are asked now, and must agree.
  /// - `fixed-strings-larger-than-stored.h5`: '/g/f' declares 2,586 fixed-length strings of 5.4 MB each
  ///   and stores 12 bytes; the buffer for them (13.9 GB, within the memory limit) was allocated before
  ///   anything was read (out-of-memory under the fuzzer). Fixed strings are now held to what their
  ///   stored bytes can expand to, as numbers were.
  @Test func fuzzedFilesThatKilledLibhdf5AreLocatedErrors() throws {
    let hostile = repositoryRoot + "/Tests/Fixtures/hostile/"
    let expected = [
      "global-heap-free-space-loop.h5": "the global heap collection at byte 2048 holds a free-space object of size 0",
      "iris-global-heap.h5": "the global heap collection at byte 2048 holds object 3 of 281474976710673 bytes, past",
      "compound-member-outside.h5": "field 2 of '/c' lies outside its record (bytes 4294967295 to 4294967299 of 16)",
      "number-of-327688-bytes.h5": "'/x' declares numbers of 327688 bytes; the file is damaged",
      "global-heap-object-index.h5":
        "string 6 of attribute 'columns' of '/s' points at object 16383744 of the global heap collection at byte 2048, which holds none",
      "metadata-accumulator-sigsegv.h5": "cannot list group '/'",
      "chunk-found-larger-than-listed.h5":
        "the chunk at [0] of '/records' is listed with 1552 stored bytes but found with 1555; the file is damaged",
      "fixed-strings-larger-than-stored.h5":
        "'/g/f' declares 2586 elements but stores only 12 bytes; the file looks truncated or damaged",
    ]
    for (file, words) in expected.sorted(by: { $0.key < $1.key }) {
      let text = message { try HDF5TableReader.load(path: hostile + file, name: "t") }
      #expect(text.contains(words), "\(file): \(text)")
    }
  }

  /// `matrix-of-34-billion-columns.h5` (from the hdf5 fuzz target): a 2-D dataset of 0 rows and
  /// 34,359,738,371 columns passes every size check (it holds no values), and naming its columns
  /// trapped on a 550 GB allocation.
  @Test func aMatrixWithBillionsOfColumnsIsAnError() throws {
    let path = repositoryRoot + "/Tests/Fixtures/hostile/matrix-of-34-billion-columns.h5"
    let text = message { try HDF5TableReader.load(path: path, name: "t") }
    #expect(text.contains("declares 34359738371 columns, more than the 1000000 a table may have"), "\(text)")
  }

  /// A deflated chunk whose stream holds fewer bytes than the chunk: libhdf5 1.10 copies the chunk's
  /// full size out of the shorter buffer (a heap overflow the hdf5 fuzz target found). Written here with
  /// `H5Dwrite_chunk`, as a hostile tool would: 64 bytes of zlib stream in a chunk of 16 int64 (128 bytes).
  @Test func aChunkThatInflatesShortIsAnError() throws {
    let path = temporaryPath("short-chunk.h5")
    do {
      let w = CFixtureWriter(path)
      w.group("/t")
      let values = (0..<32).map { Int64($0) }
      values.withUnsafeBytes {
        w.dataset(
          "/t/a", fileType: lb_h5t_std_i64le(), memoryType: lb_h5t_native_int64(), dims: [32],
          buffer: $0.baseAddress,
          configure: { dcpl in
            var chunk: [hsize_t] = [16]
            H5Pset_chunk(dcpl, 1, &chunk)
            H5Pset_deflate(dcpl, 6)
          })
      }
      let id = H5Dopen2(w.file, "/t/a", lb_h5p_default())
      defer { H5Dclose(id) }
      let short = [UInt8](repeating: 7, count: 64)
      var stream = [UInt8](repeating: 0, count: 256)
      var length = uLong(stream.count)
      #expect(compress(&stream, &length, short, uLong(short.count)) == Z_OK)
      var offset: [hsize_t] = [0]
      #expect(H5Dwrite_chunk(id, lb_h5p_default(), 0, &offset, Int(length), stream) >= 0)
    }
    let text = message { try HDF5TableReader.load(path: path, inside: "/t", name: "t") }
    #expect(text.contains("the chunk at [0] of '/t/a' does not inflate to its 128 bytes (64)"), "\(text)")
  }

  /// More links than fit in an object header (libhdf5 moves a group to dense storage past 8): listed in
  /// one pass in the name index's hash order, then sorted; the expected order is plain byte order of the
  /// names, as libhdf5's by-name index gives it.
  @Test func aLargeGroupWithoutCreationOrderListsByName() throws {
    let path = temporaryPath("wide.h5")
    let names = (0..<40).map { "c\(($0 * 17) % 40)" }
    do {
      let w = CFixtureWriter(path)
      w.group("/t")
      for (i, name) in names.enumerated() { w.doubles("/t/\(name)", [Double(i)], as: lb_h5t_ieee_f64le()) }
    }
    let table = try HDF5TableReader.load(path: path, inside: "/t", name: "t")
    #expect(table.columnNames == names.sorted())
    guard case .numeric(let c17) = try table.column("c17").values else { throw DataError("c17 is not numeric") }
    #expect(c17 == [1])
  }

  @Test func devicesAndPipesAreNotFiles() throws {
    #expect(message { try HDF5TableReader.load(path: "/dev/zero", name: "t") }.contains("not a regular file"))
    let fifo = temporaryPath("fifo.h5")
    #expect(mkfifo(fifo, 0o600) == 0)
    #expect(message { try HDF5TableReader.load(path: fifo, name: "t") }.contains("not a regular file"))
  }

  @Test func tableStreamsAreDecodedWithoutTrust() throws {
    let table = try Table(
      name: "t",
      columns: [.numeric("x", [1, .nan, 3]), .categorical("c", ["a", nil, "b"])], target: "x", protected: "c")
    let bytes = TableWire.encode(table)
    #expect(try TableWire.decode(bytes, name: "t") == table)
    // Every truncation and every single-byte change is a clean error or a table, never a trap.
    for cut in 0..<bytes.count { _ = try? TableWire.decode(Array(bytes.prefix(cut)), name: "t") }
    for position in bytes.indices {
      for value: UInt8 in [0, 0x7F, 0x80, 0xFF] {
        var changed = bytes
        changed[position] = value
        _ = try? TableWire.decode(changed, name: "t")
      }
    }
  }

  /// The stream as the reader process sends it: written piece by piece to a pipe and decoded as it
  /// arrives. Columns larger than the pipe and the 64 KiB read buffer, levels, missing values.
  @Test func tableStreamsCrossAPipe() throws {
    let rows = 300_000
    let table = try Table(
      name: "t",
      columns: [
        .numeric("x", (0..<rows).map { $0 % 13 == 0 ? .nan : Double($0) / 7 }),
        .categorical("c", (0..<rows).map { $0 % 11 == 0 ? nil : "level \($0 % 1_000)" }),
      ], target: "x")
    #expect(try throughPipe(table, limit: ReadLimits.maximumBytes) == table)
    // The same bytes as encode, and every cut of them an error, never a trap or a hang.
    let bytes = TableWire.encode(table)
    for cut in [0, 3, 8, 20, 40, bytes.count / 2, bytes.count - 1] {
      #expect(throws: DataError.self) { try throughPipe(Array(bytes.prefix(cut)), limit: ReadLimits.maximumBytes) }
    }
    // A limit below the stream's size: an error before the column is allocated in full.
    #expect(throws: DataError.self) { try throughPipe(table, limit: 1_000_000) }
    // Bytes after the last column.
    #expect(throws: DataError.self) { try throughPipe(bytes + [0], limit: ReadLimits.maximumBytes) }
  }

  private func throughPipe(_ table: Table, limit: Int) throws -> Table {
    try throughPipe(limit: limit) { TableWire.write(table, to: $0) }
  }

  private func throughPipe(_ bytes: [UInt8], limit: Int) throws -> Table {
    try throughPipe(limit: limit) { descriptor in
      bytes.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) == $0.count }
    }
  }

  /// Writes on another thread (the pipe holds only 64 KiB) and decodes here.
  private func throughPipe(limit: Int, writing: @escaping @Sendable (Int32) -> Bool) throws -> Table {
    var ends: [Int32] = [0, 0]
    #expect(pipe(&ends) == 0)
    let (reading, writingEnd) = (ends[0], ends[1])
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      _ = writing(writingEnd)
      close(writingEnd)
      done.signal()
    }
    defer {
      // Whatever the decoder left unread is drained, so the writer always finishes.
      var rest = [UInt8](repeating: 0, count: 1 << 16)
      while rest.withUnsafeMutableBytes({ read(reading, $0.baseAddress!, $0.count) }) > 0 {}
      done.wait()
      close(reading)
    }
    return try TableWire.read(from: reading, limit: limit, name: "t")
  }
}
