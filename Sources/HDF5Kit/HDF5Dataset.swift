import CHDF5
import Foundation

/// An open dataset: its shape, its element type, and typed reads that let HDF5 convert byte order,
/// width and precision into native values.
public final class HDF5Dataset: AttributeHolder, @unchecked Sendable {
  let handle: Handle
  public let path: String
  public let shape: [Int]
  public let elementType: ElementType
  /// Number of elements in the whole dataset.
  public let count: Int
  let fileType: Handle
  let file: HDF5File
  var fileSize: Int { file.size }
  /// Whether `checkChunksInflate` has passed (it runs once, before libhdf5 first reads the data).
  var chunksChecked = false
  /// Whether `checkStringReferences` has passed (once, before libhdf5 first reads the strings).
  var stringReferencesChecked = false

  init(handle: Handle, path: String, file: HDF5File) throws {
    self.handle = handle
    self.path = path
    self.file = file
    let space = try checkID("cannot read the shape of '\(path)'") { H5Dget_space(handle.id) }
    defer { H5Sclose(space) }
    let rank = Int(H5Sget_simple_extent_ndims(space))
    guard rank >= 0, rank <= 32 else { throw HDF5Error("'\(path)' declares \(rank) dimensions") }
    var dims = [hsize_t](repeating: 0, count: max(rank, 1))
    if rank > 0 {
      try checkStatus("cannot read the shape of '\(path)'") { H5Sget_simple_extent_dims(space, &dims, nil) }
    }
    count = try ReadLimits.elementCount(rank > 0 ? dims : [], of: path)
    shape = rank > 0 ? dims.map { Int($0) } : []
    let type = try checkID("cannot read the datatype of '\(path)'") { H5Dget_type(handle.id) }
    fileType = Handle(type, close: H5Tclose)
    elementType = ElementType.describe(type)
    let layout = try Self.checkStorage(handle.id, path: path)
    try Self.checkType(type, path: path)
    try Self.checkCompactData(handle.id, layout: layout, elements: count, type: type, path: path)
  }

  /// Types libhdf5 1.10 converts without checking them, found by the hdf5 fuzz target: a number of
  /// 327,688 bytes (SIGSEGV in `H5VM_memcpyvv` while converting it to a double), and a compound whose
  /// member lies (partly) outside the element (SIGSEGV in `H5T__conv_struct_opt`). Numbers must be 1 to
  /// 16 bytes; every member, at every level of nesting, must lie within its compound.
  private static func checkType(_ type: hid_t, path: String, depth: Int = 0) throws {
    let typeClass = H5Tget_class(type)
    if [H5T_INTEGER, H5T_FLOAT, H5T_ENUM, H5T_BITFIELD].contains(typeClass) {
      let size = H5Tget_size(type)
      guard size >= 1, size <= 16 else {
        throw HDF5Error("'\(path)' declares numbers of \(size) bytes; the file is damaged")
      }
      // The bits that hold the value (and a float's sign, exponent and mantissa within them) must lie in
      // the element: libhdf5 copies them bit by bit from where the type says (SIGBUS in `H5T__bit_copy`).
      let precision = H5Tget_precision(type)
      let offset = Int(H5Tget_offset(type))
      guard precision >= 1, offset >= 0, precision + offset <= 8 * size else {
        throw HDF5Error(
          "'\(path)' declares \(precision)-bit numbers at bit \(offset) of \(size)-byte elements; the file is damaged")
      }
      if typeClass == H5T_FLOAT {
        var sign = 0
        var exponentStart = 0
        var exponentBits = 0
        var mantissaStart = 0
        var mantissaBits = 0
        guard H5Tget_fields(type, &sign, &exponentStart, &exponentBits, &mantissaStart, &mantissaBits) >= 0,
          sign < precision, exponentStart + exponentBits <= precision, mantissaStart + mantissaBits <= precision,
          exponentBits >= 1, exponentBits <= 64, mantissaBits >= 1
        else {
          throw HDF5Error("'\(path)' declares a floating-point layout that does not fit its bits; the file is damaged")
        }
      }
      return
    }
    guard typeClass == H5T_COMPOUND else { return }
    guard depth < 8 else { throw HDF5Error("'\(path)' nests compound types more than 8 deep") }
    let size = H5Tget_size(type)
    let members = H5Tget_nmembers(type)
    guard members >= 0, members <= 65_536 else { throw HDF5Error("'\(path)' declares \(members) fields") }
    for index in 0..<UInt32(members) {
      let member = try checkID("cannot read field \(index) of '\(path)'") { H5Tget_member_type(type, index) }
      defer { H5Tclose(member) }
      let offset = H5Tget_member_offset(type, index)
      let (end, overflow) = offset.addingReportingOverflow(H5Tget_size(member))
      guard !overflow, end <= size else {
        throw HDF5Error(
          "field \(index) of '\(path)' lies outside its record (bytes \(offset) to \(end) of \(size)); the file is damaged"
        )
      }
      try checkType(member, path: path, depth: depth + 1)
    }
  }

