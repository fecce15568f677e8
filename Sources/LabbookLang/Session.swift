import Foundation
import LabbookCore
import LabbookData
import LabbookML
import LabbookNotebook
import LabbookRender
import LabbookValues

/// The interpreter's state: variables, parameters, the seed, the statements so far, and the files
/// each statement read. Every side effect of a statement goes through here so it can be recorded.
public final class Session {
  public private(set) var variables: [String: Value] = [:]
  /// Variable names in the order they were first bound (for `vars` and completion).
  public private(set) var variableOrder: [String] = []
  /// `--param NAME=VALUE` overrides, already parsed.
  public let paramOverrides: [String: Value]
  /// The parameters in effect, in the order declared, with the values used.
  public private(set) var params: [(String, Value)] = []
  public let seed: UInt64
  /// Worker threads for parallel work; results never depend on it.
  public let threads: Int
  public private(set) var history: [String] = []
  /// Files read by the statement being executed (reset for each statement).
  public private(set) var statementInputs: [RecordedInput] = []
  /// Every file read so far, in order (a registered model's lineage).
  public private(set) var allInputs: [RecordedInput] = []
  /// What the statement being executed noticed but went on with (printed as `warning:`, recorded on the
  /// cell's stderr; reset for each statement).
  public private(set) var statementWarnings: [String] = []
  public func warn(_ message: String) { statementWarnings.append(message) }
  /// Extra entries for the current cell's `metadata.labbook` (what replay needs; reset per statement).
  public var statementReplay: [(String, JSONValue)] = []
  /// The registry and the notebook's position, for `register`, `use`, `promote`, `rollback`.
  public let registry: SessionRegistry
  /// Reads HDF5 files in a child process when set (the `labbook` executable sets it), so a damaged file
  /// cannot end the session; nil reads them in this process (tests, embedding).
  public var isolatedReader: IsolatedReader?
  /// Makes the runner for `automl ... executor slurm` (the executable sets it: Slurm tasks run `labbook trial`).
  public var slurmRunner: (@Sendable (_ partition: String?) -> any RemoteTrialRunner)?
  /// `labbook run --executor slurm [--partition P]`: where automl statements run trials unless they say.
  public var defaultExecutor = "local"
  public var defaultPartition: String?
  /// Where long statements (automl) report progress, when someone is watching (a terminal on stderr).
  public var progress: (@Sendable (String) -> Void)?
  /// While replaying a cell: its recorded `metadata.labbook` (what replay needs beyond the outputs).
  public var recordedCell: JSONValue? { registry.recordedCell }
  /// The latest `evaluate` and `fairness` result of each model variable (a registered version's record).
  var latestMetrics: [String: JSONValue] = [:]
  var latestFairness: [String: JSONValue] = [:]

  public init(
    seed: UInt64 = 0, threads: Int = defaultThreadCount, paramOverrides: [String: String] = [:],
    registry: SessionRegistry = SessionRegistry()
  ) {
    self.seed = seed
    self.registry = registry
    self.threads = max(1, threads)
    var parsed: [String: Value] = [:]
    for (name, text) in paramOverrides { parsed[name] = Session.parseParamValue(text) }
    self.paramOverrides = parsed
    for name in parsed.keys.sorted() {
      bind(name, parsed[name]!)
      params.append((name, parsed[name]!))
    }
  }

