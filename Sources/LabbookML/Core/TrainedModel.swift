import Foundation
import LabbookCore
import LabbookData

/// A trained model: the learner, the fitted pipeline and automatic encoding it needs, and what it was
/// trained on. Everything is plain data, so predicting needs only a raw table with the same columns.
public struct TrainedModel: Sendable {
  public var kind: LearnerKind
  public var task: Task
  public var target: String
  public var classes: [String]
  public var parameters: [String: ParameterValue]
  /// Columns of the raw table the model reads (everything but the target when trained).
  public var inputColumns: [String]
  public var pipeline: FittedPipeline?
  /// The pipeline as given, unfitted (for cross-validation, which refits it on every fold).
  public var pipelineSteps: Pipeline?
  /// One-hot encoding of categorical columns left after the pipeline, for learners that need numbers.
  public var autoEncoding: FittedStep?
  /// Feature names the learner saw, in order.
  public var featureNames: [String]
  public var learner: any FittedLearner
  public var trainingRows: Int
  public var seed: UInt64
  /// Per-group decision thresholds set by `mitigate ... method threshold`.
  public var groupThresholds: GroupThresholds? = nil
  /// The training data's profile (inputs and target), for `drift M on CUR`.
  public var trainingProfile: DataProfile? = nil

  /// How the pipeline reads (`impute median, scale standard`), when there is one.
  public var pipelineDescription: String? { pipelineSteps?.description }

  /// The learner's input for a raw table: pipeline, then automatic encoding, then features in order.
  public func features(for table: Table) throws -> FeatureMatrix {
    for column in inputColumns where !table.columns.contains(where: { $0.name == column }) {
      throw MLError("the model needs column '\(column)', which table '\(table.name)' does not have")
    }
    var prepared = try table.selecting(inputColumns)
    if let pipeline { prepared = try pipeline.apply(prepared) }
    if let autoEncoding { prepared = try autoEncoding.apply(prepared) }
    let matrix = FeatureMatrix(table: prepared, excluding: [])
    // Keep the trained feature order; a column the training data never produced is an error.
    var byName: [String: FeatureMatrix.Feature] = [:]
    for feature in matrix.features { byName[feature.name] = feature }
    let ordered = try featureNames.map { name -> FeatureMatrix.Feature in
      guard let feature = byName[name] else { throw MLError("the prepared table lacks feature '\(name)'") }
      return feature
    }
    return FeatureMatrix(features: ordered, rowCount: table.rowCount)
  }

  public func predict(_ table: Table) throws -> Prediction {
    let x = try features(for: table)
    if !kind.acceptsMissingValues { try x.requireNumericComplete(for: kind.rawValue) }
    let prediction = learner.predict(x)
    guard let groupThresholds else { return prediction }
    return try groupThresholds.apply(prediction, to: table)
  }
}

/// Trains any learner: target checks, pipeline fitting on the training rows, automatic encoding, fit.
/// Models only scored and thrown away (cross-validation folds, AutoML trials) skip the training profile
/// that `drift M on T` and the registry keep (`profilingTraining: false`).
public enum Trainer {
  public static func train(
    _ kind: LearnerKind, on table: Table, target: String, task requested: Task? = nil, pipeline: Pipeline? = nil,
    parameters given: [(String, ParameterValue)] = [], weights: [Double]? = nil, seed: UInt64, threads: Int,
    profilingTraining: Bool = true
  ) throws -> TrainedModel {
    let parameters = try kind.resolve(given)
    let y = try Target.read(table, column: target, task: requested)
    guard kind.tasks.contains(y.task) else {
      switch (kind, y.task) {
      case (.linear, _), (.ridge, _):
        throw MLError(
          "`\(kind.rawValue)` is a regression learner, but '\(target)' is a classification target (\(y.classes.count) classes); use `logistic` (or say `task regression`)"
        )
      default:
        throw MLError(
          "`\(kind.rawValue)` is a classification learner, but '\(target)' is a numeric (regression) target; use `linear` or `ridge`"
        )
      }
    }
    if y.task == .classification, y.classes.count > table.rowCount / 2, table.rowCount < 2 * y.classes.count {
      throw MLError(
        "'\(target)' has \(y.classes.count) classes but only \(table.rowCount) rows: too few rows per class to learn from"
      )
    }
    let inputColumns = table.columnNames.filter { $0 != target }
    if inputColumns.isEmpty { throw MLError("table '\(table.name)' has no columns besides the target '\(target)'") }
    var prepared = try table.selecting(inputColumns)
    let fittedPipeline = try pipeline.map { try $0.fit(prepared, target: nil) }
    if let fittedPipeline { prepared = try fittedPipeline.apply(prepared) }
    var autoEncoding: FittedStep?
    if kind.needsNumericFeatures, prepared.columns.contains(where: { !$0.isNumeric }) {
      let step = try PipelineStep.encode(.onehot, columns: nil).fitted(on: prepared)
      autoEncoding = step
      prepared = try step.apply(prepared)
    }
    let x = FeatureMatrix(table: prepared, excluding: [])
    if x.width == 0 { throw MLError("no features are left after the pipeline") }
    if !kind.acceptsMissingValues { try x.requireNumericComplete(for: kind.rawValue) }
    let data = TrainingData(x: x, y: y, weights: weights, seed: seed, threads: threads)
    let learner = try fit(kind, parameters, data)
    return TrainedModel(
      kind: kind, task: y.task, target: target, classes: y.classes, parameters: parameters, inputColumns: inputColumns,
      pipeline: fittedPipeline, pipelineSteps: pipeline,
      autoEncoding: autoEncoding,
      featureNames: x.features.map(\.name), learner: learner, trainingRows: table.rowCount, seed: seed,
      trainingProfile: profilingTraining
        ? DataProfile.make(
          table, columns: inputColumns + [target], sampleLimit: DataProfile.modelSampleLimit,
          seed: derivedSeed(seed, Self.profileStream)) : nil)
  }