  /// A compact dataset keeps its bytes in its header; libhdf5 1.10 copies the extent's worth of them
  /// whatever the header holds (SIGSEGV in `H5VM_memcpyvv`, from the hdf5 fuzz target).
  private static func checkCompactData(_ id: hid_t, layout: H5D_layout_t, elements: Int, type: hid_t, path: String)
    throws
  {
    guard layout == H5D_COMPACT else { return }
    let (needed, overflow) = elements.multipliedReportingOverflow(by: H5Tget_size(type))
    let stored = H5Dget_storage_size(id)
    guard !overflow, UInt64(needed) <= stored else {
      throw HDF5Error(
        "'\(path)' declares \(elements) elements but its compact storage holds \(stored) bytes; the file is damaged")
    }
  }

  /// Refuses data that lives outside the file (external raw storage, virtual datasets) or needs a filter
  /// libhdf5 does not have built in (a plugin).
  /// Returns the dataset's layout, which the compact-data check uses.
  private static func checkStorage(_ id: hid_t, path: String) throws -> H5D_layout_t {
    let plist = try checkID("cannot read how '\(path)' is stored") { H5Dget_create_plist(id) }
    defer { H5Pclose(plist) }
    let layout = H5Pget_layout(plist)
    if layout == H5D_VIRTUAL {
      throw HDF5Error("'\(path)' is a virtual dataset made of other files; Labbook reads only the file it is given")
    }
    if H5Pget_external_count(plist) != 0 {
      throw HDF5Error("'\(path)' keeps its data in external files; Labbook reads only the file it is given")
    }
    let filters = H5Pget_nfilters(plist)
    guard filters >= 0, filters <= 32 else { throw HDF5Error("'\(path)' declares \(filters) filters") }
    for index in 0..<UInt32(filters) {
      var flags: UInt32 = 0
      var values = 0
      var config: UInt32 = 0
      let filter = H5Pget_filter2(plist, index, &flags, &values, nil, 0, nil, &config)
      guard ReadLimits.builtInFilters.contains(filter), H5Zfilter_avail(filter) > 0 else {
        _ = takeErrorStack()
        throw HDF5Error(
          "'\(path)' is compressed with filter \(filter), which needs a plugin; Labbook reads deflate, shuffle, fletcher32, szip, n-bit and scale-offset"
        )
      }
    }
    return layout
  }

  /// Checks that reading every element as `elementSize` bytes is possible and plausible: within the
  /// memory limit, and not more than the file's stored data can expand to.
  public func checkReadable(elementSize: Int) throws { try checkDeclaredSize(elementSize: elementSize) }

  /// The bytes reading every element as `elementSize` bytes takes, once checked.
  @discardableResult private func checkDeclaredSize(elementSize: Int) throws -> Int {
    let needed = try ReadLimits.bytes(count, of: elementSize, reading: path)
    let stored = Int(clamping: H5Dget_storage_size(handle.id))
    let plausible = ReadLimits.maximumExpansion.multipliedReportingOverflow(by: min(stored, fileSize))
    if !plausible.overflow, needed > plausible.partialValue + (1 << 20) {
      throw HDF5Error(
        "'\(path)' declares \(count) elements but stores only \(stored) bytes; the file looks truncated or damaged")
    }
    return needed
  }

