import LabbookCore
import LabbookData
import LabbookRender
import LabbookValues

/// `plot T x COL [y COL] [by COL]`
struct PlotCommand: Command {
  static let keyword = "plot"
  static let help = CommandHelp(
    usage: "plot TABLE x COLUMN [y COLUMN] [by COLUMN]",
    summary: "a chart of a table's columns: histogram, bar chart, scatter or box plot",
    details: """
      x alone: a histogram of a numeric column (equal-width bins, Sturges' rule) or the level counts of a
      categorical one. x and y (both numeric): a scatter (at most 5,000 rows, sampled evenly). x and by (no y):
      box plots of x per group (quartiles, whiskers at 1.5 IQR), or grouped bars when x is categorical; with y,
      by colours the points. Rows missing a plotted column are left out and counted. The notebook shows the chart
      as an SVG image; at the prompt it is written to a file whose path is printed.
      """,
    example: "plot credit x age by sex")

  let table: ValueExpression
  let options: [String: OptionValue]

  init(parsing parser: inout StatementParser) throws {
    table = try parser.value("the table to plot")
    options = try parser.options(["x": .name, "y": .name, "by": .name])
    if options["x"] == nil { throw LabError("`plot` needs `x COLUMN`, e.g. `plot credit x age`", at: parser.endSpan) }
  }

  func execute(in session: Session) throws -> Value {
    let data = try session.table(table)
    let x = options["x"]!.nameValue!
    _ = try session.requireColumn(x, in: data)
    let y = options["y"]?.nameValue
    let by = options["by"]?.nameValue
    for name in [y, by].compactMap({ $0 }) { _ = try session.requireColumn(name, in: data) }
    let chart = try located(y?.span ?? x.span) {
      try TableChart.make(data, x: x.value, y: y?.value, by: by?.value)
    }
    return .chart(chart)
  }
}
