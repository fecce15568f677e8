import Foundation
import LabbookCore
import Testing

@testable import LabbookData

let repositoryRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent().path

/// The bundled CSVs, inside the repository (datasets/README.md says where they come from).
let bundledDatasets = repositoryRoot + "/datasets"

@Suite struct CSVImportTests {
  @Test func quotedFieldsMissingMarkersAndTypeInference() throws {
    let csv = "id,name,score,note\n1,\"Smith, J\",3.5,\n2,\"say \"\"hi\"\"\",NA,\"two\nlines\"\n3,plain,-1e3,x\n"
    let table = try CSVImport.parse(Data(csv.utf8), name: "t", source: "inline")
    #expect(table.columnNames == ["id", "name", "score", "note"])
    #expect(try table.column("id").values == .numeric([1, 2, 3]))
    let score = try table.column("score")
    #expect(score.isNumeric && score.missingCount == 1)
    #expect(score.text(at: 2) == "-1000")
    let name = try table.column("name")
    #expect(name.text(at: 0) == "Smith, J" && name.text(at: 1) == "say \"hi\"")
    #expect(try table.column("note").text(at: 1) == "two\nlines")
    #expect(try table.column("note").missingCount == 1)
  }

  @Test func raggedRowsAndOpenQuotesAreErrorsWithTheLine() {
    #expect(throws: DataError.self) { try CSVImport.parse(Data("a,b\n1,2\n3\n".utf8), name: "t", source: "x.csv") }
    do {
      _ = try CSVImport.parse(Data("a,b\n1,2\n3\n".utf8), name: "t", source: "x.csv")
    } catch { #expect("\(error)".contains("line 3: 1 fields, but the header has 2")) }
    do {
      _ = try CSVImport.parse(Data("a\n\"open\n".utf8), name: "t", source: "x.csv")
    } catch { #expect("\(error)".contains("line 2: a quoted field is never closed")) }
    #expect(throws: DataError.self) { try CSVImport.parse(Data(), name: "t", source: "x.csv") }
  }

  /// A file of several 16 MiB bands, read by parallel preads, is byte for byte what Foundation reads; a
  /// pipe is refused at once (opening or reading it would block), a missing file named.
  @Test func fileBytesInBandsAreTheFile() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bands-\(getpid())").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var generator = SeededGenerator(seed: 3)
    let size = (16 << 20) * 2 + 12_345
    // Random pages, each beginning with its own number, so a band read to the wrong place shows.
    let page = (0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next() >> 17) }
    var written = [UInt8]()
    written.reserveCapacity(size)
    while written.count < size {
      written += withUnsafeBytes(of: UInt64(written.count / 4096)) { Array($0) }
      written += page[8...].prefix(size - written.count)
    }
    let file = directory + "/big.bin"
    try Data(written).write(to: URL(fileURLWithPath: file))
    for threads in [1, 2, 3] {
      #expect(
        try CSVImport.fileBytes(path: file, threads: threads) == Array(try Data(contentsOf: URL(fileURLWithPath: file)))
      )
    }
    let pipe = directory + "/pipe"
    #expect(mkfifo(pipe, 0o600) == 0)  // no writer: a blocking open would wait forever
    for (path, message) in [
      (pipe, "'\(pipe)' is not a regular file"), (directory + "/none.csv", "no such file: '\(directory)/none.csv'"),
    ] {
      do {
        _ = try CSVImport.fileBytes(path: path, threads: 2)
        Issue.record("read \(path)")
      } catch { #expect("\(error)" == message) }
    }
  }

  @Test func germanCreditTypes() throws {
    let table = try CSVImport.read(path: bundledDatasets + "/german_credit.csv", name: "credit")
    #expect(table.rowCount == 1000)
    #expect(
      table.columns.filter { !$0.isNumeric }.map(\.name) == [
        "sex", "housing", "saving_accounts", "checking_account", "purpose",
      ])
  }
}

@Suite struct DescribeTests {
  // Expected values from pandas 2 on the same CSV files:
  //   pd.read_csv(f)[col].mean() / .std() (ddof=1), printed with repr.
  @Test func matchesPandas() throws {
    let iris = try CSVImport.read(path: bundledDatasets + "/iris.csv", name: "iris").describe()
    let sepal = try #require(iris.columns.first { $0.name == "sepal length (cm)" })
    #expect(sepal.count == 150 && sepal.missing == 0)
    #expect(abs(sepal.mean! - 5.843333333333334) < 1e-13)
    #expect(abs(sepal.std! - 0.828066127977863) < 1e-13)
    #expect(sepal.min == 4.3 && sepal.max == 7.9)
    let petal = try #require(iris.columns.first { $0.name == "petal width (cm)" })
    #expect(abs(petal.std! - 0.7622376689603465) < 1e-13)

    let credit = try CSVImport.read(path: bundledDatasets + "/german_credit.csv", name: "c").describe()
    let age = try #require(credit.columns.first { $0.name == "age" })
    #expect(age.mean == 35.546 && abs(age.std! - 11.375468574317512) < 1e-12)
    let amount = try #require(credit.columns.first { $0.name == "credit_amount" })
    #expect(abs(amount.std! - 2822.7368759604406) < 1e-9)
    // d.sex.value_counts(): male 690, female 310.
    let sex = try #require(credit.columns.first { $0.name == "sex" })
    #expect(sex.levels?.map(\.0) == ["female", "male"] && sex.levels?.map(\.1) == [310, 690])
  }

