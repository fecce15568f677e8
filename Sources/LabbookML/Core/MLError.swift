/// A modelling failure worded for the person at the prompt; the language layer adds the location.
public struct MLError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
