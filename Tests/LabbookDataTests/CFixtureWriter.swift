import CHDF5
import Foundation

/// Writes HDF5 fixtures through the C API directly (not through Labbook), so reading them back
/// tests Labbook's reader against files made independently of its writer.
final class CFixtureWriter {
  let file: hid_t

  init(_ path: String) {
    lb_h5_silence_errors()
    file = H5Fcreate(path, lb_h5f_acc_trunc(), lb_h5p_default(), lb_h5p_default())
    precondition(file >= 0, "cannot create fixture \(path)")
  }

  deinit { H5Fclose(file) }

  func group(_ path: String) {
    let id = H5Gcreate2(file, path, lb_h5p_default(), lb_h5p_default(), lb_h5p_default())
    precondition(id >= 0, "cannot create group \(path)")
    H5Gclose(id)
  }

  /// Writes `count` × `width` elements from `buffer` (memory type `memoryType`) as `fileType`.
  func dataset(
    _ path: String, fileType: hid_t, memoryType: hid_t, dims: [Int], buffer: UnsafeRawPointer?,
    configure: ((hid_t) -> Void)? = nil
  ) {
    var hdims = dims.map { hsize_t($0) }
    let space = dims.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), &hdims, nil)
    let dcpl = H5Pcreate(lb_h5p_dataset_create())
    configure?(dcpl)
    let id = H5Dcreate2(file, path, fileType, space, lb_h5p_default(), dcpl, lb_h5p_default())
    precondition(id >= 0, "cannot create dataset \(path)")
    if dims.reduce(1, *) > 0 {
      let status = H5Dwrite(id, memoryType, lb_h5s_all(), lb_h5s_all(), lb_h5p_default(), buffer)
      precondition(status >= 0, "cannot write dataset \(path)")
    }
    H5Dclose(id)
    H5Pclose(dcpl)
    H5Sclose(space)
  }

  func doubles(
    _ path: String, _ values: [Double], as fileType: hid_t, dims: [Int]? = nil, configure: ((hid_t) -> Void)? = nil
  ) {
    values.withUnsafeBytes {
      dataset(
        path, fileType: fileType, memoryType: lb_h5t_native_double(), dims: dims ?? [values.count],
        buffer: $0.baseAddress, configure: configure)
    }
  }

  func int64s(_ path: String, _ values: [Int64], as fileType: hid_t) {
    values.withUnsafeBytes {
      dataset(path, fileType: fileType, memoryType: lb_h5t_native_int64(), dims: [values.count], buffer: $0.baseAddress)
    }
  }

  func uint64s(_ path: String, _ values: [UInt64], as fileType: hid_t) {
    values.withUnsafeBytes {
      dataset(
        path, fileType: fileType, memoryType: lb_h5t_native_uint64(), dims: [values.count], buffer: $0.baseAddress)
    }
  }

  /// Fixed-length strings of `size` bytes with the given padding.
  func fixedStrings(_ path: String, _ values: [String], size: Int, padding: H5T_str_t = H5T_STR_NULLPAD) {
    fixedByteStrings(path, values.map { Array($0.utf8) }, size: size, padding: padding)
  }

  /// Fixed-length strings given as bytes (which need not be UTF-8).
  func fixedByteStrings(_ path: String, _ values: [[UInt8]], size: Int, padding: H5T_str_t = H5T_STR_NULLPAD) {
    let type = H5Tcopy(lb_h5t_c_s1())
    H5Tset_size(type, size)
    H5Tset_strpad(type, padding)
    var bytes = [UInt8](repeating: padding == H5T_STR_SPACEPAD ? 0x20 : 0, count: values.count * size)
    for (i, value) in values.enumerated() {
      for (j, byte) in value.prefix(size).enumerated() { bytes[i * size + j] = byte }
    }
    bytes.withUnsafeBytes {
      dataset(path, fileType: type, memoryType: type, dims: [values.count], buffer: $0.baseAddress)
    }
    H5Tclose(type)
  }

  func variableStrings(_ path: String, _ values: [String]) {
    variableByteStrings(path, values.map { Array($0.utf8) })
  }

  /// Variable-length strings given as bytes (which need not be UTF-8; no NUL inside).
  func variableByteStrings(_ path: String, _ values: [[UInt8]]) {
    let type = variableStringType()
    let pointers = values.map { bytes -> UnsafeMutablePointer<CChar>? in
      let pointer = malloc(bytes.count + 1)!.bindMemory(to: CChar.self, capacity: bytes.count + 1)
      for (i, byte) in bytes.enumerated() { pointer[i] = CChar(bitPattern: byte) }
      pointer[bytes.count] = 0
      return pointer
    }
    pointers.withUnsafeBytes {
      dataset(path, fileType: type, memoryType: type, dims: [values.count], buffer: $0.baseAddress)
    }
    for pointer in pointers { free(pointer) }
    H5Tclose(type)
  }

  func variableStringType() -> hid_t {
    let type = H5Tcopy(lb_h5t_c_s1())
    H5Tset_size(type, lb_h5t_variable())
    H5Tset_cset(type, H5T_CSET_UTF8)
    return type
  }

  /// An enum over int8 (h5py stores numpy bool this way, with FALSE = 0 and TRUE = 1).
  func enumeration(_ path: String, members: [(String, Int8)], values: [Int8]) {
    let type = H5Tenum_create(lb_h5t_native_int8())
    for (name, value) in members {
      var v = value
      H5Tenum_insert(type, name, &v)
    }
    values.withUnsafeBytes {
      dataset(path, fileType: type, memoryType: type, dims: [values.count], buffer: $0.baseAddress)
    }
    H5Tclose(type)
  }

  /// An IEEE half-precision type, as numpy's float16 is stored.
  func float16Type() -> hid_t {
    let type = H5Tcopy(lb_h5t_ieee_f32le())
    H5Tset_fields(type, 15, 10, 5, 0, 10)
    H5Tset_size(type, 2)
    H5Tset_ebias(type, 15)
    return type
  }

  func stringAttribute(_ objectPath: String, _ name: String, _ values: [String], scalar: Bool = false) {
    let object = H5Oopen(file, objectPath, lb_h5p_default())
    let type = variableStringType()
    var dims = [hsize_t(values.count)]
    let space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
    let attribute = H5Acreate2(object, name, type, space, lb_h5p_default(), lb_h5p_default())
    let pointers = values.map { strdup($0) }
    pointers.withUnsafeBytes { _ = H5Awrite(attribute, type, $0.baseAddress) }
    for pointer in pointers { free(pointer) }
    H5Aclose(attribute)
    H5Sclose(space)
    H5Tclose(type)
    H5Oclose(object)
  }
}

/// A path in a fresh folder of its own (tests run in parallel; some look at what else is in the folder).
func temporaryPath(_ name: String) -> String {
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
    "labbook-tests-\(getpid())-\(UUID().uuidString)")
  try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  return directory.appendingPathComponent(name).path
}
