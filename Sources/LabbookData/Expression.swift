import Foundation
import LabbookCore

/// An expression over a table's columns, as `filter ... where` and `derive` take it.
public indirect enum Expression: Sendable, Equatable {
  case number(Double, SourceSpan)
  case text(String, SourceSpan)
  case column(String, SourceSpan)
  case unary(UnaryOperator, Expression, SourceSpan)
  case binary(BinaryOperator, Expression, Expression, SourceSpan)
  case call(Function, Expression, SourceSpan)
  case isMissing(Expression, negated: Bool, SourceSpan)

  public enum UnaryOperator: String, Sendable {
    case negate = "-"
    case not
  }
  public enum BinaryOperator: String, Sendable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case power = "^"
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case equal = "=="
    case notEqual = "!="
    case and
    case or
  }
  public enum Function: String, Sendable, CaseIterable { case log, exp, sqrt, abs }

  public var span: SourceSpan {
    switch self {
    case .number(_, let s), .text(_, let s), .column(_, let s), .unary(_, _, let s), .binary(_, _, _, let s),
      .call(_, _, let s), .isMissing(_, _, let s):
      return s
    }
  }

  /// Column names the expression reads.
  public var columnNames: [String] {
    switch self {
    case .number, .text: return []
    case .column(let name, _): return [name]
    case .unary(_, let e, _), .call(_, let e, _), .isMissing(let e, _, _): return e.columnNames
    case .binary(_, let l, let r, _): return l.columnNames + r.columnNames
    }
  }
}

/// An evaluation failure that points at the part of the expression responsible.
public struct ExpressionError: Error, Sendable, CustomStringConvertible {
  public let message: String
  public let span: SourceSpan
  public var description: String { message }
}

/// The value of an expression for every row of a table.
public enum ExpressionValue: Sendable {
  case numbers([Double])
  case texts([String?])
  case truths([Bool?])

  var typeName: String {
    switch self {
    case .numbers: return "a number"
    case .texts: return "text"
    case .truths: return "a condition (true/false)"
    }
  }

  /// As a column: conditions become 1/0 numbers, text becomes categorical.
  public func column(named name: String) -> Column {
    switch self {
    case .numbers(let v): return .numeric(name, v)
    case .texts(let v): return .categorical(name, v)
    case .truths(let v): return .numeric(name, v.map { $0.map { $0 ? 1 : 0 } ?? .nan })
    }
  }
}

extension Table {
  /// Evaluates `expression` over every row. Missing values propagate; comparisons with a missing
  /// value are unknown, and `and`/`or` follow three-valued (Kleene) logic, as SQL does.
  public func evaluate(_ expression: Expression) throws -> ExpressionValue {
    let n = rowCount
    switch expression {
    case .number(let v, _): return .numbers([Double](repeating: v, count: n))
    case .text(let s, _): return .texts([String?](repeating: s, count: n))
    case .column(let name, let span):
      guard let column = columns.first(where: { $0.name == name }) else {
        throw ExpressionError(message: unknownColumnMessage(name), span: span)
      }
      switch column.values {
      case .numeric(let v): return .numbers(v)
      case .categorical(let codes, let levels): return .texts(codes.map { $0 < 0 ? nil : levels[Int($0)] })
      }
    case .isMissing(let inner, let negated, _):
      let flags: [Bool]
      switch try evaluate(inner) {
      case .numbers(let v): flags = v.map(\.isNaN)
      case .texts(let v): flags = v.map { $0 == nil }
      case .truths(let v): flags = v.map { $0 == nil }
      }
      return .truths(flags.map { $0 != negated })
    case .unary(let op, let inner, let span):
      let value = try evaluate(inner)
      switch (op, value) {
      case (.negate, .numbers(let v)): return .numbers(v.map { -$0 })
      case (.not, .truths(let v)): return .truths(v.map { $0.map { !$0 } })
      default:
        throw ExpressionError(
          message:
            "type error: '\(op.rawValue)' needs \(op == .not ? "a condition" : "a number"), not \(value.typeName)\(describe(inner))",
          span: span)
      }
    case .call(let function, let argument, let span):
      guard case .numbers(let v) = try evaluate(argument) else {
        throw ExpressionError(
          message: "type error: \(function.rawValue) needs a number\(describe(argument))", span: span)
      }
      return .numbers(try apply(function, v, span: span))
    case .binary(let op, let left, let right, let span):
      return try binary(op, try evaluate(left), try evaluate(right), left: left, right: right, span: span)
    }
  }

