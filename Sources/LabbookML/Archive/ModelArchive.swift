import Foundation
import HDF5Kit
import LabbookCore

/// A trained model as an HDF5 file of plain data (SPEC §4 `model.h5`): attributes and 1-D datasets
/// only, so reading one never runs code and h5py can inspect it. Layout:
///   /                 attributes labbook_model_format (2), tool_version, learner, task, target, seed, training_rows;
///                     datasets classes, inputs, features, input_kinds ("numeric"/"categorical" per input)
///   /input_levels/I   the training levels of categorical input I (format 2)
///   /feature_levels/J the training levels of feature J when the learner reads it as level codes (format 2)
///   /params           names, kinds ("number"/"word"), values (text; numbers with 17 significant digits)
///   /pipeline_steps/N the unfitted pipeline, /pipeline/N the fitted one, /auto_encoding the automatic one-hot step
///   /learner          the fitted learner (see LearnerArchive)
///   /group_thresholds thresholds from `mitigate ... method threshold`
///   /training_profile what `drift M on T` compares with
/// The writer stores no timestamps, so the same model always gives the same bytes (and sha256).
///
/// Format history: 1 stored no training levels, so gbm and bayes read a categorical column through the
/// level list of whatever table they were given; 2 stores them (`input_kinds`, `input_levels`,
/// `feature_levels`). Format 1 files still load, except gbm and bayes models with categorical features,
/// which cannot be read correctly without their levels.
public enum ModelArchive {
  public static let format = 2

  public static func write(_ model: TrainedModel, to path: String) throws {
    let file = try HDF5File.create(path)
    try write(model, into: ArchiveGroup(group: try file.root))
    try file.flush()
  }

  /// A model into a group (the file's root; an ensemble's members each into a group of their own).
  static func write(_ model: TrainedModel, into root: ArchiveGroup) throws {
    try root.set("labbook_model_format", format)
    try root.set("tool_version", Labbook.version)
    try root.set("learner", model.kind.rawValue)
    try root.set("task", model.task.rawValue)
    try root.set("target", model.target)
    try root.set("seed", String(model.seed))
    try root.set("training_rows", model.trainingRows)
    try root.set("classes", strings: model.classes)
    try root.set("inputs", strings: model.inputColumns)
    try root.set("features", strings: model.featureNames)
    if let kinds = model.inputKinds {
      try root.set(
        "input_kinds",
        strings: kinds.map {
          if case .categorical = $0 { return "categorical" }
          return "numeric"
        })
      let levels = try root.child("input_levels")
      for (i, kind) in kinds.enumerated() {
        if case .categorical(let trained) = kind { try levels.set(String(i), strings: trained.levels) }
      }
    }
    let featureLevels = try root.child("feature_levels")
    for (j, trained) in model.featureLevels.enumerated() {
      if let trained { try featureLevels.set(String(j), strings: trained.levels) }
    }
    let params = try root.child("params")
    let names = model.parameters.keys.sorted()
    try params.set("names", strings: names)
    try params.set(
      "kinds",
      strings: names.map {
        if case .number = model.parameters[$0]! { return "number" }
        return "word"
      })
    try params.set(
      "values",
      strings: names.map {
        switch model.parameters[$0]! {
        case .number(let v): return String(format: "%.17g", v)
        case .word(let w): return w
        }
      })
    if let steps = model.pipelineSteps?.steps {
      let group = try root.child("pipeline_steps")
      for (i, step) in steps.enumerated() { try step.archive(into: try group.child(String(i))) }
    }
    if let fitted = model.pipeline?.steps {
      let group = try root.child("pipeline")
      for (i, step) in fitted.enumerated() { try step.archive(into: try group.child(String(i))) }
    }
    if let step = model.autoEncoding { try step.archive(into: try root.child("auto_encoding")) }
    try LearnerArchive.write(model.learner, into: try root.child("learner"))
    if let thresholds = model.groupThresholds {
      let group = try root.child("group_thresholds")
      try group.set("columns", strings: thresholds.columns)
      if let bins = thresholds.bins { try group.set("bins", doubles: bins) }
      try group.set("positive_class", thresholds.positiveClass)
      try group.set("labels", strings: thresholds.labels)
      try group.set("thresholds", doubles: thresholds.thresholds)
    }
    if let profile = model.trainingProfile {
      let group = try root.child("training_profile")
      try group.set("name", profile.name)
      try group.set("rows", profile.rows)
      try group.set("sampled", profile.sampled)
      let columns = try group.child("columns")
      for (i, column) in profile.columns.enumerated() {
        let entry = try columns.child(String(i))
        try entry.set("name", column.name)
        try entry.set("missing", column.missing)
        switch column.values {
        case .numeric(let values):
          try entry.set("type", "numeric")
          try entry.set("values", doubles: values)
        case .categorical(let levels, let counts):
          try entry.set("type", "categorical")
          try entry.set("levels", strings: levels)
          try entry.set("counts", doubles: counts)
        }
      }
    }
    if let ensemble = model.ensemble {
      let group = try root.child("ensemble")
      try group.set("weights", doubles: ensemble.weights)
      let members = try group.child("members")
      for (i, member) in ensemble.members.enumerated() { try write(member, into: try members.child(String(i))) }
    }
  }

