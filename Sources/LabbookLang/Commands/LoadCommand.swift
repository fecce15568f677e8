import Foundation
import LabbookCore
import LabbookData
import LabbookRender
import LabbookValues

/// `load "f.h5" [path "/group/or/dataset"]`
struct LoadCommand: Command {
  static let keyword = "load"
  static let help = CommandHelp(
    usage: "load FILE [path \"/group/or/dataset\"]",
    summary: "read a table from an HDF5 file",
    details: """
      Reads a group of equal-length 1-D datasets, a single 1-D dataset, a 2-D numeric dataset (columns from its
      `feature_names` attribute, else x0..xN, with a sibling 1-D `y`/`target` dataset joined as column `y`), or
      a compound dataset. Integers and floats of every width and byte order load as numbers (NaN = missing);
      enums, bools and strings load as categories. Without `path` the file must hold exactly one table;
      otherwise the error lists the candidates. The file's sha256 is recorded in the notebook.
      """,
    example: "credit = load \"datasets/german_credit.h5\"")

  let file: ValueExpression
  let objectPath: ValueExpression?

  init(parsing parser: inout StatementParser) throws {
    file = try parser.value("a file name such as \"datasets/iris.h5\"")
    objectPath = try parser.options(["path": .value])["path"]?.valueExpression
  }

  func execute(in session: Session) throws -> Value {
    let path = try session.path(file, "the file")
    let inside = try objectPath.map { try session.string($0, "`path`") }
    let reader = session.isolatedReader
    // The file is hashed for the notebook while it is read (the read mostly waits on the reader
    // process); a read that fails stops the hash, so a large file that is not HDF5 fails at once.
    let (table, digest) = try concurrently(
      {
        try located(objectPath?.span ?? file.span) {
          if let reader {
            return try reader.loadTable(path: path, inside: inside, name: stem(path))
          }
          return try HDF5TableReader.load(path: path, inside: inside, name: stem(path))
        }
      }, beside: { readFailed in try SHA256Digest.hex(fileAt: path, until: readFailed) })
    return .loaded(table, source: try session.recordInput(path, sha256: digest))
  }
}

/// `import "f.csv"`
struct ImportCommand: Command {
  static let keyword = "import"
  static let help = CommandHelp(
    usage: "import FILE.csv",
    summary: "read a table from a CSV file",
    details: """
      The first row names the columns. A column whose every non-missing field is a number is numeric, any other
      is categorical. Empty fields and NA, N/A, NaN, null and None are missing.
      """,
    example: "iris = import \"datasets/iris.csv\"")

  let file: ValueExpression

  init(parsing parser: inout StatementParser) throws {
    file = try parser.value("a file name such as \"data.csv\"")
  }

  func execute(in session: Session) throws -> Value {
    let path = try session.path(file, "the file")
    let (table, digest) = try located(file.span) {
      try CSVImport.readHashing(path: path, name: stem(path), threads: session.threads)
    }
    if table.columns.count == 1, let only = table.columns.first?.name,
      let separator = CSVImport.otherSeparator(inHeader: only.utf8)
    {
      session.warn(
        "'\(path)' was read as one column named '\(only)': Labbook reads comma-separated files, and this one looks "
          + "separated by \(separator); " + CSVImport.commaAdvice)
    }
    return .loaded(table, source: try session.recordInput(path, sha256: digest))
  }
}

/// `save T to "f.h5" [path "/name"] [target COL] [protected COL]`
struct SaveCommand: Command {
  static let keyword = "save"
  static let help = CommandHelp(
    usage: "save TABLE to FILE.h5 [path \"/name\"] [target COLUMN] [protected COLUMN]",
    summary: "write a table to HDF5 in Labbook's canonical layout",
    details: """
      One group (default: /TABLE) with one chunked, deflate-compressed 1-D dataset per column in order: numbers
      as float64 (int64 when every value is a whole number and none is missing), categories as UTF-8 strings
      (missing = ""). Group attributes: labbook_format, columns (the exact names; a '/' in a dataset name
      becomes '_'), and the target and protected roles. An existing HDF5 file keeps its other groups; a group
      of the same name is replaced. Readable by h5py.
      """,
    example: "save credit to \"out/credit.h5\" path \"/credit\" target risk protected sex")

  let table: ValueExpression
  let file: ValueExpression
  let options: [String: OptionValue]

  init(parsing parser: inout StatementParser) throws {
    table = try parser.value("the table to save")
    try parser.expect("to")
    file = try parser.value("a file name such as \"out.h5\"")
    options = try parser.options(["path": .value, "target": .name, "protected": .name])
  }

  func execute(in session: Session) throws -> Value {
    var data = try session.table(table)
    let path = try session.path(file, "the file")
    let group = try options["path"]?.valueExpression.map { try session.string($0, "`path`") } ?? "/\(data.name)"
    if let target = options["target"]?.nameValue {
      data.target = try session.requireColumn(target, in: data).name
    }
    if let protected = options["protected"]?.nameValue {
      data.protected = try session.requireColumn(protected, in: data).name
    }
    try located(file.span) {
      // An existing file's other objects are copied into the new one: a damaged file must fail in the
      // reader process first, not crash this one during the copy.
      if let reader = session.isolatedReader, case .regular = RegularFile.check(path),
        HDF5TableReader.hasSignature(path)
      {
        try reader.check("copy", path: path)
      }
      try HDF5TableWriter.save(data, to: path, group: group)
    }
    return .saved(path: path, group: group.hasPrefix("/") ? group : "/" + group, table: data)
  }
}
