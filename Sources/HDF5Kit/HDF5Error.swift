import CHDF5

/// An HDF5 failure, carrying the library's own error stack as text.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// Prepares the calling thread: HDF5's automatic error printing is per thread in a thread-safe build.
@inline(__always) func silenceErrors() { lb_h5_silence_errors() }

/// Reads and clears the calling thread's HDF5 error stack.
func takeErrorStack() -> String {
  var buffer = [CChar](repeating: 0, count: 1024)
  lb_h5_error_message(&buffer)
  let length = buffer.firstIndex(of: 0) ?? buffer.count
  return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Runs an HDF5 call that returns an identifier, throwing with `context` when it fails.
@discardableResult
func checkID(_ context: @autoclosure () -> String, _ call: () -> hid_t) throws -> hid_t {
  silenceErrors()
  let id = call()
  if id < 0 { throw failure(context()) }
  return id
}

/// Runs an HDF5 call that returns a status, throwing with `context` when it is negative.
@discardableResult
func checkStatus(_ context: @autoclosure () -> String, _ call: () -> Int32) throws -> Int32 {
  silenceErrors()
  let status = call()
  if status < 0 { throw failure(context()) }
  return status
}

func failure(_ context: String) -> HDF5Error {
  let stack = takeErrorStack()
  return HDF5Error(stack.isEmpty ? context : "\(context) (\(stack))")
}

/// Owns one HDF5 identifier and closes it with the matching close function.
final class Handle: @unchecked Sendable {
  let id: hid_t
  private let close: (hid_t) -> herr_t
  init(_ id: hid_t, close: @escaping (hid_t) -> herr_t) {
    self.id = id
    self.close = close
  }
  deinit { _ = close(id) }
}
