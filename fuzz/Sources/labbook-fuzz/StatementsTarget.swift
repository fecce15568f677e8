import Foundation
import LabbookData
import LabbookLang

/// Statements executed on a small fixed table with missing values and categories: everything but what
/// reads or writes files, trains, or touches the registry. Each result is rendered as text and JSON.
enum StatementsTarget {
  static let allowed: Set<String> = [
    "show", "describe", "check", "select", "drop", "filter", "derive", "split", "pipeline", "drift", "vars",
    "help", "history",
  ]

  static let table: Table = try! Table(
    name: "t",
    columns: [
      .numeric("x", [1, 2.5, .nan, -4, 1e300, 0, 7, 7]),
      .numeric("y", [0, 1, 0, 1, 1, 0, 1, 0]),
      .categorical("c", ["a", "b", nil, "a", "ü", "b", "a", "c"]),
      .categorical("with space", ["p", "q", "p", "q", "p", "q", "p", nil]),
    ], target: "y", protected: "c")

  static func run(_ data: Data) {
    let session = Session(seed: 1, threads: 1)
    session.bind("t", .table(table))
    session.bind("u", .table(table.taking([0, 2, 4, 6], name: "u")))
    guard let statements = try? Parser.parse(String(decoding: data, as: UTF8.self)) else { return }
    for statement in statements.prefix(8) {
      if case .command(let command) = statement.body, !allowed.contains(type(of: command).keyword) { continue }
      guard let value = try? session.execute(statement) else { continue }
      _ = value.text
      _ = value.json.compactString
    }
  }
}
