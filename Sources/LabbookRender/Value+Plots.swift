import LabbookValues

/// A chart drawn as a self-contained SVG document, with the title that stands for it in text.
public struct Plot: Sendable, Equatable {
  public var title: String
  public var svg: String
  public init(title: String, svg: String) {
    self.title = title
    self.svg = svg
  }
}

extension Value {
  /// The charts that show this value better than its table does (none for most values).
  public var plots: [Plot] { [] }
}
