import Foundation
import LabbookCore
import LabbookData
import LabbookRender
import LabbookValues

/// Runs data-layer work, turning its errors into located language errors (expression errors keep
/// their own, more precise location).
func located<T>(_ span: SourceSpan, _ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as DataError {
    throw LabError(error.message, at: span)
  } catch let error as ExpressionError {
    throw LabError(error.message, at: error.span)
  }
}

/// A short name for a table loaded from a file: its file name without the extension.
func stem(_ path: String) -> String {
  let file = (path as NSString).lastPathComponent
  let base = (file as NSString).deletingPathExtension
  let cleaned = base.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" }
  return cleaned.isEmpty ? "table" : String(cleaned)
}
