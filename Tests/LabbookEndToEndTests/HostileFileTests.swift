import Foundation
import LabbookCore
import Testing

/// Files that crash libhdf5 1.10 itself cannot end a session: the executable reads them in a child
/// process. `Tests/Fixtures/hostile/iris-global-heap.h5` is datasets/iris.h5 with a few bytes changed
/// (found by mutating it): reading its `columns` attribute makes libhdf5's H5HG_read copy past a global
/// heap object (SIGSEGV in memcpy) when read in the same process.
@Suite struct HostileFileTests {
  static let crasher = Labbook.repositoryRoot + "/Tests/Fixtures/hostile/iris-global-heap.h5"

  @Test func theFixtureReallyCrashesTheReaderProcess() throws {
    let result = try Labbook.run(
      ["isolated-read", "table", Self.crasher], environment: ["SWIFT_BACKTRACE": "enable=no"])
    // Process reports a signal death of the child as status = signal number with reason uncaughtSignal;
    // Labbook.launch only gives the status, which is SIGSEGV's number.
    #expect(result.status == SIGSEGV, "the fixture no longer crashes libhdf5: \(result.status) \(result.stderr)")
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
