import Foundation
import LabbookCore

/// Runs the built `labbook` executable the way a person or CI would.
enum Labbook {
  static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

  static let executable: String = {
    if let override = ProcessInfo.processInfo.environment["LABBOOK_BIN"] { return override }
    let candidates = [
      Bundle.main.bundleURL.appendingPathComponent("labbook").path,
      Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("labbook").path,
      URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("labbook").path,
      repositoryRoot + "/.build/debug/labbook",
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
  }()

  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static func run(
    _ arguments: [String], stdin: String? = nil, in directory: String = repositoryRoot,
    environment: [String: String] = [:]
  ) throws -> Result {
    var env = ProcessInfo.processInfo.environment
    env["HOME"] = NSTemporaryDirectory()
    for (key, value) in environment { env[key] = value }
    return try launch(executable, arguments, stdin: stdin, in: directory, environment: env)
  }

  static func launch(
    _ program: String, _ arguments: [String], stdin: String? = nil, in directory: String = repositoryRoot,
    environment: [String: String]? = nil
  ) throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    // Read both pipes fully before waiting, so a large output cannot block the child.
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }

  static func temporaryDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "labbook-e2e-\(getpid())-\(UUID().uuidString)"
    ).path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  static func notebook(_ path: String) throws -> JSONValue {
    try JSONValue.parse(String(contentsOfFile: path, encoding: .utf8))
  }

  /// A Python with h5py and nbformat, when the environment provides one (CI's .ci/run does).
  static let python: String? = {
    guard let path = ProcessInfo.processInfo.environment["LABBOOK_TEST_PYTHON"],
      FileManager.default.isExecutableFile(atPath: path)
    else {
      return nil
    }
    return path
  }()

  static func runPython(_ python: String, _ code: String, arguments: [String] = []) throws -> Result {
    try launch(python, ["-c", code] + arguments)
  }

  static var systemPython: String? {
    ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? python
  }
}
