import CEditLine
import Foundation
import LabbookLang

/// What tab completion offers: statement words, variables, column names of tables in scope, and
/// (inside a string) file paths. Updated after every statement; read from libedit's callback.
final class CompletionWords: @unchecked Sendable {
  static let shared = CompletionWords()
  private let lock = NSLock()
  private var words: [String] = []
  /// Column names that need quoting (spaces, symbols), completed in backticks (libedit treats a
  /// double quote as the start of a file name).
  private var quotedColumns: [String] = []
  private var pending: [String] = []

  /// The candidates of the Tab press being completed.
  var current: [String] {
    get { lock.withLock { pending } }
    set { lock.withLock { pending = newValue } }
  }

  func update(from session: Session) {
    var all = Set(CommandTable.commands.keys).union([
      "param", "where", "ratio", "seed", "stratify", "path", "to", "rows", "target", "protected",
    ])
    var quoted = Set<String>()
    for name in session.variableOrder {
      all.insert(name)
      if case .table(let table)? = session.variables[name] {
        for column in table.columnNames {
          if column.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
            all.insert(column)
          } else {
            quoted.insert(column)
          }
        }
      }
    }
    lock.withLock {
      words = all.sorted()
      quotedColumns = quoted.sorted()
    }
  }

  func matches(_ prefix: String) -> [String] {
    let (words, quotedColumns) = lock.withLock { (self.words, self.quotedColumns) }
    if prefix.hasPrefix("`") {
      return quotedColumns.filter { $0.hasPrefix(prefix.dropFirst()) }.map { "`\($0)`" }
    }
    if prefix.hasPrefix("\"") { return fileMatches(String(prefix.dropFirst())).map { "\"" + $0 } }
    return words.filter { $0.hasPrefix(prefix) } + quotedColumns.filter { $0.hasPrefix(prefix) }.map { "`\($0)`" }
  }

  private func fileMatches(_ partial: String) -> [String] {
    let directory = partial.contains("/") ? String(partial[...partial.lastIndex(of: "/")!]) : ""
    let namePrefix =
      partial.contains("/") ? String(partial[partial.index(after: partial.lastIndex(of: "/")!)...]) : partial
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
    return entries.filter {
      $0.hasPrefix(namePrefix) && !$0.hasPrefix(".") || (namePrefix.hasPrefix(".") && $0.hasPrefix(namePrefix))
    }
    .sorted()
    .map { entry in
      var isDirectory: ObjCBool = false
      _ = FileManager.default.fileExists(atPath: directory + entry, isDirectory: &isDirectory)
      return directory + entry + (isDirectory.boolValue ? "/" : "")
    }
  }
}

/// libedit's generator: called with state 0, 1, 2, ... until it returns NULL; it hands out the
/// candidates `attemptedCompletion` computed for this Tab press.
func completionGenerator(_ text: UnsafePointer<CChar>?, _ state: Int32) -> UnsafeMutablePointer<CChar>? {
  let candidates = CompletionWords.shared.current
  guard Int(state) < candidates.count else { return nil }
  return strdup(candidates[Int(state)])
}

func attemptedCompletion(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32) -> UnsafeMutablePointer<
  UnsafeMutablePointer<CChar>?
>? {
  lb_set_attempted_completion_over(1)
  guard let text, let buffer = lb_line_buffer() else { return nil }
  let line = Array(String(cString: buffer).utf8)
  let startIndex = min(Int(start), line.count)
  let endIndex = min(max(Int(end), startIndex), line.count)
  // Inside an open `backtick name`, the word began at the backtick, before any spaces in it.
  var wordStart = startIndex
  if line[..<startIndex].filter({ $0 == UInt8(ascii: "`") }).count % 2 == 1,
    let tick = line[..<startIndex].lastIndex(of: UInt8(ascii: "`"))
  {
    wordStart = tick
  }
  let word = String(decoding: line[wordStart..<endIndex], as: UTF8.self)
  let alreadyTyped = startIndex - wordStart
  let matches = CompletionWords.shared.matches(word).map {
    String(decoding: Array($0.utf8).dropFirst(alreadyTyped), as: UTF8.self)
  }
  CompletionWords.shared.current = matches
  // Only a single bare word gets a trailing space; a quoted name or a folder must stay open.
  let single = matches.count == 1 ? matches[0] : nil
  let closed =
    single.map { !word.hasPrefix("\"") && !word.hasPrefix("`") && !$0.hasPrefix("`") && !$0.hasSuffix("/") } ?? false
  lb_set_completion_append_character(closed ? 32 : 0)
  return lb_completion_matches(text, completionGenerator)
}
