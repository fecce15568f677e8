/// A failure in the data layer, worded for the person at the prompt. The language layer adds the
/// source location.
public struct DataError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