  var objectID: hid_t { handle.id }

  /// Reads every element (or one compound `field` of every element) as Double.
  public func readDoubles(field: String? = nil) throws -> [Double] {
    // HDF5 fills every element, so the buffer need not be zeroed first (it is 64 MB for 8M values).
    let n = count
    try checkDeclaredSize(elementSize: 8)
    return try [Double](unsafeUninitializedCapacity: n) { buffer, initialized in
      try read(
        memoryType: lb_h5t_native_double(), elementSize: 8, field: field,
        into: UnsafeMutableRawPointer(buffer.baseAddress))
      initialized = n
    }
  }

  /// The chunk shape of a chunked dataset, nil for a contiguous or compact one.
  public var chunkShape: [Int]? {
    guard let plist = try? checkID("", { H5Dget_create_plist(handle.id) }) else { return nil }
    defer { H5Pclose(plist) }
    guard H5Pget_layout(plist) == H5D_CHUNKED, !shape.isEmpty else { return nil }
    var dims = [hsize_t](repeating: 0, count: shape.count)
    guard H5Pget_chunk(plist, Int32(shape.count), &dims) == Int32(shape.count) else { return nil }
    return dims.map { Int($0) }
  }

  /// Reads the rows `rows` (indices along the first dimension) of a 2-D dataset as Double, row-major,
  /// into `buffer` (rows.count × shape[1] values). Reading a large matrix band by band keeps only one
  /// band in memory besides its destination.
  public func readDoubles(rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<Double>) throws {
    guard shape.count == 2, rows.lowerBound >= 0, rows.upperBound <= shape[0],
      buffer.count >= rows.count * shape[1]
    else { throw HDF5Error("cannot read rows \(rows) of '\(path)' (shape \(shape))") }
    if rows.lowerBound == 0 { try checkDeclaredSize(elementSize: 8) }
    if rows.isEmpty || shape[1] == 0 { return }
    try checkChunksInflate()
    let fileSpace = try checkID("cannot read the shape of '\(path)'") { H5Dget_space(handle.id) }
    defer { H5Sclose(fileSpace) }
    var start: [hsize_t] = [hsize_t(rows.lowerBound), 0]
    var count: [hsize_t] = [hsize_t(rows.count), hsize_t(shape[1])]
    try checkStatus("cannot select rows \(rows) of '\(path)'") {
      H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &count, nil)
    }
    let memorySpace = try checkID("cannot describe a block of '\(path)'") { H5Screate_simple(2, &count, nil) }
    defer { H5Sclose(memorySpace) }
    try checkStatus("cannot read rows \(rows) of '\(path)'") {
      H5Dread(handle.id, lb_h5t_native_double(), memorySpace, fileSpace, lb_h5p_default(), buffer.baseAddress)
    }
  }

  /// Reads the named numeric fields of the elements `rows` of a 1-D compound dataset as Double, one
  /// record of `fields.count` values per element, into `buffer`. One read converts every field, so a
  /// compressed chunk is inflated once for all of them (reading field by field inflates it per field).
  public func readDoubleFields(_ fields: [String], rows: Range<Int>, into buffer: UnsafeMutableBufferPointer<Double>)
    throws
  {
    guard shape.count == 1, !fields.isEmpty, rows.lowerBound >= 0, rows.upperBound <= shape[0],
      buffer.count >= rows.count * fields.count
    else { throw HDF5Error("cannot read rows \(rows) of '\(path)' (shape \(shape))") }
    if rows.lowerBound == 0 { try checkDeclaredSize(elementSize: 8 * fields.count) }
    if rows.isEmpty { return }
    try checkChunksInflate()
    let record = try checkID("cannot make a compound type") { H5Tcreate(H5T_COMPOUND, 8 * fields.count) }
    defer { H5Tclose(record) }
    for (index, field) in fields.enumerated() {
      try checkStatus("cannot describe field '\(field)'") {
        H5Tinsert(record, field, 8 * index, lb_h5t_native_double())
      }
    }
    let fileSpace = try checkID("cannot read the shape of '\(path)'") { H5Dget_space(handle.id) }
    defer { H5Sclose(fileSpace) }
    var start: [hsize_t] = [hsize_t(rows.lowerBound)]
    var count: [hsize_t] = [hsize_t(rows.count)]
    try checkStatus("cannot select rows \(rows) of '\(path)'") {
      H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &count, nil)
    }
    let memorySpace = try checkID("cannot describe a block of '\(path)'") { H5Screate_simple(1, &count, nil) }
    defer { H5Sclose(memorySpace) }
    try checkStatus("cannot read rows \(rows) of '\(path)'") {
      H5Dread(handle.id, record, memorySpace, fileSpace, lb_h5p_default(), buffer.baseAddress)
    }
  }

  /// Reads every element (or field) as Int64; HDF5 converts widths and byte order.
  public func readInt64(field: String? = nil) throws -> [Int64] {
    try checkDeclaredSize(elementSize: 8)
    var values = [Int64](repeating: 0, count: count)
    try values.withUnsafeMutableBytes { buffer in
      try read(memoryType: lb_h5t_native_int64(), elementSize: 8, field: field, into: buffer.baseAddress)
    }
    return values
  }

  /// Reads an enumeration (or enum field) as the members' integer values.
  public func readEnumValues(members: [EnumMember], field: String? = nil) throws -> [Int64] {
    try checkDeclaredSize(elementSize: 8)
    let enumType = try checkID("cannot make an enum type") { H5Tenum_create(lb_h5t_native_int64()) }
    defer { H5Tclose(enumType) }
    for member in members {
      var value = member.value
      try checkStatus("cannot describe enum member '\(member.name)'") { H5Tenum_insert(enumType, member.name, &value) }
    }
    var values = [Int64](repeating: 0, count: count)
    try values.withUnsafeMutableBytes { buffer in
      try read(memoryType: enumType, elementSize: 8, field: field, into: buffer.baseAddress)
    }
    return values
  }

  /// Reads fixed- or variable-length strings (or a string field) as Swift strings.
  public func readStrings(field: String? = nil) throws -> [String] {
    let stringFileType: hid_t
    if let field {
      let index = H5Tget_member_index(fileType.id, field)
      stringFileType = try checkID("no field '\(field)' in '\(path)'") {
        H5Tget_member_type(fileType.id, UInt32(max(index, 0)))
      }
    } else {
      stringFileType = try checkID("cannot copy a string type") { H5Tcopy(fileType.id) }
    }
    defer { H5Tclose(stringFileType) }
    // Anything else (a variable-length sequence, found by the model fuzz target) would be read as fixed
    // strings of its in-memory size, and libhdf5 1.10 crashes converting a sequence so (SIGSEGV in
    // `H5HG_insert`, writing to the read-only file's heap).
    guard H5Tget_class(stringFileType) == H5T_STRING else {
      throw HDF5Error("'\(path)'\(field.map { " field '\($0)'" } ?? "") does not hold strings; the file may be damaged")
    }
    let memoryType = try checkID("cannot copy a string type") { H5Tcopy(stringFileType) }
    defer { H5Tclose(memoryType) }
    let n = count
    try checkDeclaredSize(elementSize: MemoryLayout<UnsafeMutablePointer<CChar>?>.size)
    if H5Tis_variable_str(stringFileType) > 0 {
      if field == nil, let descriptors = try checkStringReferences(), let heap = file.globalHeap,
        let strings = descriptors.withUnsafeBytes({ heap.strings(in: $0, count: n) })
      {
        // Every descriptor checked and the collections at hand: the strings come from them directly,
        // as libhdf5 would give them, without its conversion (a heap lookup and two copies a string).
        return strings
      }
      var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: n)
      try pointers.withUnsafeMutableBytes { buffer in
        try read(
          memoryType: memoryType, elementSize: MemoryLayout<UnsafeMutablePointer<CChar>?>.size, field: field,
          into: buffer.baseAddress)
      }
      let strings = pointers.map { $0.map { StoredText.string(cString: $0) } ?? "" }
      if n > 0 {
        // Reclaim through a 1-D space of the same length so the library frees each string.
        var dims = [hsize_t(n)]
        let space = H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        pointers.withUnsafeMutableBytes { buffer in
          for index in 0..<n {
            if let pointer = buffer.load(fromByteOffset: index * 8, as: UnsafeMutablePointer<CChar>?.self) {
              H5free_memory(pointer)
            }
          }
        }
      }
      return strings
    }
    let size = Int(H5Tget_size(stringFileType))
    guard size > 0, size <= ReadLimits.maximumFixedStringBytes else {
      throw HDF5Error("'\(path)' declares strings of \(size) bytes")
    }
    let padding = H5Tget_strpad(stringFileType)
    // Within the memory limit and within what the stored bytes can expand to, as numbers are.
    var bytes = [UInt8](repeating: 0, count: max(try checkDeclaredSize(elementSize: size), 1))
    try bytes.withUnsafeMutableBytes { buffer in
      try read(memoryType: memoryType, elementSize: size, field: field, into: buffer.baseAddress)
    }
    return (0..<n).map { index in
      var slice = bytes[(index * size)..<(index * size + size)]
      if let end = slice.firstIndex(of: 0) { slice = slice[slice.startIndex..<end] }
      if padding == H5T_STR_SPACEPAD {
        while let last = slice.last, last == 0x20 { slice = slice.dropLast() }
      }
      return StoredText.string(slice)
    }
  }

  private func read(memoryType: hid_t, elementSize: Int, field: String?, into buffer: UnsafeMutableRawPointer?) throws {
    if count == 0 { return }
    try checkChunksInflate()
    // Variable-length data whose descriptors were not checked one by one (strings inside a compound):
    // every heap collection is checked before libhdf5 follows them.
    if !stringReferencesChecked, Self.hasVariableLength(fileType.id) { try file.globalHeap?.checkWholeFile() }
    var type = memoryType
    var wrapper: hid_t = -1
    if let field {
      // A compound memory type with the one field: HDF5 matches members by name.
      wrapper = try checkID("cannot make a compound type") { H5Tcreate(H5T_COMPOUND, elementSize) }
      try checkStatus("cannot describe field '\(field)'") { H5Tinsert(wrapper, field, 0, memoryType) }
      type = wrapper
    }
    defer { if wrapper >= 0 { H5Tclose(wrapper) } }
    try checkStatus("cannot read '\(path)'\(field.map { " field '\($0)'" } ?? "")") {
      H5Dread(handle.id, type, lb_h5s_all(), lb_h5s_all(), lb_h5p_default(), buffer)
    }
  }
}

