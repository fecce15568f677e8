import Foundation
import Testing

@testable import LabbookData
@testable import LabbookLang

/// What Tab offers, from the text before the cursor (the REPL hands libedit exactly these; a
/// pseudo-terminal test in ReplTerminalTests checks the hand-over).
@Suite struct CompleterTests {
  static func session() throws -> Session {
    let session = Session(seed: 1)
    session.bind(
      "credit",
      .table(
        try Table(
          name: "credit",
          columns: [
            .numeric("age", [1]), .categorical("risk", ["a"]), .numeric("credit amount", [2]),
            .numeric("älter", [3]),
          ])))
    session.bind("n", .number(3))
    return session
  }

  func candidates(_ text: String, files: @escaping (String) -> [String] = { _ in [] }) throws -> [String] {
    try Completer.complete(text, session: Self.session(), files: files).candidates
  }

  @Test func offersWhatFitsThePlace() throws {
    #expect(try candidates("m = train g") == ["gbm"])
    #expect(try candidates("m = train ") == ["bayes", "forest", "gbm", "knn", "linear", "logistic", "ridge", "tree"])
    #expect(try candidates("m = train gbm on credit target r") == ["risk"])
    // Names the lexer does not take as identifiers (spaces, non-ASCII letters) come in backticks.
    #expect(try candidates("m = train gbm on credit target ") == ["`credit amount`", "`älter`", "age", "risk"])
    #expect(try candidates("s = select credit [age, cr") == ["`credit amount`"])
    #expect(try candidates("a, b = split credit ratio 0.8 stratify ri") == ["risk"])
    #expect(try candidates("s = automl credit target risk metric a") == ["accuracy", "auc"])
    #expect(try candidates("s = automl credit target risk models [g") == ["gbm"])
    #expect(try candidates("credit.r") == ["credit.rows"])
    #expect(try candidates("credit.") == ["credit.columns", "credit.protected", "credit.rows", "credit.target"])
    #expect(try candidates("des").contains("describe"))
    #expect(try candidates("x = cr").contains("credit"))
    #expect(try candidates("f = filter credit where `cre") == ["`credit amount`"])
  }

  @Test func pathsInsideStringsKeepSpacesAndAnyCharacter() throws {
    let completion = try Completer.complete(
      "t = load \"my da", session: Self.session(), files: { $0 == "my da" ? ["my data/"] : [] })
    #expect(completion.candidates == ["my data/"] && completion.replacing == 5 && !completion.closesWord)
    let file = try Completer.complete(
      "t = load \"uni/", session: Self.session(), files: { $0 == "uni/" ? ["uni/ïris.h5"] : [] })
    #expect(file.candidates == ["uni/ïris.h5\""] && file.closesWord)
  }

  @Test func filesListsAFolder() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("complete-\(getpid())").path
    try FileManager.default.createDirectory(atPath: folder + "/sub dir", withIntermediateDirectories: true)
    FileManager.default.createFile(atPath: folder + "/ïris.h5", contents: Data())
    FileManager.default.createFile(atPath: folder + "/.hidden", contents: Data())
    defer { try? FileManager.default.removeItem(atPath: folder) }
    #expect(Completer.files(folder + "/") == [folder + "/sub dir/", folder + "/ïris.h5"])
    #expect(Completer.files(folder + "/.h") == [folder + "/.hidden"])
  }
}
