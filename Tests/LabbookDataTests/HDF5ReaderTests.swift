import CHDF5
import Foundation
import Testing

@testable import LabbookData

/// Every layout and dtype `load` promises (SPEC §2), written with the C API in the test and read with
/// Labbook. Expected values are the literals written, so each test checks a real round trip.
@Suite struct HDF5ReaderTests {
  func numbers(_ table: Table, _ name: String) throws -> [Double] {
    guard case .numeric(let v) = try table.column(name).values else { throw DataError("\(name) is not numeric") }
    return v
  }

  func texts(_ table: Table, _ name: String) throws -> [String?] {
    let column = try table.column(name)
    return (0..<column.count).map { column.text(at: $0) }
  }

  @Test func integersOfEveryWidthAndByteOrder() throws {
    let path = temporaryPath("ints.h5")
    do {
      let w = CFixtureWriter(path)
      w.int64s("/i8", [-128, 0, 127], as: lb_h5t_std_i8le())
      w.int64s("/u8", [0, 200, 255], as: lb_h5t_std_u8le())
      w.int64s("/i16be", [-32768, 1, 32767], as: lb_h5t_std_i16be())
      w.int64s("/u16be", [0, 40000, 65535], as: lb_h5t_std_u16be())
      w.int64s("/i32be", [-2_000_000_000, 7, 2_000_000_000], as: lb_h5t_std_i32be())
      w.int64s("/u32le", [0, 3_000_000_000, 4_294_967_295], as: lb_h5t_std_u32le())
      w.uint64s("/u64", [0, 1 << 40, 9_007_199_254_740_992], as: lb_h5t_std_u64le())
      w.int64s("/i64", [-(1 << 50), 0, 1 << 50], as: lb_h5t_std_i64le())
    }
    let table = try HDF5TableReader.load(path: path, name: "t")
    // The fixture's file does not track creation order, so links come back by name.
    #expect(table.columnNames == ["i16be", "i32be", "i64", "i8", "u16be", "u32le", "u64", "u8"])
    #expect(try numbers(table, "i8") == [-128, 0, 127])
    #expect(try numbers(table, "u8") == [0, 200, 255])
    #expect(try numbers(table, "i16be") == [-32768, 1, 32767])
    #expect(try numbers(table, "u16be") == [0, 40000, 65535])
    #expect(try numbers(table, "i32be") == [-2_000_000_000, 7, 2_000_000_000])
    #expect(try numbers(table, "u32le") == [0, 3_000_000_000, 4_294_967_295])
    #expect(try numbers(table, "u64") == [0, 1_099_511_627_776, 9_007_199_254_740_992])
    #expect(try numbers(table, "i64") == [-1_125_899_906_842_624, 0, 1_125_899_906_842_624])
  }

  @Test func floatsOfEveryPrecisionWithNaNAsMissing() throws {
    let path = temporaryPath("floats.h5")
    do {
      let w = CFixtureWriter(path)
      let f16 = w.float16Type()
      // 0.5, -2 and 65504 (float16's largest) are exact in half precision.
      w.doubles("/half", [0.5, -2, 65504, .nan], as: f16)
      H5Tclose(f16)
      w.doubles("/single_be", [1.5, -0.25, 3.0e38, .nan], as: lb_h5t_ieee_f32be())
      w.doubles("/double_be", [0.1, -1e-300, 1e300, .nan], as: lb_h5t_ieee_f64be())
      w.doubles("/double", [1, 2, 3, 4], as: lb_h5t_ieee_f64le())
    }
    let table = try HDF5TableReader.load(path: path, name: "t")
    let half = try numbers(table, "half")
    #expect(Array(half.prefix(3)) == [0.5, -2, 65504] && half[3].isNaN)
    let single = try numbers(table, "single_be")
    #expect(single[0] == 1.5 && single[1] == -0.25 && single[2] == Double(Float(3.0e38)) && single[3].isNaN)
    let double = try numbers(table, "double_be")
    #expect(Array(double.prefix(3)) == [0.1, -1e-300, 1e300] && double[3].isNaN)
    #expect(try table.column("half").missingCount == 1)
  }

