import LabbookData
import LabbookRender
import LabbookValues

/// `show T [rows N]`
struct ShowCommand: Command {
  static let keyword = "show"
  static let help = CommandHelp(
    usage: "show VALUE [rows N]",
    summary: "print the first rows of a table (default 10), or any value",
    details: "Missing values show as NA. A value that is not a table prints as it would at the prompt.",
    example: "show credit rows 5")

  let subject: ValueExpression
  let rows: ValueExpression?

  init(parsing parser: inout StatementParser) throws {
    subject = try parser.value("a table or value to show")
    rows = try parser.options(["rows": .value])["rows"]?.valueExpression
  }

  func execute(in session: Session) throws -> Value {
    let value = try session.evaluate(subject)
    if case .automl(let result) = value { return .leaderboard(result) }
    guard case .table(let table) = value else {
      if let rows { throw LabError("`rows` applies to tables; this is a \(value.typeName)", at: rows.span) }
      return value
    }
    let limit = try rows.map { try session.integer($0, "`rows`", minimum: 0) } ?? 10
    return .rows(table, limit: limit)
  }
}

/// `describe T`
struct DescribeCommand: Command {
  static let keyword = "describe"
  static let help = CommandHelp(
    usage: "describe TABLE",
    summary: "per-column summary: count, missing, mean, std, min, max, or level counts",
    details: "`count` is the number of non-missing values and `std` divides by n − 1, as in pandas.",
    example: "describe credit")

  let table: ValueExpression

  init(parsing parser: inout StatementParser) throws {
    table = try parser.value("a table to describe")
  }

  func execute(in session: Session) throws -> Value {
    let data = try session.table(table)
    return .description(table: data.name, data.describe())
  }
}

/// `check T`
struct CheckCommand: Command {
  static let keyword = "check"
  static let help = CommandHelp(
    usage: "check TABLE",
    summary: "data-quality findings, each with a severity",
    details: """
      Missing values (warning from 5%, error from 50%), constant columns, duplicate rows, outliers beyond
      Q1 − 3·IQR or Q3 + 3·IQR, class imbalance of the target (minority/majority below 0.2), categorical columns
      that are mostly numbers (mixed types), and identifier-like columns.
      """,
    example: "check credit")

  let table: ValueExpression

  init(parsing parser: inout StatementParser) throws {
    table = try parser.value("a table to check")
  }

  func execute(in session: Session) throws -> Value {
    let data = try session.table(table)
    return .findings(table: data.name, rows: data.rowCount, data.qualityFindings())
  }
}
