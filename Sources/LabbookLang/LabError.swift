import LabbookCore
import LabbookRender
import LabbookValues

/// An error with the place in the source it is about, reported as `error: <message>` with a caret.
public struct LabError: Error, Sendable, CustomStringConvertible {
  public let message: String
  public let span: SourceSpan?
  public init(_ message: String, at span: SourceSpan?) {
    self.message = message
    self.span = span
  }
  public var description: String { message }
}
