import CHDF5

/// A group: named links to datasets and other groups, plus attributes.
public final class HDF5Group: AttributeHolder, @unchecked Sendable {
  let handle: Handle
  public let path: String
  public let file: HDF5File

  init(handle: Handle, path: String, file: HDF5File) {
    self.handle = handle
    self.path = path
    self.file = file
  }

  var objectID: hid_t { handle.id }

  public func childPath(_ name: String) -> String { path == "/" ? "/\(name)" : "\(path)/\(name)" }

  /// The names of the group's links, in creation order when the group tracks it, else by name.
  ///
  /// The links are listed in one pass in the storage's own order (`H5_ITER_NATIVE`) and sorted here.
  /// Asking libhdf5 for names by position instead (`H5Lget_name_by_idx`) makes it build and sort a table
  /// of all links for every position — quadratic in the number of columns — and libhdf5 1.10 frees
  /// uninitialised table entries when a damaged file stops that build half-way (SIGSEGV in `H5MM_xfree`);
  /// the native order reads a dense group's name index directly and builds no table.
  public func linkNames() throws -> [String] {
    var info = H5G_info_t()
    try checkStatus("cannot list group '\(path)'") { H5Gget_info(handle.id, &info) }
    guard let count = Int(exactly: info.nlinks), count <= ReadLimits.maximumLinks else {
      throw HDF5Error("group '\(path)' declares \(info.nlinks) links; the file may be damaged")
    }
    if count == 0 { return [] }
    let listing = LinkListing(capacity: count)
    silenceErrors()
    let status = withExtendedLifetime(listing) {
      H5Literate(
        handle.id, H5_INDEX_NAME, H5_ITER_NATIVE, nil, collectLink, Unmanaged.passUnretained(listing).toOpaque())
    }
    _ = takeErrorStack()
    if let problem = listing.problem { throw HDF5Error("group '\(path)': \(problem); the file may be damaged") }
    if status < 0 { throw HDF5Error("cannot list the links of group '\(path)'; the file may be damaged") }
    return listing.orderedNames()
  }

  /// Whether a link of that name exists directly in this group.
  public func contains(_ name: String) -> Bool {
    silenceErrors()
    let exists = H5Lexists(handle.id, name, ReadLimits.linkAccess)
    _ = takeErrorStack()
    return exists > 0
  }

  /// What the link `name` points at (`other` for dangling links, `externalLink` for links to other files).
  public func kind(of name: String) -> HDF5ObjectKind {
    silenceErrors()
    var info = H5L_info_t()
    if H5Lget_info(handle.id, name, &info, ReadLimits.linkAccess) < 0 {
      _ = takeErrorStack()
      return .other
    }
    if info.type != H5L_TYPE_HARD && info.type != H5L_TYPE_SOFT { return .externalLink }
    let id = H5Oopen(handle.id, name, ReadLimits.linkAccess)
    if id < 0 {
      _ = takeErrorStack()
      return .other
    }
    defer { H5Oclose(id) }
    switch H5Iget_type(id) {
    case H5I_GROUP: return .group
    case H5I_DATASET: return .dataset
    default: return .other
    }
  }

  public func openGroup(_ name: String) throws -> HDF5Group {
    let id = try checkID("cannot open group '\(childPath(name))'") { H5Gopen2(handle.id, name, ReadLimits.groupAccess) }
    return HDF5Group(handle: Handle(id, close: H5Gclose), path: childPath(name), file: file)
  }

  public func openDataset(_ name: String) throws -> HDF5Dataset {
    let id = try checkID("cannot open dataset '\(childPath(name))'") {
      H5Dopen2(handle.id, name, ReadLimits.datasetAccess)
    }
    return try HDF5Dataset(handle: Handle(id, close: H5Dclose), path: childPath(name), file: file)
  }

  /// Creates a child group that tracks link creation order and stores no modification times.
  public func createGroup(_ name: String) throws -> HDF5Group {
    let gcpl = try checkID("cannot make a group-creation property list") { H5Pcreate(lb_h5p_group_create()) }
    defer { H5Pclose(gcpl) }
    let order = UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)
    try checkStatus("cannot track link creation order") { H5Pset_link_creation_order(gcpl, order) }
    try checkStatus("cannot turn off time tracking") { H5Pset_obj_track_times(gcpl, false) }
    let id = try checkID("cannot create group '\(childPath(name))'") {
      H5Gcreate2(handle.id, name, lb_h5p_default(), gcpl, lb_h5p_default())
    }
    return HDF5Group(handle: Handle(id, close: H5Gclose), path: childPath(name), file: file)
  }

  /// Copies the object `name` (with everything below it) into `destination` under the same name.
  public func copy(_ name: String, to destination: HDF5Group) throws {
    // libhdf5 copies variable-length data through the heap, descriptors unchecked: every collection first.
    try file.globalHeap?.checkWholeFile()
    try checkStatus("cannot copy '\(childPath(name))'") {
      H5Ocopy(handle.id, name, destination.objectID, name, lb_h5p_default(), lb_h5p_default())
    }
  }
}

/// The links one `H5Literate` pass has seen so far, with their creation order where the group tracks it.
private final class LinkListing {
  var links: [(name: [UInt8], creationOrder: Int64?)] = []
  var problem: String?

  init(capacity: Int) { links.reserveCapacity(capacity) }

  /// Creation order when every link has one, else by name (byte order, as libhdf5's name index sorts).
  func orderedNames() -> [String] {
    let ordered: [(name: [UInt8], creationOrder: Int64?)]
    if links.allSatisfy({ $0.creationOrder != nil }) {
      ordered = links.sorted { a, b in
        a.creationOrder! != b.creationOrder!
          ? a.creationOrder! < b.creationOrder! : a.name.lexicographicallyPrecedes(b.name)
      }
    } else {
      ordered = links.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }
    return ordered.map { String(decoding: $0.name, as: UTF8.self) }
  }
}

/// `H5Literate`'s callback: records one link; stops the iteration (returns 1) on a name or a count no
/// sound file has.
private func collectLink(
  _ group: hid_t, _ name: UnsafePointer<CChar>?, _ info: UnsafePointer<H5L_info_t>?, _ context: UnsafeMutableRawPointer?
) -> herr_t {
  guard let context else { return -1 }
  let listing = Unmanaged<LinkListing>.fromOpaque(context).takeUnretainedValue()
  guard let name else {
    listing.problem = "a link has no name"
    return 1
  }
  var length = 0
  while name[length] != 0 && length <= ReadLimits.maximumNameBytes { length += 1 }
  guard length <= ReadLimits.maximumNameBytes else {
    listing.problem = "a link name is longer than \(ReadLimits.maximumNameBytes) bytes"
    return 1
  }
  guard listing.links.count < ReadLimits.maximumLinks else {
    listing.problem = "more than \(ReadLimits.maximumLinks) links"
    return 1
  }
  let bytes = name.withMemoryRebound(to: UInt8.self, capacity: length) {
    Array(UnsafeBufferPointer(start: $0, count: length))
  }
  let creationOrder = info.flatMap { $0.pointee.corder_valid ? $0.pointee.corder : nil }
  listing.links.append((bytes, creationOrder))
  return 0
}
