import Foundation

/// One thing to fuzz: a name, what it needs set up once, and what it does with one input. Every target
/// must end every input in a value or a thrown error: a trap, a crash or a hang is a finding.
struct FuzzTarget: Sendable {
  let name: String
  let prepare: @Sendable () -> Void
  let run: @Sendable (Data) -> Void

  static let all: [FuzzTarget] = [
    FuzzTarget(name: "parse", prepare: {}, run: ParseTarget.run),
    FuzzTarget(name: "statements", prepare: { _ = StatementsTarget.table }, run: StatementsTarget.run),
    FuzzTarget(name: "notebook", prepare: {}, run: NotebookTarget.run),
    FuzzTarget(name: "csv", prepare: { _ = Scratch.folder }, run: CSVTarget.run),
    FuzzTarget(name: "hdf5", prepare: { _ = Scratch.folder }, run: HDF5Target.run),
    FuzzTarget(name: "model", prepare: { _ = ModelTarget.table }, run: ModelTarget.run),
    FuzzTarget(name: "registry-import", prepare: { _ = RegistryImportTarget.model }, run: RegistryImportTarget.run),
  ]
}

/// A folder in memory (/dev/shm where there is one) for the files some targets must hand to libraries
/// that read paths; one per process, removed at exit.
enum Scratch {
  static let folder: String = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let path = "\(base)/labbook-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: "/dev/shm/labbook-fuzz-\(getpid())") }
    return path
  }()

  static func write(_ data: Data, as name: String) -> String {
    let path = folder + "/" + name
    FileManager.default.createFile(atPath: path, contents: data)
    return path
  }

  /// The repository, found from this file's place in it (the bundled datasets live there).
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path
}
