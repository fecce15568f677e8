import Crypto
import Foundation

/// sha256 helpers: lower-case hex digests of bytes, strings and files.
public enum SHA256Digest {
  public static func hex(_ data: Data) -> String { hexString(SHA256.hash(data: data)) }
  public static func hex(_ string: String) -> String { hex(Data(string.utf8)) }

  /// Hashes a file in 1 MiB pieces, so large inputs are not held twice in memory.
  public static func hex(fileAt path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
    }
    defer { try? handle.close() }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
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

/// Incremental sha256 over typed values, for content hashes independent of any file layout.
public struct ContentHasher {
  private var hasher = SHA256()
  public init() {}
  public mutating func update(_ string: String) {
    var length = UInt64(string.utf8.count).littleEndian
    withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
    hasher.update(data: Data(string.utf8))
  }
  public mutating func update(doubles: [Double]) {
    doubles.withUnsafeBytes { hasher.update(bufferPointer: $0) }
  }
  public mutating func update(byte: UInt8) {
    withUnsafeBytes(of: byte) { hasher.update(bufferPointer: $0) }
  }
  public func finalize() -> String { SHA256Digest.hexString(hasher.finalize()) }
}