  @Test func enumsAndBoolsAreCategoricalWithMemberNames() throws {
    let path = temporaryPath("enums.h5")
    do {
      let w = CFixtureWriter(path)
      w.enumeration("/flag", members: [("FALSE", 0), ("TRUE", 1)], values: [1, 0, 1])
      w.enumeration("/colour", members: [("red", 5), ("green", -3), ("blue", 9)], values: [9, 5, -3])
    }
    let table = try HDF5TableReader.load(path: path, name: "t")
    #expect(try texts(table, "flag") == ["TRUE", "FALSE", "TRUE"])
    #expect(try texts(table, "colour") == ["blue", "red", "green"])
    guard case .categorical(_, let levels) = try table.column("colour").values else {
      Issue.record("not categorical")
      return
    }
    #expect(levels == ["red", "green", "blue"])
    #expect(table.describe().columns.first { $0.name == "flag" }?.levels?.map(\.0) == ["FALSE", "TRUE"])
  }

  @Test func fixedAndVariableLengthStrings() throws {
    let path = temporaryPath("strings.h5")
    do {
      let w = CFixtureWriter(path)
      w.fixedStrings("/nullpad", ["ab", "abcdef", ""], size: 6)
      w.fixedStrings("/spacepad", ["x", "yz", "w"], size: 4, padding: H5T_STR_SPACEPAD)
      w.fixedStrings("/nullterm", ["hello", "hi", "ok"], size: 6, padding: H5T_STR_NULLTERM)
      w.variableStrings("/vlen", ["männlich", "", "女性"])
    }
    let table = try HDF5TableReader.load(path: path, name: "t")
    #expect(try texts(table, "nullpad") == ["ab", "abcdef", nil])
    #expect(try texts(table, "spacepad") == ["x", "yz", "w"])
    #expect(try texts(table, "nullterm") == ["hello", "hi", "ok"])
    #expect(try texts(table, "vlen") == ["männlich", nil, "女性"])
  }

  /// Strings that are not UTF-8 (Latin-1 bytes, as NumPy byte strings often hold) are read byte for byte
  /// as Latin-1, so different strings stay different: "Jos\u{E9}" and "Jos\u{E8}" both became
  /// "Jos\u{FFFD}" before, one category. Valid UTF-8 is read as UTF-8, U+FFFD itself included.
  @Test func stringsThatAreNotUTF8StayDistinct() throws {
    let path = temporaryPath("latin1.h5")
    let latin1: [[UInt8]] = [Array("Jos".utf8) + [0xE9], Array("Jos".utf8) + [0xE8], Array("M".utf8) + [0xFC, 0x6E]]
    do {
      let w = CFixtureWriter(path)
      w.fixedByteStrings("/fixed", latin1, size: 5)
      w.variableByteStrings("/vlen", latin1)
      w.variableStrings("/utf8", ["José", "\u{FFFD}", "Mün"])
    }
    let table = try HDF5TableReader.load(path: path, name: "t")
    #expect(try texts(table, "fixed") == ["José", "Josè", "Mün"])
    #expect(try texts(table, "vlen") == ["José", "Josè", "Mün"])
    #expect(try texts(table, "utf8") == ["José", "\u{FFFD}", "Mün"])
  }

  /// Files pandas writes with `to_hdf` (`Tests/Fixtures/make_pandas_hdf5.py`; the frame there is x = 1.5,
  /// 2.5, NaN; n = 1, 2, 3; s = a, b, a). With data_columns=True its table is a compound of one field per
  /// column, read without `path` (PyTables' index groups beside it are not tables). Its other formats pack
  /// columns into blocks whose names pandas pickles: the error says how to write the file instead.
  @Test func pandasHDFStoreFiles() throws {
    let folder = repositoryRoot + "/Tests/Fixtures/pandas/"
    let table = try HDF5TableReader.load(path: folder + "table_data_columns.h5", name: "t")
    #expect(table.columns.map(\.name) == ["index", "x", "n", "s"])
    #expect(try texts(table, "s") == ["a", "b", "a"])
    guard case .numeric(let x) = try table.column("x").values else {
      Issue.record("x is not numeric")
      return
    }
    #expect(x.count == 3 && x[0] == 1.5 && x[1] == 2.5 && x[2].isNaN)
    for (file, format) in [("table.h5", "\"table\""), ("fixed.h5", "\"fixed\"")] {
      do {
        _ = try HDF5TableReader.load(path: folder + file, name: "t")
        Issue.record("\(file) loaded")
      } catch {
        let message = "\(error)"
        #expect(message.contains("was written by pandas (`to_hdf`, format \(format))"), "\(message)")
        #expect(message.contains("format=\"table\", data_columns=True"))
        #expect(message.components(separatedBy: "was written by pandas").count == 2, "said once: \(message)")
      }
    }
  }

