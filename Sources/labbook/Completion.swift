import CEditLine
import Foundation
import LabbookLang

/// What tab completion offers: statement words, variables, column names of tables in scope, and
/// (inside a string) file paths. Updated after every statement; read from libedit's callback.
final class CompletionWords: @unchecked Sendable {
  static let shared = CompletionWords()
  private let lock = NSLock()
  private var words: [String] = []

  func update(from session: Session) {
    var all = Set(CommandTable.commands.keys).union(["param", "where", "ratio", "seed", "stratify", "path", "to", "rows", "target", "protected"])
    for name in session.variableOrder {
      all.insert(name)
      if case .table(let table)? = session.variables[name] {
        for column in table.columnNames {
          all.insert(column.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_") }) ? "`\(column)`" : column)
        }
      }
    }
    lock.withLock { words = all.sorted() }
  }

  func matches(_ prefix: String) -> [String] {
    if prefix.hasPrefix("\"") { return fileMatches(String(prefix.dropFirst())).map { "\"" + $0 } }
    return lock.withLock { words.filter { $0.hasPrefix(prefix) } }
  }

  private func fileMatches(_ partial: String) -> [String] {
    let directory = partial.contains("/") ? String(partial[...partial.lastIndex(of: "/")!]) : ""
    let namePrefix = partial.contains("/") ? String(partial[partial.index(after: partial.lastIndex(of: "/")!)...]) : partial
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
    return entries.filter { $0.hasPrefix(namePrefix) && !$0.hasPrefix(".") || (namePrefix.hasPrefix(".") && $0.hasPrefix(namePrefix)) }
      .sorted()
      .map { entry in
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: directory + entry, isDirectory: &isDirectory)
        return directory + entry + (isDirectory.boolValue ? "/" : "")
      }
  }
}

/// libedit's generator: called with state 0, 1, 2, ... until it returns NULL. Recomputing from
/// the prefix each time keeps it free of mutable state.
func completionGenerator(_ text: UnsafePointer<CChar>?, _ state: Int32) -> UnsafeMutablePointer<CChar>? {
  guard let text else { return nil }
  let matches = CompletionWords.shared.matches(String(cString: text))
  guard Int(state) < matches.count else { return nil }
  return strdup(matches[Int(state)])
}

func attemptedCompletion(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
  lb_set_attempted_completion_over(1)
  guard let text else { return nil }
  let word = String(cString: text)
  // Paths inside a string should not get a trailing space; words should.
  lb_set_completion_append_character(word.hasPrefix("\"") ? 0 : 32)
  return lb_completion_matches(text, completionGenerator)
}
