import Foundation
import LabbookLang

/// Where results and errors go: results to stdout (text, or one JSON object per line with --json),
/// errors to stderr with their location.
struct Output {
  var json: Bool

  func result(_ value: Value) {
    if json {
      print(value.json.compactString)
    } else {
      print(value.text)
      print("")
    }
    fflush(nil)
  }

  func error(_ error: LabError, sourceName: String, source: String) {
    standardError(ErrorReport.text(error, sourceName: sourceName, source: source))
    if json {
      print(ErrorReport.json(error).compactString)
      fflush(nil)
    }
  }
}

func standardError(_ text: String) {
  FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// A progress line on stderr, redrawn in place, when stderr is a terminal (SPEC §1); nil otherwise, so
/// scripts and CI logs stay clean. An empty text clears the line.
func terminalProgress() -> (@Sendable (String) -> Void)? {
  guard isatty(STDERR_FILENO) == 1 else { return nil }
  return { text in
    let line = text.isEmpty ? "\r\u{1B}[K" : "\r\u{1B}[K" + text
    FileHandle.standardError.write(Data(line.utf8))
  }
}
