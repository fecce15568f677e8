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
  /// What each raw input column was in training (parallel to `inputColumns`); categorical inputs are
  /// read through their training levels. Nil only for models from model-file format 1.
  public var inputKinds: [InputKind]?
  /// Per learner feature: the training levels when the learner reads it as level codes (gbm, bayes).
  public var featureLevels: [TrainedLevels?]
  public var learner: any FittedLearner
  public var trainingRows: Int
  public var seed: UInt64
  /// Per-group decision thresholds set by `mitigate ... method threshold`.
  public var groupThresholds: GroupThresholds? = nil
  /// The training data's profile (inputs and target), for `drift M on CUR`.
  public var trainingProfile: DataProfile? = nil
  /// What training noticed but went on with (not stored in model files).
  public var warnings: [String] = []
  /// Set for AutoML's ensembles: the model predicts its members' weighted mean (its own learner is the
  /// best member's, kept for what is said about the model).
  public var ensemble: Ensemble? = nil

  /// "ensemble" for an ensemble, else the learner's name.
  public var learnerName: String { ensemble == nil ? kind.rawValue : "ensemble" }

  /// How the pipeline reads (`impute median, scale standard`), when there is one.
  public var pipelineDescription: String? { pipelineSteps?.description }

  /// The learner's input for a raw table: inputs read through their training levels (levels never seen
  /// in training become missing), pipeline, automatic encoding, then features in the trained order and
  /// encoding. The tally counts the unseen levels.
  public func features(for table: Table) throws -> (FeatureMatrix, UnseenLevels.Tally) {
    for column in inputColumns where !table.columns.contains(where: { $0.name == column }) {
      throw MLError("the model needs column '\(column)', which table '\(table.name)' does not have")
    }
    var unseen = UnseenLevels.Tally(rows: table.rowCount)
    var prepared = try table.selecting(inputColumns)
    if let inputKinds {
      prepared = try Self.encodeInputs(prepared, kinds: inputKinds, from: table.name, unseen: &unseen)
    }
    if let pipeline { prepared = try pipeline.apply(prepared) }
    if let autoEncoding { prepared = try autoEncoding.apply(prepared) }
    return (try Self.matrix(prepared, names: featureNames, levels: featureLevels), unseen)
  }

  /// Raw inputs checked against their training kinds, categorical ones recoded to the training levels.
  static func encodeInputs(_ table: Table, kinds: [InputKind], from source: String, unseen: inout UnseenLevels.Tally)
    throws -> Table
  {
    var result = table
    for (i, kind) in kinds.enumerated() where i < result.columns.count {
      let column = result.columns[i]
      switch kind {
      case .numeric:
        guard column.isNumeric else {
          throw MLError(
            "column '\(column.name)' was numeric when the model was trained, but is categorical in table '\(source)'")
        }
      case .categorical(let levels):
        result.columns[i] = levels.recode(column, unseen: &unseen)
      }
    }
    return result
  }

  /// The prepared table's columns as the learner's features, in the trained order; a feature the learner
  /// reads as level codes gets codes into its training levels (anything else is missing).
  static func matrix(_ prepared: Table, names: [String], levels: [TrainedLevels?]) throws -> FeatureMatrix {
    var byName: [String: Column] = [:]
    for column in prepared.columns { byName[column.name] = column }
    var features: [FeatureMatrix.Feature] = []
    for (i, name) in names.enumerated() {
      guard let column = byName[name] else { throw MLError("the prepared table lacks feature '\(name)'") }
      if i < levels.count, let trained = levels[i] {
        var ignored = UnseenLevels.Tally(rows: 0)
        guard case .categorical(let codes, _) = trained.recode(column, unseen: &ignored).values else { continue }
        features.append(
          FeatureMatrix.Feature(name: name, values: codes.map { $0 < 0 ? .nan : Double($0) }, levels: trained.levels))
      } else {
        guard case .numeric(let values) = column.values else {
          throw MLError("feature '\(name)' was numeric when the model was trained, but is categorical here")
        }
        features.append(FeatureMatrix.Feature(name: name, values: values, levels: nil))
      }
    }
    return FeatureMatrix(features: features, rowCount: prepared.rowCount)
  }

  public func predict(_ table: Table) throws -> Prediction { try predictReporting(table).prediction }

  /// Predictions, and the rows whose categorical inputs held levels never seen in training.
  public func predictReporting(_ table: Table) throws -> (prediction: Prediction, unseen: UnseenLevels) {
    if let ensemble {
      let (prediction, unseen) = try ensemble.predict(table)
      guard let groupThresholds else { return (prediction, unseen) }
      return (try groupThresholds.apply(prediction, to: table), unseen)
    }
    let (x, tally) = try features(for: table)
    if !kind.acceptsMissingValues, let (feature, row) = x.firstMissing() {
      if let entry = tally.report.entries.first(where: { feature == $0.column || feature.hasPrefix($0.column + "=") }),
        tally.flaggedRows.contains(row)
      {
        throw MLError(
          "column '\(entry.column)' holds level '\(entry.level)' (\(entry.rows) row\(entry.rows == 1 ? "" : "s")), which the model never saw in training; `\(kind.rawValue)` cannot take it as missing: add `impute mode` to the pipeline, or filter those rows"
        )
      }
      try x.requireNumericComplete(for: kind.rawValue)
    }
    let prediction = learner.predict(x)
    let unseen = tally.report
    guard let groupThresholds else { return (prediction, unseen) }
    return (try groupThresholds.apply(prediction, to: table), unseen)
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
    // Inputs are read through the levels their training rows hold, as every later table will be.
    var prepared = try table.selecting(inputColumns)
    let inputKinds = prepared.columns.map(InputKind.observed(in:))
    var noUnseen = UnseenLevels.Tally(rows: 0)
    prepared = try TrainedModel.encodeInputs(prepared, kinds: inputKinds, from: table.name, unseen: &noUnseen)
    var warnings: [String] = []
    let fittedPipeline = try pipeline.map { try $0.fit(prepared, target: nil, warnings: &warnings) }
    if let fittedPipeline { prepared = try fittedPipeline.apply(prepared) }
    var autoEncoding: FittedStep?
    if kind.needsNumericFeatures, prepared.columns.contains(where: { !$0.isNumeric }) {
      let step = try PipelineStep.encode(.onehot, columns: nil).fitted(on: prepared)
      autoEncoding = step
      prepared = try step.apply(prepared)
    }
    let featureNames = prepared.columnNames
    let featureLevels = prepared.columns.map { $0.isNumeric ? nil : TrainedLevels.observed(in: $0) }
    let x = try TrainedModel.matrix(prepared, names: featureNames, levels: featureLevels)
    if x.width == 0 { throw MLError("no features are left after the pipeline") }
    if !kind.acceptsMissingValues { try x.requireNumericComplete(for: kind.rawValue) }
    let data = TrainingData(x: x, y: y, weights: weights, seed: seed, threads: threads)
    if kind == .knn, let k = parameters["k"]?.number, Int(k) > table.rowCount {
      warnings.append(
        "`k \(formatNumber(k))` is more than the \(table.rowCount) training rows: knn uses all \(table.rowCount) as neighbours"
      )
    }
    let learner = try fit(kind, parameters, data)
    var model = TrainedModel(
      kind: kind, task: y.task, target: target, classes: y.classes, parameters: parameters, inputColumns: inputColumns,
      pipeline: fittedPipeline, pipelineSteps: pipeline,
      autoEncoding: autoEncoding,
      featureNames: featureNames, inputKinds: inputKinds, featureLevels: featureLevels, learner: learner,
      trainingRows: table.rowCount, seed: seed,
      trainingProfile: profilingTraining
        ? DataProfile.make(
          table, columns: inputColumns + [target], sampleLimit: DataProfile.modelSampleLimit,
          seed: derivedSeed(seed, Self.profileStream)) : nil)
    model.warnings = warnings
    return model
  }

  /// The generator stream that samples the stored training profile.
  static let profileStream: UInt64 = 0xD21F7

  static func fit(_ kind: LearnerKind, _ p: [String: ParameterValue], _ data: TrainingData) throws -> any FittedLearner
  {
    func number(_ name: String) -> Double { p[name]?.number ?? 0 }
    func optionalCount(_ name: String) -> Int? { p[name]?.number.map { Int($0) } }
    let width = data.x.width
    /// `features` as a count: per split for tree and forest, per round for gbm.
    func featureCount() -> Int {
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
        featuresPerSplit: featureCount(), maximumLeaves: optionalCount("leaves"))
      return DecisionTree(settings: settings).fit(data)
    case .forest:
      let settings = DecisionTreeSettings(
        maximumDepth: optionalCount("depth"), minimumLeaf: Int(number("min_leaf")), criterion: .gini,
        featuresPerSplit: featureCount(), randomCuts: p["splits"] == .word("random"),
        maximumLeaves: optionalCount("leaves"))
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
        earlyStoppingPatience: patience, featuresPerTree: featureCount()
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
