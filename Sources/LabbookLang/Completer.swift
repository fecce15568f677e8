import Foundation
import LabbookData
import LabbookML
import LabbookValues

/// What Tab offers at the prompt, from the text before the cursor and the session: file paths inside a
/// string; after `train` the learners; after `target`, `stratify`, `protect`, `x`, `y`, `by` and inside a
/// column list the columns of the table the statement names; after `NAME.` the value's fields; after
/// `metric` the metrics; after a few other keywords their words; else statements (at the start) or
/// variables and keywords. Names that are not identifiers are offered in backticks.
public enum Completer {
  public struct Completion: Equatable, Sendable {
    /// Characters of the text before the cursor that the candidates replace (counted from the end).
    public var replacing: Int
    public var candidates: [String]
    /// Whether a single candidate ends the word (a space follows); not for folders or open strings.
    public var closesWord: Bool
  }

  static let columnKeywords: Set<String> = ["target", "stratify", "protect", "x", "y", "by"]
  static let wordsAfter: [String: [String]] = [
    "task": ["classification", "regression"], "method": ["threshold", "reweigh"],
    "constraint": ["demographic_parity", "equalized_odds"], "criterion": ["gini", "entropy"],
    "weights": ["uniform", "distance"], "impute": ["mean", "median", "mode", "constant"],
    "scale": ["standard", "minmax", "robust"], "encode": ["onehot", "ordinal"], "executor": ["local", "slurm"],
  ]

  public static func complete(
    _ beforeCursor: String, session: Session, files: (String) -> [String] = Completer.files
  ) -> Completion {
    let characters = Array(beforeCursor)
    // Inside a string: a file path, from the character after the opening quote.
    if characters.filter({ $0 == "\"" }).count % 2 == 1, let quote = characters.lastIndex(of: "\"") {
      let partial = String(characters[(quote + 1)...])
      let matches = files(partial)
      let closes = matches.count == 1 && !matches[0].hasSuffix("/")
      return Completion(
        replacing: characters.count - quote - 1, candidates: closes ? [matches[0] + "\""] : matches, closesWord: closes)
    }
    // Inside backticks: a column name.
    if characters.filter({ $0 == "`" }).count % 2 == 1, let tick = characters.lastIndex(of: "`") {
      let partial = String(characters[(tick + 1)...])
      let names = columns(of: statementTable(String(characters[..<tick]), session: session), session: session)
      return Completion(
        replacing: characters.count - tick,
        candidates: names.filter { $0.hasPrefix(partial) }.map { "`\($0)`" }, closesWord: true)
    }
    var start = characters.count
    while start > 0,
      characters[start - 1].isLetter || characters[start - 1].isNumber || "_.".contains(characters[start - 1])
    {
      start -= 1
    }
    let word = String(characters[start...])
    let before = String(characters[..<start])
    func offer(_ options: [String]) -> Completion {
      let matches = Array(Set(options.filter { $0.hasPrefix(word) })).sorted()
      return Completion(replacing: word.count, candidates: matches, closesWord: true)
    }
    // Columns match on their names; the ones that are not identifiers come back in backticks.
    func offerColumns() -> Completion {
      let names = columns(of: statementTable(before, session: session), session: session)
      return Completion(
        replacing: word.count, candidates: quoted(names.filter { $0.hasPrefix(word) }).sorted(), closesWord: true)
    }
    // `value.field`
    if let dot = word.lastIndex(of: ".") {
      let base = String(word[..<dot])
      let prefix = String(word[word.index(after: dot)...])
      guard let value = fieldValue(base, session: session) else { return offer([]) }
      let fields = value.fieldNames().filter { $0.hasPrefix(prefix) }.map { base + "." + $0 }
      return Completion(replacing: word.count, candidates: fields.sorted(), closesWord: true)
    }
    let previous = before.split(whereSeparator: { $0 == " " || $0 == "\t" }).last.map(String.init) ?? ""
    let openBracket = before.filter { $0 == "[" }.count > before.filter { $0 == "]" }.count
    if openBracket {
      if before.contains("automl"), let models = before.range(of: "models"),
        before[models.upperBound...].contains("[")
      {
        return offer(LearnerKind.allCases.map(\.rawValue))
      }
      return offerColumns()
    }
    if previous == "train" { return offer(LearnerKind.allCases.map(\.rawValue)) }
    if previous == "metric" { return offer(Metrics.classificationNames + Metrics.regressionNames) }
    if let words = wordsAfter[previous] { return offer(words) }
    if columnKeywords.contains(previous) { return offerColumns() }
    // At the start of a statement (after `NAME =` or `A, B =`): statements and values.
    let statementStart = before.split(separator: ";").last.map(String.init) ?? before
    let afterAssignment =
      statementStart.range(of: "=").map { String(statementStart[$0.upperBound...]) } ?? statementStart
    if afterAssignment.trimmingCharacters(in: .whitespaces).isEmpty {
      return offer(Array(CommandTable.commands.keys) + ["param"] + session.variableOrder)
    }
    let keywords = [
      "on", "to", "where", "ratio", "seed", "stratify", "path", "rows", "target", "protected", "with", "task", "vs",
      "as", "alias", "tag", "folds", "repeats", "budget", "metric", "models", "holdout", "protect", "positive",
      "method", "constraint", "if", "better", "x", "y", "by", "and", "or", "not", "is", "missing",
    ]
    return offer(session.variableOrder + keywords)
  }

  /// The table a statement works on: the first table variable named after the assignment.
  static func statementTable(_ text: String, session: Session) -> Table? {
    let statement = text.split(separator: ";").last.map(String.init) ?? text
    let body = statement.range(of: "=").map { String(statement[$0.upperBound...]) } ?? statement
    for word in body.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }) {
      if case .table(let table)? = session.variables[String(word)]?.bound { return table }
    }
    return nil
  }

  static func columns(of table: Table?, session: Session) -> [String] { table?.columnNames ?? [] }

  /// Identifiers as they are, other names in backticks.
  static func quoted(_ names: [String]) -> [String] {
    names.map { name in
      let plain =
        name.first.map { $0.isLetter || $0 == "_" } == true
        && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
      return plain ? name : "`\(name)`"
    }
  }

  static func fieldValue(_ dotted: String, session: Session) -> Value? {
    let parts = dotted.split(separator: ".").map(String.init)
    guard let first = parts.first, var value = session.variables[first] else { return nil }
    for part in parts.dropFirst() {
      guard let next = value.field(part) else { return nil }
      value = next
    }
    return value
  }

  /// Entries of the folder a partial path names whose names start with its last part; folders end in
  /// "/". Hidden entries only when the partial name starts with a dot; `~` is the home folder.
  public static func files(_ partial: String) -> [String] {
    let slash = partial.lastIndex(of: "/")
    let directory = slash.map { String(partial[...$0]) } ?? ""
    let prefix = slash.map { String(partial[partial.index(after: $0)...]) } ?? partial
    let listed = Session.expandingHome(directory.isEmpty ? "." : directory)
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: listed)) ?? []
    return entries.filter { $0.hasPrefix(prefix) && (!$0.hasPrefix(".") || prefix.hasPrefix(".")) }.sorted().map {
      var isDirectory: ObjCBool = false
      _ = FileManager.default.fileExists(
        atPath: (listed.hasSuffix("/") ? listed : listed + "/") + $0, isDirectory: &isDirectory)
      return directory + $0 + (isDirectory.boolValue ? "/" : "")
    }
  }
}