  @Test func missingValuesAreNotCounted() throws {
    let table = try Table(name: "t", columns: [.numeric("x", [1, .nan, 3])])
    let x = table.describe().columns[0]
    // By hand: count 2, mean 2, std sqrt(((1-2)^2 + (3-2)^2) / 1) = sqrt(2).
    #expect(x.count == 2 && x.missing == 1 && x.mean == 2 && x.std == 2.0.squareRoot())
  }
}

@Suite struct ContentHashTests {
  @Test func independentOfLayoutAndLevelOrder() throws {
    let a = try Table(name: "a", columns: [.numeric("x", [1, 2]), .categorical("c", ["p", "q"])])
    // Same values, levels stored in the other order.
    let b = try Table(
      name: "b",
      columns: [.numeric("x", [1, 2]), Column(name: "c", values: .categorical(codes: [1, 0], levels: ["q", "p"]))])
    #expect(a.contentHash == b.contentHash)
    let c = try Table(name: "a", columns: [.numeric("x", [1, 3]), .categorical("c", ["p", "q"])])
    #expect(a.contentHash != c.contentHash)
    let d = try Table(name: "a", columns: [.numeric("y", [1, 2]), .categorical("c", ["p", "q"])])
    #expect(a.contentHash != d.contentHash)
  }

  @Test func hashIsTheDocumentedByteStream() throws {
    // Expected digest from Python's hashlib over the byte stream the hash is defined by (each string
    // as its UTF-8 length, 8 bytes little-endian, then its UTF-8; numbers as float64 little-endian with
    // -0 as 0; a category as 0 for missing, else 1 and its text), written out by hand:
    //   s("labbook-table-v1"); s("3"); s("x"); 0x01; <3d 1.5, 0, 0; s("c"); 0x02; 1 s("a"); 0; 1 s("grün")
    let table = try Table(
      name: "t", columns: [.numeric("x", [1.5, 0, -0.0]), .categorical("c", ["a", nil, "grün"])])
    #expect(table.contentHash == "411fac79d4b42f548749834ab9c5e65fb8c3d61ebb448cec17b081334df77209")
    // More rows than one 64 KiB block: the same as the row-by-row definition.
    let levels = ["alpha", "beta", "γ"]
    let rows = (0..<50_000).map { $0 % 7 == 0 ? nil : levels[$0 % 3] }
    var reference = ContentHasher()
    reference.update("labbook-table-v1")
    reference.update(String(rows.count))
    reference.update("c")
    reference.update(byte: 2)
    for row in rows {
      if let row {
        reference.update(byte: 1)
        reference.update(row)
      } else {
        reference.update(byte: 0)
      }
    }
    #expect(try Table(name: "t", columns: [.categorical("c", rows)]).contentHash == reference.finalize())
  }

  @Test func numbersOverManyBlocksHashAsRowByRow() throws {
    // 20,003 values (the hash canonicalises 8,192 at a time: two whole blocks and a part), with NaNs of
    // other bit patterns and -0, against the definition fed one canonical value at a time.
    var values = (0..<20_003).map { Double($0) * 0.37 - 900 }
    for i in stride(from: 5, to: values.count, by: 611) { values[i] = Double(bitPattern: 0x7FF8_0000_0000_0123) }
    for i in stride(from: 9, to: values.count, by: 977) { values[i] = -0.0 }
    var reference = ContentHasher()
    reference.update("labbook-table-v1")
    reference.update(String(values.count))
    reference.update("x")
    reference.update(byte: 1)
    for value in values {
      reference.update(doubles: [value.isNaN ? Double.nan : (value == 0 ? 0 : value)][...])
    }
    #expect(try Table(name: "t", columns: [.numeric("x", values)]).contentHash == reference.finalize())
  }

  @Test func csvAndShippedHDF5HaveTheSameHash() throws {
    let csv = try CSVImport.read(path: bundledDatasets + "/wine.csv", name: "wine")
    let h5 = try HDF5TableReader.load(path: repositoryRoot + "/datasets/wine.h5", name: "wine")
    #expect(h5.columnNames == csv.columnNames)
    #expect(h5.contentHash == csv.contentHash)
    #expect(h5.target == "target")
  }
}

