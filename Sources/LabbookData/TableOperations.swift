import LabbookCore

extension Table {
  /// Only the named columns, in the order given.
  public func selecting(_ names: [String]) throws -> Table {
    var table = self
    table.columns = try names.map { try column($0) }
    table.target = target.flatMap { names.contains($0) ? $0 : nil }
    table.protected = protected.flatMap { names.contains($0) ? $0 : nil }
    return table
  }

  /// Every column but the named ones.
  public func dropping(_ names: [String]) throws -> Table {
    for name in names { _ = try column(name) }
    return try selecting(columnNames.filter { !names.contains($0) })
  }

  /// The rows where `condition` is true (unknown counts as false, as in SQL).
  public func filtering(_ condition: Expression) throws -> Table {
    guard case .truths(let keep) = try evaluate(condition) else {
      throw ExpressionError(message: "filter needs a condition such as `age > 30`, not a value", span: condition.span)
    }
    return taking(keep.indices.filter { keep[$0] == true })
  }

  /// The table with column `name` added (or replaced in place) from `expression`.
  public func deriving(_ name: String, _ expression: Expression) throws -> Table {
    let column = try evaluate(expression).column(named: name)
    var table = self
    if let index = columns.firstIndex(where: { $0.name == name }) {
      table.columns[index] = column
    } else {
      table.columns.append(column)
    }
    return table
  }
}
