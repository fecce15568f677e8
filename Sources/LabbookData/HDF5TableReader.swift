import Foundation
import HDF5Kit
import LabbookCore

/// Reads tables from HDF5 files in every layout `load` accepts (SPEC §2): a group of equal-length 1-D
/// datasets, a single 1-D dataset, a 2-D numeric matrix (with `feature_names` and a sibling `y`/`target`),
/// or a compound dataset.
public enum HDF5TableReader {
  /// Sibling datasets that hold the target of a 2-D matrix.
  static let targetSiblingNames = ["y", "target"]

  public static func load(path: String, inside objectPath: String? = nil, name: String) throws -> Table {
    let file = try open(path)
    let root = try file.root
    do {
      return try load(root, path: path, inside: objectPath, name: name)
    } catch let error as DataError {
      guard let kind = pandasFrame(in: root) else { throw error }
      throw DataError(
        error.message + "; '\(path)' was written by pandas (`to_hdf`, format \(kind)), which packs columns into "
          + "blocks under names it keeps pickled: write it with "
          + "df.to_hdf(path, key=\"df\", format=\"table\", data_columns=True), whose table Labbook reads")
    }
  }

  /// The format of a pandas HDFStore frame (a group whose `pandas_type` attribute says "frame" or
  /// "frame_table") at the top of the file, nil when there is none.
  static func pandasFrame(in root: HDF5Group) -> String? {
    for link in (try? root.linkNames()) ?? [] where root.kind(of: link) == .group {
      guard let group = try? root.openGroup(link), let type = (try? group.stringsAttribute("pandas_type"))??.first
      else { continue }
      if type == "frame_table" { return "\"table\"" }
      if type == "frame" { return "\"fixed\"" }
    }
    return nil
  }

  private static func load(_ root: HDF5Group, path: String, inside objectPath: String?, name: String) throws -> Table {
    guard let objectPath else { return try loadOnlyTable(in: root, file: path, name: name) }
    let components = objectPath.split(separator: "/").map(String.init)
    if components.isEmpty { return try loadGroup(root, file: path, name: name, explicit: true) }
    var group = root
    for (depth, component) in components.enumerated() {
      guard group.contains(component) else {
        let shown = "/" + components[...depth].joined(separator: "/")
        let here = (try? group.linkNames()) ?? []
        var message = "no object '\(shown)' in '\(path)'"
        if let near = closestName(to: component, among: here) {
          message += "; did you mean '\(group.childPath(near))'?"
        } else if !here.isEmpty {
          message += " (\(group.path) holds: \(here.prefix(12).joined(separator: ", ")))"
        }
        throw DataError(message)
      }
      let isLast = depth == components.count - 1
      switch group.kind(of: component) {
      case .group:
        group = try group.openGroup(component)
        if isLast { return try loadGroup(group, file: path, name: name, explicit: true) }
      case .dataset:
        guard isLast else { throw DataError("'\(group.childPath(component))' in '\(path)' is a dataset, not a group") }
        return try loadDataset(try group.openDataset(component), in: group, file: path, name: name)
      case .externalLink:
        throw DataError(
          "'\(group.childPath(component))' in '\(path)' is a link to another file; Labbook reads only the file it is given"
        )
      case .other:
        throw DataError("'\(group.childPath(component))' in '\(path)' is neither a group nor a dataset")
      }
    }
    throw DataError("no table at '\(objectPath)' in '\(path)'")
  }

  /// Every table `load` without `path` would consider, by path inside the file.
  public static func candidates(path: String) throws -> [String] {
    let file = try open(path)
    var found: [String] = []
    try collectCandidates(try file.root, into: &found, depth: 0)
    return found
  }

  /// The checks made before any HDF5 code touches the file: a regular file (not a folder, device or
  /// pipe), not empty, with the HDF5 signature where the format puts it (offset 0, 512, 1024, ...).
  public static func checkReadableFile(_ path: String) throws {
    switch RegularFile.check(path) {
    case .missing: throw DataError("no such file: '\(path)'")
    case .folder: throw DataError("'\(path)' is a folder, not an HDF5 file")
    case .notRegular: throw DataError("'\(path)' is not a regular file (a device, pipe or socket); Labbook reads files")
    case .regular(let size):
      if size == 0 { throw DataError("'\(path)' is empty (0 bytes), not an HDF5 file") }
    }
    guard hasSignature(path) else {
      throw DataError("'\(path)' is not an HDF5 file (no HDF5 signature; for CSV use `import`)")
    }
  }

