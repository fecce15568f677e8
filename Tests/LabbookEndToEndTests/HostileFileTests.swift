import Foundation
import LabbookCore
import Testing

/// Files that crash libhdf5 1.10 itself cannot end a session: the executable reads them in a child
/// process. `Tests/Fixtures/hostile/object-header-message-sigsegv.h5` came from the hdf5 fuzz target:
/// opening one of its datasets makes libhdf5 read a damaged object header message out of bounds
/// (SIGSEGV in `H5O_msg_read_oh` under `H5D_open`), which no check before the call can see (the damaged
/// sizes are decoded only inside libhdf5). `chunk-dimension-sigfpe.h5` makes libhdf5 divide by zero
/// (SIGFPE in `H5D__chunk_set_info`) while opening a dataset. (The earlier such fixtures are errors now:
/// `global-heap-object-index.h5` since `StringReferenceCheck`, `metadata-accumulator-sigsegv.h5` since
/// the read-only driver; `HostileHDF5Tests`.)
@Suite struct HostileFileTests {
  static let hostile = Labbook.repositoryRoot + "/Tests/Fixtures/hostile/"
  static let crasher = hostile + "object-header-message-sigsegv.h5"

  @Test func theFixtureReallyCrashesTheReaderProcess() throws {
    let result = try Labbook.run(
      ["isolated-read", "table", Self.crasher], environment: ["SWIFT_BACKTRACE": "enable=no"])
    // Process reports a signal death of the child as status = signal number with reason uncaughtSignal;
    // Labbook.launch only gives the status, which is SIGSEGV's number.
    #expect(result.status == SIGSEGV, "the fixture no longer crashes libhdf5: \(result.status) \(result.stderr)")
  }

  @Test func aDivisionByZeroInTheLibraryIsContainedToo() throws {
    let result = try Labbook.run(
      ["--no-record"],
      stdin: "kept = load \"datasets/iris.h5\"\nbad = load \"\(Self.hostile)chunk-dimension-sigfpe.h5\"\nkept.rows\n",
      environment: ["SWIFT_BACKTRACE": "enable=no"])
    #expect(result.stderr.contains("reading it made the HDF5 library crash (SIGFPE"), "\(result.stderr)")
    #expect(result.stdout.contains("150"), "\(result.stdout)")
  }

  /// `vlen-length-bomb.h5` (32 KB, from the hdf5 fuzz target) declares variable-length strings of
  /// gigabytes; libhdf5 sizes and zeroes a buffer for each before reading it. Under a memory limit that
  /// does not depend on the file it took 18 GB and 47 s; the reader's limit follows the file's size, so
  /// the allocation fails at once and the statement fails with the library's words.
  @Test func aFileCannotMakeTheReaderTakeGigabytes() throws {
    let result = try Labbook.run(
      ["isolated-read", "table", Self.hostile + "vlen-length-bomb.h5"], environment: ["SWIFT_BACKTRACE": "enable=no"])
    #expect(result.status == 1, "\(result.status) \(result.stderr)")
    #expect(result.stderr.contains("memory allocation failed"), "\(result.stderr)")
  }

  @Test func theSessionSurvivesAFileThatCrashesTheHDF5Library() throws {
    let directory = try Labbook.temporaryDirectory()
    let notebook = directory + "/s.ipynb"
    let result = try Labbook.run(
      ["--notebook", notebook],
      stdin: """
        kept = load "datasets/iris.h5"
        bad = load "\(Self.crasher)"
        n = kept.rows
        vars

        """)
    #expect(result.status == 1, "one statement failed")
    #expect(result.stderr.contains("is damaged: reading it made the HDF5 library crash"), "\(result.stderr)")
    #expect(result.stderr.contains("this session is unharmed"))
    #expect(result.stdout.contains("150"), "the session went on with its variables: \(result.stdout)")
    let cells = try Labbook.notebook(notebook)["cells"]?.arrayValue ?? []
    #expect(cells.count == 4, "every statement, the failed one included, is recorded")
  }

  @Test func savingOverADamagedFileIsRefusedNotACrash() throws {
    let directory = try Labbook.temporaryDirectory()
    let target = directory + "/out.h5"
    try FileManager.default.copyItem(atPath: Self.crasher, toPath: target)
    let result = try Labbook.run(
      ["--no-record"], stdin: "t = load \"datasets/iris.h5\"\nsave t to \"\(target)\"\nt.rows\n")
    #expect(result.stderr.contains("is damaged"), "\(result.stderr)")
    #expect(result.stdout.contains("150"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == Data(contentsOf: URL(fileURLWithPath: Self.crasher)))
  }
}
