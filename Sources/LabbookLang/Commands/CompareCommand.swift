import LabbookCore
import LabbookData
import LabbookML
import LabbookRender
import LabbookValues

/// `compare M1 M2 on T [metric M]`
struct CompareCommand: Command {
  static let keyword = "compare"
  static let help = CommandHelp(
    usage: "compare MODEL1 MODEL2 on TABLE [metric METRIC]",
    summary: "two models' metrics on the same table side by side, and which is better",
    details: """
      The deciding metric is `metric` if given, else accuracy (classification) or r2 (regression); logloss, rmse
      and mae count lower as better. Equal scores favour neither. Typical use, in a retraining loop:
        compare "credit-risk@champion" "credit-risk@challenger" on fresh
      where either model may be a variable or a registry reference string (loaded as `use` would).
      """,
    example: "compare champion challenger on test")

  let first: ValueExpression
  let second: ValueExpression
  let table: ValueExpression
  let metric: Located<String>?

  init(parsing parser: inout StatementParser) throws {
    first = try parser.value("a model or a registry reference")
    second = try parser.value("a second model or registry reference")
    try parser.expect("on")
    table = try parser.value("a table")
    metric = try parser.options(["metric": .name])["metric"]?.nameValue
  }

  func execute(in session: Session) throws -> Value {
    let a = try model(first, in: session, recordKey: "registry_first")
    let b = try model(second, in: session, recordKey: "registry_second")
    let data = try session.table(table)
    guard a.1.task == b.1.task else {
      throw LabError("\(a.0) is a \(a.1.task.rawValue) model but \(b.0) is a \(b.1.task.rawValue) one", at: second.span)
    }
    let names = Metrics.names(for: a.1.task)
    let chosen = metric?.value ?? (a.1.task == .classification ? "accuracy" : "r2")
    guard names.contains(chosen) else {
      throw LabError(
        "`metric` for a \(a.1.task.rawValue) model is one of \(names.joined(separator: ", ")), not '\(chosen)'",
        at: metric!.span)
    }
    let firstMetrics = try locatedML(table.span) { try a.1.evaluate(on: data) }
    let secondMetrics = try locatedML(table.span) { try b.1.evaluate(on: data) }
    var better: String?
    if let x = firstMetrics.value(chosen), let y = secondMetrics.value(chosen), x != y {
      better = (x < y) == Metrics.lowerIsBetter(chosen) ? a.0 : b.0
    }
    return .comparison(
      Comparison(
        first: a.0, second: b.0, table: data.name, metric: chosen, firstMetrics: firstMetrics,
        secondMetrics: secondMetrics, better: better))
  }

  /// A model variable, or a registry reference string (loaded as `use` loads it).
  private func model(_ expression: ValueExpression, in session: Session, recordKey: String) throws -> (
    String, TrainedModel
  ) {
    if case .string = try session.evaluate(expression) {
      return try UseCommand.load(expression, in: session, recordKey: recordKey)
    }
    return try resolveModel(expression, in: session)
  }
}
