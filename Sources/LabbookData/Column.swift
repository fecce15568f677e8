/// One column of a table: numbers (NaN = missing) or categories (codes into `levels`, -1 = missing).
public struct Column: Sendable, Equatable {
  public var name: String
  public var values: ColumnValues

  public init(name: String, values: ColumnValues) {
    self.name = name
    self.values = values
  }

  public static func numeric(_ name: String, _ values: [Double]) -> Column {
    Column(name: name, values: .numeric(values))
  }

  /// A categorical column from strings (nil = missing); levels sorted, as pandas orders categories.
  public static func categorical(_ name: String, _ strings: [String?]) -> Column {
    let levels = Array(Set(strings.compactMap { $0 })).sorted()
    var index: [String: Int32] = [:]
    for (code, level) in levels.enumerated() { index[level] = Int32(code) }
    return Column(
      name: name, values: .categorical(codes: strings.map { $0.flatMap { index[$0] } ?? -1 }, levels: levels))
  }

  public var count: Int {
    switch values {
    case .numeric(let v): return v.count
    case .categorical(let codes, _): return codes.count
    }
  }

  public var isNumeric: Bool {
    if case .numeric = values { return true }
    return false
  }

  public var typeName: String { isNumeric ? "numeric" : "categorical" }

  public var missingCount: Int {
    // Plain loops with wrapping adds (a count cannot exceed the row count), which the compiler
    // vectorises; `reduce` with a checked add took 2.5 ns a value.
    switch values {
    case .numeric(let v):
      return v.withUnsafeBufferPointer { values in
        var missing = 0
        for value in values { missing &+= value.isNaN ? 1 : 0 }
        return missing
      }
    case .categorical(let codes, _):
      return codes.withUnsafeBufferPointer { codes in
        var missing = 0
        for code in codes { missing &+= code < 0 ? 1 : 0 }
        return missing
      }
    }
  }

  /// The value in `row` as text (empty for missing), for display and comparison.
  public func text(at row: Int) -> String? {
    switch values {
    case .numeric(let v): return v[row].isNaN ? nil : formatNumber(v[row])
    case .categorical(let codes, let levels): return codes[row] < 0 ? nil : levels[Int(codes[row])]
    }
  }

  /// The rows at `indices`, in that order.
  public func taking(_ indices: [Int]) -> Column {
    switch values {
    case .numeric(let v): return Column(name: name, values: .numeric(indices.map { v[$0] }))
    case .categorical(let codes, let levels):
      return Column(name: name, values: .categorical(codes: indices.map { codes[$0] }, levels: levels))
    }
  }
}

public enum ColumnValues: Sendable, Equatable {
  case numeric([Double])
  case categorical(codes: [Int32], levels: [String])

  public static func == (lhs: ColumnValues, rhs: ColumnValues) -> Bool {
    switch (lhs, rhs) {
    case (.numeric(let a), .numeric(let b)):
      return a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    case (.categorical(let ca, let la), .categorical(let cb, let lb)):
      return ca.count == cb.count
        && zip(ca, cb).allSatisfy { ($0 < 0 ? nil : la[Int($0)]) == ($1 < 0 ? nil : lb[Int($1)]) }
    default: return false
    }
  }
}

/// Numbers as people read them: integers without a fraction, others with up to 6 significant digits.
public func formatNumber(_ value: Double, significant: Int = 6) -> String {
  if value.isNaN { return "NA" }
  if value.isInfinite { return value > 0 ? "inf" : "-inf" }
  if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
  let magnitude = abs(value)
  if magnitude >= 1e-4, magnitude < 1e15 {
    var text = String(format: "%.\(significant)g", value)
    if text.contains("e") { text = String(format: "%.\(significant)f", value) }
    return text
  }
  return String(format: "%.\(significant)g", value)
}
