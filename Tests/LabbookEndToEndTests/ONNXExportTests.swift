import Foundation
import LabbookCore
import Testing

/// `export M to "f.onnx"` and `labbook registry export ... --onnx`, checked in onnxruntime: every learner,
/// the pipeline shapes of the example notebooks and more (missing numbers and categories, levels never seen
/// in training, log, bin, clip, ordinal and one-hot encodings), an AutoML ensemble. The expected values are
/// Labbook's own `predict` on the same rows, saved to HDF5; onnxruntime's labels must equal them and its
/// probabilities or values lie within 1e-9 (Tests/Fixtures/onnx_check.py, which also runs onnx.checker).
@Suite(.serialized) struct ONNXExportTests {
  static let checker = Labbook.repositoryRoot + "/Tests/Fixtures/onnx_check.py"

  /// A Python with onnx, onnxruntime, h5py and pandas (scripts/test installs them into .venv).
  static func python() throws -> String {
    let python = try #require(Labbook.python, "onnxruntime is needed (scripts/test installs it; LABBOOK_TEST_PYTHON)")
    let probe = try Labbook.runPython(python, "import onnx, onnxruntime, h5py, pandas")
    try #require(probe.status == 0, "onnx/onnxruntime/pandas missing for \(python): \(probe.stderr)")
    return python
  }

  /// A table with missing numbers, missing and unseen categories and a heavy-tailed column, made from a
  /// fixed linear congruential generator (so the rows are the same on every machine).
  static func syntheticTables(in directory: String) throws {
    var state: UInt64 = 20_261_202
    func next() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    let cities = ["Oslo", "Lima", "Pune", "Kyiv", "Baku"]
    let plans = ["basic", "plus", "pro"]
    func rows(_ count: Int, unseen: Bool) -> String {
      var text = "income,age,city,plan,score,churn,spend\n"
      for row in 0..<count {
        let income = 20 + 80 * next()
        let age = (18 + 60 * next()).rounded()
        var city = cities[Int(next() * 5)]
        let plan = plans[Int(next() * 3)]
        let score = Foundation.exp(6 * next()) - 20
        if unseen && row % 7 == 0 { city = "Atlantis" }
        let missingIncome = next() < 0.1
        let missingCity = next() < 0.1
        let signal = 0.03 * income - 0.02 * age + (plan == "pro" ? 1 : 0) + (city == "Oslo" ? 0.8 : 0) + next() - 1.2
        text += "\(missingIncome ? "" : String(format: "%.3f", income)),\(Int(age)),\(missingCity ? "" : city),"
        text += "\(plan),\(String(format: "%.4f", score)),\(signal > 0 ? "yes" : "no"),"
        text += String(format: "%.3f\n", 10 * signal + 3 * next())
      }
      return text
    }
    try rows(400, unseen: false).write(toFile: directory + "/s_train.csv", atomically: true, encoding: .utf8)
    try rows(150, unseen: true).write(toFile: directory + "/s_test.csv", atomically: true, encoding: .utf8)
  }

  struct Case {
    var model: String
    var test: String
    var task: String
    var classes: [String]
  }

  static let cases: [Case] = {
    let credit = ["logistic", "gbm", "forest", "extra", "leaves", "tree", "knn", "bayes", "search.best"].map {
      Case(
        model: $0 == "search.best" ? "search.best" : "c_\($0)", test: "ctest", task: "classification",
        classes: ["0", "1"])
    }
    let iris = ["gbm", "logistic", "forest", "tree", "knn", "bayes"].map {
      Case(model: "i_\($0)", test: "itest", task: "classification", classes: ["0", "1", "2"])
    }
    let diabetes = ["linear", "ridge", "gbm", "forest", "extra", "tree", "leaves", "knn"].map {
      Case(model: "d_\($0)", test: "dtest", task: "regression", classes: [])
    }
    let synthetic =
      ["logistic", "gbm", "bayes", "knn", "forest"].map {
        Case(model: "s_\($0)", test: "s_test", task: "classification", classes: ["no", "yes"])
      } + ["linear", "gbm"].map { Case(model: "r_\($0)", test: "r_test", task: "regression", classes: []) }
    return credit + iris + diabetes + synthetic
  }()

