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

extension RegularFile {
  /// What opening a path for reading gave: a descriptor (the caller closes it) and the file's size, or
  /// why not.
  public enum Opening: Sendable {
    case opened(descriptor: Int32, size: Int)
    case missing
    case notRegular
    case failed(errno: Int32)
  }

  /// Opens `path` read-only without blocking (opening a pipe with no writer would otherwise wait forever)
  /// and checks on the open descriptor, not the path, that it is a regular file; anything else is closed
  /// again and refused, so a device, pipe or socket is never read.
  public static func open(_ path: String) -> Opening {
    let descriptor = Foundation.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else { return errno == ENOENT ? .missing : .failed(errno: errno) }
    var info = stat()
    guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
      close(descriptor)
      return .notRegular
    }
    return .opened(descriptor: descriptor, size: Int(info.st_size))
  }
}
