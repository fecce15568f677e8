import Foundation
import HDF5Kit
import LabbookCore
import LabbookData
import LabbookML

// Benchmarks for benchmarks/load.sh and benchmarks/learn.sh; prints "name value" lines for the scripts
// to place beside the peers' figures from the same run.
let arguments = CommandLine.arguments
func usage() -> Never {
  FileHandle.standardError.write(
    Data(
      "usage: labbook-bench load FILE.h5|- FILE.csv|- [repeats] | table FILE.h5 LABEL [repeats] | session-load FILE.h5 LABBOOK [repeats] | learn FILE.h5 LEARNER | importance FILE.h5 REPEATS | automl DATASET BUDGET SEED | automl-study TRAIN.csv TEST.csv TARGET METRIC TRIALS SEED [TOP]\n"
        .utf8))
  exit(2)
}
guard arguments.count >= 3 else { usage() }

/// Worker threads: all cores, or $LABBOOK_THREADS (as the product reads it), e.g. 1 to profile one core.
let benchThreads =
  Int(ProcessInfo.processInfo.environment["LABBOOK_THREADS"] ?? "").flatMap { $0 >= 1 ? $0 : nil }
  ?? ProcessInfo.processInfo.activeProcessorCount

func seconds(_ body: () throws -> Void) rethrows -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  try body()
  return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

switch arguments[1] {
case "load":
  guard arguments.count >= 4 else { usage() }
  let repeats = arguments.count > 4 ? Int(arguments[4]) ?? 5 : 5
  func best(_ body: () throws -> Void) rethrows -> Double {
    var fastest = Double.infinity
    for _ in 0..<repeats { fastest = min(fastest, try seconds(body)) }
    return fastest
  }
  // The floor: HDF5 decompressing the whole matrix into one buffer, as h5py's f["X"][:] does.
  if arguments[2] != "-" {
    print(
      "labbook_hdf5_raw_read \(try best { _ = try HDF5File.open(arguments[2]).root.openDataset("X").readDoubles() })")
    print("labbook_hdf5 \(try best { _ = try HDF5TableReader.load(path: arguments[2], name: "t") })")
  }
  if arguments[3] != "-" {
    print("labbook_csv \(try best { _ = try CSVImport.read(path: arguments[3], name: "t", threads: benchThreads) })")
    // Its parts, one at a time: parsing the file's bytes once they are in memory, and hashing them.
    let bytes = try CSVImport.fileBytes(path: arguments[3], threads: benchThreads)
    print("labbook_csv_hash \(best { _ = bytes.withUnsafeBytes { SHA256Digest.hex($0) } })")
    print(
      "labbook_csv_parse \(try best { _ = try bytes.withUnsafeBufferPointer { try CSVImport.parse($0, name: "t", source: arguments[3], threads: benchThreads) } })"
    )
  }
case "table":
  // labbook-bench table FILE.h5 LABEL [repeats]: the best time to load FILE as a table, and to hash
  // the loaded table's contents (what a notebook records for every load).
  let repeats = arguments.count > 4 ? Int(arguments[4]) ?? 5 : 5
  guard arguments.count >= 4 else { usage() }
  var fastestLoad = Double.infinity
  var fastestHash = Double.infinity
  for _ in 0..<repeats {
    var table: Table?
    fastestLoad = min(fastestLoad, try seconds { table = try HDF5TableReader.load(path: arguments[2], name: "t") })
    fastestHash = min(fastestHash, seconds { _ = table!.contentHash })
  }
  print("labbook_\(arguments[3])_load \(fastestLoad)")
  print("labbook_\(arguments[3])_hash \(fastestHash)")
case "session-load":
  // labbook-bench session-load FILE.h5 LABBOOK [repeats]: the parts of a session's `load` statement, each
  // the best of `repeats`: reading the file in the reader process (`LABBOOK`, the release executable)
  // and receiving the table, hashing the file (done beside the read), and hashing the table's contents.
  guard arguments.count >= 4 else { usage() }
  let repeats = arguments.count > 4 ? Int(arguments[4]) ?? 5 : 5
  let reader = IsolatedReader(executable: arguments[3])
  var fastest = (read: Double.infinity, fileHash: Double.infinity, contentHash: Double.infinity)
  for _ in 0..<repeats {
    var table: Table?
    fastest.read = min(
      fastest.read, try seconds { table = try reader.loadTable(path: arguments[2], inside: nil, name: "t") })
    fastest.fileHash = min(fastest.fileHash, try seconds { _ = try SHA256Digest.hex(fileAt: arguments[2]) })
    fastest.contentHash = min(fastest.contentHash, seconds { _ = table!.contentHash })
  }
  print("labbook_session_read \(fastest.read)")
  print("labbook_session_file_hash \(fastest.fileHash)")
  print("labbook_session_content_hash \(fastest.contentHash)")
case "learn":
  // The first 80% of rows train, the rest test (the Python side splits the same way).
  guard arguments.count >= 4, let kind = LearnerKind(rawValue: arguments[3]) else { usage() }
  // The whole table is let go once split, as a session that loads, splits and drops it would.
  let (train, test) = try {
    let table = try HDF5TableReader.load(path: arguments[2], name: "synthetic")
    let cut = table.rowCount * 4 / 5
    return (table.taking(Array(0..<cut)), table.taking(Array(cut..<table.rowCount)))
  }()
  // Peak memory while training (the data loaded and split, then the learner): Linux resets the peak
  // resident set (VmHWM) when 5 is written to clear_refs. The whole process's peak, load and split
  // included, is /usr/bin/time's figure in learn.sh.
  func peakResidentKilobytes() -> Int? {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
    return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
  }
  let peakReset = (try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)) != nil
  var model: TrainedModel?
  let parameters: [(String, ParameterValue)] =
    kind == .gbm
    ? [("trees", .number(100)), ("leaves", .number(31)), ("rate", .number(0.1))]
    : kind == .forest ? [("trees", .number(100))] : []
  let elapsed = try seconds {
    model = try Trainer.train(
      kind, on: train, target: "y", parameters: parameters, seed: 0,
      threads: benchThreads)
  }
  if peakReset, let peak = peakResidentKilobytes() { print("labbook_\(kind.rawValue)_training_peak_rss_kb \(peak)") }
  let metrics = try model!.evaluate(on: test)
  print("evaluate_seconds", try seconds { _ = try model!.evaluate(on: test) })
  let fm = FeatureMatrix(table: test, excluding: ["y"])
  print("predict_seconds", seconds { _ = model!.learner.predict(fm) })
  print("labbook_\(kind.rawValue)_train_seconds \(elapsed)")
  print("labbook_\(kind.rawValue)_test_auc \(metrics.auc ?? .nan)")
