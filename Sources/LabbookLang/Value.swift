import LabbookCore
import LabbookData
import LabbookNotebook

/// Everything a statement can produce or a variable can hold. Rendering as text or JSON is separate
/// (`Value+Text.swift`, `Value+JSON.swift`), so the prompt, `--json` and the notebook show the same value.
public indirect enum Value: Sendable {
  case number(Double)
  case string(String)
  case duration(Double)
  case list([Value])
  case table(Table)
  /// A table just read from a file, with the file's content hash (so the chain covers the input).
  case loaded(Table, source: RecordedInput)
  /// Several values bound at once (`train, test = split ...`).
  case tuple([Value])
  case description(table: String, TableDescription)
  case findings(table: String, rows: Int, [Finding])
  case rows(Table, limit: Int)
  case saved(path: String, group: String, table: Table)
  case variables([VariableSummary])
  case help(topic: String, text: String)
  case history([String])
  case param(name: String, value: Value, overridden: Bool)

  /// What kind of thing this is, in words, for messages and `vars`.
  public var typeName: String {
    switch self {
    case .number: return "number"
    case .string: return "string"
    case .duration: return "duration"
    case .list: return "list"
    case .table, .loaded: return "table"
    case .tuple: return "values"
    case .description: return "description"
    case .findings: return "check report"
    case .rows: return "rows"
    case .saved: return "saved table"
    case .variables: return "variables"
    case .help: return "help"
    case .history: return "history"
    case .param(_, let value, _): return value.typeName
    }
  }

  /// The value a parameter or assignment stands for.
  var bound: Value {
    if case .param(_, let value, _) = self { return value }
    if case .rows(let table, _) = self { return .table(table) }
    if case .saved(_, _, let table) = self { return .table(table) }
    if case .loaded(let table, _) = self { return .table(table) }
    return self
  }

  /// `value.field`, for the fields a value has.
  func field(_ name: String) -> Value? {
    switch bound {
    case .table(let table):
      switch name {
      case "rows": return .number(Double(table.rowCount))
      case "columns": return .list(table.columnNames.map { .string($0) })
      case "target": return table.target.map { .string($0) }
      case "protected": return table.protected.map { .string($0) }
      default: return nil
      }
    case .tuple(let values), .list(let values):
      if name == "count" { return .number(Double(values.count)) }
      return nil
    default: return nil
    }
  }

  func fieldNames() -> [String] {
    switch bound {
    case .table: return ["rows", "columns", "target", "protected"]
    case .tuple, .list: return ["count"]
    default: return []
    }
  }
}

/// One line of `vars`.
public struct VariableSummary: Sendable {
  public var name: String
  public var type: String
  public var summary: String
}