  /// The generator stream that samples the stored training profile.
  static let profileStream: UInt64 = 0xD21F7

  static func fit(_ kind: LearnerKind, _ p: [String: ParameterValue], _ data: TrainingData) throws -> any FittedLearner
  {
    func number(_ name: String) -> Double { p[name]?.number ?? 0 }
    func optionalCount(_ name: String) -> Int? { p[name]?.number.map { Int($0) } }
    let width = data.x.width
    func featuresPerSplit() -> Int {
      switch p["features"] {
      case .word("sqrt"): return max(1, Int(Double(width).squareRoot()))
      case .word("log2"): return max(1, Int(log2(Double(width))))
      case .number(let v) where v < 1: return max(1, Int(v * Double(width)))
      case .number(let v): return min(width, Int(v))
      default: return width
      }
    }
    switch kind {
    case .linear: return RidgeRegression(alpha: 0).fit(data)
    case .ridge: return RidgeRegression(alpha: number("alpha")).fit(data)
    case .logistic: return LogisticRegression(c: number("c"), iterations: Int(number("iterations"))).fit(data)
    case .knn:
      return NearestNeighbors(k: Int(number("k")), distanceWeighted: p["weights"] == .word("distance")).fit(data)
    case .bayes: return NaiveBayes(smoothing: number("smoothing")).fit(data)
    case .tree:
      let criterion: DecisionTreeSettings.Criterion = p["criterion"] == .word("entropy") ? .entropy : .gini
      let settings = DecisionTreeSettings(
        maximumDepth: optionalCount("depth"), minimumLeaf: Int(number("min_leaf")), criterion: criterion,
        featuresPerSplit: featuresPerSplit())
      return DecisionTree(settings: settings).fit(data)
    case .forest:
      let settings = DecisionTreeSettings(
        maximumDepth: optionalCount("depth"), minimumLeaf: Int(number("min_leaf")), criterion: .gini,
        featuresPerSplit: featuresPerSplit())
      return try RandomForest(trees: Int(number("trees")), settings: settings).fit(data)
    case .gbm:
      let patience: Int?
      switch p["early_stop"] {
      case .word("on"): patience = 10
      case .number(let v): patience = Int(v)
      default: patience = nil
      }
      return try GradientBoosting(
        trees: Int(number("trees")), leaves: Int(number("leaves")), maximumDepth: optionalCount("depth"),
        rate: number("rate"), minimumLeaf: Int(number("min_leaf")), l2: number("l2"), bins: Int(number("bins")),
        earlyStoppingPatience: patience
      ).fit(data)
    }
  }
}

extension PipelineStep {
  /// Fits this one step on every applicable column of `table`.
  func fitted(on table: Table) throws -> FittedStep {
    try FittedStep.fit(self, columns: table.columns.filter { appliesByDefault(to: $0) }.map(\.name), on: table)
  }
}
