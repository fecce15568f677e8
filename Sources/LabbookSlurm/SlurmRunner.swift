import Foundation
import LabbookCore
import LabbookData
import LabbookML

/// AutoML trials as Slurm job arrays: one array per round, each task a `labbook trial` process that reads
/// the search (`search.json` and the table as `TableWire` bytes, written once) and its trial's file from a
/// folder every node sees, and writes its result next to it. The round is watched with `scontrol` every
/// 0.2 s (`sbatch --wait` polls far more slowly); a task that ends without a result — failed, timed out,
/// cancelled, killed for memory — becomes a failed trial with Slurm's state, exit code and the last line
/// it printed, and the search goes on. Ctrl-C cancels the array (`scancel`).
public final class SlurmRunner: RemoteTrialRunner, @unchecked Sendable {
  public let name = "slurm"
  let partition: String?
  /// A folder on storage the compute nodes share with this machine; each search works in its own subfolder.
  let sharedFolder: String
  /// The `labbook` executable the tasks run (on a real cluster, a path every node has).
  let executable: String
  let pollInterval: Double
  /// Seconds a round may go on past the time the budget left it before it is cancelled.
  let lateGrace: Double

  private var folder = ""
  private var round = 0

  public init(
    partition: String?, sharedFolder: String, executable: String, pollInterval: Double = 0.2, lateGrace: Double = 30
  ) {
    self.partition = partition
    self.sharedFolder = sharedFolder
    self.executable = executable
    self.pollInterval = pollInterval
    self.lateGrace = lateGrace
  }

  /// $LABBOOK_SLURM_GRACE: the seconds a round may run past the time left before it is cancelled (30).
  public static var defaultLateGrace: Double {
    Double(ProcessInfo.processInfo.environment["LABBOOK_SLURM_GRACE"] ?? "").flatMap { $0 >= 0 ? $0 : nil } ?? 30
  }

  /// The shared folder: $LABBOOK_SLURM_SHARED, else `.labbook-slurm` in the working folder.
  public static var defaultSharedFolder: String {
    let environment = ProcessInfo.processInfo.environment["LABBOOK_SLURM_SHARED"] ?? ""
    return environment.isEmpty ? FileManager.default.currentDirectoryPath + "/.labbook-slurm" : environment
  }

  public func begin(_ search: RemoteSearch) throws {
    folder = "\(sharedFolder)/search-\(getpid())-\(UUID().uuidString.lowercased().prefix(8))"
    do {
      try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
      try Data(TableWire.encode(search.table)).write(to: URL(fileURLWithPath: folder + "/table.wire"))
      try Data((search.json.compactString + "\n").utf8).write(to: URL(fileURLWithPath: folder + "/search.json"))
    } catch {
      throw MLError("cannot prepare the Slurm work folder '\(folder)': \(error.localizedDescription)")
    }
    round = 0
  }

  public func end() {
    if !folder.isEmpty { try? FileManager.default.removeItem(atPath: folder) }
  }

  public func run(_ trials: [RemoteTrial], timeLimit: Double?) throws -> [RemoteTrialResult?] {
    round += 1
    let roundFolder = "\(folder)/round-\(round)"
    try FileManager.default.createDirectory(atPath: roundFolder, withIntermediateDirectories: true)
    for (index, trial) in trials.enumerated() {
      try Data((trial.json.compactString + "\n").utf8).write(to: URL(fileURLWithPath: "\(roundFolder)/\(index).json"))
    }
    var script = "#!/bin/sh\n"
    script += "#SBATCH --job-name=labbook-trials\n"
    script += "#SBATCH --array=0-\(trials.count - 1)\n"
    script += "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n"
    script += "#SBATCH --output=\(roundFolder)/%a.out\n"
    if let partition { script += "#SBATCH --partition=\(partition)\n" }
    if let timeLimit { script += "#SBATCH --time=\(Int((timeLimit / 60).rounded(.up)) + 1)\n" }
    script +=
      "exec \(Self.quoted(executable)) trial \(Self.quoted(folder)) \(Self.quoted(roundFolder))/\"$SLURM_ARRAY_TASK_ID\".json\n"
    let scriptPath = roundFolder + "/job.sh"
    try Data(script.utf8).write(to: URL(fileURLWithPath: scriptPath))
    let submitted = try Self.command("sbatch", ["--parsable", scriptPath])
    guard submitted.status == 0 else {
      throw MLError(
        "sbatch refused the round's job array: \(submitted.errors.trimmingCharacters(in: .whitespacesAndNewlines))")
    }
    let job =
      submitted.output.split(separator: ";").first.map {
        String($0).trimmingCharacters(in: .whitespacesAndNewlines)
      } ?? ""
    guard !job.isEmpty else { throw MLError("sbatch gave no job id") }
    var states: [Int: TaskState] = [:]
    // With a time budget, a round still queued or running well past the time left (a busy queue, a
    // partition with no free node) is cancelled: its unfinished tasks become failed trials.
    let deadline = timeLimit.map { Date().addingTimeInterval($0 + lateGrace) }
    var cancelledLate = false
    while true {
      if Interrupt.isRequested {
        _ = try? Self.command("scancel", [job])
        return trials.indices.map { _ in nil }
      }
      if let deadline, Date() > deadline {
        _ = try? Self.command("scancel", [job])
        cancelledLate = true
        break
      }
      let shown = try Self.command("scontrol", ["-o", "show", "job", job])
      if shown.status == 0 {
        states = Self.taskStates(shown.output, tasks: trials.count)
        if states.count == trials.count, states.values.allSatisfy(\.finished) { break }
      } else if shown.errors.contains("Invalid job id") {
        break  // gone from the controller (MinJobAge): whatever finished left its result files
      }
      Thread.sleep(forTimeInterval: pollInterval)
    }
    return trials.indices.map { index in
      let base = "\(roundFolder)/\(index)"
      if let json = FileManager.default.contents(atPath: base + ".result.json"),
        let value = try? JSONValue.parse(String(decoding: json, as: UTF8.self)),
        let result = try? RemoteTrialResult(
          json: value, predictionBytes: [UInt8](FileManager.default.contents(atPath: base + ".predictions") ?? Data()))
      {
        return result
      }
      let state = states[index]
      var reason = "the Slurm task ended \(state?.state ?? "without a state") (exit code \(state?.exitCode ?? "?"))"
      if cancelledLate, !(state?.finished ?? false) {
        reason =
          "the Slurm task was cancelled: still \(state?.state ?? "queued") \(formatNumber(lateGrace)) s after the budget's time left"
      }
      if let output = FileManager.default.contents(atPath: base + ".out"),
        let last = String(decoding: output, as: UTF8.self).split(separator: "\n").last
      {
        reason += ": " + String(last.prefix(300))
      }
      return RemoteTrialResult(error: reason)
    }
  }

