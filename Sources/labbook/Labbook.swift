import ArgumentParser
import Foundation
import LabbookCore
import LabbookLang
import LabbookRegistry

@main
struct Labbook: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "labbook",
    abstract: "A scriptable REPL and notebook workbench for tabular machine learning.",
    discussion: reflowed(
      """
      Load HDF5 and CSV tables, engineer features, train and tune models (AutoML), check fairness
      and drift, and register models; every session is recorded as a replayable, tamper-evident
      notebook (.ipynb).

      Examples:
        labbook
            the REPL; records notebooks/session-YYYYMMDD-HHMMSS.ipynb
        labbook run notebooks/tour.lab
            run a script headlessly; records notebooks/tour.ipynb
        labbook run s.lab --param data="new.h5"
            the same with a `param` the script declares set to another value
        labbook replay notebooks/tour.ipynb --check
            run the notebook again and prove it reproduces its outputs
        labbook verify notebooks/tour.ipynb
            check its hash chain and input hashes without running anything
        echo 'describe load "datasets/iris.h5"' | labbook --no-record
            statements from a pipe, nothing recorded

      Inside Labbook, type `help` for the statements and `help STATEMENT` for one of them.
      """),
    version: Labbook.toolVersion,
    subcommands: [
      Repl.self, Run.self, Replay.self, Verify.self, RegistryShell.self, Keygen.self, IsolatedRead.self,
      TrialCommand.self,
    ],
    defaultSubcommand: Repl.self)

  static let toolVersion = LabbookCore.Labbook.version

  /// Parses and runs, with usage errors exiting 2 (as SPEC §1 says) rather than the parser's 64.
  static func main() {
    if let unknown = unknownCommand(CommandLine.arguments.dropFirst()) {
      standardError("error: '\(unknown)' is not a labbook command\(suggestion(for: unknown))")
      standardError("commands: \(commandNames.joined(separator: ", ")) (labbook --help explains each)")
      Foundation.exit(2)
    }
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let error as ShellError {
      standardError("error: \(error.description)")
      Foundation.exit(1)
    } catch {
      let code = exitCode(for: error)
      if code == .validationFailure {
        let message = fullMessage(for: error).replacingOccurrences(of: "Error: ", with: "error: ")
        FileHandle.standardError.write(Data((Output.painted(message) + "\n").utf8))
        Foundation.exit(2)
      }
      exit(withError: error)
    }
  }

  static var commandNames: [String] {
    configuration.subcommands.filter { $0.configuration.shouldDisplay }.map { $0._commandName }
  }

  /// A first argument that is neither an option nor a command (the REPL takes no arguments of its own).
  static func unknownCommand(_ arguments: ArraySlice<String>) -> String? {
    guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
    let all = configuration.subcommands.map { $0._commandName } + ["help"]
    return all.contains(first) ? nil : first
  }

  static func suggestion(for word: String) -> String {
    let near = commandNames.min { editDistance(word, $0) < editDistance(word, $1) }
    guard let near, editDistance(word, near) <= max(2, word.count / 2) else { return "" }
    return "; did you mean '\(near)'?"
  }

  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
      var current = [i] + [Int](repeating: 0, count: b.count)
      for j in 1...max(b.count, 1) where !b.isEmpty {
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return previous[b.count]
  }
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Model registry: a folder, or postgresql://USER:PASSWORD@HOST:PORT/DB (default ./registry, or $LABBOOK_REGISTRY).",
      valueName: "dir|url"),
    completion: .directory)
  var registry: String?

  @Option(
    help: ArgumentHelp(
      "Worker threads (default: all cores, or $LABBOOK_THREADS); results are identical for every N.", valueName: "n"))
  var threads: Int?

  @Option(help: ArgumentHelp("The session's seed for every random choice not given its own.", valueName: "n"))
  var seed: UInt64 = 0

  func validate() throws {
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    if let text = ProcessInfo.processInfo.environment["LABBOOK_THREADS"], !text.isEmpty, (Int(text) ?? 0) < 1 {
      throw ValidationError("LABBOOK_THREADS must be a whole number ≥ 1, got '\(text)'")
    }
  }

  /// The registry folder (--registry, $LABBOOK_REGISTRY, ./registry) for a session recorded at `notebook`.
  func sessionRegistry(_ notebook: String?) -> SessionRegistry {
    let registry = SessionRegistry(folder: Registry.defaultFolder(self.registry), writes: true)
    registry.notebookPath = notebook
    return registry
  }

  /// --threads, else $LABBOOK_THREADS, else every core.
  var threadCount: Int {
    if let threads { return threads }
    if let text = ProcessInfo.processInfo.environment["LABBOOK_THREADS"], let n = Int(text), n >= 1 { return n }
    return defaultThreadCount
  }

}

/// Refuses a `--param` that the script or notebook neither declares (`param NAME = ...`) nor uses as a
/// name (SPEC: `--param` values are predefined variables, so a script may use one it does not declare):
/// a misspelt name (`--param dat=new.h5`) would otherwise be ignored without a word, and a retraining
/// run would use the old data. `sources`: the script, or the notebook's cells.
func checkDeclared(_ overrides: [String: String], declared: [String], sources: [String], in what: String) throws {
  let unknown = overrides.keys.sorted().filter { !declared.contains($0) }
  guard !unknown.isEmpty else { return }
  var used = Set<String>()
  for source in sources {
    for token in (try? Lexer.tokenize(source)) ?? [] {
      if case .name = token.kind { used.insert(token.text) }
    }
  }
  guard let name = unknown.first(where: { !used.contains($0) }) else { return }
  let known =
    declared.isEmpty ? "it declares none" : "it declares " + declared.map { "'\($0)'" }.joined(separator: ", ")
  standardError("error: --param \(name): \(what) neither declares nor uses '\(name)' (\(known))")
  throw ExitCode(2)
}

/// Parses `--param NAME=VALUE` arguments.
func parseParams(_ items: [String]) throws -> [String: String] {
  var params: [String: String] = [:]
  for item in items {
    guard let equals = item.firstIndex(of: "=") else {
      throw ValidationError("--param takes NAME=VALUE, got '\(item)'")
    }
    let name = String(item[..<equals])
    guard let first = name.first, first.isLetter || first == "_",
      name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
    else {
      throw ValidationError("--param name '\(name)' is not a valid name ([A-Za-z_][A-Za-z0-9_]*)")
    }
    params[name] = String(item[item.index(after: equals)...])
  }
  return params
}

/// Help text written with line breaks for the source's sake, as paragraphs that the argument parser
/// wraps to the terminal's width: lines of a paragraph are joined; blank lines and indented lines
/// (examples, lists) keep their breaks.
func reflowed(_ text: String) -> String {
  var out: [String] = []
  var paragraph: [String] = []
  func flush() {
    if !paragraph.isEmpty { out.append(paragraph.joined(separator: " ")) }
    paragraph = []
  }
  for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
    if line.trimmingCharacters(in: .whitespaces).isEmpty {
      flush()
      out.append("")
    } else if line.hasPrefix(" ") {
      flush()
      out.append(line)
    } else {
      paragraph.append(line)
    }
  }
  flush()
  return out.joined(separator: "\n")
}
