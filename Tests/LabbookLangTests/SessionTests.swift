import Foundation
import LabbookCore
import Testing

@testable import LabbookData
@testable import LabbookLang

let repositoryRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().path

@Suite struct SessionTests {
  func run(_ session: Session, _ source: String) throws -> [Value] {
    try Parser.parse(source).map { try session.execute($0) }
  }

  @Test func tourOfTheLanguage() throws {
    let session = Session(seed: 3)
    let values = try run(
      session,
      """
      param data = "\(repositoryRoot)/datasets/german_credit.h5"
      credit = load data
      credit = derive credit monthly = credit_amount / duration
      train, test = split credit ratio 0.8 seed 42 stratify risk
      women = filter credit where sex == "female"
      small = select women [age, monthly]
      n = small.rows
      """)
    guard case .table(let credit) = session.variables["credit"]!, case .table(let train) = session.variables["train"]!
    else {
      Issue.record("not tables")
      return
    }
    #expect(credit.name == "credit" && credit.columnNames.last == "monthly")
    // The first row of german_credit.csv: credit_amount 1169, duration 6.
    #expect(try credit.column("monthly").values != .numeric([]))
    guard case .numeric(let monthly) = try credit.column("monthly").values else { return }
    #expect(monthly[0] == 1169.0 / 6.0)
    #expect(train.name == "train" && train.rowCount == 800 && train.target == "risk" && train.protected == "sex")
    // 310 women in the file (value_counts).
    guard case .number(let n) = values.last! else {
      Issue.record("not a number")
      return
    }
    #expect(n == 310)
    #expect(session.params.map(\.0) == ["data"])
    #expect(session.statementInputs.isEmpty)
  }

  @Test func paramOverridesWin() throws {
    let session = Session(paramOverrides: ["ratio": "0.5", "name": "\"quoted\""])
    let values = try run(session, "param ratio = 0.8\nparam name = \"x\"\nparam other = 2")
    guard case .param(_, .number(0.5), true) = values[0], case .param(_, .string("quoted"), true) = values[1],
      case .param(_, .number(2), false) = values[2]
    else {
      Issue.record("wrong params: \(values)")
      return
    }
  }

  @Test func loadRecordsTheInputHash() throws {
    let session = Session()
    _ = try run(session, "t = load \"\(repositoryRoot)/datasets/iris.h5\"")
    #expect(session.statementInputs.count == 1)
    #expect(session.statementInputs[0].sha256 == (try SHA256Digest.hex(fileAt: repositoryRoot + "/datasets/iris.h5")))
  }

  /// `load` hashes the file beside reading it and stops the hash when the read fails: the error is the
  /// read's, located, and nothing is recorded. The stop is checked between pieces of a MiB.
  @Test func aFailedLoadStopsTheFileHash() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-hdf5-\(getpid()).h5").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Data(repeating: 0x41, count: 3 << 20).write(to: URL(fileURLWithPath: path))
    let session = Session()
    #expect(throws: LabError.self) { try run(session, "t = load \"\(path)\"") }
    #expect(session.statementInputs.isEmpty)
    let stopped = StopFlag()
    #expect(try SHA256Digest.hex(fileAt: path, until: stopped) == SHA256Digest.hex(fileAt: path))
    stopped.stop()
    #expect(throws: CancellationError.self) { try SHA256Digest.hex(fileAt: path, until: stopped) }
  }

  @Test func runtimeErrorsCarryLocations() throws {
    let session = Session()
    _ = try run(session, "t = load \"\(repositoryRoot)/datasets/iris.h5\"")
    for (source, column, fragment) in [
      ("select t [sepal]", 11, "no column 'sepal'"),
      ("show q", 6, "unknown variable 'q'"),
      ("a, b = describe t", 4, "2 names but the statement gives one"),
      ("s = split t ratio 0.8", 1, "give each a name: `train, test = …`"),
      ("x = t.colums", 5, "no field 'colums'"),
      ("derive t r = target / target", 21, "division by zero in row 1"),
    ] {
      #expect {
        _ = try run(session, source)
      } throws: { error in
        guard let error = error as? LabError else { return false }
        return error.span?.column == column && error.message.contains(fragment)
      }
    }
  }

  @Test func resultsRenderAsSpecJSON() throws {
    let session = Session()
    let values = try run(session, "t = load \"\(repositoryRoot)/datasets/iris.h5\"\ndescribe t")
    let table = values[0].json
    #expect(table["kind"]?.stringValue == "table")
    #expect(table["name"]?.stringValue == "t")
    #expect(table["rows"]?.doubleValue == 150)
    #expect(table["columns"]?.arrayValue?.first?["name"]?.stringValue == "sepal length (cm)")
    #expect(table["columns"]?.arrayValue?.first?["missing"]?.doubleValue == 0)
    #expect(table["sha256"]?.stringValue?.count == 64)
    let describe = values[1].json
    #expect(describe["kind"]?.stringValue == "describe")
    let first = describe["columns"]?.arrayValue?.first
    // pandas: iris["sepal length (cm)"].std() == 0.828066127977863
    #expect(abs((first?["std"]?.doubleValue ?? 0) - 0.828066127977863) < 1e-13)
    #expect(first?["count"]?.doubleValue == 150)
  }
}
