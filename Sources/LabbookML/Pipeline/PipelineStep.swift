import Foundation
import LabbookData

/// One unfitted preprocessing step, as `pipeline` spells it. `columns` nil means every column the
/// step applies to (never the target).
public enum PipelineStep: Sendable, Equatable {
  case impute(ImputeStrategy, columns: [String]?)
  case scale(ScaleKind, columns: [String]?)
  case encode(EncodeKind, columns: [String]?)
  case clip(sigmas: Double, columns: [String]?)
  case log(columns: [String]?)
  case bin(count: Int, columns: [String]?)

  public enum ImputeStrategy: Sendable, Equatable {
    case mean, median, mode
    case constant(String)
  }
  public enum ScaleKind: String, Sendable { case standard, minmax, robust }
  public enum EncodeKind: String, Sendable { case onehot, ordinal }

  public var columns: [String]? {
    switch self {
    case .impute(_, let c), .scale(_, let c), .encode(_, let c), .clip(_, let c), .log(let c), .bin(_, let c): return c
    }
  }

  /// How the step reads in a pipeline: `impute median [age]`.
  public var description: String {
    var text: String
    switch self {
    case .impute(let strategy, _):
      switch strategy {
      case .mean: text = "impute mean"
      case .median: text = "impute median"
      case .mode: text = "impute mode"
      case .constant(let value): text = "impute constant \(value)"
      }
    case .scale(let kind, _): text = "scale \(kind.rawValue)"
    case .encode(let kind, _): text = "encode \(kind.rawValue)"
    case .clip(let sigmas, _): text = "clip \(formatNumber(sigmas))"
    case .log: text = "log"
    case .bin(let count, _): text = "bin \(count)"
    }
    if let columns { text += " [" + columns.joined(separator: ", ") + "]" }
    return text
  }

  /// Whether the step, with no column list, applies to a column of this kind.
  func appliesByDefault(to column: Column) -> Bool {
    switch self {
    case .impute(.mean, _), .impute(.median, _), .scale, .clip, .log, .bin: return column.isNumeric
    case .impute(.mode, _), .impute(.constant, _): return true
    case .encode: return !column.isNumeric
    }
  }

  var needsNumeric: Bool {
    switch self {
    case .impute(.mean, _), .impute(.median, _), .scale, .clip, .log, .bin: return true
    default: return false
    }
  }
}

/// An unfitted pipeline: steps applied in order, fitted on training data only.
public struct Pipeline: Sendable, Equatable {
  public var steps: [PipelineStep]
  public init(steps: [PipelineStep]) { self.steps = steps }

  public var description: String { steps.map(\.description).joined(separator: ", ") }

  /// Fits every step on `table` (each on the output of the one before), never touching `target`.
  public func fit(_ table: Table, target: String?) throws -> FittedPipeline {
    var ignored: [String] = []
    return try fit(table, target: target, warnings: &ignored)
  }

  /// Fits the steps; what a step can only guess at (a column with no values to learn from) is a warning.
  public func fit(_ table: Table, target: String?, warnings: inout [String]) throws -> FittedPipeline {
    var current = table
    var fitted: [FittedStep] = []
    for step in steps {
      let columns = try columnsFor(step, in: current, target: target)
      if step.needsNumeric {
        for name in columns where (try? current.column(name))?.missingCount == current.rowCount {
          let outcome: String
          if case .impute = step { outcome = "every row gets 0" } else { outcome = "it is left as it is" }
          warnings.append(
            "`\(step.description)`: column '\(name)' has no values in the training rows to learn from; \(outcome)")
        }
      }
      let fittedStep = try FittedStep.fit(step, columns: columns, on: current)
      current = try fittedStep.apply(current)
      fitted.append(fittedStep)
    }
    return FittedPipeline(steps: fitted)
  }

  func columnsFor(_ step: PipelineStep, in table: Table, target: String?) throws -> [String] {
    if let listed = step.columns {
      for name in listed {
        let column = try table.column(name)
        if name == target {
          throw MLError("`\(step.description)` lists the target '\(name)'; steps never change the target")
        }
        if step.needsNumeric && !column.isNumeric {
          throw MLError("`\(step.description)` needs numeric columns, but '\(name)' is categorical")
        }
        if case .encode = step, column.isNumeric {
          throw MLError("`\(step.description)` encodes categorical columns, but '\(name)' is numeric")
        }
      }
      return listed
    }
    return table.columns.filter { $0.name != target && step.appliesByDefault(to: $0) }.map(\.name)
  }
}

/// A pipeline fitted on training data: plain numbers per column, applied the same way to any table.
public struct FittedPipeline: Sendable, Equatable {
  public var steps: [FittedStep]
  public init(steps: [FittedStep]) { self.steps = steps }

  public func apply(_ table: Table) throws -> Table {
    var current = table
    for step in steps { current = try step.apply(current) }
    return current
  }
}
