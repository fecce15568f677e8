import Foundation
import LabbookData

/// HDF5 table loading, in this process (the reader process's code), on any bytes written to a file.
/// Findings inside libhdf5 itself are contained in the product by the reader process
/// (IsolatedReader); this target finds Labbook's own mistakes around it.
enum HDF5Target {
  static func run(_ data: Data) {
    let path = Scratch.write(data, as: "fuzz.h5")
    if let table = try? HDF5TableReader.load(path: path, name: "t") {
      _ = table.describe()
    }
    _ = try? HDF5TableReader.candidates(path: path)
  }
}
