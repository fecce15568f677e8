import LabbookData

/// Classification or regression, decided from the target column unless the user says.
public enum Task: String, Sendable, Equatable {
  case classification, regression
}

/// The target column made ready for a learner: class indices with their labels, or numbers.
public struct Target: Sendable, Equatable {
  public var name: String
  public var task: Task
  /// Class labels in order (sorted as text, numbers numerically); empty for regression.
  public var classes: [String]
  /// Class index per row (classification).
  public var codes: [Int]
  /// Value per row (regression).
  public var values: [Double]

  public var rowCount: Int { task == .classification ? codes.count : values.count }

  /// The classes with a single row, in class order. Cross-validation cannot score them: the fold that
  /// holds the row trains without the class.
  public var singleRowClasses: [String] {
    guard task == .classification else { return [] }
    var counts = [Int](repeating: 0, count: classes.count)
    for code in codes { counts[code] += 1 }
    return counts.indices.filter { counts[$0] == 1 }.map { classes[$0] }
  }

  /// A numeric target with whole values and at most this many distinct ones is a classification target.
  public static let maximumClassesForNumericTarget = 20

  /// Reads the target column of `table`, checking it can be learned from.
  /// With `forLearning` false (evaluation), a constant or single-class column is fine.
  public static func read(_ table: Table, column name: String, task requested: Task?, forLearning: Bool = true) throws
    -> Target
  {
    guard let column = table.columns.first(where: { $0.name == name }) else {
      throw MLError(table.unknownColumnMessage(name))
    }
    if table.rowCount == 0 { throw MLError("table '\(table.name)' has no rows\(forLearning ? " to learn from" : "")") }
    if column.missingCount > 0 {
      throw MLError(
        "the target '\(name)' has \(column.missingCount) missing values; drop those rows first (filter \(table.name) where \(name) is not missing)"
      )
    }
    let task = requested ?? inferTask(column)
    switch (task, column.values) {
    case (.regression, .categorical):
      throw MLError("the target '\(name)' is categorical, so it cannot be a regression target")
    case (.regression, .numeric(let values)):
      if forLearning, Set(values).count < 2 {
        throw MLError("the target '\(name)' is constant: there is nothing to learn")
      }
      return Target(name: name, task: .regression, classes: [], codes: [], values: values)
    case (.classification, _):
      let texts = (0..<column.count).map { column.text(at: $0)! }
      var classes = Array(Set(texts))
      if case .numeric = column.values {
        classes.sort { Double($0)! < Double($1)! }
      } else {
        classes.sort()
      }
      if forLearning, classes.count < 2 {
        throw MLError("the target '\(name)' has a single class ('\(classes.first ?? "")'): there is nothing to learn")
      }
      var index: [String: Int] = [:]
      for (code, label) in classes.enumerated() { index[label] = code }
      return Target(name: name, task: .classification, classes: classes, codes: texts.map { index[$0]! }, values: [])
    }
  }

  /// Categorical targets, and whole-number targets with few distinct values, are classification targets.
  public static func inferTask(_ column: Column) -> Task {
    switch column.values {
    case .categorical: return .classification
    case .numeric(let values):
      let present = values.filter { !$0.isNaN }
      guard present.allSatisfy({ $0 == $0.rounded() }) else { return .regression }
      return Set(present).count <= maximumClassesForNumericTarget ? .classification : .regression
    }
  }

  /// The rows at `indices`.
  public func taking(_ indices: [Int]) -> Target {
    var target = self
    if task == .classification {
      target.codes = indices.map { codes[$0] }
    } else {
      target.values = indices.map { values[$0] }
    }
    return target
  }
}
