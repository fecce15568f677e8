import Foundation
import LabbookData

/// CSV import (type inference, quoting, missing values) on any bytes, then a description of the table.
enum CSVTarget {
  static func run(_ data: Data) {
    guard let table = try? CSVImport.parse(data, name: "t", source: "fuzz.csv", threads: 1) else { return }
    _ = table.describe()
    _ = table.contentHash
  }
}
