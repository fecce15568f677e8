import CEditLine
import Foundation
import LabbookLang

/// Tab completion at the prompt: libedit's callback asks `Completer` (LabbookLang) what fits the text
/// before the cursor, and hands the candidates back in libedit's terms.
final class CompletionState: @unchecked Sendable {
  static let shared = CompletionState()
  private let lock = NSLock()
  private var pending: [String] = []
  /// The session completions read (variables, their columns and fields); libedit calls back on the
  /// thread that called readline, the one that runs statements, between statements.
  nonisolated(unsafe) var session: Session?

  /// The candidates of the Tab press being completed.
  var current: [String] {
    get { lock.withLock { pending } }
    set { lock.withLock { pending = newValue } }
  }
}

/// libedit's generator: called with state 0, 1, 2, ... until it returns NULL; it hands out the
/// candidates `attemptedCompletion` computed for this Tab press.
func completionGenerator(_ text: UnsafePointer<CChar>?, _ state: Int32) -> UnsafeMutablePointer<CChar>? {
  let candidates = CompletionState.shared.current
  guard Int(state) < candidates.count else { return nil }
  return strdup(candidates[Int(state)])
}

/// libedit replaces the word it found before the cursor (`text`) with a candidate. The completer decides
/// its own word (a path with spaces inside a string, a name in backticks), so each candidate is cut or
/// extended to start where libedit's word starts. Positions are in characters: the REPL runs libedit in a
/// UTF-8 locale, where it counts characters, not bytes.
func attemptedCompletion(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32) -> UnsafeMutablePointer<
  UnsafeMutablePointer<CChar>?
>? {
  lb_set_attempted_completion_over(1)
  guard let text, let buffer = lb_line_buffer(), let session = CompletionState.shared.session else { return nil }
  let line = Array(String(cString: buffer))
  let word = Array(String(cString: text))
  let cursor = min(max(Int(end), 0), line.count)
  let libeditStart = max(0, cursor - word.count)
  let completion = Completer.complete(String(line[..<cursor]), session: session)
  let ourStart = cursor - completion.replacing
  let candidates = completion.candidates.compactMap { candidate -> String? in
    let characters = Array(candidate)
    if ourStart <= libeditStart {
      let typed = libeditStart - ourStart
      guard characters.count >= typed else { return nil }
      return String(characters.dropFirst(typed))
    }
    return String(line[libeditStart..<ourStart]) + candidate
  }
  CompletionState.shared.current = candidates
  lb_set_completion_append_character(candidates.count == 1 && completion.closesWord ? 32 : 0)
  return lb_completion_matches(text, completionGenerator)
}
