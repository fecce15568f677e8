import Foundation
import LabbookLang

/// The lexer and parser, and the error report with its caret, on any text.
enum ParseTarget {
  static func run(_ data: Data) {
    let source = String(decoding: data, as: UTF8.self)
    do {
      _ = try Parser.parse(source)
    } catch let error as LabError {
      _ = ErrorReport.text(error, sourceName: "fuzz.lab", source: source)
      _ = ErrorReport.json(error).compactString
    } catch {}
  }
}