@Suite struct ExpressionTests {
  let table = try! Table(
    name: "t",
    columns: [.numeric("a", [1, 2, .nan, 4]), .numeric("b", [2, 0, 1, 1]), .categorical("s", ["x", "y", nil, "x"])])
  let here = LabbookCoreSpan.zero

  @Test func arithmeticPropagatesMissing() throws {
    let e = Expression.binary(
      .add, .column("a", here), .binary(.multiply, .column("b", here), .number(10, here), here), here)
    guard case .numbers(let v) = try table.evaluate(e) else {
      Issue.record("not numbers")
      return
    }
    #expect(v[0] == 21 && v[1] == 2 && v[2].isNaN && v[3] == 14)
  }

  @Test func threeValuedLogicAndIsMissing() throws {
    // a > 1: [F, T, unknown, T]; s == "x": [T, F, unknown, T]
    let condition = Expression.binary(
      .or, .binary(.greater, .column("a", here), .number(1, here), here),
      .binary(.equal, .column("s", here), .text("x", here), here), here)
    let filtered = try table.filtering(condition)
    #expect(filtered.rowCount == 3)  // rows 1, 2, 4; row 3 is unknown or unknown → dropped
    let missing = try table.filtering(.isMissing(.column("a", here), negated: false, here))
    #expect(missing.rowCount == 1)
  }

  @Test func divisionByZeroNamesTheRow() {
    let e = Expression.binary(.divide, .column("a", here), .column("b", here), here)
    #expect {
      try table.evaluate(e)
    } throws: { error in
      "\(error)" == "division by zero in row 2 (column 'b' is 0)"
    }
  }

  @Test func typeErrors() {
    let e = Expression.binary(.add, .column("s", here), .number(1, here), here)
    #expect(throws: ExpressionError.self) { try table.evaluate(e) }
    let compare = Expression.binary(.equal, .column("s", here), .number(1, here), here)
    #expect(throws: ExpressionError.self) { try table.evaluate(compare) }
    let unknown = Expression.column("aa", here)
    #expect {
      try table.evaluate(unknown)
    } throws: { error in
      "\(error)".contains("did you mean 'a'")
    }
  }

  @Test func deriveAddsOrReplaces() throws {
    let derived = try table.deriving("big", .binary(.greater, .column("b", here), .number(1, here), here))
    #expect(try derived.column("big").values == .numeric([1, 0, 0, 0]))
    let replaced = try table.deriving("a", .unary(.negate, .column("a", here), here))
    #expect(replaced.columnNames == table.columnNames)
  }
}

@Suite struct SplitTests {
  @Test func stratifiedSplitKeepsClassShares() throws {
    let credit = try CSVImport.read(path: bundledDatasets + "/german_credit.csv", name: "credit")
    let (train, test) = try RandomSplit.split(credit, ratio: 0.8, seed: 42, stratify: "risk")
    #expect(train.rowCount == 800 && test.rowCount == 200)
    // 700 good and 300 bad in the file (value_counts), so 560/240 and 140/60 by hand.
    guard case .numeric(let risk) = try train.column("risk").values else { return }
    #expect(risk.filter { $0 == 1 }.count == 560)
  }

  @Test func sameSeedSameSplitOtherSeedOtherSplit() throws {
    let table = try Table(name: "t", columns: [.numeric("i", (0..<100).map(Double.init))])
    let (a, _) = try RandomSplit.split(table, ratio: 0.7, seed: 7)
    let (b, _) = try RandomSplit.split(table, ratio: 0.7, seed: 7)
    let (c, _) = try RandomSplit.split(table, ratio: 0.7, seed: 8)
    #expect(a == b)
    #expect(a != c)
    #expect(a.rowCount == 70)
  }

  @Test func badRatiosAreErrors() throws {
    let table = try Table(name: "t", columns: [.numeric("i", [1, 2, 3])])
    #expect(throws: DataError.self) { try RandomSplit.split(table, ratio: 1.2, seed: 1) }
    #expect(throws: DataError.self) { try RandomSplit.split(table, ratio: 0.1, seed: 1) }
  }
}

