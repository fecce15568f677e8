import Foundation
import HDF5Kit
import LabbookData

// Times Labbook's table loaders on the files benchmarks/load.sh generates: the best of N runs,
// printed as "name seconds" lines for the script to place beside h5py's and pandas'.
let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
  FileHandle.standardError.write(Data("usage: labbook-bench FILE.h5 FILE.csv|- [repeats]\n".utf8))
  exit(2)
}
let repeats = arguments.count > 3 ? Int(arguments[3]) ?? 5 : 5

func best(_ body: () throws -> Table) rethrows -> (Double, Table) {
  var fastest = Double.infinity
  var last: Table?
  for _ in 0..<repeats {
    let start = DispatchTime.now().uptimeNanoseconds
    last = try body()
    fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
  }
  return (fastest, last!)
}

// The floor: HDF5 decompressing the whole matrix into one buffer, as h5py's f["X"][:] does.
var rawSeconds = Double.infinity
for _ in 0..<repeats {
  let start = DispatchTime.now().uptimeNanoseconds
  let values = try HDF5File.open(arguments[1]).root.openDataset("X").readDoubles()
  precondition(values.count == 8_000_000 || values.count > 0)
  rawSeconds = min(rawSeconds, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}
print("labbook_hdf5_raw_read \(rawSeconds)")
let (h5Seconds, h5Table) = try best { try HDF5TableReader.load(path: arguments[1], name: "t") }
print("labbook_hdf5 \(h5Seconds) rows=\(h5Table.rowCount) columns=\(h5Table.columns.count)")
if arguments[2] != "-" {
  let (csvSeconds, csvTable) = try best { try CSVImport.read(path: arguments[2], name: "t") }
  print("labbook_csv \(csvSeconds) rows=\(csvTable.rowCount) columns=\(csvTable.columns.count)")
}
