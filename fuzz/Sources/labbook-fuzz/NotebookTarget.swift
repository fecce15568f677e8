import Foundation
import LabbookNotebook

/// The notebook reader and the chain verifier, on any bytes.
enum NotebookTarget {
  static func run(_ data: Data) {
    guard let notebook = try? RecordedNotebook.parse(data, path: "fuzz.ipynb") else { return }
    _ = ChainVerifier.verify(notebook)
  }
}