extension HDF5Dataset {
  /// Whether values of `type` hold variable-length parts (strings or sequences), at any depth.
  static func hasVariableLength(_ type: hid_t, depth: Int = 0) -> Bool {
    if H5Tis_variable_str(type) > 0 || H5Tget_class(type) == H5T_VLEN { return true }
    guard depth < 8 else { return true }
    switch H5Tget_class(type) {
    case H5T_COMPOUND:
      let members = H5Tget_nmembers(type)
      guard members > 0 else { return false }
      for index in 0..<UInt32(members) {
        let member = H5Tget_member_type(type, index)
        guard member >= 0 else { return true }
        defer { H5Tclose(member) }
        if hasVariableLength(member, depth: depth + 1) { return true }
      }
      return false
    case H5T_ARRAY:
      let base = H5Tget_super(type)
      guard base >= 0 else { return true }
      defer { H5Tclose(base) }
      return hasVariableLength(base, depth: depth + 1)
    default:
      return false
    }
  }
}

/// How `save` lays out a column dataset.
public struct DatasetOptions: Sendable {
  public var chunkLength: Int
  public var deflateLevel: Int
  public var shuffle: Bool
  public init(chunkLength: Int = 65_536, deflateLevel: Int = 4, shuffle: Bool = true) {
    self.chunkLength = chunkLength
    self.deflateLevel = deflateLevel
    self.shuffle = shuffle
  }
}

