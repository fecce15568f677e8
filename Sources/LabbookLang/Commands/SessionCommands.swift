import Foundation
import LabbookData
import LabbookML
import LabbookRender
import LabbookValues

/// `vars`
struct VarsCommand: Command {
  static let keyword = "vars"
  static let help = CommandHelp(
    usage: "vars", summary: "the session's variables, their types and a summary", details: "", example: "vars")

  init(parsing parser: inout StatementParser) throws {}

  func execute(in session: Session) throws -> Value {
    .variables(
      session.variableOrder.map { name in
        let value = session.variables[name]!
        return VariableSummary(name: name, type: value.typeName, summary: value.summaryLine)
      })
  }
}

/// `history`
struct HistoryCommand: Command {
  static let keyword = "history"
  static let help = CommandHelp(
    usage: "history", summary: "the statements run so far in this session", details: "", example: "history")

  init(parsing parser: inout StatementParser) throws {}

  func execute(in session: Session) throws -> Value {
    .history(Array(session.history.dropLast()))
  }
}

/// `help [STATEMENT]`
struct HelpCommand: Command {
  static let keyword = "help"
  static let help = CommandHelp(
    usage: "help [STATEMENT]", summary: "this list, or one statement's help", details: "", example: "help split")

  let topic: Located<String>?
  let subtopic: Located<String>?

  init(parsing parser: inout StatementParser) throws {
    topic = parser.atEnd ? nil : try parser.name("a statement name")
    subtopic = parser.atEnd ? nil : try parser.name("a learner, after `help train`")
  }

  func execute(in session: Session) throws -> Value {
    guard let topic else { return .help(topic: "", page: HelpText.overview) }
    if topic.value == "param" { return .help(topic: "param", page: HelpText.param) }
    if let subtopic {
      guard topic.value == "train" else {
        throw LabError("only `help train KIND` takes a second word", at: subtopic.span)
      }
      let learner = try learnerKind(subtopic)
      return .help(topic: "train \(learner.rawValue)", page: HelpText.learner(learner))
    }
    if topic.value == "expressions" {
      return .help(topic: "expressions", page: HelpText.paragraphs(FilterCommand.help.details, indent: ""))
    }
    guard let command = CommandTable.commands[topic.value] else {
      var message = "no help for '\(topic.value)'"
      if let near = Parser.closestStatement(topic.value) { message += "; did you mean `\(near)`?" }
      throw LabError(message, at: topic.span)
    }
    return .help(topic: topic.value, page: HelpText.page(command.help))
  }
}

/// Help pages as layouts: lines that wrap (a statement's usage, then its summary and details indented
/// below it), so a page fits an 80-column terminal as well as a notebook.
enum HelpText {
  static var overview: [Block] {
    var blocks: [Block] = [.line("Statements (one per line; `help STATEMENT` for details):"), .line("")]
    let entries =
      [("param NAME = DEFAULT", "a parameter, overridden by --param NAME=VALUE")]
      + CommandTable.all.map { ($0.help.usage, $0.help.summary) }
    for (usage, summary) in entries {
      blocks.append(.line("  " + usage))
      blocks.append(.line("      " + summary))
    }
    blocks.append(.line(""))
    blocks += paragraphs(
      """
      Bind results with NAME = statement (or A, B = split ...). Values: numbers, "strings", durations (30s), lists
      [a, b], variables and fields (t.rows). `#` starts a comment (comment lines before a statement are kept in
      the notebook as a markdown cell); `\\` at a line's end continues it. Column names with spaces: "sepal length
      (cm)" in lists, `sepal length (cm)` in expressions. `help expressions` explains filter/derive expressions.
      """, indent: "")
    return blocks
  }

  static let param: [Block] = [
    .line("param NAME = DEFAULT"),
    .line(
      "  Declares a parameter. `labbook run SCRIPT --param NAME=VALUE` (and replay) overrides the default; the value used is recorded in the notebook's metadata."
    ),
    .line("example: param data = \"datasets/german_credit.h5\""),
  ]

  static func learner(_ learner: LearnerKind) -> [Block] {
    var blocks: [Block] = [
      .line("train \(learner.rawValue) on TABLE target COLUMN [with PIPELINE] [PARAM VALUE]..."),
      .line("  " + learner.summary),
    ]
    let tasks = [LabbookML.Task.classification, .regression].filter { learner.tasks.contains($0) }.map(\.rawValue)
    blocks.append(.line("  tasks: " + tasks.joined(separator: ", ")))
    if learner.parameters.isEmpty {
      blocks.append(.line("  no hyper-parameters"))
    } else {
      blocks.append(.line(""))
      for parameter in learner.parameters {
        blocks.append(.line("  \(parameter.name) [\(parameter.defaultValue)]"))
        blocks.append(.line("      \(parameter.help) (\(parameter.allowedText))"))
      }
    }
    return blocks
  }

  static func page(_ help: CommandHelp) -> [Block] {
    var blocks: [Block] = [.line(help.usage), .line("  " + help.summary)]
    if !help.details.isEmpty {
      blocks.append(.line(""))
      blocks += paragraphs(help.details, indent: "  ")
    }
    blocks.append(.line(""))
    blocks.append(.line("example: " + help.example))
    return blocks
  }

  /// Text written with line breaks for the source's sake, as one line per paragraph (blank lines separate
  /// paragraphs), so it wraps to the width that shows it.
  static func paragraphs(_ text: String, indent: String) -> [Block] {
    var blocks: [Block] = []
    var current: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty {
        if !current.isEmpty { blocks.append(.line(indent + current.joined(separator: " "))) }
        if !blocks.isEmpty { blocks.append(.line("")) }
        current = []
      } else {
        current.append(trimmed)
      }
    }
    if !current.isEmpty { blocks.append(.line(indent + current.joined(separator: " "))) }
    while blocks.last == .line("") { blocks.removeLast() }
    return blocks
  }
}
