import LabbookCore
import Testing

@testable import LabbookLang

@Suite struct LexerTests {
  @Test func literalsDurationsAndSymbols() throws {
    let tokens = try Lexer.tokenize("x = 1e-3 + 30s; y <= \"a\\\"b\" # note\n`odd name` 2m 500ms")
    let kinds = tokens.map(\.kind)
    #expect(kinds[2] == .number(0.001))
    #expect(kinds[4] == .duration(30))
    #expect(kinds[5] == .end)
    #expect(tokens[7].text == "<=")
    #expect(kinds[8] == .string("a\"b"))
    #expect(kinds[10] == .name(quoted: true) && tokens[10].text == "odd name")
    #expect(kinds[11] == .duration(120) && kinds[12] == .duration(0.5))
  }

  @Test func continuationAndBracketsJoinLines() throws {
    let statements = try Parser.parse("a = select t \\\n  [x,\n   y]\nshow a")
    #expect(statements.count == 2)
    #expect(statements[0].source == "a = select t \\\n  [x,\n   y]")
    #expect(statements[1].span.line == 4)
  }

  @Test func errorsPointAtTheToken() {
    for (source, line, column, fragment) in [
      ("show t\nx = 3 $", 2, 7, "unexpected character '$'"),
      ("s = \"open", 1, 5, "unterminated string"),
      ("d = 5parsecs", 1, 5, "unknown unit 'parsecs'"),
      ("d = 5 parsecs", 1, 7, "unexpected 'parsecs': the statement is complete before it"),
    ] {
      #expect {
        try Parser.parse(source)
      } throws: { error in
        guard let error = error as? LabError, let span = error.span else { return false }
        return span.line == line && span.column == column && error.message.contains(fragment)
      }
    }
  }
}

@Suite struct ParserTests {
  func parseError(_ source: String) -> LabError? {
    do {
      _ = try Parser.parse(source)
      return nil
    } catch { return error as? LabError }
  }

  @Test func wholeScriptIsParsedFirst() {
    let script = (1...39).map { _ in "describe t" }.joined(separator: "\n") + "\nselect t [a,"
    let error = parseError(script)
    #expect(error?.span?.line == 40)
  }

  @Test func assignmentsAndTuples() throws {
    let statements = try Parser.parse(
      "train, test = split t ratio 0.8 seed 42 stratify risk\nparam data = \"x.h5\"\nn = 3")
    #expect(statements[0].targets.map(\.value) == ["train", "test"])
    guard case .command(let command) = statements[0].body else {
      Issue.record("not a command")
      return
    }
    #expect(type(of: command).keyword == "split")
    guard case .param(let name, _) = statements[1].body else {
      Issue.record("not a param")
      return
    }
    #expect(name.value == "data")
    guard case .value(.number(3, _)) = statements[2].body else {
      Issue.record("not a value")
      return
    }
  }

  @Test func helpfulMessages() {
    #expect(parseError("descibe t")?.message == "unknown statement 'descibe'; did you mean `describe`?")
    #expect(parseError("split t ratio 0.8 sed 4")?.message.contains("did you mean `seed`?") == true)
    #expect(parseError("filter t where a = 1")?.message == "'=' assigns; compare with '=='")
    #expect(parseError("filter t where 1 < a < 3")?.message.contains("do not chain") == true)
    #expect(parseError("split t seed 1")?.message.contains("needs `ratio`") == true)
    #expect(parseError("s = automl t target y budgt 3s")?.message.contains("did you mean `budget`?") == true)
    #expect(parseError("where = 3")?.message.contains("reserved word") == true)
  }

  @Test func expressionPrecedence() throws {
    let statements = try Parser.parse("derive t z = -a ^ 2 + b * 3 > 1 and not c is missing")
    guard case .command(let command) = statements[0].body, let derive = command as? DeriveCommand else {
      Issue.record("not derive")
      return
    }
    // and( >( +( -(^(a,2)), *(b,3) ), 1 ), not(is missing(c)) )
    guard case .binary(.and, let left, let right, _) = derive.expression,
      case .binary(
        .greater, .binary(.add, .unary(.negate, .binary(.power, _, _, _), _), .binary(.multiply, _, _, _), _), _, _) =
        left,
      case .unary(.not, .isMissing(.column("c", _), negated: false, _), _) = right
    else {
      Issue.record("wrong tree: \(derive.expression)")
      return
    }
  }
}

@Suite struct HostileInputTests {
  @Test func deepNestingIsAnErrorNotACrash() {
    let deep = "filter t where " + String(repeating: "(", count: 5000) + "a" + String(repeating: ")", count: 5000)
    #expect(throws: LabError.self) { try Parser.parse(deep) }
    let list = "x = " + String(repeating: "[", count: 5000)
    #expect(throws: LabError.self) { try Parser.parse(list) }
    let negations = "filter t where " + String(repeating: "not ", count: 5000) + "a"
    #expect(throws: LabError.self) { try Parser.parse(negations) }
  }

  @Test func garbageNeverCrashes() {
    var generator = SeededGenerator(seed: 11)
    let alphabet = Array("abc xyz=,[]()\"`.+-*/^<>!#;\\\n0123456789e_sm")
    for _ in 0..<2000 {
      let length = generator.uniform(below: 40)
      let text = String((0..<length).map { _ in alphabet[generator.uniform(below: alphabet.count)] })
      _ = try? Parser.parse(text)
    }
  }
}