extension HDF5Group {
  /// Writes a chunked, compressed 1-D float64 dataset.
  public func createDataset(_ name: String, doubles: [Double], options: DatasetOptions = DatasetOptions()) throws {
    try doubles.withUnsafeBytes { buffer in
      try createDataset1D(
        name, fileType: lb_h5t_ieee_f64le(), memoryType: lb_h5t_native_double(), count: doubles.count, options: options,
        data: buffer.baseAddress)
    }
  }

  /// Writes a chunked, compressed 1-D int64 dataset.
  public func createDataset(_ name: String, int64s: [Int64], options: DatasetOptions = DatasetOptions()) throws {
    try int64s.withUnsafeBytes { buffer in
      try createDataset1D(
        name, fileType: lb_h5t_std_i64le(), memoryType: lb_h5t_native_int64(), count: int64s.count, options: options,
        data: buffer.baseAddress)
    }
  }

  /// Writes a chunked, compressed 1-D dataset of variable-length UTF-8 strings.
  public func createDataset(_ name: String, strings: [String], options: DatasetOptions = DatasetOptions()) throws {
    let type = try makeVariableStringType()
    defer { H5Tclose(type) }
    var options = options
    options.shuffle = false
    try withCStringArray(strings) { pointers in
      try createDataset1D(
        name, fileType: type, memoryType: type, count: strings.count, options: options, data: pointers)
    }
  }

