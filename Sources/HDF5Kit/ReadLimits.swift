import CHDF5
import Foundation

/// What a file may make Labbook do. Every count, size and dimension an HDF5 file declares is checked
/// here before it sizes an allocation or a read: a damaged or hostile file is an error, never a crash
/// or an allocation of the size it claims. Files are read alone: external links, external raw storage,
/// virtual datasets and filter plugins (which would read other files or load libraries) are refused.
public enum ReadLimits {
  /// The most memory one read may take: three quarters of the machine's memory.
  public static let maximumBytes = Int(min(ProcessInfo.processInfo.physicalMemory / 4 * 3, UInt64(Int.max / 2)))
  static let maximumLinks = 10_000_000
  static let maximumNameBytes = 1 << 20
  static let maximumAttributeElements = 10_000_000
  static let maximumFixedStringBytes = 1 << 24
  /// The most a deflate stream expands (zlib's limit is about 1032:1), with room for the shuffle filter.
  public static let maximumExpansion = 1100
  /// Filters built into libhdf5: deflate, shuffle, fletcher32, szip, n-bit, scale-offset.
  static let builtInFilters: Set<Int32> = [1, 2, 3, 4, 5, 6]

  /// Link, group and dataset access on which external links cannot be followed (created once, never closed).
  static let linkAccess: hid_t = lb_h5p_without_external_links(lb_h5p_link_access())
  static let groupAccess: hid_t = lb_h5p_without_external_links(lb_h5p_group_access())
  static let fileAccess: hid_t = lb_h5p_file_access_without_locks()
  /// Files opened read-only go through Labbook's read-only driver (`CHDF5/read_only_driver.h`): sec2's
  /// reading without the metadata accumulator, which libhdf5 1.10 overruns on damaged files. Falls back to
  /// `fileAccess` if libhdf5 refused the driver.
  static let readOnlyFileAccess: hid_t = {
    let access = lb_read_only_file_access()
    return access >= 0 ? access : fileAccess
  }()
  static let datasetAccess: hid_t = lb_h5p_without_external_links(lb_h5p_dataset_access())

  /// HDF5 looks for filter plugins on a search path and `dlopen`s them; Labbook never wants that.
  static let pluginsDisabled: Bool = H5PLset_loading_state(0) >= 0

  /// The number of elements of a dataspace with these dimensions, or an error when it cannot be one.
  static func elementCount(_ dims: [hsize_t], of path: String) throws -> Int {
    var count = 1
    for dim in dims {
      guard let size = Int(exactly: dim) else { throw HDF5Error("'\(path)' declares a dimension of \(dim)") }
      let (product, overflow) = count.multipliedReportingOverflow(by: size)
      if overflow { throw HDF5Error("'\(path)' declares more elements than a computer can hold (\(dims))") }
      count = product
    }
    return count
  }

  /// `count` elements of `size` bytes, checked against the memory limit.
  static func bytes(_ count: Int, of size: Int, reading path: String) throws -> Int {
    let (total, overflow) = count.multipliedReportingOverflow(by: max(size, 0))
    if overflow || total > maximumBytes {
      throw HDF5Error(
        "'\(path)' declares \(count) elements of \(size) bytes, more than this machine's memory allows; the file may be damaged"
      )
    }
    return total
  }
}