case "importance":
  // labbook-bench importance FILE.h5 REPEATS: a gbm (100 trees, 31 leaves, rate 0.1) trained on the first
  // 10,000 rows, then permutation importance on the other rows with REPEATS shuffles a column; prints the
  // importance's wall time and the largest mean drop (the Python side does the same with LightGBM and
  // scikit-learn's permutation_importance).
  guard arguments.count >= 4, let repeats = Int(arguments[3]) else { usage() }
  let table = try HDF5TableReader.load(path: arguments[2], name: "synthetic")
  let train = table.taking(Array(0..<10_000))
  let rest = table.taking(Array(10_000..<table.rowCount))
  let threads = benchThreads
  let model = try Trainer.train(
    .gbm, on: train, target: "y",
    parameters: [("trees", .number(100)), ("leaves", .number(31)), ("rate", .number(0.1))], seed: 0, threads: threads)
  var importance: PermutationImportance?
  let elapsed = try seconds {
    importance = try PermutationImportance.run(model, on: rest, repeats: repeats, seed: 0, threads: threads)
  }
  print("labbook_importance_seconds \(elapsed)")
  print("labbook_importance_top_drop \(importance!.columns[0].mean)")
case "automl":
  // A bundled dataset with the fixed 80/20 split of Tests/Fixtures/sklearn_reference.json; prints the
  // test score (accuracy, or r2 for regression) of the search's refitted best model, and the wall time.
  guard arguments.count >= 5, let budget = Double(arguments[3]), let seed = UInt64(arguments[4]) else { usage() }
  let dataset = arguments[2]
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path
  let reference =
    try JSONSerialization.jsonObject(
      with: Data(contentsOf: URL(fileURLWithPath: root + "/Tests/Fixtures/sklearn_reference.json"))) as! [String: Any]
  let entry = (reference["datasets"] as! [String: Any])[dataset] as! [String: Any]
  let target = entry["target"] as! String
  let table = try HDF5TableReader.load(path: root + "/datasets/\(dataset).h5", name: dataset)
  let train = table.taking((entry["train"] as! [Int]), name: "train")
  let test = table.taking((entry["test"] as! [Int]), name: "test")
  let settings = AutoML.Settings(
    target: target, budget: budget, seed: seed, threads: benchThreads)
  var result: AutoMLResult?
  let elapsed = try seconds { result = try AutoML.run(train, settings: settings) }
  let metrics = try result!.model.evaluate(on: test)
  let score = metrics.task == .classification ? metrics.accuracy! : metrics.r2!
  print(
    "labbook \(dataset) \(budget) \(seed) \(score) \(elapsed) \(result!.trials.count) \(result!.best.learner.rawValue)")
