import CHDF5
import Foundation

/// An open HDF5 file. Closing happens when the last reference goes away.
public final class HDF5File: @unchecked Sendable {
  let handle: Handle
  public let path: String
  /// The file's size in bytes when it was opened (declared data sizes are checked against it).
  public let size: Int
  /// The global heap's objects, walked as needed, for a file opened read-only (nil for a file opened
  /// writable or created here, whose heap changes as it is written, and for a file not walked): what
  /// `StringReferenceCheck` looks string descriptors up in.
  let globalHeap: GlobalHeapIndex?

  private init(handle: Handle, path: String, globalHeap: GlobalHeapIndex? = nil) {
    self.handle = handle
    self.path = path
    self.globalHeap = globalHeap
    var bytes: hsize_t = 0
    size = H5Fget_filesize(handle.id, &bytes) >= 0 ? Int(clamping: bytes) : Int.max
  }

  /// Opens an existing file read-only, or read-write when `writable`.
  public static func open(_ path: String, writable: Bool = false) throws -> HDF5File {
    guard ReadLimits.pluginsDisabled else { throw HDF5Error("cannot turn off HDF5 filter plugins") }
    // Written to, a file's heap changes as it is written: every collection is checked now, and the file
    // has no index. Read-only, collections are checked as they are needed (`GlobalHeapIndex`).
    let globalHeap: GlobalHeapIndex?
    if writable {
      try GlobalHeapCheck.check(path: path)
      globalHeap = nil
    } else {
      globalHeap = try GlobalHeapCheck.index(path: path)
    }
    let flags = writable ? lb_h5f_acc_rdwr() : lb_h5f_acc_rdonly()
    let id = try checkID("cannot open '\(path)' as HDF5") {
      H5Fopen(path, flags, writable ? ReadLimits.fileAccess : ReadLimits.readOnlyFileAccess)
    }
    return HDF5File(handle: Handle(id, close: H5Fclose), path: path, globalHeap: globalHeap)
  }

  /// Creates (truncating) a file whose groups track link creation order.
  public static func create(_ path: String) throws -> HDF5File {
    let fcpl = try checkID("cannot make a file-creation property list") { H5Pcreate(lb_h5p_file_create()) }
    defer { H5Pclose(fcpl) }
    let order = UInt32(H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED)
    try checkStatus("cannot track link creation order") { H5Pset_link_creation_order(fcpl, order) }
    let id = try checkID("cannot create '\(path)'") {
      H5Fcreate(path, lb_h5f_acc_trunc(), fcpl, ReadLimits.fileAccess)
    }
    return HDF5File(handle: Handle(id, close: H5Fclose), path: path)
  }

  /// Whether the file at `path` starts with an HDF5 signature.
  public static func isHDF5(_ path: String) -> Bool {
    silenceErrors()
    let answer = H5Fis_hdf5(path)
    _ = takeErrorStack()
    return answer > 0
  }

  public var root: HDF5Group {
    get throws {
      let id = try checkID("cannot open the root group of '\(path)'") { H5Gopen2(handle.id, "/", lb_h5p_default()) }
      return HDF5Group(handle: Handle(id, close: H5Gclose), path: "/", file: self)
    }
  }

  /// Flushes everything written so far to disk.
  public func flush() throws {
    try checkStatus("cannot flush '\(path)'") { H5Fflush(handle.id, H5F_SCOPE_GLOBAL) }
  }
}

/// What a link in a group points at.
public enum HDF5ObjectKind: Sendable, Equatable {
  case group, dataset, other
  /// A link to an object in another file (or a user-defined link), which Labbook never follows.
  case externalLink
}
