import LabbookCore
import LabbookData
import LabbookRender
import LabbookValues

/// A table and a list of its columns, as `select` and `drop` take them.
struct TableColumns: Sendable {
  let table: ValueExpression
  let columns: [Located<String>]

  init(parsing parser: inout StatementParser) throws {
    table = try parser.value("a table")
    columns = try parser.columnList()
  }

  /// The table and the column names, each checked (with a "did you mean" at its location).
  func resolve(in session: Session) throws -> (Table, [String]) {
    let data = try session.table(table)
    var seen = Set<String>()
    for column in columns {
      _ = try session.requireColumn(column, in: data)
      if !seen.insert(column.value).inserted {
        throw LabError("column '\(column.value)' is listed twice", at: column.span)
      }
    }
    return (data, columns.map(\.value))
  }
}

/// `select T [cols]`
struct SelectCommand: Command {
  static let keyword = "select"
  static let help = CommandHelp(
    usage: "select TABLE [COLUMN, ...]",
    summary: "a new table with only these columns, in this order",
    details: "Quote a name with spaces: [\"sepal length (cm)\", target] or use backticks.",
    example: "small = select credit [age, sex, risk]")

  let arguments: TableColumns

  init(parsing parser: inout StatementParser) throws {
    arguments = try TableColumns(parsing: &parser)
  }

  func execute(in session: Session) throws -> Value {
    let (data, names) = try arguments.resolve(in: session)
    return .table(try located(arguments.table.span) { try data.selecting(names) })
  }
}

/// `drop T [cols]`
struct DropCommand: Command {
  static let keyword = "drop"
  static let help = CommandHelp(
    usage: "drop TABLE [COLUMN, ...]",
    summary: "a new table without these columns",
    details: "",
    example: "features = drop credit [risk]")

  let arguments: TableColumns

  init(parsing parser: inout StatementParser) throws {
    arguments = try TableColumns(parsing: &parser)
  }

  func execute(in session: Session) throws -> Value {
    let (data, names) = try arguments.resolve(in: session)
    return .table(try located(arguments.table.span) { try data.dropping(names) })
  }
}

/// `filter T where EXPR`
struct FilterCommand: Command {
  static let keyword = "filter"
  static let help = CommandHelp(
    usage: "filter TABLE where CONDITION",
    summary: "the rows where the condition holds",
    details: """
      Conditions compare columns and values (< <= > >= == !=), combine with and, or, not, and test `is missing`
      / `is not missing`. Arithmetic: + - * / ^ and log, exp, sqrt, abs. A comparison with a missing value is
      unknown, and unknown rows are dropped (as in SQL).
      """,
    example: "adults = filter credit where age >= 25 and sex == \"female\"")

  let table: ValueExpression
  let condition: Expression

  init(parsing parser: inout StatementParser) throws {
    table = try parser.value("a table")
    try parser.expect("where")
    condition = try parser.expression()
  }

  func execute(in session: Session) throws -> Value {
    let data = try session.table(table)
    return .table(try located(condition.span) { try data.filtering(condition) })
  }
}

/// `derive T NAME = EXPR`
struct DeriveCommand: Command {
  static let keyword = "derive"
  static let help = CommandHelp(
    usage: "derive TABLE NAME = EXPRESSION",
    summary: "a new table with a computed column (replacing one of the same name)",
    details: """
      Expressions: + - * / ^, log exp sqrt abs, comparisons, and/or/not, `is missing`. Conditions become 1/0;
      missing values propagate. Dividing by zero, log of a non-positive value and sqrt of a negative one are
      errors that name the row.
      """,
    example: "credit = derive credit monthly = credit_amount / duration")

  let table: ValueExpression
  let name: Located<String>
  let expression: Expression

  init(parsing parser: inout StatementParser) throws {
    table = try parser.value("a table")
    name = try parser.name("the new column's name")
    try parser.expectSymbol("=")
    expression = try parser.expression()
  }

  func execute(in session: Session) throws -> Value {
    let data = try session.table(table)
    return .table(try located(expression.span) { try data.deriving(name.value, expression) })
  }
}

/// `A, B = split T ratio 0.8 seed 42 [stratify COL]`
struct SplitCommand: Command {
  static let keyword = "split"
  static let help = CommandHelp(
    usage: "A, B = split TABLE ratio R [seed N] [stratify COLUMN]",
    summary: "a seeded random split into two tables (R of the rows in the first)",
    details: """
      The first table gets ⌊R·n⌋ rows. With `stratify`, each class keeps its share. Without `seed`, the
      session's seed is used. Rows keep their original order within each part.
      """,
    example: "train, test = split credit ratio 0.8 seed 42 stratify risk")

  let table: ValueExpression
  let options: [String: OptionValue]

  init(parsing parser: inout StatementParser) throws {
    table = try parser.value("a table")
    options = try parser.options(["ratio": .value, "seed": .value, "stratify": .name])
    if options["ratio"] == nil { throw LabError("`split` needs `ratio`, e.g. `ratio 0.8`", at: parser.endSpan) }
  }

  func execute(in session: Session) throws -> Value {
    let data = try session.table(table)
    let ratioExpression = options["ratio"]!.valueExpression!
    let ratio = try session.number(ratioExpression, "`ratio`")
    let seed =
      try options["seed"]?.valueExpression.map {
        UInt64(try session.integer($0, "`seed`", minimum: 0, maximum: Session.maximumSeed))
      } ?? session.seed
    let stratify = options["stratify"]?.nameValue
    if let stratify { _ = try session.requireColumn(stratify, in: data) }
    let (first, second) = try located(ratioExpression.span) {
      try RandomSplit.split(data, ratio: ratio, seed: seed, stratify: stratify?.value)
    }
    // Unassigned, the parts are told apart by their place (assigned, they take the names given).
    var parts = [first, second]
    parts[0].name = "part 1"
    parts[1].name = "part 2"
    return .tuple(parts.map(Value.table))
  }
}