  private func describe(_ expression: Expression) -> String {
    if case .column(let name, _) = expression, let column = columns.first(where: { $0.name == name }) {
      return " (column '\(name)' is \(column.typeName))"
    }
    return ""
  }

  private func apply(_ function: Expression.Function, _ values: [Double], span: SourceSpan) throws -> [Double] {
    switch function {
    case .abs: return values.map { Swift.abs($0) }
    case .exp: return values.map { Foundation.exp($0) }
    case .log:
      if let row = values.firstIndex(where: { $0 <= 0 }) {
        throw ExpressionError(
          message: "log of \(formatNumber(values[row])) in row \(row + 1): log needs positive values", span: span)
      }
      return values.map { Foundation.log($0) }
    case .sqrt:
      if let row = values.firstIndex(where: { $0 < 0 }) {
        throw ExpressionError(
          message: "sqrt of \(formatNumber(values[row])) in row \(row + 1): sqrt needs values ≥ 0", span: span)
      }
      return values.map { $0.squareRoot() }
    }
  }

  private func binary(
    _ op: Expression.BinaryOperator, _ lhs: ExpressionValue, _ rhs: ExpressionValue, left: Expression,
    right: Expression,
    span: SourceSpan
  ) throws -> ExpressionValue {
    func typeError(_ needs: String) -> ExpressionError {
      let l = lhs.typeName + describe(left)
      let r = rhs.typeName + describe(right)
      return ExpressionError(message: "type error: '\(op.rawValue)' needs \(needs), but got \(l) and \(r)", span: span)
    }
    switch op {
    case .add, .subtract, .multiply, .divide, .power:
      guard case .numbers(let a) = lhs, case .numbers(let b) = rhs else { throw typeError("two numbers") }
      switch op {
      case .add: return .numbers(zip(a, b).map { $0 + $1 })
      case .subtract: return .numbers(zip(a, b).map { $0 - $1 })
      case .multiply: return .numbers(zip(a, b).map { $0 * $1 })
      case .power: return .numbers(zip(a, b).map { Foundation.pow($0, $1) })
      default:
        if let row = b.indices.first(where: { b[$0] == 0 && !a[$0].isNaN }) {
          let what = describe(right).isEmpty ? "the divisor is 0" : "column '\(right.columnNames.first ?? "")' is 0"
          throw ExpressionError(message: "division by zero in row \(row + 1) (\(what))", span: span)
        }
        return .numbers(zip(a, b).map { $0 / $1 })
      }
    case .less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual:
      switch (lhs, rhs) {
      case (.numbers(let a), .numbers(let b)):
        return .truths(zip(a, b).map { x, y in x.isNaN || y.isNaN ? nil : compare(op, x, y) })
      case (.texts(let a), .texts(let b)):
        return .truths(
          zip(a, b).map { x, y in
            guard let x, let y else { return nil }
            return compare(op, x, y)
          })
      case (.texts, .numbers), (.numbers, .texts):
        throw ExpressionError(
          message:
            "type error: '\(op.rawValue)' compares text with a number\(describe(left))\(describe(right)); quote the value, e.g. \"1\"",
          span: span)
      default: throw typeError("two numbers or two texts")
      }
    case .and, .or:
      guard case .truths(let a) = lhs, case .truths(let b) = rhs else { throw typeError("two conditions") }
      return .truths(zip(a, b).map { x, y in op == .and ? kleeneAnd(x, y) : kleeneOr(x, y) })
    }
  }
}

private func compare<T: Comparable>(_ op: Expression.BinaryOperator, _ x: T, _ y: T) -> Bool {
  switch op {
  case .less: return x < y
  case .lessOrEqual: return x <= y
  case .greater: return x > y
  case .greaterOrEqual: return x >= y
  case .equal: return x == y
  default: return x != y
  }
}

private func kleeneAnd(_ x: Bool?, _ y: Bool?) -> Bool? {
  if x == false || y == false { return false }
  if let x, let y { return x && y }
  return nil
}

private func kleeneOr(_ x: Bool?, _ y: Bool?) -> Bool? {
  if x == true || y == true { return true }
  if let x, let y { return x || y }
  return nil
}
