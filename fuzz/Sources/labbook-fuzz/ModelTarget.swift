import Foundation
import LabbookData
import LabbookML

/// Model-file loading on any bytes, then prediction and evaluation on a fixed table.
enum ModelTarget {
  static let table: Table = {
    let credit = try! HDF5TableReader.load(path: Scratch.repository + "/datasets/german_credit.h5", name: "credit")
    return credit.taking(Array(0..<24))
  }()

  static func run(_ data: Data) {
    let path = Scratch.write(data, as: "model.h5")
    guard let model = try? ModelArchive.read(from: path) else { return }
    _ = try? model.predictReporting(table)
    _ = try? model.evaluate(on: table)
  }
}