  @Test func compoundDatasetBecomesOneColumnPerField() throws {
    let path = temporaryPath("compound.h5")
    do {
      let w = CFixtureWriter(path)
      // Memory layout: int32 @0, float64 @8, char[6] @16, char* @24, int8 enum @32; size 40.
      let memory = H5Tcreate(H5T_COMPOUND, 40)
      let fixed = H5Tcopy(lb_h5t_c_s1())
      H5Tset_size(fixed, 6)
      let vlen = w.variableStringType()
      let flag = H5Tenum_create(lb_h5t_native_int8())
      var f: Int8 = 0
      var t: Int8 = 1
      H5Tenum_insert(flag, "no", &f)
      H5Tenum_insert(flag, "yes", &t)
      H5Tinsert(memory, "id", 0, lb_h5t_native_int32())
      H5Tinsert(memory, "score", 8, lb_h5t_native_double())
      H5Tinsert(memory, "code", 16, fixed)
      H5Tinsert(memory, "label", 24, vlen)
      H5Tinsert(memory, "ok", 32, flag)
      // File layout: packed, with a big-endian id, so reading converts.
      let file = H5Tcreate(H5T_COMPOUND, 4 + 8 + 6 + 8 + 1)
      H5Tinsert(file, "id", 0, lb_h5t_std_i32be())
      H5Tinsert(file, "score", 4, lb_h5t_ieee_f64le())
      H5Tinsert(file, "code", 12, fixed)
      H5Tinsert(file, "label", 18, vlen)
      H5Tinsert(file, "ok", 26, flag)
      var buffer = [UInt8](repeating: 0, count: 40 * 2)
      let labels = [strdup("first"), strdup("second")]
      buffer.withUnsafeMutableBytes { raw in
        for (row, (id, score, code, ok)) in [(Int32(7), 1.25, "AB", Int8(1)), (Int32(-3), -8.5, "CDEF", Int8(0))]
          .enumerated()
        {
          let base = row * 40
          raw.storeBytes(of: id, toByteOffset: base, as: Int32.self)
          raw.storeBytes(of: score, toByteOffset: base + 8, as: Double.self)
          for (j, byte) in code.utf8.enumerated() { raw[base + 16 + j] = byte }
          raw.storeBytes(of: labels[row], toByteOffset: base + 24, as: UnsafeMutablePointer<CChar>?.self)
          raw.storeBytes(of: ok, toByteOffset: base + 32, as: Int8.self)
        }
      }
      buffer.withUnsafeBytes {
        w.dataset("/records", fileType: file, memoryType: memory, dims: [2], buffer: $0.baseAddress)
      }
      for label in labels { free(label) }
      for type in [memory, file, fixed, vlen, flag] { H5Tclose(type) }
    }
    let table = try HDF5TableReader.load(path: path, name: "t")
    #expect(table.columnNames == ["id", "score", "code", "label", "ok"])
    #expect(try numbers(table, "id") == [7, -3])
    #expect(try numbers(table, "score") == [1.25, -8.5])
    #expect(try texts(table, "code") == ["AB", "CDEF"])
    #expect(try texts(table, "label") == ["first", "second"])
    #expect(try texts(table, "ok") == ["yes", "no"])
  }