  /// `--param` text as a value: a number when it reads as one, else a string (surrounding quotes dropped).
  public static func parseParamValue(_ text: String) -> Value {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if let number = Double(trimmed), number.isFinite { return .number(number) }
    if trimmed.count >= 2, trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") {
      return .string(String(trimmed.dropFirst().dropLast()))
    }
    return .string(trimmed)
  }

  /// Runs one statement: executes it, binds its targets, and returns the value to show.
  public func execute(_ statement: Statement) throws -> Value {
    statementInputs = []
    statementReplay = []
    statementWarnings = []
    history.append(statement.source)
    let result: Value
    switch statement.body {
    case .param(let name, let defaultExpression):
      if let override = paramOverrides[name.value] {
        result = .param(name: name.value, value: override, overridden: true)
      } else {
        let value = try evaluate(defaultExpression)
        bind(name.value, value)
        params.removeAll { $0.0 == name.value }
        params.append((name.value, value))
        result = .param(name: name.value, value: value, overridden: false)
      }
    case .command(let command):
      result = try command.execute(in: self)
    case .value(let expression):
      result = try evaluate(expression)
    }
    try bindTargets(statement.targets, to: result)
    if !statement.targets.isEmpty {
      return renamed(result, statement.targets.map(\.value))
    }
    return result
  }

  private func bindTargets(_ targets: [Located<String>], to result: Value) throws {
    guard !targets.isEmpty else { return }
    let value = result.bound
    if targets.count == 1 {
      if case .tuple(let parts) = value {
        // One name for several results (`s = split t ...`) would bind a bundle nothing else takes.
        let example = parts.count == 2 && parts.allSatisfy({ $0.typeName == "table" }) ? "train, test" : "a, b"
        throw LabError(
          "the statement gives \(parts.count) values (\(parts.map(\.typeName).joined(separator: ", "))); give each a name: `\(example) = …`",
          at: targets[0].span)
      }
      bind(targets[0].value, renamed(value, [targets[0].value]))
      return
    }
    guard case .tuple(let parts) = value else {
      throw LabError("\(targets.count) names but the statement gives one \(value.typeName)", at: targets[1].span)
    }
    guard parts.count == targets.count else {
      throw LabError("\(targets.count) names but the statement gives \(parts.count) values", at: targets[0].span)
    }
    for (target, part) in zip(targets, parts) { bind(target.value, renamed(part, [target.value])) }
  }

  /// Tables take the name of the variable they are bound to.
  private func renamed(_ value: Value, _ names: [String]) -> Value {
    switch value {
    case .table(var table):
      table.name = names[0]
      return .table(table)
    case .loaded(var table, let source):
      table.name = names[0]
      return .loaded(table, source: source)
    case .predicted(var table, let unseen):
      table.name = names[0]
      return .predicted(table, unseen: unseen)
    case .model(_, let model):
      return .model(name: names[0], model)
    case .mitigated(_, let model, let report):
      return .mitigated(name: names[0], model, report)
    case .tuple(let parts) where parts.count == names.count:
      return .tuple(zip(parts, names).map { renamed($0, [$1]) })
    default: return value
    }
  }

  /// Binds a value to a name, as `NAME = ...` does.
  public func bind(_ name: String, _ value: Value) {
    if variables[name] == nil { variableOrder.append(name) }
    variables[name] = value
  }

  // MARK: Evaluating arguments

  public func evaluate(_ expression: ValueExpression) throws -> Value {
    switch expression {
    case .number(let v, _): return .number(v)
    case .string(let s, _): return .string(s)
    case .duration(let d, _): return .duration(d)
    case .list(let items, _): return .list(try items.map { try evaluate($0) })
    case .variable(let name, let span):
      if let value = variables[name] { return value.bound }
      var message = "unknown variable '\(name)'"
      if let near = LabbookDataNames.closest(name, variableOrder) { message += "; did you mean '\(near)'?" }
      throw LabError(message, at: span)
    case .field(let base, let name, let span):
      let value = try evaluate(base)
      if let field = value.field(name) { return field }
      let names = value.fieldNames()
      var message = "a \(value.typeName) has no field '\(name)'"
      if !names.isEmpty { message += " (fields: \(names.joined(separator: ", ")))" }
      throw LabError(message, at: span)
    }
  }

  public func table(_ expression: ValueExpression) throws -> Table {
    let value = try evaluate(expression)
    guard case .table(let table) = value else {
      throw LabError("expected a table, but this is a \(value.typeName)", at: expression.span)
    }
    return table
  }

  public func string(_ expression: ValueExpression, _ what: String) throws -> String {
    let value = try evaluate(expression)
    guard case .string(let text) = value else {
      throw LabError(
        "\(what) must be a string such as \"datasets/iris.h5\", not a \(value.typeName)", at: expression.span)
    }
    return text
  }

  /// A file path from a string: `~` and `~/...` stand for the home folder, as in a shell.
  public func path(_ expression: ValueExpression, _ what: String) throws -> String {
    Session.expandingHome(try string(expression, what))
  }

  public static func expandingHome(_ path: String) -> String {
    guard path == "~" || path.hasPrefix("~/") else { return path }
    let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
    return home + path.dropFirst()
  }

  public func number(_ expression: ValueExpression, _ what: String) throws -> Double {
    let value = try evaluate(expression)
    guard case .number(let number) = value else {
      throw LabError("\(what) must be a number, not a \(value.typeName)", at: expression.span)
    }
    return number
  }

  /// A whole number within `minimum...maximum`, or an error at the expression (never a trap).
  public func integer(_ expression: ValueExpression, _ what: String, minimum: Int, maximum: Int = 1_000_000_000)
    throws -> Int
  {
    let number = try number(expression, what)
    guard let whole = Int(exactly: number), whole >= minimum, whole <= maximum else {
      throw LabError(
        "\(what) must be a whole number from \(minimum) to \(maximum), got \(formatNumber(number))", at: expression.span
      )
    }
    return whole
  }

  /// The largest seed a statement takes: 2^53, the largest whole number a double holds exactly.
  public static let maximumSeed = 9_007_199_254_740_992

  /// A column of `table` named at `name`, with a "did you mean" error at the name's location.
  public func requireColumn(_ name: Located<String>, in table: Table) throws -> Column {
    do {
      return try table.column(name.value)
    } catch let error as DataError {
      throw LabError(error.message, at: name.span)
    }
  }

  // MARK: Files

  /// Records a file the statement read, by content hash, and returns the record.
  @discardableResult
  public func recordInput(_ path: String) throws -> RecordedInput {
    try recordInput(path, sha256: try SHA256Digest.hex(fileAt: path))
  }

  /// As `recordInput(_:)`, with the file's digest already computed (alongside reading it).
  public func recordInput(_ path: String, sha256 digest: String) throws -> RecordedInput {
    let input = RecordedInput(path: path, sha256: digest)
    if !statementInputs.contains(input) { statementInputs.append(input) }
    if !allInputs.contains(input) { allInputs.append(input) }
    return input
  }
}
