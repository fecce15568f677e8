import Foundation
import LabbookData

/// CSV import (type inference, quoting, missing values) on any bytes, then a description of the table;
/// and the one-pass reading of numbers, in pieces and in bands of a few bytes, checked against the
/// general reading through the field index (a disagreement is a finding).
enum CSVTarget {
  static func run(_ data: Data) {
    let path = Scratch.write(data, as: "input.csv")
    if let problem = try? CSVImport.disagreement(Array(data), path: path) {
      fatalError("the one-pass CSV reading disagrees with the general one: \(problem)")
    }
    guard let table = try? CSVImport.parse(data, name: "t", source: "fuzz.csv", threads: 1) else { return }
    _ = table.describe()
    _ = table.contentHash
  }
}
