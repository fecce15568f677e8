import Foundation
import HDF5Kit

/// Reads files Labbook did not write in a child process, so that a damaged or hostile file cannot end
/// the session. libhdf5 1.10 (Debian's) has known crashes on malformed metadata (invalid frees,
/// out-of-bounds reads of global-heap objects, divisions by zero in chunk geometry) and can spin for
/// minutes on a corrupt object header; none of that can be caught inside the process that calls it.
/// The child (`labbook isolated-read`, the same executable) reads the file under a memory limit and
/// hands back the table as `TableWire` bytes; the parent decodes them without trusting anything, and
/// turns a crash, an out-of-memory or a hang (killed after `timeout`) into a clear error.
public struct IsolatedReader: Sendable {
  /// The `labbook` executable, which runs the child side.
  public let executable: String

  public init(executable: String) { self.executable = executable }

  /// The subcommand the child runs.
  public static let subcommand = "isolated-read"

  /// Seconds a read may take: 20 s plus 1 s per 8 MB of file (`LABBOOK_READ_TIMEOUT` overrides the 20).
  static func timeout(forFileOfSize size: Int) -> Double {
    let base = ProcessInfo.processInfo.environment["LABBOOK_READ_TIMEOUT"].flatMap(Double.init) ?? 20
    return max(1, base) + Double(size) / 8_000_000
  }

  /// `load`'s table, read in the child.
  public func loadTable(path: String, inside: String?, name: String) throws -> Table {
    try HDF5TableReader.checkReadableFile(path)
    var arguments = ["table", path]
    if let inside { arguments += ["--inside", inside] }
    // The table is decoded as it comes through the pipe, each column straight into its array.
    let decoded = try run(arguments, reading: path) { descriptor in
      Result { try TableWire.read(from: descriptor, limit: ReadLimits.maximumBytes, name: name) }
    }
    return try decoded.get()
  }

  /// Has the child read the file in the way `mode` names (`model`: a model file, `copy`: every object
  /// copied as `save` copies them), failing as the child failed.
  public func check(_ mode: String, path: String) throws {
    _ = try run([mode, path], reading: path) { _ in () }
  }

  /// Runs the child on `path`; `consume` reads its standard output (whatever it leaves unread is
  /// drained), and its result is returned once the child has exited cleanly.
  private func run<Output: Sendable>(
    _ arguments: [String], reading path: String, consume: @escaping @Sendable (Int32) -> Output
  ) throws -> Output {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = [Self.subcommand] + arguments
    var environment = ProcessInfo.processInfo.environment
    environment["SWIFT_BACKTRACE"] = "enable=no"
    process.environment = environment
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      throw DataError("cannot start the reader process '\(executable)': \(error)")
    }
    // Both pipes are read to their end while the child runs, so it never blocks on a full pipe.
    let collected = Collected<Output>()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      let descriptor = output.fileHandleForReading.fileDescriptor
      let value = consume(descriptor)
      var rest = [UInt8](repeating: 0, count: 1 << 16)
      while true {
        let count = rest.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
        if count > 0 || (count < 0 && errno == EINTR) { continue }
        break
      }
      collected.store(output: value)
      group.leave()
    }
    group.enter()
    DispatchQueue.global().async {
      collected.store(errors: errors.fileHandleForReading.readDataToEndOfFile())
      group.leave()
    }
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    let limit = Self.timeout(forFileOfSize: size)
    var timedOut = false
    if group.wait(timeout: .now() + limit) == .timedOut {
      timedOut = true
      kill(process.processIdentifier, SIGKILL)
      group.wait()
    }
    process.waitUntilExit()
    let (stdout, stderr) = collected.values
    if timedOut {
      throw DataError(
        "'\(path)' could not be read: the HDF5 library was still busy after \(formatNumber(limit)) s, so it was stopped; the file is probably damaged (LABBOOK_READ_TIMEOUT sets a longer limit)"
      )
    }
    if process.terminationReason == .uncaughtSignal {
      let signal = process.terminationStatus
      throw DataError(
        "'\(path)' is damaged: reading it made the HDF5 library crash (\(Self.signalName(signal))). Labbook reads files in a separate process, so this session is unharmed"
      )
    }
    guard process.terminationStatus == 0 else {
      let message = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
      if message.isEmpty {
        throw DataError("'\(path)' could not be read (the reader exited with status \(process.terminationStatus))")
      }
      throw DataError(message)
    }
    guard let stdout else { throw DataError("'\(path)' could not be read (the reader's output was lost)") }
    return stdout
  }

  static func signalName(_ signal: Int32) -> String {
    let names: [Int32: String] = [
      SIGSEGV: "SIGSEGV, an invalid memory access", SIGABRT: "SIGABRT, the library aborted",
      SIGFPE: "SIGFPE, an arithmetic fault", SIGBUS: "SIGBUS, a bus error", SIGILL: "SIGILL",
      SIGKILL: "SIGKILL, probably out of memory",
    ]
    return names[signal] ?? "signal \(signal)"
  }

  private final class Collected<Output: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var output: Output?
    private var errors = Data()
    func store(output value: Output) { lock.withLock { output = value } }
    func store(errors data: Data) { lock.withLock { errors = data } }
    var values: (Output?, Data) { lock.withLock { (output, errors) } }
  }
}
