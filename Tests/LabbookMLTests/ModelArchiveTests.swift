import Foundation
import LabbookCore
import Testing

@testable import LabbookData
@testable import LabbookML

/// Model files: every learner, on a binary, a multiclass, a regression and a categorical dataset,
/// written and read back predicts the same bits, and writing the read model again gives the same bytes.
@Suite struct ModelArchiveTests {
  static func table(_ dataset: String) throws -> Table {
    try HDF5TableReader.load(path: repositoryRoot + "/datasets/\(dataset).h5", name: dataset)
  }

  static let cases: [(String, String, LearnerKind, [(String, ParameterValue)])] = [
    ("breast_cancer", "target", .logistic, []), ("breast_cancer", "target", .tree, [("depth", .number(4))]),
    ("breast_cancer", "target", .forest, [("trees", .number(5))]),
    ("breast_cancer", "target", .gbm, [("trees", .number(10))]),
    ("breast_cancer", "target", .knn, []), ("breast_cancer", "target", .bayes, []),
    ("iris", "target", .logistic, []), ("iris", "target", .gbm, [("trees", .number(5))]),
    ("iris", "target", .forest, [("trees", .number(3))]), ("iris", "target", .knn, [("weights", .word("distance"))]),
    ("diabetes", "target", .linear, []), ("diabetes", "target", .ridge, []),
    ("diabetes", "target", .gbm, [("trees", .number(10))]), ("diabetes", "target", .forest, [("trees", .number(3))]),
    ("diabetes", "target", .knn, []),
    ("german_credit", "risk", .gbm, [("trees", .number(10))]), ("german_credit", "risk", .bayes, []),
    ("german_credit", "risk", .tree, []),
    ("german_credit", "risk", .forest, [("trees", .number(5)), ("splits", .word("random"))]),
    ("diabetes", "target", .forest, [("trees", .number(4)), ("splits", .word("random"))]),
  ]

  static func bits(_ prediction: Prediction) -> [UInt64] {
    switch prediction {
    case .probabilities(let p, _): return p.map(\.bitPattern)
    case .values(let v): return v.map(\.bitPattern)
    }
  }

  @Test func everyLearnerRoundTrips() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("archive-\(getpid())").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let pipeline = Pipeline(steps: [
      .impute(.median, columns: nil), .encode(.onehot, columns: nil), .scale(.standard, columns: nil),
    ])
    for (index, (dataset, target, kind, parameters)) in Self.cases.enumerated() {
      let data = try Self.table(dataset)
      var model = try Trainer.train(
        kind, on: data, target: target, pipeline: dataset == "german_credit" && kind != .tree ? pipeline : nil,
        parameters: parameters, seed: 7, threads: 2)
      if dataset == "german_credit", kind == .gbm {
        model = try Mitigation.mitigate(
          model, on: data, protect: ["sex"], bins: nil, positive: nil, method: .threshold, constraint: nil, seed: 7,
          threads: 2
        ).0
      }
      let first = folder + "/\(index)-a.h5"
      let second = folder + "/\(index)-b.h5"
      try ModelArchive.write(model, to: first)
      let read = try ModelArchive.read(from: first)
      try ModelArchive.write(read, to: second)
      let label = "\(kind.rawValue) on \(dataset)"
      #expect(Self.bits(try read.predict(data)) == Self.bits(try model.predict(data)), "\(label) predicts differently")
      #expect(
        try Data(contentsOf: URL(fileURLWithPath: first)) == Data(contentsOf: URL(fileURLWithPath: second)),
        "\(label) rewrites differently")
      #expect(read.parameters == model.parameters && read.pipelineSteps == model.pipelineSteps)
      #expect(read.pipeline == model.pipeline && read.autoEncoding == model.autoEncoding)
      #expect(read.trainingProfile == model.trainingProfile && read.groupThresholds == model.groupThresholds)
      #expect(read.seed == model.seed && read.inputColumns == model.inputColumns)
    }
  }

  @Test func damagedFilesAreErrorsNotCrashes() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-model-\(getpid()).h5").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Data("plain text".utf8).write(to: URL(fileURLWithPath: path))
    #expect(throws: MLError.self) { try ModelArchive.read(from: path) }
    // A table file is HDF5 but not a model.
    #expect(throws: MLError.self) { try ModelArchive.read(from: repositoryRoot + "/datasets/iris.h5") }
  }

  /// Model files from the model fuzz target (2026-12-04) on which libhdf5 1.10's `H5HG_read` crashed
  /// (SIGSEGV, in this process) reading a variable-length string whose descriptor names an object its
  /// heap collection does not hold, or declares fewer bytes than the object holds. Each is now a located
  /// error before libhdf5 follows the descriptor (`StringReferenceCheck`). In the third, a list of levels
  /// is a variable-length sequence of bytes instead of strings; read as strings, libhdf5 crashed
  /// converting it (SIGSEGV in `H5HG_insert`).
  @Test func fuzzedModelFilesThatKilledLibhdf5AreErrors() throws {
    let hostile = repositoryRoot + "/Tests/Fixtures/hostile/"
    let expected = [
      "model-string-object-index.h5":
        "string 3 of '/features' points at object 23 of the global heap collection at byte 2048, which holds none",
      "model-string-longer-than-declared.h5":
        "string 2 of '/input_levels/2' declares 1 bytes but its heap object holds 3",
      "model-sequence-read-as-strings.h5": "'/pipeline/1/levels/0' does not hold strings",
    ]
    for (file, words) in expected.sorted(by: { $0.key < $1.key }) {
      #expect {
        try ModelArchive.read(from: hostile + file)
      } throws: { error in
        "\(error)".contains(words)
      }
    }
  }

  /// Files from model-file format 1 (Tests/Fixtures/model_format1, written by the Labbook of commit
  /// 54a7bc5): a model without natively read categories still loads and predicts what that Labbook
  /// predicted; a gbm with categorical splits cannot be read correctly without its training levels, so
  /// it is refused with a message naming the format.
  @Test func formatOneFilesLoadOrAreRefusedClearly() throws {
    let fixtures = repositoryRoot + "/Tests/Fixtures/model_format1"
    let knn = try ModelArchive.read(from: fixtures + "/knn_onehot.h5")
    #expect(knn.inputKinds == nil)
    let expected = try String(contentsOfFile: fixtures + "/knn_onehot_probability.txt", encoding: .utf8)
      .split(separator: "\n").map { Double($0)! }
    guard case .probabilities(let p, 2) = try knn.predict(try Self.table("german_credit")) else {
      Issue.record("not binary probabilities")
      return
    }
    let probabilities: [Double] = (0..<expected.count).map { p[$0 * 2 + 1] }
    #expect(probabilities == expected)
    #expect {
      try ModelArchive.read(from: fixtures + "/gbm_categorical.h5")
    } throws: { error in
      ((error as? MLError)?.message ?? "").contains("model-file format 1")
    }
  }
}
