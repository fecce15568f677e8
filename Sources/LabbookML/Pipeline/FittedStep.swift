import Foundation
import LabbookData

/// A fitted preprocessing step: what it learned from the training data, per column.
public enum FittedStep: Sendable, Equatable {
  /// Fill values: numbers for numeric columns, level text for categorical ones.
  case impute([String: FillValue])
  /// x ↦ (x − center) / scale.
  case scale([String: Affine])
  /// One 0/1 column `name=level` per training level; missing and unseen levels give all zeros.
  case onehot([String: [String]])
  /// Level ↦ its index among the training levels; unseen levels and missing values are missing.
  case ordinal([String: [String]])
  /// x ↦ min(max(x, low), high).
  case clip([String: ClosedRange<Double>])
  /// x ↦ sign(x)·log(1 + |x|), defined for every value.
  case log([String])
  /// x ↦ the index of its quantile bin.
  case bin([String: [Double]])

  public enum FillValue: Sendable, Equatable {
    case number(Double)
    case level(String)
  }

  public struct Affine: Sendable, Equatable {
    public var center: Double
    public var scale: Double
  }

  static func fit(_ step: PipelineStep, columns: [String], on table: Table) throws -> FittedStep {
    func numbers(_ name: String) throws -> [Double] {
      guard case .numeric(let v) = try table.column(name).values else { throw MLError("'\(name)' is not numeric") }
      return v.filter { !$0.isNaN }
    }
    switch step {
    case .impute(let strategy, _):
      var fills: [String: FillValue] = [:]
      for name in columns {
        let column = try table.column(name)
        switch (strategy, column.values) {
        case (.mean, _):
          let v = try numbers(name)
          fills[name] = .number(v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count))
        case (.median, _):
          let v = try numbers(name).sorted()
          fills[name] = .number(v.isEmpty ? 0 : quantile(v, 0.5))
        case (.mode, .numeric(let values)):
          fills[name] = .number(mostFrequent(values.filter { !$0.isNaN }) ?? 0)
        case (.mode, .categorical(let codes, let levels)):
          fills[name] = .level(mostFrequent(codes.filter { $0 >= 0 }).map { levels[Int($0)] } ?? "missing")
        case (.constant(let text), .numeric):
          guard let number = Double(text) else {
            throw MLError(
              "`impute constant \(text)` gives text, but '\(name)' is numeric; give a number or list the columns")
          }
          fills[name] = .number(number)
        case (.constant(let text), .categorical):
          fills[name] = .level(text)
        }
      }
      return .impute(fills)
    case .scale(let kind, _):
      var affine: [String: Affine] = [:]
      for name in columns {
        let v = try numbers(name).sorted()
        var center = 0.0
        var scale = 1.0
        if !v.isEmpty {
          switch kind {
          case .standard:
            center = v.reduce(0, +) / Double(v.count)
            scale = (v.reduce(0) { $0 + ($1 - center) * ($1 - center) } / Double(v.count)).squareRoot()
          case .minmax:
            center = v.first!
            scale = v.last! - v.first!
          case .robust:
            center = quantile(v, 0.5)
            scale = quantile(v, 0.75) - quantile(v, 0.25)
          }
        }
        affine[name] = Affine(center: center, scale: scale == 0 || !scale.isFinite ? 1 : scale)
      }
      return .scale(affine)
    case .encode(let kind, _):
      var levels: [String: [String]] = [:]
      for name in columns {
        guard case .categorical(let codes, let all) = try table.column(name).values else { continue }
        let used = Set(codes.filter { $0 >= 0 })
        levels[name] = all.enumerated().filter { used.contains(Int32($0.offset)) }.map(\.element)
      }
      return kind == .onehot ? .onehot(levels) : .ordinal(levels)
    case .clip(let sigmas, _):
      var ranges: [String: ClosedRange<Double>] = [:]
      for name in columns {
        let v = try numbers(name)
        let mean = v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count)
        let sd = v.isEmpty ? 0 : (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)).squareRoot()
        ranges[name] = (mean - sigmas * sd)...(mean + sigmas * sd)
      }
      return .clip(ranges)
    case .log:
      return .log(columns)
    case .bin(let count, _):
      var edges: [String: [Double]] = [:]
      for name in columns {
        let v = try numbers(name).sorted()
        // Inner edges at the 1/count, 2/count, ... quantiles, duplicates removed.
        let inner = v.isEmpty ? [] : (1..<count).map { quantile(v, Double($0) / Double(count)) }
        edges[name] = Array(Set(inner)).sorted()
      }
      return .bin(edges)
    }
  }

  /// Applies the step to any table with the columns it was fitted on.
  public func apply(_ table: Table) throws -> Table {
    var result = table
    func numeric(_ name: String) throws -> (Int, [Double]) {
      guard let index = result.columns.firstIndex(where: { $0.name == name }) else {
        throw MLError("the pipeline needs column '\(name)', which this table does not have")
      }
      guard case .numeric(let v) = result.columns[index].values else {
        throw MLError("the pipeline needs '\(name)' to be numeric here")
      }
      return (index, v)
    }
    switch self {
    case .impute(let fills):
      for (name, fill) in fills.sorted(by: { $0.key < $1.key }) {
        guard let index = result.columns.firstIndex(where: { $0.name == name }) else {
          throw MLError("the pipeline needs column '\(name)', which this table does not have")
        }
        switch (fill, result.columns[index].values) {
        case (.number(let value), .numeric(let v)):
          result.columns[index].values = .numeric(v.map { $0.isNaN ? value : $0 })
        case (.level(let level), .categorical(let codes, var levels)):
          var code = levels.firstIndex(of: level).map(Int32.init)
          if code == nil {
            levels.append(level)
            code = Int32(levels.count - 1)
          }
          result.columns[index].values = .categorical(codes: codes.map { $0 < 0 ? code! : $0 }, levels: levels)
        default:
          throw MLError("the pipeline imputes '\(name)' with a value of the other type")
        }
      }
    case .scale(let affine):
      for (name, a) in affine.sorted(by: { $0.key < $1.key }) {
        let (index, v) = try numeric(name)
        result.columns[index].values = .numeric(v.map { ($0 - a.center) / a.scale })
      }
    case .clip(let ranges):
      for (name, range) in ranges.sorted(by: { $0.key < $1.key }) {
        let (index, v) = try numeric(name)
        result.columns[index].values = .numeric(
          v.map { $0.isNaN ? $0 : Swift.min(Swift.max($0, range.lowerBound), range.upperBound) })
      }
    case .log(let names):
      for name in names {
        let (index, v) = try numeric(name)
        result.columns[index].values = .numeric(v.map { $0 < 0 ? -Foundation.log1p(-$0) : Foundation.log1p($0) })
      }
    case .bin(let edges):
      for (name, cuts) in edges.sorted(by: { $0.key < $1.key }) {
        let (index, v) = try numeric(name)
        result.columns[index].values = .numeric(
          v.map { x in x.isNaN ? x : Double(cuts.firstIndex { x < $0 } ?? cuts.count) })
      }
    case .ordinal(let levelsByColumn):
      for (name, trained) in levelsByColumn.sorted(by: { $0.key < $1.key }) {
        let column = try result.column(name)
        guard let index = result.columns.firstIndex(where: { $0.name == name }) else { continue }
        var position: [String: Int] = [:]
        for (i, level) in trained.enumerated() { position[level] = i }
        result.columns[index] = .numeric(
          name, (0..<column.count).map { row in column.text(at: row).flatMap { position[$0].map(Double.init) } ?? .nan }
        )
      }
    case .onehot(let levelsByColumn):
      var columns: [Column] = []
      for column in result.columns {
        guard let trained = levelsByColumn[column.name] else {
          columns.append(column)
          continue
        }
        let texts = (0..<column.count).map { column.text(at: $0) }
        for level in trained {
          columns.append(.numeric("\(column.name)=\(level)", texts.map { $0 == level ? 1 : 0 }))
        }
      }
      result = try Table(name: result.name, columns: columns, target: result.target, protected: result.protected)
    }
    return result
  }
}

func mostFrequent<T: Hashable & Comparable>(_ values: [T]) -> T? {
  var counts: [T: Int] = [:]
  for value in values { counts[value, default: 0] += 1 }
  // The most frequent; ties go to the smallest value, so the choice never depends on hashing.
  return counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
}
