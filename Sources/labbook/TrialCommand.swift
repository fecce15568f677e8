import ArgumentParser
import Foundation
import LabbookML
import LabbookSlurm

/// `labbook trial SEARCH_FOLDER TRIAL_FILE`: one AutoML trial, as a Slurm task runs it (not for people).
struct TrialCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "trial", abstract: "Scores one AutoML trial for a search running on Slurm.", shouldDisplay: false)

  @Argument var searchFolder: String
  @Argument var trialFile: String

  func run() throws {
    do {
      try TrialWorker.run(searchFolder: searchFolder, trialFile: trialFile)
    } catch let error as MLError {
      FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
      throw ExitCode(1)
    }
  }

  /// The runner `automl ... executor slurm` uses: its tasks run this executable's `trial`.
  static func slurmRunner(partition: String?) -> any RemoteTrialRunner {
    let executable =
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? CommandLine.arguments.first.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "labbook"
    return SlurmRunner(
      partition: partition, sharedFolder: SlurmRunner.defaultSharedFolder, executable: executable,
      lateGrace: SlurmRunner.defaultLateGrace)
  }
}
