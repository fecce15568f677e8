import Crypto
import Foundation

/// sha256 helpers: lower-case hex digests of bytes, strings and files.
public enum SHA256Digest {
  public static func hex(_ data: Data) -> String { hexString(SHA256.hash(data: data)) }
  public static func hex(_ string: String) -> String { hex(Data(string.utf8)) }
  public static func hex(_ bytes: UnsafeRawBufferPointer) -> String { hexString(SHA256.hash(data: bytes)) }

  /// Hashes a regular file in 1 MiB pieces, so large inputs are not held twice in memory. A device,
  /// pipe or socket is refused (opened without blocking, then checked), so a path in a notebook cannot
  /// make Labbook read forever or wait on a pipe.
  public static func hex(fileAt path: String) throws -> String { try hex(fileAt: path, until: nil) }

  /// As `hex(fileAt:)`, giving up (with `CancellationError`) once `stop` says so, checked every MiB: for
  /// a hash computed beside other work that may fail first.
  public static func hex(fileAt path: String, until stop: StopFlag?) throws -> String {
    let handle: FileHandle
    switch RegularFile.open(path) {
    case .opened(let descriptor, _): handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    case .notRegular: throw NotARegularFile(path: path)
    case .missing, .failed: throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
    }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
      if stop?.isSet == true { throw CancellationError() }
      hasher.update(data: chunk)
    }
    return hexString(hasher.finalize())
  }

  static func hexString<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    for byte in digest {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 15)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}

/// A path that names a device, pipe, socket or folder where a file was expected.
public struct NotARegularFile: Error, CustomStringConvertible, Sendable {
  public let path: String
  public var description: String { "'\(path)' is not a regular file" }
}

/// Incremental sha256 over typed values, for content hashes independent of any file layout.
public struct ContentHasher {
  private var hasher = SHA256()
  public init() {}
  public mutating func update(_ string: String) {
    var length = UInt64(string.utf8.count).littleEndian
    withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
    hasher.update(data: Data(string.utf8))
  }
  public mutating func update(doubles: ArraySlice<Double>) {
    doubles.withUnsafeBytes { hasher.update(bufferPointer: $0) }
  }
  public mutating func update(bytes: [UInt8]) {
    bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
  }
  public mutating func update(bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }
  /// The bytes `update(_ string:)` feeds for `string`: its UTF-8 length (8 bytes, little-endian), then
  /// its UTF-8. Callers that hash the same strings many times encode them once.
  public static func encoding(of string: String) -> [UInt8] {
    var bytes = withUnsafeBytes(of: UInt64(string.utf8.count).littleEndian) { Array($0) }
    bytes.append(contentsOf: string.utf8)
    return bytes
  }
  public mutating func update(byte: UInt8) {
    withUnsafeBytes(of: byte) { hasher.update(bufferPointer: $0) }
  }
  public func finalize() -> String { SHA256Digest.hexString(hasher.finalize()) }
}
