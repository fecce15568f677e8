import Foundation

/// Reads a CSV file (RFC 4180: quoted fields, doubled quotes, CRLF or LF) with a header row.
/// A column is numeric when every non-missing field parses as a number, else categorical.
public enum CSVImport {
  /// Field spellings that mean "missing", as pandas reads them by default.
  public static let missingMarkers: Set<String> = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A"]

  public static func read(path: String, name: String) throws -> Table {
    guard FileManager.default.fileExists(atPath: path) else { throw DataError("no such file: '\(path)'") }
    guard let data = FileManager.default.contents(atPath: path) else { throw DataError("cannot read '\(path)'") }
    return try parse(data, name: name, source: path)
  }

  public static func parse(_ data: Data, name: String, source: String) throws -> Table {
    let records = try splitRecords(Array(data), source: source)
    guard let header = records.first else { throw DataError("'\(source)' is empty: a CSV file needs a header row") }
    let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
    for (index, columnName) in names.enumerated() where columnName.isEmpty {
      throw DataError("'\(source)' line 1: column \(index + 1) has no name")
    }
    var fields = [[String]](repeating: [], count: names.count)
    for (offset, record) in records.dropFirst().enumerated() {
      if record.count == 1, record[0].isEmpty { continue }  // blank line
      guard record.count == names.count else {
        throw DataError("'\(source)' line \(offset + 2): \(record.count) fields, but the header has \(names.count)")
      }
      for (index, field) in record.enumerated() { fields[index].append(field) }
    }
    let columns = zip(names, fields).map { inferColumn(name: $0, fields: $1) }
    return try Table(name: name, columns: columns)
  }

  static func inferColumn(name: String, fields: [String]) -> Column {
    var numbers = [Double]()
    numbers.reserveCapacity(fields.count)
    for field in fields {
      let trimmed = field.trimmingCharacters(in: .whitespaces)
      if missingMarkers.contains(trimmed) {
        numbers.append(.nan)
      } else if let value = Double(trimmed), value.isFinite || trimmed.lowercased().contains("inf") {
        numbers.append(value)
      } else {
        return .categorical(
          name, fields.map { missingMarkers.contains($0.trimmingCharacters(in: .whitespaces)) ? nil : $0 })
      }
    }
    return .numeric(name, numbers)
  }

  /// Splits bytes into records of fields, honouring quotes (which may hold commas and newlines).
  static func splitRecords(_ bytes: [UInt8], source: String) throws -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field: [UInt8] = []
    var inQuotes = false
    var line = 1
    var quoteLine = 1
    var index = 0
    var start = 0
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }  // UTF-8 byte-order mark
    index = start
    func endField() {
      record.append(String(decoding: field, as: UTF8.self))
      field.removeAll(keepingCapacity: true)
    }
    while index < bytes.count {
      let byte = bytes[index]
      if inQuotes {
        if byte == UInt8(ascii: "\"") {
          if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") {
            field.append(byte)
            index += 1
          } else {
            inQuotes = false
          }
        } else {
          if byte == 0x0A { line += 1 }
          field.append(byte)
        }
      } else {
        switch byte {
        case UInt8(ascii: "\""):
          inQuotes = true
          quoteLine = line
        case UInt8(ascii: ","): endField()
        case 0x0D: break
        case 0x0A:
          endField()
          records.append(record)
          record = []
          line += 1
        default: field.append(byte)
        }
      }
      index += 1
    }
    if inQuotes { throw DataError("'\(source)' line \(quoteLine): a quoted field is never closed") }
    if !field.isEmpty || !record.isEmpty {
      endField()
      records.append(record)
    }
    return records
  }
}
