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
    guard let topic else { return .help(topic: "", text: HelpText.overview) }
    if topic.value == "param" { return .help(topic: "param", text: HelpText.param) }
    if let subtopic {
      guard topic.value == "train" else {
        throw LabError("only `help train KIND` takes a second word", at: subtopic.span)
      }
      let learner = try learnerKind(subtopic)
      return .help(topic: "train \(learner.rawValue)", text: HelpText.learner(learner))
    }
    if topic.value == "expressions" { return .help(topic: "expressions", text: FilterCommand.help.details) }
    guard let command = CommandTable.commands[topic.value] else {
      var message = "no help for '\(topic.value)'"
      if let near = Parser.closestStatement(topic.value) { message += "; did you mean `\(near)`?" }
      throw LabError(message, at: topic.span)
    }
    return .help(topic: topic.value, text: HelpText.page(command.help))
  }
}

enum HelpText {
  static var overview: String {
    var lines = ["Statements (one per line; `help STATEMENT` for details):", ""]
    let entries =
      [("param NAME = DEFAULT", "a parameter, overridden by --param NAME=VALUE")]
      + CommandTable.all.map { ($0.help.usage, $0.help.summary) }
    // Usage and summary side by side when they fit in 100 columns, else the summary below.
    let width = 44
    for (usage, summary) in entries {
      if usage.count <= width {
        lines.append("  " + usage.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + summary)
      } else {
        lines.append("  " + usage)
        lines.append("  " + String(repeating: " ", count: width) + "  " + summary)
      }
    }
    lines += [
      "",
      "Bind results with NAME = statement (or A, B = split ...). Values: numbers, \"strings\", durations (30s),",
      "lists [a, b], variables and fields (t.rows). `#` starts a comment; `\\` at a line's end continues it.",
      "Column names with spaces: \"sepal length (cm)\" in lists, `sepal length (cm)` in expressions.",
      "`help expressions` explains filter/derive expressions.",
    ]
    return lines.joined(separator: "\n")
  }

  static let param = """
    param NAME = DEFAULT
      Declares a parameter. `labbook run SCRIPT --param NAME=VALUE` (and replay) overrides the default; the value
      used is recorded in the notebook's metadata.
    example: param data = "datasets/german_credit.h5"
    """

  static func learner(_ learner: LearnerKind) -> String {
    var lines = [
      "train \(learner.rawValue) on TABLE target COLUMN [with PIPELINE] [PARAM VALUE]...", "  " + learner.summary,
    ]
    let tasks = [LabbookML.Task.classification, .regression].filter { learner.tasks.contains($0) }.map(\.rawValue)
    lines.append("  tasks: " + tasks.joined(separator: ", "))
    if learner.parameters.isEmpty {
      lines.append("  no hyper-parameters")
    } else {
      lines.append("")
      let rows = learner.parameters.map {
        ["  " + $0.name, "[\($0.defaultValue)]", $0.help + " (" + $0.allowedText + ")"]
      }
      lines.append(TextWriter.grid(GridTable(header: ["  name", "default", "meaning"], rows: rows)))
    }
    return lines.joined(separator: "\n")
  }

  static func page(_ help: CommandHelp) -> String {
    var text = help.usage + "\n  " + help.summary
    if !help.details.isEmpty {
      text +=
        "\n\n"
        + help.details.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(
          separator: "\n")
    }
    text += "\n\nexample: " + help.example
    return text
  }
}
