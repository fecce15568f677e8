import Foundation
import HDF5Kit
import LabbookData
import LabbookML

// Benchmarks for benchmarks/load.sh and benchmarks/learn.sh; prints "name value" lines for the scripts
// to place beside the peers' figures from the same run.
let arguments = CommandLine.arguments
func usage() -> Never {
  FileHandle.standardError.write(
    Data("usage: labbook-bench load FILE.h5 FILE.csv|- [repeats] | learn FILE.h5 LEARNER\n".utf8))
  exit(2)
}
guard arguments.count >= 3 else { usage() }

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
  print("labbook_hdf5_raw_read \(try best { _ = try HDF5File.open(arguments[2]).root.openDataset("X").readDoubles() })")
  print("labbook_hdf5 \(try best { _ = try HDF5TableReader.load(path: arguments[2], name: "t") })")
  if arguments[3] != "-" {
    print("labbook_csv \(try best { _ = try CSVImport.read(path: arguments[3], name: "t") })")
  }
case "learn":
  // The first 80% of rows train, the rest test (the Python side splits the same way).
  guard arguments.count >= 4, let kind = LearnerKind(rawValue: arguments[3]) else { usage() }
  let table = try HDF5TableReader.load(path: arguments[2], name: "synthetic")
  let cut = table.rowCount * 4 / 5
  let train = table.taking(Array(0..<cut))
  let test = table.taking(Array(cut..<table.rowCount))
  var model: TrainedModel?
  let parameters: [(String, ParameterValue)] =
    kind == .gbm
    ? [("trees", .number(100)), ("leaves", .number(31)), ("rate", .number(0.1))]
    : kind == .forest ? [("trees", .number(100))] : []
  let elapsed = try seconds {
    model = try Trainer.train(
      kind, on: train, target: "y", parameters: parameters, seed: 0,
      threads: ProcessInfo.processInfo.activeProcessorCount)
  }
  let metrics = try model!.evaluate(on: test)
  print("labbook_\(kind.rawValue)_train_seconds \(elapsed)")
  print("labbook_\(kind.rawValue)_test_auc \(metrics.auc ?? .nan)")
default:
  usage()
}