  /// The eight bytes that begin every HDF5 file (or its superblock, after a user block).
  static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

  /// HDF5's format signature at offset 0 or a power of two from 512, as libhdf5 looks for it.
  public static func hasSignature(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    let size = (try? handle.seekToEnd()) ?? 0
    var offset: UInt64 = 0
    while offset + 8 <= size {
      guard (try? handle.seek(toOffset: offset)) != nil, let bytes = try? handle.read(upToCount: 8) else {
        return false
      }
      if Array(bytes) == signature { return true }
      offset = offset == 0 ? 512 : offset * 2
    }
    return false
  }

  static func open(_ path: String) throws -> HDF5File {
    try checkReadableFile(path)
    do {
      return try HDF5File.open(path)
    } catch let error as HDF5Error {
      throw DataError("cannot open '\(path)': the file looks truncated or damaged (\(error.message))")
    }
  }

  private static func loadOnlyTable(in root: HDF5Group, file: String, name: String) throws -> Table {
    var found: [String] = []
    try collectCandidates(root, into: &found, depth: 0)
    if found.isEmpty {
      throw DataError("'\(file)' holds no table (no group of 1-D datasets, matrix or compound dataset)")
    }
    if found.count > 1 {
      throw DataError(
        "'\(file)' holds \(found.count) tables: \(found.prefix(20).joined(separator: ", ")); choose one with `path \"\(found[0])\"`"
      )
    }
    return try load(root, path: file, inside: found[0], name: name)
  }

  private struct GroupContents {
    var columnDatasets: [String] = []
    var matrices: [String] = []
    var compounds: [String] = []
    var subgroups: [String] = []
  }

  private static func classify(_ group: HDF5Group) throws -> GroupContents {
    var contents = GroupContents()
    for link in try group.linkNames() {
      switch group.kind(of: link) {
      case .group: contents.subgroups.append(link)
      case .dataset:
        let dataset = try group.openDataset(link)
        if case .compound = dataset.elementType, dataset.shape.count == 1 {
          contents.compounds.append(link)
        } else if dataset.shape.count == 2 {
          contents.matrices.append(link)
        } else if dataset.shape.count == 1 {
          contents.columnDatasets.append(link)
        }
      case .externalLink:
        throw DataError("'\(group.childPath(link))' is a link to another file; Labbook reads only the file it is given")
      case .other: break
      }
    }
    if !contents.matrices.isEmpty {
      contents.columnDatasets.removeAll { targetSiblingNames.contains($0) }
    }
    return contents
  }

  private static func collectCandidates(_ group: HDF5Group, into found: inout [String], depth: Int) throws {
    guard depth < 32 else { return }
    let contents = try classify(group)
    if !contents.columnDatasets.isEmpty { found.append(group.path) }
    for name in contents.matrices + contents.compounds { found.append(group.childPath(name)) }
    for name in contents.subgroups {
      let subgroup = try group.openGroup(name)
      // PyTables' index of a table's column (pandas writes one per indexed column): not a table.
      if (try? subgroup.stringsAttribute("CLASS"))??.first == "TINDEX" { continue }
      try collectCandidates(subgroup, into: &found, depth: depth + 1)
    }
  }

  private static func loadGroup(_ group: HDF5Group, file: String, name: String, explicit: Bool) throws -> Table {
    let contents = try classify(group)
    if contents.columnDatasets.isEmpty {
      let single = contents.matrices + contents.compounds
      if single.count == 1 {
        return try loadDataset(try group.openDataset(single[0]), in: group, file: file, name: name)
      }
      var message = "group '\(group.path)' in '\(file)' holds no 1-D column datasets"
      if !single.isEmpty || !contents.subgroups.isEmpty {
        message += "; it holds: \((single + contents.subgroups).map { group.childPath($0) }.joined(separator: ", "))"
      }
      throw DataError(message)
    }
    var datasetNames = contents.columnDatasets
    var columnNames = datasetNames
    // The canonical layout names its columns (with any '/') in order in the `columns` attribute.
    if let recorded = try group.stringsAttribute("columns"), recorded.count == datasetNames.count {
      let mapped = recorded.map(HDF5TableWriter.datasetName(for:))
      if Set(mapped) == Set(datasetNames) {
        datasetNames = mapped
        columnNames = recorded
      }
    }
    var columns: [Column] = []
    for (datasetName, columnName) in zip(datasetNames, columnNames) {
      let dataset = try group.openDataset(datasetName)
      columns.append(try readColumn(dataset, name: columnName))
    }
    if let first = columns.first, columns.contains(where: { $0.count != first.count }) {
      let lengths = columns.map { "\($0.name): \($0.count)" }.joined(separator: ", ")
      throw DataError("group '\(group.path)' in '\(file)' is not a table: its datasets differ in length (\(lengths))")
    }
    let target = try group.stringsAttribute("target")?.first
    let protected = try group.stringsAttribute("protected")?.first
    return try Table(name: name, columns: columns, target: target, protected: protected)
  }

