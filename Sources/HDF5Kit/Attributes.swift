import CHDF5

/// Anything in an HDF5 file that carries attributes (groups and datasets).
public protocol AttributeHolder {
  var path: String { get }
}

extension AttributeHolder {
  private var holderID: hid_t {
    if let group = self as? HDF5Group { return group.objectID }
    if let dataset = self as? HDF5Dataset { return dataset.objectID }
    return -1
  }

  /// The global heap index of the file the holder is in (nil when it has none: see `HDF5File`).
  private var globalHeap: GlobalHeapIndex? {
    if let group = self as? HDF5Group { return group.file.globalHeap }
    if let dataset = self as? HDF5Dataset { return dataset.file.globalHeap }
    return nil
  }

  /// Before libhdf5 follows the descriptors of a variable-length string attribute (`H5HG_read` crashes on
  /// a bad one: see `StringReferenceCheck`), they are read as stored and looked up in the heap index.
  private func checkStringReferences(_ attribute: hid_t, count: Int, name: String) throws {
    guard let heap = globalHeap, heap.addressSize == 8, let raw = RawStringDescriptors.memoryType else { return }
    var descriptors = [UInt8](repeating: 0, count: count * HDF5Dataset.descriptorSize)
    try checkStatus("cannot read attribute '\(name)' of '\(path)'; the file may be damaged") {
      H5Aread(attribute, raw, &descriptors)
    }
    if let problem = try descriptors.withUnsafeBytes({ try heap.firstBadReference(in: $0, count: count) }) {
      throw HDF5Error(
        "string \(problem.row + 1) of attribute '\(name)' of '\(path)' \(problem.reason); the file is damaged")
    }
  }

  public func hasAttribute(_ name: String) -> Bool {
    silenceErrors()
    let exists = H5Aexists(holderID, name)
    _ = takeErrorStack()
    return exists > 0
  }

  /// Reads a string attribute (scalar or 1-D, fixed or variable length); nil when absent or not text.
  public func stringsAttribute(_ name: String) throws -> [String]? {
    guard hasAttribute(name) else { return nil }
    let attribute = try checkID("cannot open attribute '\(name)' of '\(path)'") {
      H5Aopen(holderID, name, lb_h5p_default())
    }
    defer { H5Aclose(attribute) }
    let type = try checkID("cannot read the type of attribute '\(name)'") { H5Aget_type(attribute) }
    defer { H5Tclose(type) }
    guard H5Tget_class(type) == H5T_STRING else { return nil }
    let space = H5Aget_space(attribute)
    defer { H5Sclose(space) }
    let points = H5Sget_simple_extent_npoints(space)
    guard points >= 0, points <= ReadLimits.maximumAttributeElements else {
      throw HDF5Error("attribute '\(name)' of '\(path)' declares \(points) elements; the file may be damaged")
    }
    let n = Int(points)
    if n == 0 { return [] }
    if H5Tis_variable_str(type) > 0 {
      try checkStringReferences(attribute, count: n, name: name)
      let memoryType = try checkID("cannot copy a string type") { H5Tcopy(type) }
      defer { H5Tclose(memoryType) }
      var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: n)
      try checkStatus("cannot read attribute '\(name)' of '\(path)'; the file may be damaged") {
        H5Aread(attribute, memoryType, &pointers)
      }
      defer { for case let pointer? in pointers { H5free_memory(pointer) } }
      return pointers.map { $0.map { StoredText.string(cString: $0) } ?? "" }
    }
    let size = Int(H5Tget_size(type))
    guard size > 0, size <= ReadLimits.maximumFixedStringBytes else {
      throw HDF5Error("attribute '\(name)' of '\(path)' declares strings of \(size) bytes")
    }
    var bytes = [UInt8](repeating: 0, count: try ReadLimits.bytes(n, of: size, reading: path))
    try checkStatus("cannot read attribute '\(name)' of '\(path)'; the file may be damaged") {
      H5Aread(attribute, type, &bytes)
    }
    return (0..<n).map { index in
      var slice = bytes[(index * size)..<(index * size + size)]
      if let end = slice.firstIndex(of: 0) { slice = slice[slice.startIndex..<end] }
      while let last = slice.last, last == 0x20 { slice = slice.dropLast() }
      return StoredText.string(slice)
    }
  }

  /// Reads a numeric scalar attribute as Int64; nil when absent or not numeric.
  public func integerAttribute(_ name: String) throws -> Int64? {
    guard hasAttribute(name) else { return nil }
    let attribute = try checkID("cannot open attribute '\(name)' of '\(path)'") {
      H5Aopen(holderID, name, lb_h5p_default())
    }
    defer { H5Aclose(attribute) }
    let type = H5Aget_type(attribute)
    defer { H5Tclose(type) }
    let typeClass = H5Tget_class(type)
    guard typeClass == H5T_INTEGER || typeClass == H5T_FLOAT else { return nil }
    let space = H5Aget_space(attribute)
    defer { H5Sclose(space) }
    guard H5Sget_simple_extent_npoints(space) == 1 else { return nil }
    var value: Int64 = 0
    try checkStatus("cannot read attribute '\(name)' of '\(path)'; the file may be damaged") {
      H5Aread(attribute, lb_h5t_native_int64(), &value)
    }
    return value
  }

  public func setAttribute(_ name: String, integer: Int64) throws {
    try removeAttributeIfPresent(name)
    let space = try checkID("cannot make a scalar dataspace") { H5Screate(H5S_SCALAR) }
    defer { H5Sclose(space) }
    let attribute = try checkID("cannot create attribute '\(name)'") {
      H5Acreate2(holderID, name, lb_h5t_std_i64le(), space, lb_h5p_default(), lb_h5p_default())
    }
    defer { H5Aclose(attribute) }
    var value = integer
    try checkStatus("cannot write attribute '\(name)'") { H5Awrite(attribute, lb_h5t_native_int64(), &value) }
  }

  /// Writes a scalar variable-length UTF-8 string attribute.
  public func setAttribute(_ name: String, string: String) throws {
    try writeStrings(name, [string], scalar: true)
  }

  /// Writes a 1-D array of variable-length UTF-8 strings.
  public func setAttribute(_ name: String, strings: [String]) throws {
    try writeStrings(name, strings, scalar: false)
  }

  private func writeStrings(_ name: String, _ strings: [String], scalar: Bool) throws {
    try removeAttributeIfPresent(name)
    let type = try makeVariableStringType()
    defer { H5Tclose(type) }
    var dims = [hsize_t(strings.count)]
    let space = try checkID("cannot make a dataspace") {
      scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
    }
    defer { H5Sclose(space) }
    let attribute = try checkID("cannot create attribute '\(name)'") {
      H5Acreate2(holderID, name, type, space, lb_h5p_default(), lb_h5p_default())
    }
    defer { H5Aclose(attribute) }
    try withCStringArray(strings) { pointers in
      try checkStatus("cannot write attribute '\(name)'") { H5Awrite(attribute, type, pointers) }
    }
  }

  private func removeAttributeIfPresent(_ name: String) throws {
    if hasAttribute(name) {
      try checkStatus("cannot replace attribute '\(name)'") { H5Adelete(holderID, name) }
    }
  }
}
