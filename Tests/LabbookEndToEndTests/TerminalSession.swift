import Foundation

/// The REPL in a real pseudo-terminal: util-linux `script` runs it with a terminal of the given size,
/// the test types bytes (Ctrl-C is 0x03, Tab 0x09) and reads everything the terminal shows.
final class TerminalSession: @unchecked Sendable {
  let process = Process()
  private let input = Pipe()
  private let output = Pipe()
  private var text = ""
  private let lock = NSLock()

  /// Starts `labbook ARGUMENTS` in `directory` with a `columns`-wide terminal.
  init(
    _ arguments: [String], in directory: String = Labbook.repositoryRoot, columns: Int = 100,
    environment extra: [String: String] = [:]
  ) throws {
    let quoted = ([Labbook.executable] + arguments).map { "'\($0)'" }.joined(separator: " ")
    process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
    process.arguments = ["-qfec", "stty cols \(columns) rows 50; exec \(quoted)", "/dev/null"]
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var environment = ProcessInfo.processInfo.environment
    environment["HOME"] = NSTemporaryDirectory()
    environment["TERM"] = "xterm-256color"
    environment.removeValue(forKey: "COLUMNS")
    environment.removeValue(forKey: "NO_COLOR")
    for (key, value) in extra { environment[key] = value }
    process.environment = environment
    process.standardInput = input
    process.standardOutput = output
    process.standardError = output
    output.fileHandleForReading.readabilityHandler = { [weak self] handle in
      let data = handle.availableData
      self?.lock.withLock { self?.text += String(decoding: data, as: UTF8.self) }
    }
    try process.run()
  }

  deinit { stop() }

  static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/script") }

  var transcript: String { lock.withLock { text } }

  func type(_ keys: String) { input.fileHandleForWriting.write(Data(keys.utf8)) }

  /// Waits until `needle` appears after the first `offset` characters; false after `seconds`.
  @discardableResult
  func waitFor(_ needle: String, after offset: Int = 0, seconds: Double = 60) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if String(transcript.dropFirst(offset)).contains(needle) { return true }
      Thread.sleep(forTimeInterval: 0.05)
    }
    return false
  }

  /// Types a line and waits for the next prompt.
  @discardableResult
  func enter(_ line: String, seconds: Double = 120) -> Bool {
    let before = transcript.count
    type(line + "\r")
    return waitFor("labbook> ", after: before + line.count, seconds: seconds)
  }

  func stop() {
    if process.isRunning {
      process.terminate()
      process.waitUntilExit()
    }
  }

  /// The transcript without terminal escape sequences.
  var plain: String {
    transcript.replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[A-Za-z]", with: "", options: .regularExpression)
  }
}