  private static func loadDataset(_ dataset: HDF5Dataset, in group: HDF5Group, file: String, name: String) throws
    -> Table
  {
    let shortName = String(dataset.path.split(separator: "/").last ?? "value")
    switch dataset.shape.count {
    case 0: throw DataError("'\(dataset.path)' in '\(file)' is a scalar, not a table")
    case 1:
      if case .compound(let fields) = dataset.elementType {
        let numeric = fields.filter { $0.type.isNumeric }.map(\.name)
        var numericColumns = try readNumericFields(dataset, numeric)
        let columns = try fields.map { field in
          if let values = numericColumns.removeValue(forKey: field.name) { return Column.numeric(field.name, values) }
          return try readColumn(dataset, name: field.name, type: field.type, field: field.name)
        }
        return try Table(name: name, columns: columns)
      }
      return try Table(name: name, columns: [try readColumn(dataset, name: shortName)])
    case 2: return try loadMatrix(dataset, in: group, file: file, name: name)
    default:
      throw DataError("'\(dataset.path)' in '\(file)' has \(dataset.shape.count) dimensions; a table needs 1 or 2")
    }
  }

  /// The most columns a matrix may load as (a million: far past any table, far below memory's limit).
  static let maximumMatrixColumns = 1_000_000

  private static func loadMatrix(_ dataset: HDF5Dataset, in group: HDF5Group, file: String, name: String) throws
    -> Table
  {
    guard dataset.elementType.isNumeric else {
      throw DataError(
        "'\(dataset.path)' in '\(file)' is a 2-D dataset of \(dataset.elementType); only numeric matrices load as tables"
      )
    }
    let rows = dataset.shape[0]
    let width = dataset.shape[1]
    try dataset.checkReadable(elementSize: 8)
    // A matrix of no rows passes the size checks whatever its width, and every column gets a name:
    // a fuzzed file declaring 0 × 34,359,738,371 asked for 550 GB of names (a trap, not an error).
    guard width <= Self.maximumMatrixColumns else {
      throw DataError(
        "'\(dataset.path)' in '\(file)' declares \(width) columns, more than the \(Self.maximumMatrixColumns) a table may have; the file may be damaged"
      )
    }
    var names = (0..<width).map { "x\($0)" }
    if let featureNames = try dataset.stringsAttribute("feature_names") ?? group.stringsAttribute("feature_names"),
      featureNames.count == width
    {
      names = featureNames
    }
    // Band by band (whole chunks, so HDF5 decompresses each chunk once; see rowsPerBand), each band
    // scattered into the columns: the matrix is never in memory twice.
    guard width > 0 else { throw DataError("'\(dataset.path)' in '\(file)' is a matrix with no columns") }
    var columnValues =
      try dataset.readDoubleColumnsInParallel(threads: defaultThreadCount)
      ?? readInBands(dataset, width: width) { try dataset.readDoubles(rows: $0, into: $1) }
    var columns = zip(names, columnValues).map { Column.numeric($0, $1) }
    columnValues = []
    columns.reserveCapacity(width + 1)
    var target: String?
    for sibling in targetSiblingNames where group.contains(sibling) && group.kind(of: sibling) == .dataset {
      let dataset = try group.openDataset(sibling)
      guard dataset.shape == [rows] else { continue }
      columns.append(try readColumn(dataset, name: "y"))
      target = "y"
      break
    }
    return try Table(name: name, columns: columns, target: target)
  }

