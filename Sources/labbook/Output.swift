import Foundation
import LabbookLang
import LabbookRender

/// Where results and errors go: results to stdout (text, or one JSON object per line with --json),
/// errors to stderr with their location.
struct Output {
  var json: Bool
  /// Where the prompt writes plots (the notebook keeps them as images; a terminal shows their path).
  var plots: PlotFiles?

  func result(_ value: Value, warnings: [String] = []) {
    for warning in warnings { standardError("warning: \(warning)") }
    if json {
      print(value.json.compactString)
    } else {
      print(value.text(width: Terminal.width, header: Terminal.header))
      if let plots {
        for plot in value.plots {
          if let path = plots.write(plot) { print("plot: \(plot.title) → \(path)") }
        }
      }
      print("")
    }
    fflush(nil)
  }

  func error(_ error: LabError, sourceName: String, source: String) {
    var report = ErrorReport.text(error, sourceName: sourceName, source: source)
    if isatty(STDERR_FILENO) == 1, let width = Terminal.width { report = Self.fitted(report, width: width) }
    standardError(Self.painted(report))
    if json {
      print(ErrorReport.json(error).compactString)
      fflush(nil)
    }
  }
}

func standardError(_ text: String) {
  FileHandle.standardError.write(Data((Output.painted(text) + "\n").utf8))
}

extension Output {
  /// The report with its message lines (`error: ...`) wrapped between words to the terminal's width,
  /// continued two columns in; the location, source and caret lines stay as they are.
  static func fitted(_ report: String, width: Int) -> String {
    report.split(separator: "\n", omittingEmptySubsequences: false).flatMap { line -> [String] in
      guard line.hasPrefix("error: "), DisplayWidth.of(String(line)) > width else { return [String(line)] }
      return DisplayWidth.wrap(String(line.dropFirst(7)), width: width, first: "error: ", rest: "  ")
    }.joined(separator: "\n")
  }

  /// An error report with `error:` in bold red, `warning:` in bold yellow and the caret line in red,
  /// when stderr is a colour terminal.
  static func painted(_ report: String) -> String {
    guard Terminal.colors(2) else { return report }
    return report.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
      if line.hasPrefix("error:") { return Terminal.paint("error:", "1;31", on: 2) + line.dropFirst(6) }
      if line.hasPrefix("warning:") { return Terminal.paint("warning:", "1;33", on: 2) + line.dropFirst(8) }
      if line.hasSuffix("^"), let bar = line.firstIndex(of: "|") {
        let gutter = line[...bar]
        return String(gutter) + Terminal.paint(String(line[line.index(after: bar)...]), "1;31", on: 2)
      }
      return String(line)
    }.joined(separator: "\n")
  }
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

/// SVG files for the plots shown at the prompt, numbered in order: beside the notebook
/// (`session-….ipynb` → `session-…-plots/`), or in a temporary folder when nothing is recorded.
final class PlotFiles {
  let folder: String
  private var count = 0

  init(notebook: String?) {
    if let notebook {
      folder = (notebook as NSString).deletingPathExtension + "-plots"
    } else {
      folder = NSTemporaryDirectory() + "labbook-plots-\(getpid())"
    }
  }

  func write(_ plot: Plot) -> String? {
    count += 1
    let path = folder + "/plot-\(count).svg"
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      try Data(plot.svg.utf8).write(to: URL(fileURLWithPath: path))
      return path
    } catch {
      standardError("error: cannot write the plot to '\(path)': \(error.localizedDescription)")
      return nil
    }
  }
}