  @Test func chunkedCompoundReadsEveryBand() throws {
    // 2,500 records in deflated chunks of 1,000: three bands, the last one partial. The numeric fields
    // are read together band by band; each value is checked against the formula that wrote it.
    let path = temporaryPath("compound-chunked.h5")
    let n = 2_500
    do {
      let w = CFixtureWriter(path)
      // Memory: int16 @0, float32 @4, float64 @8, char[4] @16; size 24.
      let memory = H5Tcreate(H5T_COMPOUND, 24)
      let fixed = H5Tcopy(lb_h5t_c_s1())
      H5Tset_size(fixed, 4)
      H5Tinsert(memory, "small", 0, lb_h5t_native_int16())
      H5Tinsert(memory, "single", 4, lb_h5t_native_float())
      H5Tinsert(memory, "double", 8, lb_h5t_native_double())
      H5Tinsert(memory, "tag", 16, fixed)
      // File: a different field order, big-endian int16.
      let file = H5Tcreate(H5T_COMPOUND, 8 + 4 + 2 + 4)
      H5Tinsert(file, "double", 0, lb_h5t_ieee_f64le())
      H5Tinsert(file, "tag", 8, fixed)
      H5Tinsert(file, "small", 12, lb_h5t_std_i16be())
      H5Tinsert(file, "single", 14, lb_h5t_ieee_f32le())
      var buffer = [UInt8](repeating: 0, count: 24 * n)
      buffer.withUnsafeMutableBytes { raw in
        for row in 0..<n {
          let base = row * 24
          raw.storeBytes(of: Int16(row % 300 - 150), toByteOffset: base, as: Int16.self)
          raw.storeBytes(of: Float(row) / 4, toByteOffset: base + 4, as: Float.self)
          raw.storeBytes(of: Double(row) * 1.5 - 7, toByteOffset: base + 8, as: Double.self)
          for (j, byte) in "t\(row % 10)".utf8.enumerated() { raw[base + 16 + j] = byte }
        }
      }
      buffer.withUnsafeBytes {
        w.dataset("/records", fileType: file, memoryType: memory, dims: [n], buffer: $0.baseAddress) { dcpl in
          var chunk: [hsize_t] = [1_000]
          H5Pset_chunk(dcpl, 1, &chunk)
          H5Pset_deflate(dcpl, 4)
        }
      }
      for type in [memory, file, fixed] { H5Tclose(type) }
    }
    let table = try HDF5TableReader.load(path: path, name: "t")
    #expect(table.columnNames == ["double", "tag", "small", "single"])
    #expect(try numbers(table, "small") == (0..<n).map { Double($0 % 300 - 150) })
    #expect(try numbers(table, "single") == (0..<n).map { Double(Float($0) / 4) })
    #expect(try numbers(table, "double") == (0..<n).map { Double($0) * 1.5 - 7 })
    #expect(try texts(table, "tag") == (0..<n).map { "t\($0 % 10)" })
  }

  @Test func matrixWithFeatureNamesAndTargetSibling() throws {
    let path = temporaryPath("matrix.h5")
    do {
      let w = CFixtureWriter(path)
      w.doubles("/X", [1, 2, 3, 4, 5, 6], as: lb_h5t_ieee_f32le(), dims: [3, 2])
      w.stringAttribute("/X", "feature_names", ["width", "height"])
      w.int64s("/y", [0, 1, 0], as: lb_h5t_std_i8le())
    }
    let table = try HDF5TableReader.load(path: path, name: "t")
    #expect(table.columnNames == ["width", "height", "y"])
    #expect(try numbers(table, "width") == [1, 3, 5])
    #expect(try numbers(table, "height") == [2, 4, 6])
    #expect(try numbers(table, "y") == [0, 1, 0])
    #expect(table.target == "y")
  }

  @Test func matrixWithoutNamesGetsX0ToXN() throws {
    let path = temporaryPath("matrix2.h5")
    do {
      let w = CFixtureWriter(path)
      w.group("/data")
      w.doubles("/data/features", [1, 2, 3, 4, 5, 6], as: lb_h5t_ieee_f64le(), dims: [2, 3])
      w.doubles("/data/target", [0.5, 1.5], as: lb_h5t_ieee_f64le())
    }
    let table = try HDF5TableReader.load(path: path, name: "t")
    #expect(table.columnNames == ["x0", "x1", "x2", "y"])
    #expect(try numbers(table, "x2") == [3, 6])
    #expect(try numbers(table, "y") == [0.5, 1.5])
  }

  @Test func chunkedCompressedShuffledChecksummedDatasetsRead() throws {
    let path = temporaryPath("filters.h5")
    let values = (0..<10_000).map { Double($0) * 0.5 }
    do {
      let w = CFixtureWriter(path)
      w.doubles("/v", values, as: lb_h5t_ieee_f64le()) { dcpl in
        var chunk: [hsize_t] = [1000]
        H5Pset_chunk(dcpl, 1, &chunk)
        H5Pset_shuffle(dcpl)
        H5Pset_deflate(dcpl, 6)
        H5Pset_fletcher32(dcpl)
      }
    }
    let table = try HDF5TableReader.load(path: path, name: "t")
    #expect(try numbers(table, "v") == values)
  }