  /// Reads the numeric fields of a compound dataset together, band by band (whole chunks, so each chunk
  /// is inflated once), each band scattered into the columns.
  private static func readNumericFields(_ dataset: HDF5Dataset, _ fields: [String]) throws -> [String: [Double]] {
    guard !fields.isEmpty, Set(fields).count == fields.count else { return [:] }
    let width = fields.count
    try dataset.checkReadable(elementSize: 8 * width)
    let columnValues =
      try dataset.readDoubleFieldsInParallel(fields, threads: defaultThreadCount)
      ?? readInBands(dataset, width: width) { try dataset.readDoubleFields(fields, rows: $0, into: $1) }
    return Dictionary(uniqueKeysWithValues: zip(fields, columnValues))
  }

  /// `width` columns of `dataset.shape[0]` rows read band by band (`rowsPerBand`): `read` fills a band
  /// with the rows asked for, row-major, and each band is scattered into the columns.
  private static func readInBands(
    _ dataset: HDF5Dataset, width: Int,
    read: (Range<Int>, UnsafeMutableBufferPointer<Double>) throws -> Void
  ) throws -> [[Double]] {
    let rows = dataset.shape[0]
    let bandRows = rowsPerBand(rows: rows, width: width, chunkRows: dataset.chunkShape?.first)
    // Every row of every column is written below (the bands cover 0..<rows; an error discards them).
    var columnValues = (0..<width).map { _ in [Double].unfilled(count: rows) }
    var band = [Double](repeating: 0, count: bandRows * width)
    for first in stride(from: 0, to: rows, by: bandRows) {
      let count = min(bandRows, rows - first)
      try band.withUnsafeMutableBufferPointer { try read(first..<(first + count), $0) }
      band.withUnsafeBufferPointer { source in
        for j in 0..<width {
          columnValues[j].withUnsafeMutableBufferPointer { target in
            var offset = j
            for i in first..<(first + count) {
              target[i] = source[offset]
              offset += width
            }
          }
        }
      }
    }
    return columnValues
  }

  /// Rows per band when a matrix or compound dataset is read band by band: whole chunks (so HDF5
  /// inflates each chunk once), as many as make about a million values (so a file of tiny chunks is
  /// not read with one call per chunk).
  static func rowsPerBand(rows: Int, width: Int, chunkRows: Int?) -> Int {
    // Contiguous data has no chunk to keep whole: a band of 128 Ki values (1 MiB) stays in cache while
    // it is scattered into the columns.
    let chunk = max(1, chunkRows ?? 1)
    let wanted = max(1, (chunkRows == nil ? 1 << 17 : 1 << 20) / max(width, 1))
    let chunks = max(1, wanted / chunk)
    return max(1, min(rows, chunk.multipliedReportingOverflow(by: chunks).partialValue))
  }

  /// Reads a 1-D dataset (or one field of a compound one) as a column.
  static func readColumn(_ dataset: HDF5Dataset, name: String, type: ElementType? = nil, field: String? = nil) throws
    -> Column
  {
    let type = type ?? dataset.elementType
    switch type {
    case .integer, .float:
      // A 1-D dataset has one column.
      if field == nil, dataset.shape.count == 1,
        let values = try dataset.readDoubleColumnsInParallel(threads: defaultThreadCount)?.first
      {
        return .numeric(name, values)
      }
      return .numeric(name, try dataset.readDoubles(field: field))
    case .enumeration(_, let members):
      let values = try dataset.readEnumValues(members: members, field: field)
      var codeOf: [Int64: Int32] = [:]
      for (index, member) in members.enumerated() where codeOf[member.value] == nil {
        codeOf[member.value] = Int32(index)
      }
      let codes = values.map { codeOf[$0] ?? -1 }
      return Column(name: name, values: .categorical(codes: codes, levels: members.map(\.name)))
    case .string:
      let strings = try dataset.readStrings(field: field)
      return .categorical(name, strings.map { $0.isEmpty ? nil : $0 })
    case .compound:
      throw DataError(
        "'\(dataset.path)'\(field.map { " field '\($0)'" } ?? "") is a nested compound; flatten it to load it")
    case .unsupported(let what):
      throw DataError("'\(dataset.path)'\(field.map { " field '\($0)'" } ?? "") has an unsupported datatype (\(what))")
    }
  }
}
