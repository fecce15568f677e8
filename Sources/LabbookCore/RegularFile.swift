import Foundation

/// What a path names, from `stat` (symbolic links followed): only regular files are read as data, so a
/// device, pipe or socket named where a file is expected cannot block or feed a read.
public enum RegularFile: Equatable, Sendable {
  case missing
  case folder
  case notRegular
  case regular(size: Int)

  public static func check(_ path: String) -> RegularFile {
    var info = stat()
    guard stat(path, &info) == 0 else { return .missing }
    switch info.st_mode & S_IFMT {
    case S_IFDIR: return .folder
    case S_IFREG: return .regular(size: Int(info.st_size))
    default: return .notRegular
    }
  }
}