case "automl-study":
  // For studying how the search chooses: a search of exactly TRIALS trials on TRAIN.csv, then the TOP
  // (default 60) distinct trials by cross-validated loss, and the chosen best, each refitted on all of
  // TRAIN and scored on TEST. One JSON line per refitted trial (its cross-validated score, tie-break,
  // standard error, work units and test score), then the search's own choice and its model's test score.
  guard arguments.count >= 8, let trialCount = Int(arguments[6]), let seed = UInt64(arguments[7]) else { usage() }
  let top = arguments.count > 8 ? Int(arguments[8]) ?? 60 : 60
  let train = try CSVImport.read(path: arguments[2], name: "train", threads: 1)
  let test = try CSVImport.read(path: arguments[3], name: "test", threads: 1)
  let metric = arguments[5]
  var settings = AutoML.Settings(target: arguments[4], budget: 1e6, seed: seed, threads: benchThreads)
  settings.metric = metric
  settings.maximumTrials = trialCount
  settings.timeGate = false
  // An older search, as a notebook recorded it (SEARCH_VERSION=2), for comparing versions.
  if let version = ProcessInfo.processInfo.environment["SEARCH_VERSION"].flatMap(Int.init) {
    settings.searchVersion = version
  }
  let result = try AutoML.run(train, settings: settings)
  let lowerIsBetter = Metrics.lowerIsBetter(metric)
  func testScore(_ model: TrainedModel) throws -> Double {
    let metrics = try model.evaluate(on: test)
    return metrics.task == .classification ? metrics.accuracy! : metrics.r2!
  }
  var seen = Set<String>()
  var ranked: [Trial] = []
  for trial in result.trials.filter({ $0.score != nil }).sorted(by: {
    let (a, b) = (lowerIsBetter ? $0.score! : -$0.score!, lowerIsBetter ? $1.score! : -$1.score!)
    return (a, $0.tieBreak ?? 0, $0.id) < (b, $1.tieBreak ?? 0, $1.id)
  }) where seen.insert(trial.learner.rawValue + trial.parameterText).inserted {
    ranked.append(trial)
  }
  var chosen = Array(ranked.prefix(top))
  if !chosen.contains(where: { $0.id == result.best.id }) { chosen.append(result.best) }
  func json(_ value: Double?) -> String { value.map { $0.isFinite ? "\($0)" : "null" } ?? "null" }
  for trial in chosen {
    let model = try AutoML.refit(trial, on: train, task: result.model.task, settings: settings)
    print(
      "{\"id\":\(trial.id),\"learner\":\"\(trial.learner.rawValue)\",\"units\":\(trial.units),\"cv\":\(json(trial.score)),\"tie\":\(json(trial.tieBreak)),\"se\":\(trial.standardError),\"test\":\(try testScore(model)),\"params\":\"\(trial.parameterText)\"}"
    )
  }
  let members =
    result.ensemble.map { "[" + $0.map { "[\($0.trial),\($0.weight)]" }.joined(separator: ",") + "]" } ?? "null"
  print(
    "{\"kind\":\"result\",\"best\":\(result.best.id),\"ensemble\":\(members),\"ensembleCV\":\(json(result.ensembleScore)),\"test\":\(try testScore(result.model)),\"trials\":\(result.trials.count)}"
  )
default:
  usage()
}