  static func script(_ directory: String) -> String {
    let root = Labbook.repositoryRoot
    var lines = [
      "credit = import \"\(root)/datasets/german_credit.csv\"",
      "ctrain, ctest = split credit ratio 0.7 seed 11 stratify risk",
      "prep = pipeline impute median, encode onehot, scale standard",
      "c_logistic = train logistic on ctrain target risk with prep",
      "c_gbm = train gbm on ctrain target risk trees 40",
      "c_forest = train forest on ctrain target risk trees 20",
      "c_extra = train forest on ctrain target risk trees 20 splits random",
      "c_leaves = train forest on ctrain target risk trees 20 splits random leaves 12",
      "c_tree = train tree on ctrain target risk",
      "c_knn = train knn on ctrain target risk with prep k 7 weights distance",
      "c_bayes = train bayes on ctrain target risk",
      "search = automl ctrain target risk budget 14 trials seed 7",
      "iris = load \"\(root)/datasets/iris.h5\"",
      "itrain, itest = split iris ratio 0.7 seed 5 stratify target",
      "i_gbm = train gbm on itrain target target trees 30",
      "i_logistic = train logistic on itrain target target",
      "i_forest = train forest on itrain target target trees 16",
      "i_tree = train tree on itrain target target",
      "i_knn = train knn on itrain target target k 6",
      "i_bayes = train bayes on itrain target target",
      "diabetes = load \"\(root)/datasets/diabetes.h5\"",
      "dtrain, dtest = split diabetes ratio 0.7 seed 9",
      "d_linear = train linear on dtrain target target",
      "robust = pipeline scale robust, clip 2.5",
      "d_ridge = train ridge on dtrain target target with robust alpha 3",
      "d_gbm = train gbm on dtrain target target trees 50",
      "d_forest = train forest on dtrain target target trees 12",
      "d_extra = train forest on dtrain target target trees 12 splits random features all",
      "d_tree = train tree on dtrain target target",
      "d_leaves = train tree on dtrain target target leaves 10",
      "minmax = pipeline scale minmax",
      "d_knn = train knn on dtrain target target with minmax k 4",
      "strain = import \"\(directory)/s_train.csv\"",
      "stest = import \"\(directory)/s_test.csv\"",
      "s_train = drop strain [spend]",
      "s_test = drop stest [spend]",
      "r_train = drop strain [churn]",
      "r_test = drop stest [churn]",
      "sprep = pipeline impute median, impute mode, log [score], bin 4 [age], encode ordinal [plan], encode onehot, scale minmax",
      "s_logistic = train logistic on s_train target churn with sprep",
      "s_gbm = train gbm on s_train target churn trees 30",
      "s_bayes = train bayes on s_train target churn",
      "s_knn = train knn on s_train target churn with sprep k 5",
      "zero = pipeline impute constant 0 [income]",
      "s_forest = train forest on s_train target churn with zero trees 10",
      "r_linear = train linear on r_train target spend with sprep",
      "r_gbm = train gbm on r_train target spend trees 30",
    ]
    for test in ["ctest", "itest", "dtest", "s_test", "r_test"] {
      lines.append("save \(test) to \"\(directory)/\(test).h5\" path \"/test\"")
    }
    for item in cases {
      let stem = item.model.replacingOccurrences(of: ".", with: "_")
      lines.append("p_\(stem) = predict \(item.model) on \(item.test)")
      lines.append("save p_\(stem) to \"\(directory)/\(stem)-predictions.h5\" path \"/predictions\"")
      lines.append("export \(item.model) to \"\(directory)/\(stem).onnx\"")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  @Test func onnxruntimePredictsWhatLabbookPredicts() throws {
    let python = try Self.python()
    let directory = try Labbook.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try Self.syntheticTables(in: directory)
    let script = directory + "/export.lab"
    try Self.script(directory).write(toFile: script, atomically: true, encoding: .utf8)
    let run = try Labbook.run(["run", script, "--notebook", directory + "/export.ipynb", "--json"])
    try #require(run.status == 0, "labbook run failed: \(run.stderr)")
    // The AutoML case is only worth having if the search kept an ensemble.
    let exports = run.stdout.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
      .filter { $0["kind"]?.stringValue == "exported" }
    #expect(exports.count == Self.cases.count)
    #expect(exports.contains { $0["learner"]?.stringValue == "ensemble" }, "the AutoML search kept no ensemble")
    let cases = JSONValue.array(
      Self.cases.map { item in
        let stem = item.model.replacingOccurrences(of: ".", with: "_")
        return .object([
          ("name", .string(item.model)), ("onnx", .string("\(directory)/\(stem).onnx")),
          ("test", .string("\(directory)/\(item.test).h5")),
          ("predictions", .string("\(directory)/\(stem)-predictions.h5")), ("task", .string(item.task)),
          ("classes", .array(item.classes.map { .string($0) })), ("tolerance", .num(1e-9)),
        ])
      })
    try cases.compactString.write(toFile: directory + "/cases.json", atomically: true, encoding: .utf8)
    let check = try Labbook.launch(python, [Self.checker, directory + "/cases.json"])
    print("onnxruntime against Labbook's predict, one line per model:\n" + check.stdout)
    #expect(check.status == 0, "onnxruntime disagrees with Labbook:\n\(check.stdout)\(check.stderr)")
    #expect(check.stdout.split(separator: "\n").count == Self.cases.count, "\(check.stdout)")
    // The replayed notebook writes the same files and reproduces every output.
    let replay = try Labbook.run(["replay", directory + "/export.ipynb", "--check"])
    #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
  }

  @Test func registryExportCarriesLineageAndTheREADMEExampleRuns() throws {
    let python = try Self.python()
    let directory = try Labbook.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let registry = directory + "/registry"
    try FileManager.default.copyItem(
      atPath: Labbook.repositoryRoot + "/datasets/german_credit.csv", toPath: directory + "/german_credit.csv")
    let script = directory + "/register.lab"
    try """
    credit = import "\(directory)/german_credit.csv"
    m = train gbm on credit target risk trees 30
    register m as "credit-risk" alias champion
    p = predict m on credit
    save p to "\(directory)/predictions.h5" path "/predictions"
    """.write(toFile: script, atomically: true, encoding: .utf8)
    let run = try Labbook.run(["run", script, "--registry", registry, "--no-record"])
    try #require(run.status == 0, "\(run.stderr)")
    let export = try Labbook.run([
      "registry", "export", "credit-risk@champion", "--onnx", directory + "/credit.onnx", "--registry", registry,
    ])
    #expect(export.status == 0, "\(export.stderr)")
    #expect(export.stdout.contains("exported credit-risk@1 (gbm classification)"), "\(export.stdout)")
    let show = try Labbook.run(["registry", "show", "credit-risk@1", "--json", "--registry", registry])
    let record = try JSONValue.parse(show.stdout)
    let sha256 = try #require(record["sha256"]?.stringValue)
    let inputSHA = try #require(record["lineage"]?["inputs"]?.arrayValue?.first?["sha256"]?.stringValue)

    // The README's five lines, run as they are written, then compared with Labbook's predictions.
    let readme = try String(contentsOfFile: Labbook.repositoryRoot + "/README.md", encoding: .utf8)
    let marker = try #require(readme.range(of: "<!-- onnx-python-example -->"), "README lacks the ONNX example")
    let block = readme[marker.upperBound...].split(separator: "```")[1]
    let example = block.hasPrefix("python") ? String(block.dropFirst("python".count)) : String(block)
    #expect(example.split(separator: "\n").filter { !$0.isEmpty }.count == 5, "\(example)")
    let comparison = """
      import h5py, json, onnx
      p = h5py.File("predictions.h5", "r")["predictions"]
      assert [int(v) for v in label] == [int(v) for v in p["prediction"][:]]
      assert abs(probabilities[:, 1] - p["probability"][:]).max() < 1e-9
      meta = {e.key: e.value for e in onnx.load("credit.onnx").metadata_props}
      print(json.dumps(meta))
      """
    let result = try Labbook.launch(python, ["-c", example + "\n" + comparison], in: directory)
    try #require(result.status == 0, "\(result.stderr)")
    let metadata = try JSONValue.parse(result.stdout)
    #expect(metadata["labbook.model"]?.stringValue == "credit-risk@1")
    #expect(metadata["labbook.model_version"]?.stringValue == "1")
    #expect(metadata["labbook.model_sha256"]?.stringValue == sha256)
    #expect(metadata["labbook.version"]?.stringValue == LabbookCore.Labbook.version)
    let data = try JSONValue.parse(metadata["labbook.training_data"]?.stringValue ?? "[]")
    #expect(data.arrayValue?.first?["sha256"]?.stringValue == inputSHA)
  }

  @Test func whatCannotBeExportedSaysWhy() throws {
    let directory = try Labbook.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let script = directory + "/bad.lab"
    try """
    credit = import "\(Labbook.repositoryRoot)/datasets/german_credit.csv"
    train, valid = split credit ratio 0.7 seed 3 stratify risk
    onehot = pipeline encode onehot
    m = train logistic on train target risk with onehot
    fair = mitigate m on valid protect sex method threshold constraint demographic_parity
    export fair to "\(directory)/fair.onnx"
    """.write(toFile: script, atomically: true, encoding: .utf8)
    let run = try Labbook.run(["run", script, "--no-record"])
    #expect(run.status == 1)
    #expect(
      run.stderr.contains("cannot export 'fair' to ONNX") && run.stderr.contains("group thresholds"), "\(run.stderr)")
    #expect(run.stderr.contains("bad.lab:6"), "\(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: directory + "/fair.onnx"))
    let clash = directory + "/clash.lab"
    try """
    credit = import "\(Labbook.repositoryRoot)/datasets/german_credit.csv"
    credit = derive credit label = age * 2
    m = train gbm on credit target risk trees 5
    export m to "\(directory)/m.onnx"
    """.write(toFile: clash, atomically: true, encoding: .utf8)
    let clashed = try Labbook.run(["run", clash, "--no-record"])
    #expect(clashed.status == 1 && clashed.stderr.contains("has the name of an ONNX output"), "\(clashed.stderr)")
  }
}