  /// A chunked, compressed matrix is read band by band (one band per chunk row); 2,503 rows in chunks
  /// of 1,000 leave a short last band.
  @Test func chunkedMatrixReadsBandByBand() throws {
    let path = temporaryPath("chunked_matrix.h5")
    let rows = 2_503
    let width = 3
    let values = (0..<(rows * width)).map { Double($0) }
    do {
      let w = CFixtureWriter(path)
      w.doubles("/X", values, as: lb_h5t_ieee_f64le(), dims: [rows, width]) { dcpl in
        var chunk: [hsize_t] = [1000, 3]
        H5Pset_chunk(dcpl, 2, &chunk)
        H5Pset_deflate(dcpl, 4)
      }
    }
    let table = try HDF5TableReader.load(path: path, name: "t")
    #expect(table.rowCount == rows)
    for j in 0..<width {
      #expect(try numbers(table, "x\(j)") == (0..<rows).map { Double($0 * width + j) })
    }
  }

  @Test func emptyDatasetsGiveAnEmptyTable() throws {
    let path = temporaryPath("empty.h5")
    do {
      let w = CFixtureWriter(path)
      w.doubles("/a", [], as: lb_h5t_ieee_f64le())
      w.variableStrings("/b", [])
    }
    let table = try HDF5TableReader.load(path: path, name: "t")
    #expect(table.rowCount == 0)
    #expect(table.columnNames == ["a", "b"])
    #expect(table.qualityFindings().first?.check == "empty")
  }

  @Test func nestedGroupsNeedAPathAndListCandidates() throws {
    let path = temporaryPath("nested.h5")
    do {
      let w = CFixtureWriter(path)
      w.group("/a")
      w.group("/a/b")
      w.doubles("/a/b/x", [1, 2], as: lb_h5t_ieee_f64le())
      w.group("/c")
      w.doubles("/c/z", [3, 4, 5], as: lb_h5t_ieee_f64le())
    }
    #expect(try HDF5TableReader.candidates(path: path) == ["/a/b", "/c"])
    #expect {
      try HDF5TableReader.load(path: path, name: "t")
    } throws: { error in
      "\(error)".contains("holds 2 tables: /a/b, /c")
    }
    let nested = try HDF5TableReader.load(path: path, inside: "/a/b", name: "t")
    #expect(try numbers(nested, "x") == [1, 2])
    let single = try HDF5TableReader.load(path: path, inside: "/c/z", name: "t")
    #expect(single.columnNames == ["z"])
  }

  @Test func badFilesAndPathsGiveClearErrors() throws {
    let truncated = temporaryPath("trunc.h5")
    let whole = temporaryPath("whole.h5")
    do {
      let w = CFixtureWriter(whole)
      w.doubles("/x", Array(repeating: 1, count: 1000), as: lb_h5t_ieee_f64le())
      w.group("/g")
      w.doubles("/g/a", [1, 2], as: lb_h5t_ieee_f64le())
      w.doubles("/g/b", [1, 2, 3], as: lb_h5t_ieee_f64le())
      w.doubles("/scalar", [1], as: lb_h5t_ieee_f64le(), dims: [])
      var opaque = [UInt8](repeating: 1, count: 8)
      let type = H5Tcreate(H5T_OPAQUE, 4)
      opaque.withUnsafeMutableBytes {
        w.dataset("/blob", fileType: type, memoryType: type, dims: [2], buffer: $0.baseAddress)
      }
      H5Tclose(type)
    }
    let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
    let empty = temporaryPath("zero.h5")
    _ = FileManager.default.createFile(atPath: empty, contents: Data())
    let text = temporaryPath("text.h5")
    try "not hdf5".write(toFile: text, atomically: true, encoding: .utf8)
    func message(_ body: () throws -> Table) -> String {
      do {
        _ = try body()
        return "no error"
      } catch { return "\(error)" }
    }
    #expect(message { try HDF5TableReader.load(path: "/nonexistent/x.h5", name: "t") }.contains("no such file"))
    #expect(message { try HDF5TableReader.load(path: empty, name: "t") }.contains("empty (0 bytes)"))
    #expect(message { try HDF5TableReader.load(path: text, name: "t") }.contains("not an HDF5 file"))
    #expect(message { try HDF5TableReader.load(path: truncated, name: "t") }.contains("truncated"))
    #expect(
      message { try HDF5TableReader.load(path: whole, inside: "/g", name: "t") }.contains(
        "differ in length (a: 2, b: 3)"))
    #expect(message { try HDF5TableReader.load(path: whole, inside: "/scalar", name: "t") }.contains("scalar"))
    #expect(
      message { try HDF5TableReader.load(path: whole, inside: "/blob", name: "t") }.contains(
        "unsupported datatype (opaque)"))
    #expect(message { try HDF5TableReader.load(path: whole, inside: "/g/c", name: "t") }.contains("no object '/g/c'"))
  }
}