  public static func read(from path: String) throws -> TrainedModel {
    guard HDF5File.isHDF5(path) else { throw MLError("'\(path)' is not an HDF5 model file") }
    let file = try HDF5File.open(path)
    return try read(from: ArchiveGroup(group: try file.root), path: path, allowEnsemble: true)
  }

  static func read(from root: ArchiveGroup, path: String, allowEnsemble: Bool) throws -> TrainedModel {
    guard root.has("labbook_model_format") else { throw MLError("'\(path)' is not a Labbook model file") }
    let fileFormat = try root.int("labbook_model_format")
    guard fileFormat == 1 || fileFormat == format else {
      throw MLError(
        "'\(path)' is model-file format \(fileFormat); this Labbook (\(Labbook.version)) reads formats 1 and \(format)")
    }
    guard let kind = LearnerKind(rawValue: try root.string("learner")) else {
      throw root.malformed("learner", "is not a learner this version knows")
    }
    guard let task = Task(rawValue: try root.string("task")) else { throw root.malformed("task", "is unknown") }
    guard let seed = UInt64(try root.string("seed")) else { throw root.malformed("seed", "is not a number") }
    let classes = try root.strings("classes")
    let features = try root.strings("features")
    let inputs = try root.strings("inputs")
    let params = try root.open("params")
    let names = try params.strings("names")
    let kinds = try params.strings("kinds", count: names.count)
    let texts = try params.strings("values", count: names.count)
    var parameters: [String: ParameterValue] = [:]
    for i in names.indices {
      if kinds[i] == "number" {
        guard let v = Double(texts[i]) else { throw params.malformed("values", "holds '\(texts[i])', not a number") }
        parameters[names[i]] = .number(v)
      } else {
        parameters[names[i]] = .word(texts[i])
      }
    }
    // Hyper-parameters are checked as `train` checks them: cross-validation refits with them.
    do {
      _ = try kind.resolve(parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    } catch let error as MLError {
      throw params.malformed("values", "are not valid for \(kind.rawValue): \(error.message)")
    }
    var unfitted: Pipeline?
    if root.has("pipeline_steps") {
      unfitted = Pipeline(steps: try root.open("pipeline_steps").indexedChildren().map { try PipelineStep(from: $0) })
    }
    var fitted: FittedPipeline?
    if root.has("pipeline") {
      fitted = FittedPipeline(steps: try root.open("pipeline").indexedChildren().map { try FittedStep(from: $0) })
    }
    let autoEncoding = root.has("auto_encoding") ? try FittedStep(from: try root.open("auto_encoding")) : nil
    let learner = try LearnerArchive.read(
      from: try root.open("learner"), width: features.count, task: task,
      classCount: task == .classification ? classes.count : 0)
    var inputKinds: [InputKind]?
    var featureLevels = [TrainedLevels?](repeating: nil, count: features.count)
    if fileFormat >= 2 {
      let kinds = try root.strings("input_kinds", count: inputs.count)
      let levels = try root.open("input_levels")
      inputKinds = try kinds.enumerated().map { i, kind in
        switch kind {
        case "numeric": return .numeric
        case "categorical": return .categorical(TrainedLevels(try levels.strings(String(i))))
        default: throw root.malformed("input_kinds", "holds '\(kind)', neither numeric nor categorical")
        }
      }
      let stored = try root.open("feature_levels")
      for j in features.indices where stored.has(String(j)) {
        featureLevels[j] = TrainedLevels(try stored.strings(String(j)))
      }
    } else if learner.readsLevelCodes {
      throw MLError(
        "'\(path)' is model-file format 1, which did not store the training levels of categorical features, so this \(kind.rawValue) model cannot predict correctly; train it again (and register the new model)"
      )
    }
    try learner.checkLevelCodes(featureLevels)
    var model = TrainedModel(
      kind: kind, task: task, target: try root.string("target"), classes: classes, parameters: parameters,
      inputColumns: inputs, pipeline: fitted, pipelineSteps: unfitted, autoEncoding: autoEncoding,
      featureNames: features, inputKinds: inputKinds, featureLevels: featureLevels, learner: learner,
      trainingRows: try root.int("training_rows"), seed: seed)
    if root.has("group_thresholds") {
      let group = try root.open("group_thresholds")
      let labels = try group.strings("labels")
      let positive = try group.int("positive_class")
      guard classes.count == 2, positive == 0 || positive == 1 else {
        throw group.malformed("positive_class", "does not fit a binary model")
      }
      model.groupThresholds = GroupThresholds(
        columns: try group.strings("columns"), bins: group.has("bins") ? try group.doubles("bins") : nil,
        positiveClass: positive, labels: labels, thresholds: try group.doubles("thresholds", count: labels.count))
    }
    if root.has("training_profile") {
      let group = try root.open("training_profile")
      let columns = try group.open("columns").indexedChildren().map { entry -> DataProfile.Column in
        let values: DataProfile.Column.Values
        switch try entry.string("type") {
        case "numeric": values = .numeric(try entry.doubles("values"))
        case "categorical":
          let levels = try entry.strings("levels")
          values = .categorical(levels: levels, counts: try entry.doubles("counts", count: levels.count))
        default: throw entry.malformed("type", "is neither numeric nor categorical")
        }
        return DataProfile.Column(name: try entry.string("name"), values: values, missing: try entry.int("missing"))
      }
      model.trainingProfile = DataProfile(
        name: try group.string("name"), rows: try group.int("rows"), columns: columns,
        sampled: try group.bool("sampled"))
    }
    if root.has("ensemble") {
      // Members are whole models; an ensemble of ensembles is not something Labbook writes.
      guard allowEnsemble else { throw root.malformed("ensemble", "is nested inside an ensemble member") }
      let group = try root.open("ensemble")
      let members = try group.open("members").indexedChildren().map {
        try read(from: $0, path: path, allowEnsemble: false)
      }
      let weights = try group.doubles("weights", count: members.count)
      guard !members.isEmpty, weights.allSatisfy({ $0.isFinite && $0 >= 0 }),
        members.allSatisfy({ $0.task == model.task && $0.classes == model.classes })
      else { throw group.malformed("members", "do not make an ensemble of this model's task and classes") }
      model.ensemble = Ensemble(members: members, weights: weights)
    }
    return model
  }
}