  private func createDataset1D(
    _ name: String, fileType: hid_t, memoryType: hid_t, count: Int, options: DatasetOptions, data: UnsafeRawPointer?
  ) throws {
    var dims = [hsize_t(count)]
    var maxDims = [lb_h5s_unlimited()]
    let space = try checkID("cannot make a dataspace") { H5Screate_simple(1, &dims, &maxDims) }
    defer { H5Sclose(space) }
    let dcpl = try checkID("cannot make a dataset-creation property list") { H5Pcreate(lb_h5p_dataset_create()) }
    defer { H5Pclose(dcpl) }
    var chunk = [hsize_t(max(1, min(count, options.chunkLength)))]
    try checkStatus("cannot set chunking") { H5Pset_chunk(dcpl, 1, &chunk) }
    if options.shuffle { try checkStatus("cannot set shuffle") { H5Pset_shuffle(dcpl) } }
    if options.deflateLevel > 0 {
      try checkStatus("cannot set deflate") { H5Pset_deflate(dcpl, UInt32(options.deflateLevel)) }
    }
    try checkStatus("cannot turn off time tracking") { H5Pset_obj_track_times(dcpl, false) }
    let dataset = try checkID("cannot create dataset '\(childPath(name))'") {
      H5Dcreate2(objectID, name, fileType, space, lb_h5p_default(), dcpl, lb_h5p_default())
    }
    defer { H5Dclose(dataset) }
    if count > 0 {
      try checkStatus("cannot write dataset '\(childPath(name))'") {
        H5Dwrite(dataset, memoryType, lb_h5s_all(), lb_h5s_all(), lb_h5p_default(), data)
      }
    }
  }
}

func makeVariableStringType() throws -> hid_t {
  let type = try checkID("cannot make a string type") { H5Tcopy(lb_h5t_c_s1()) }
  H5Tset_size(type, lb_h5t_variable())
  H5Tset_cset(type, H5T_CSET_UTF8)
  return type
}

/// Calls `body` with a contiguous array of C string pointers, freed afterwards.
@discardableResult
func withCStringArray<R>(_ strings: [String], _ body: (UnsafeRawPointer?) throws -> R) rethrows -> R {
  let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
  defer { for pointer in pointers { free(pointer) } }
  return try pointers.withUnsafeBytes { try body($0.baseAddress) }
}
