import Foundation
import LabbookCore
import Testing

/// `automl ... executor slurm` on a real (single-node) Slurm cluster, which scripts/test starts with
/// scripts/slurm when it runs as root and exports its SLURM_CONF. The expected values come from the same
/// search run locally: Slurm must change where trials run, never what they score.
@Suite(.serialized) struct SlurmTests {
  static var slurm: Bool { !(ProcessInfo.processInfo.environment["SLURM_CONF"] ?? "").isEmpty }

  static func script(_ directory: String, executor: String, extra: String = "") throws -> String {
    let path = "\(directory)/\(executor).lab"
    try """
    credit = load "\(Labbook.repositoryRoot)/datasets/german_credit.h5"
    search = automl credit target risk budget 64 trials round 8 seed 11 executor \(executor)\(extra)
    """.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  /// The automl statement's structured result (trials with scores, the best, the ensemble).
  static func search(_ run: Labbook.Result) throws -> JSONValue {
    let line = try #require(run.stdout.split(separator: "\n").last { $0.contains("\"kind\":\"automl\"") })
    return try JSONValue.parse(String(line))
  }

  /// 64 trials in rounds of 8 as 8 Slurm job arrays give the same leaderboard, scores bit for bit, as the
  /// same search on this machine's threads; the Slurm notebook replays locally with --check.
  @Test(.enabled(if: slurm, "SLURM_CONF is not set (scripts/test starts a cluster when run as root)"))
  func aSearchOnSlurmIsTheSearchRunLocally() throws {
    let directory = try Labbook.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let started = Date()
    let onSlurm = try Labbook.run(
      ["run", try Self.script(directory, executor: "slurm"), "--json", "--notebook", directory + "/slurm.ipynb"],
      in: directory)
    let slurmSeconds = Date().timeIntervalSince(started)
    try #require(onSlurm.status == 0, "\(onSlurm.stderr)")
    let local = try Labbook.run(
      ["run", try Self.script(directory, executor: "local"), "--json", "--notebook", directory + "/local.ipynb"],
      in: directory)
    try #require(local.status == 0, "\(local.stderr)")
    let a = try Self.search(onSlurm)
    let b = try Self.search(local)
    #expect(a["evaluated"]?.doubleValue == 64)
    #expect(a["trials"]?.arrayValue?.allSatisfy { $0["score"] != .null } == true, "a trial failed on Slurm")
    #expect(a.canonicalString == b.canonicalString, "Slurm and local searches differ")
    print("64 trials through Slurm in \(String(format: "%.1f", slurmSeconds)) s")
    // The recording says where the trials ran and the round size; replay runs them here.
    let notebook = try Labbook.notebook(directory + "/slurm.ipynb")
    let cell = try #require(notebook["cells"]?.arrayValue?.last?["metadata"]?["labbook"]?["automl"])
    #expect(cell["executor"]?.stringValue == "slurm" && cell["round_size"]?.doubleValue == 8)
    let replay = try Labbook.run(["replay", directory + "/slurm.ipynb", "--check"], in: directory)
    #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
    // The work folder is cleaned up.
    let shared = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/.labbook-slurm")) ?? []
    #expect(shared.isEmpty, "left in the shared folder: \(shared)")
  }

  /// A task that dies (here: exits before writing its result) is a failed trial carrying Slurm's state
  /// and exit code; the search goes on with the others.
  @Test(.enabled(if: slurm, "SLURM_CONF is not set (scripts/test starts a cluster when run as root)"))
  func aFailedTaskIsAFailedTrial() throws {
    let directory = try Labbook.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = "\(directory)/fail.lab"
    try """
    credit = load "\(Labbook.repositoryRoot)/datasets/german_credit.h5"
    search = automl credit target risk budget 8 trials round 8 seed 11 executor slurm
    """.write(toFile: path, atomically: true, encoding: .utf8)
    let run = try Labbook.run(
      ["run", path, "--json", "--no-record"], in: directory, environment: ["LABBOOK_TEST_FAIL_TRIAL": "3"])
    try #require(run.status == 0, "\(run.stderr)")
    let notebookless = try Self.search(run)
    let trials = try #require(notebookless["trials"]?.arrayValue)
    #expect(trials.count == 8)
    #expect(trials.filter { $0["score"] == .null }.map { $0["id"]?.doubleValue } == [3])
    // The reason is in the leaderboard's text.
    let text = try Labbook.run(
      ["run", path, "--no-record"], in: directory, environment: ["LABBOOK_TEST_FAIL_TRIAL": "3"])
    #expect(text.stdout.contains("the Slurm task ended FAILED (exit code 9:0)"), "\(text.stdout)")
    // A round that cannot start (the cluster's partition `held` is down, so its tasks stay PENDING) is
    // cancelled once the budget's time is up (plus LABBOOK_SLURM_GRACE), and its trials are failed trials.
    try """
    credit = load "\(Labbook.repositoryRoot)/datasets/german_credit.h5"
    search = automl credit target risk budget 2s round 4 seed 11 executor slurm partition held
    """.write(toFile: path, atomically: true, encoding: .utf8)
    let start = Date()
    let held = try Labbook.run(["run", path, "--no-record"], in: directory, environment: ["LABBOOK_SLURM_GRACE": "1"])
    #expect(
      held.status == 1 && held.stderr.contains("still PENDING 1 s after the budget's time left"), "\(held.stderr)")
    #expect(Date().timeIntervalSince(start) < 20)
    // Unknown executors and a partition without Slurm are clear errors.
    try """
    credit = load "\(Labbook.repositoryRoot)/datasets/german_credit.h5"
    search = automl credit target risk budget 8 trials executor cloud
    """.write(toFile: path, atomically: true, encoding: .utf8)
    let unknown = try Labbook.run(["run", path, "--no-record"], in: directory)
    #expect(unknown.status == 1 && unknown.stderr.contains("unknown executor 'cloud'"), "\(unknown.stderr)")
  }
}
