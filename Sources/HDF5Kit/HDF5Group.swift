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
  public func linkNames() throws -> [String] {
    var info = H5G_info_t()
    try checkStatus("cannot list group '\(path)'") { H5Gget_info(handle.id, &info) }
    guard let count = Int(exactly: info.nlinks), count <= ReadLimits.maximumLinks else {
      throw HDF5Error("group '\(path)' declares \(info.nlinks) links; the file may be damaged")
    }
    if count == 0 { return [] }
    for index in [H5_INDEX_CRT_ORDER, H5_INDEX_NAME] {
      if let names = linkNames(count: count, index: index) { return names }
    }
    throw failure("cannot list the links of group '\(path)'")
  }

  private func linkNames(count: Int, index: H5_index_t) -> [String]? {
    var names: [String] = []
    names.reserveCapacity(count)
    silenceErrors()
    for position in 0..<count {
      let length = H5Lget_name_by_idx(
        handle.id, ".", index, H5_ITER_INC, hsize_t(position), nil, 0, ReadLimits.linkAccess)
      if length < 0 || length > ReadLimits.maximumNameBytes {
        _ = takeErrorStack()
        return nil
      }
      var buffer = [CChar](repeating: 0, count: Int(length) + 1)
      _ = H5Lget_name_by_idx(
        handle.id, ".", index, H5_ITER_INC, hsize_t(position), &buffer, Int(length) + 1, ReadLimits.linkAccess)
      names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return names
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
    return try HDF5Dataset(handle: Handle(id, close: H5Dclose), path: childPath(name), fileSize: file.size)
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
    try checkStatus("cannot copy '\(childPath(name))'") {
      H5Ocopy(handle.id, name, destination.objectID, name, lb_h5p_default(), lb_h5p_default())
    }
  }
}