  struct TaskState {
    var state: String
    var exitCode: String
    var finished: Bool {
      !["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "RESIZING", "SUSPENDED"].contains(state)
    }
  }

  /// Each task's state from `scontrol -o show job` (one line per task, or one line for a range of
  /// pending tasks: `ArrayTaskId=0-7`).
  static func taskStates(_ text: String, tasks: Int) -> [Int: TaskState] {
    var states: [Int: TaskState] = [:]
    for line in text.split(separator: "\n") {
      var fields: [String: String] = [:]
      for item in line.split(separator: " ") {
        guard let equals = item.firstIndex(of: "=") else { continue }
        fields[String(item[..<equals])] = String(item[item.index(after: equals)...])
      }
      guard let ids = fields["ArrayTaskId"], let state = fields["JobState"] else { continue }
      let task = TaskState(state: state, exitCode: fields["ExitCode"] ?? "?")
      for id in expand(ids, limit: tasks) { states[id] = task }
    }
    return states
  }

  /// `3`, `0-7`, `0-7%2` or `1,3,5-6` as task numbers.
  static func expand(_ text: String, limit: Int) -> [Int] {
    let list = text.split(separator: "%").first ?? ""
    var ids: [Int] = []
    for part in list.split(separator: ",") {
      let bounds = part.split(separator: "-").compactMap { Int($0) }
      if bounds.count == 1 {
        ids.append(bounds[0])
      } else if bounds.count == 2, bounds[0] <= bounds[1] {
        ids += Array(bounds[0]...min(bounds[1], max(bounds[0], limit)))
      }
    }
    return ids.filter { $0 >= 0 && $0 < limit }
  }

  static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

  struct CommandResult {
    var status: Int32
    var output: String
    var errors: String
  }

  static func command(_ name: String, _ arguments: [String]) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [name] + arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    do {
      try process.run()
    } catch {
      throw MLError("cannot run \(name) (is Slurm installed here?): \(error.localizedDescription)")
    }
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    if process.terminationStatus == 127 {
      throw MLError("\(name) is not installed: the Slurm executor needs Slurm's commands")
    }
    return CommandResult(
      status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
      errors: String(decoding: err, as: UTF8.self))
  }
}

/// `labbook trial SEARCH_FOLDER TRIAL_FILE`: what a Slurm task runs. Scores the trial exactly as the
/// searching process would and writes `N.result.json` and `N.predictions` beside the trial file
/// (written under temporary names and renamed, so a result is whole or absent).
public enum TrialWorker {
  public static func run(searchFolder: String, trialFile: String) throws {
    guard let tableBytes = FileManager.default.contents(atPath: searchFolder + "/table.wire"),
      let searchText = FileManager.default.contents(atPath: searchFolder + "/search.json"),
      let trialText = FileManager.default.contents(atPath: trialFile)
    else { throw MLError("the search folder or the trial file is missing") }
    let table = try TableWire.decode([UInt8](tableBytes), name: "table")
    let search = try RemoteSearch(json: try JSONValue.parse(String(decoding: searchText, as: UTF8.self)), table: table)
    let trial = try RemoteTrial(json: try JSONValue.parse(String(decoding: trialText, as: UTF8.self)))
    // Lets the tests make one task die without a result, as a crashed or killed task would.
    if ProcessInfo.processInfo.environment["LABBOOK_TEST_FAIL_TRIAL"] == String(trial.id) { exit(9) }
    let result = try search.score(trial)
    let base = trialFile.hasSuffix(".json") ? String(trialFile.dropLast(5)) : trialFile
    try write(Data(result.predictionBytes), to: base + ".predictions")
    try write(Data((result.json.compactString + "\n").utf8), to: base + ".result.json")
  }

  private static func write(_ data: Data, to path: String) throws {
    let temporary = path + ".tmp-\(getpid())"
    try data.write(to: URL(fileURLWithPath: temporary))
    if rename(temporary, path) != 0 { throw MLError("cannot write '\(path)': \(String(cString: strerror(errno)))") }
  }
}
