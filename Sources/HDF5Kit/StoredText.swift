import Foundation

/// The text of a string stored in an HDF5 file. HDF5 strings are ASCII or UTF-8 by their character set,
/// but files written from NumPy byte strings often hold Latin-1 or Windows-1252 bytes. Valid UTF-8 is
/// read as UTF-8; anything else byte for byte as Latin-1, so different byte strings stay different
/// strings. (Repairing each bad sequence to U+FFFD, as before, made Latin-1 "José" and "Josè" one
/// category, "Jos\u{FFFD}", and lost the difference without a word.)
enum StoredText {
  static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    if let text = UTF8Text.validated(bytes) { return text }
    var scalars = String.UnicodeScalarView()
    scalars.append(contentsOf: bytes.lazy.map { Unicode.Scalar($0) })
    return String(scalars)
  }

  static func string(_ bytes: some Collection<UInt8>) -> String {
    bytes.withContiguousStorageIfAvailable { string($0) } ?? Array(bytes).withUnsafeBufferPointer { string($0) }
  }

  /// A NUL-terminated string as libhdf5 hands it over.
  static func string(cString: UnsafePointer<CChar>) -> String {
    let length = strlen(cString)
    return cString.withMemoryRebound(to: UInt8.self, capacity: length) {
      string(UnsafeBufferPointer(start: $0, count: length))
    }
  }
}