@Suite struct QualityCheckTests {
  @Test func findsEachKindOfProblem() throws {
    // Built by hand: x has one missing of 10 (10% → warning) and one far outlier (1000); k is
    // constant; m is mostly numbers with one text value; y has 9 of class 0 and 1 of class 1 (ratio
    // 0.11 < 0.2); row 9 repeats row 1 exactly.
    let x: [Double] = [1, 2, 3, 4, 5, 6, 7, .nan, 1, 1000]
    let table = try Table(
      name: "t",
      columns: [
        .numeric("x", x), .numeric("k", Array(repeating: 5, count: 10)),
        .categorical("m", ["1", "2", "3", "4", "5", "6", "7", "oops", "1", "9"]),
        .numeric("y", [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
      ], target: "y")
    let findings = table.qualityFindings()
    let byCheck = Dictionary(grouping: findings, by: \.check)
    #expect(byCheck["missing"]?.first?.severity == .warning)
    #expect(byCheck["constant"]?.first?.column == "k")
    #expect(byCheck["outliers"]?.first?.column == "x")
    #expect(byCheck["mixed_types"]?.first?.column == "m")
    #expect(byCheck["class_imbalance"]?.first?.column == "y")
    #expect(byCheck["duplicates"]?.first?.message.hasPrefix("1 row repeats") == true)  // row 9 repeats row 1
  }
}

enum LabbookCoreSpan {
  static let zero = SourceSpan(line: 1, column: 1, length: 1)
}

@Suite struct NumberParsingTests {
  /// Every spelling must parse to exactly what Swift's own (correctly rounded) Double(String) gives.
  @Test func fastPathsAgreeWithTheStandardLibrary() throws {
    var generator = SeededGenerator(seed: 5)
    var samples = [
      "0", "-0", "0.1", "1e22", "1e23", "123.456e-7", "9007199254740993", "-2.5E+3", "1.7976931348623157e308",
      "4.9e-324", "+7", ".5", "5.", "00012.5000", "123456789012345", "1234567890123456789",
      // Where Eisel-Lemire's rounding is hardest (fast_float's and Lemire's test cases): the largest and
      // smallest doubles and their neighbours, the normal/subnormal boundary, halfway points, ties to
      // even, 19 and 20 digits, exponents at and past the table's ends.
      "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "2.2250738585072011e-308",
      "2.2250738585072012e-308", "2.2250738585072014e-308", "2.2250738585072013e-308", "4.9406564584124654e-324",
      "2.4703282292062327e-324", "2.4703282292062328e-324", "9007199254740992", "9007199254740993",
      "9007199254740994", "9007199254740995", "18446744073709551615", "18446744073709551616", "1e-342",
      "1e-343", "9999999999999999999e-343", "1e308", "1e309", "0.1e310", "123456789e-350", "7.0e-10",
      "3.0e22", "9.5e22", "1.00000000000000011102230246251565404236316680908203125", "0.000000000000000000001",
      "1448997445238699", "2.2250738585072012e-308", "6.631236846766476e-316", "3.2378839133029012e+138",
      "4.9406564584124653e-324", "1e23", "8.988465674311579e307", "-0.0e5", "0e-400",
    ]
    // 17-digit numbers over the whole range of exponents, and subnormals.
    for _ in 0..<20000 {
      let digits = String(generator.next() % 100_000_000_000_000_000)
      samples.append("\(digits.prefix(1)).\(digits.dropFirst())e\(generator.uniform(below: 650) - 340)")
    }
    for _ in 0..<5000 {
      let digits = String(generator.next() % 1_000_000_000_000_000_000)
      let point = generator.uniform(below: digits.count + 1)
      var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
      if generator.uniform(below: 3) == 0 { text += "e\(generator.uniform(below: 60) - 30)" }
      if generator.uniform(below: 2) == 0 { text = "-" + text }
      samples.append(text)
    }
    // Fractions with leading zeros and runs of digits across the eight-at-a-time steps: every count of
    // zeros and digits up to 24, some with an exponent or a non-digit inside an eight-byte block.
    for zeros in 0...24 {
      for length in 1...24 {
        let digits = String(generator.next() % 1_000_000_000_000_000_000).padding(
          toLength: length, withPad: "7", startingAt: 0)
        let integer = ["0", "", "42", "1234567890123"][(zeros + length) % 4]
        samples.append(integer + "." + String(repeating: "0", count: zeros) + digits)
        samples.append(integer + "." + String(repeating: "0", count: zeros) + digits + "e-5")
      }
    }
    for text in samples {
      let bytes = Array(text.utf8)
      let parsed = bytes.withUnsafeBufferPointer { CSVImport.parseNumber($0, 0, $0.count) }
      #expect(parsed?.bitPattern == Double(text)?.bitPattern, "\(text)")
    }
  }

  @Test func rejectsWhatIsNotADecimalNumber() {
    for text in [
      "1,5", "0x10", "nan", "1e", "--1", "1.2.3", "abc", "1e5x", "0.12345678x", "0.1234567x9", "1.00000000.5",
    ] {
      let bytes = Array(text.utf8)
      #expect(bytes.withUnsafeBufferPointer { CSVImport.parseNumber($0, 0, $0.count) } == nil, "\(text)")
    }
  }
}
