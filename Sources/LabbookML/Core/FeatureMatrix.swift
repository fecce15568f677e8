import LabbookData

/// Numbers a learner can use: column-major features (NaN = missing), plus, for learners that handle
/// them natively, categorical columns as level codes.
public struct FeatureMatrix: Sendable {
  public struct Feature: Sendable, Equatable {
    public var name: String
    public var values: [Double]
    /// Number of levels when the feature is categorical (values are level codes, NaN = missing).
    public var levels: [String]?
  }

  public var features: [Feature]
  public var rowCount: Int

  public var width: Int { features.count }

  /// Every column of `table` but `excluding`; categorical columns become level codes.
  public init(table: Table, excluding: Set<String>) {
    features = table.columns.filter { !excluding.contains($0.name) }.map { column in
      switch column.values {
      case .numeric(let v): return Feature(name: column.name, values: v, levels: nil)
      case .categorical(let codes, let levels):
        return Feature(name: column.name, values: codes.map { $0 < 0 ? .nan : Double($0) }, levels: levels)
      }
    }
    rowCount = table.rowCount
  }

  public init(features: [Feature], rowCount: Int) {
    self.features = features
    self.rowCount = rowCount
  }

  /// Rows at `indices`.
  public func taking(_ indices: [Int]) -> FeatureMatrix {
    FeatureMatrix(
      features: features.map { feature in
        Feature(name: feature.name, values: indices.map { feature.values[$0] }, levels: feature.levels)
      },
      rowCount: indices.count)
  }

  /// The first missing value (feature name, 0-based row), if any.
  public func firstMissing() -> (String, Int)? {
    for feature in features {
      if let row = feature.values.firstIndex(where: { $0.isNaN }) { return (feature.name, row) }
    }
    return nil
  }

  /// Fails, naming the pipeline step that fixes it, when a learner that cannot take missing values or
  /// categories would receive them.
  public func requireNumericComplete(for learner: String) throws {
    for feature in features {
      if feature.levels != nil {
        throw MLError(
          "`\(learner)` needs numbers, but '\(feature.name)' is categorical; add `encode onehot` to the pipeline")
      }
      if let row = feature.values.firstIndex(where: { $0.isNaN }) {
        throw MLError(
          "`\(learner)` cannot take missing values, but '\(feature.name)' is missing in row \(row + 1); add `impute median` (or mean/mode) to the pipeline"
        )
      }
    }
  }
}
