import Foundation
import LabbookCore
import LabbookData

/// Trials scored outside the searching process (by `labbook trial` on a Slurm node, say). The search is
/// the same whichever runs its trials: it proposes the same rounds from the same seed, and a trial is
/// scored by the same function (`AutoML.score`) from the same table, folds and seeds, so a search
/// recorded on a cluster replays locally bit for bit.
public protocol RemoteTrialRunner: AnyObject, Sendable {
  /// For messages and the notebook (`slurm`).
  var name: String { get }
  /// Called once, before the first round: the search's table and settings, for the workers.
  func begin(_ search: RemoteSearch) throws
  /// Scores a round's trials; one result per trial, nil for a trial not run (Ctrl-C cancelled it).
  /// `timeLimit` (seconds) bounds each trial when the budget is a time.
  func run(_ trials: [RemoteTrial], timeLimit: Double?) throws -> [RemoteTrialResult?]
  /// Called once at the end, whatever happened.
  func end()
}

/// One trial as a worker receives it.
public struct RemoteTrial: Sendable {
  public var id: Int
  public var learner: LearnerKind
  public var parameters: [(String, ParameterValue)]

  init(_ trial: Trial) {
    id = trial.id
    learner = trial.learner
    parameters = trial.parameters
  }

  public var json: JSONValue {
    .object([
      ("id", .num(id)), ("learner", .string(learner.rawValue)),
      ("parameters", .array(parameters.map { .array([.string($0.0), RemoteSearch.json($0.1)]) })),
    ])
  }

  public init(json: JSONValue) throws {
    guard let id = json["id"]?.intValue(in: 1...Int(Int32.max)),
      let learner = json["learner"]?.stringValue.flatMap(LearnerKind.init(rawValue:)),
      let items = json["parameters"]?.arrayValue
    else { throw MLError("a trial file lacks its id, learner or parameters") }
    self.id = id
    self.learner = learner
    parameters = try items.map { item in
      guard let pair = item.arrayValue, pair.count == 2, let name = pair[0].stringValue else {
        throw MLError("a trial's parameter is not a [name, value] pair")
      }
      return (name, try RemoteSearch.parameter(pair[1]))
    }
  }
}

/// A worker's result: the fields `runRound` fills in locally, and the out-of-fold predictions.
public struct RemoteTrialResult: Sendable {
  public var score: Double?
  public var tieBreak: Double?
  public var standardError = 0.0
  public var predictions: [Double]?
  public var error: String?
  public var seconds = 0.0

  public init(error: String, seconds: Double = 0) {
    self.error = error
    self.seconds = seconds
  }

  init(
    score: Double?, tieBreak: Double?, standardError: Double, predictions: [Double]?, error: String?, seconds: Double
  ) {
    (self.score, self.tieBreak, self.standardError) = (score, tieBreak, standardError)
    (self.predictions, self.error, self.seconds) = (predictions, error, seconds)
  }

  /// The numbers as bit patterns (hexadecimal), so nothing is rounded on the way; predictions go in a
  /// separate binary file (`predictionBytes`).
  public var json: JSONValue {
    func bits(_ value: Double?) -> JSONValue { value.map { .string(String($0.bitPattern, radix: 16)) } ?? .null }
    return .object([
      ("score", bits(score)), ("tie_break", bits(tieBreak)), ("standard_error", bits(standardError)),
      ("error", .optional(error)), ("seconds", .num(seconds)), ("predictions", .num(predictions?.count ?? -1)),
    ])
  }

  public var predictionBytes: [UInt8] {
    (predictions ?? []).flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
  }

  public init(json: JSONValue, predictionBytes: [UInt8]) throws {
    func bits(_ key: String) throws -> Double? {
      guard let value = json[key], value != .null else { return nil }
      guard let text = value.stringValue, let pattern = UInt64(text, radix: 16) else {
        throw MLError("a trial result's \(key) is not a number's bits")
      }
      return Double(bitPattern: pattern)
    }
    score = try bits("score")
    tieBreak = try bits("tie_break")
    standardError = try bits("standard_error") ?? 0
    error = json["error"]?.stringValue
    seconds = json["seconds"]?.doubleValue ?? 0
    let count = json["predictions"]?.intValue(in: -1...Int(Int32.max)) ?? -1
    if count >= 0 {
      guard predictionBytes.count == count * 8 else { throw MLError("a trial result's predictions are cut short") }
      predictions = (0..<count).map { index in
        var pattern: UInt64 = 0
        for byte in 0..<8 { pattern |= UInt64(predictionBytes[index * 8 + byte]) << (8 * UInt64(byte)) }
        return Double(bitPattern: pattern)
      }
    }
  }
}

/// What every worker needs to score trials exactly as the searching process would.
public struct RemoteSearch: Sendable {
  public var table: Table
  public var target: String
  public var metric: String
  /// The search's task as the searching process resolved it (from `task`, the metric or the target).
  public var task: Task
  var method: TrialEvaluation.Method
  var evaluationSeed: UInt64
  public var pipeline: Pipeline?
  public var seed: UInt64

  init(evaluation: TrialEvaluation, seed evaluationSeed: UInt64, pipeline: Pipeline?, searchSeed: UInt64) {
    table = evaluation.table
    target = evaluation.target
    metric = evaluation.metric
    task = evaluation.task
    method = evaluation.method
    self.evaluationSeed = evaluationSeed
    self.pipeline = pipeline
    seed = searchSeed
  }

  /// Everything but the table (which travels as `TableWire` bytes).
  public var json: JSONValue {
    let methodJSON: JSONValue
    switch method {
    case .crossValidation(let folds, let repeats):
      methodJSON = .object([("kind", .string("cv")), ("folds", .num(folds)), ("repeats", .num(repeats))])
    case .holdout(let share):
      methodJSON = .object([("kind", .string("holdout")), ("share", .num(share))])
    }
    return .object([
      ("target", .string(target)), ("metric", .string(metric)), ("task", .string(task.rawValue)),
      ("method", methodJSON),
      ("evaluation_seed", .string(String(evaluationSeed))), ("seed", .string(String(seed))),
      ("pipeline", pipeline.map { .array($0.steps.map(Self.json)) } ?? .null),
    ])
  }

  public init(json: JSONValue, table: Table) throws {
    self.table = table
    guard let target = json["target"]?.stringValue, let metric = json["metric"]?.stringValue,
      let evaluationSeed = json["evaluation_seed"]?.stringValue.flatMap({ UInt64($0) }),
      let seed = json["seed"]?.stringValue.flatMap({ UInt64($0) }), let method = json["method"],
      let task = json["task"]?.stringValue.flatMap(Task.init(rawValue:))
    else { throw MLError("the search file lacks its target, metric, task, seeds or method") }
    self.task = task
    (self.target, self.metric, self.evaluationSeed, self.seed) = (target, metric, evaluationSeed, seed)
    switch method["kind"]?.stringValue {
    case "cv":
      guard let folds = method["folds"]?.intValue(in: 2...100_000),
        let repeats = method["repeats"]?.intValue(in: 1...100)
      else { throw MLError("the search file's cross-validation is malformed") }
      self.method = .crossValidation(folds: folds, repeats: repeats)
    case "holdout":
      guard let share = method["share"]?.doubleValue, share > 0, share < 1 else {
        throw MLError("the search file's holdout is malformed")
      }
      self.method = .holdout(share: share)
    default: throw MLError("the search file's method is unknown")
    }
    if let steps = json["pipeline"]?.arrayValue {
      pipeline = Pipeline(steps: try steps.map(Self.step))
    } else {
      pipeline = nil
    }
  }

  /// Scores a trial as the searching process would, timing it.
  public func score(_ trial: RemoteTrial) throws -> RemoteTrialResult {
    let start = Date()
    let evaluation = TrialEvaluation(
      table: table, target: try Target.read(table, column: target, task: task), metric: metric, method: method,
      seed: evaluationSeed)
    var local = Trial(id: trial.id, learner: trial.learner, parameters: trial.parameters, seconds: 0)
    let predictions = AutoML.score(&local, evaluation: evaluation, pipeline: pipeline, seed: seed)
    return RemoteTrialResult(
      score: local.score, tieBreak: local.tieBreak, standardError: local.standardError, predictions: predictions,
      error: local.error, seconds: Date().timeIntervalSince(start))
  }

  // MARK: Values as JSON

  static func json(_ value: ParameterValue) -> JSONValue {
    switch value {
    case .number(let number): return .object([("number", .string(String(number.bitPattern, radix: 16)))])
    case .word(let word): return .string(word)
    }
  }

  static func parameter(_ json: JSONValue) throws -> ParameterValue {
    if let word = json.stringValue { return .word(word) }
    guard let text = json["number"]?.stringValue, let pattern = UInt64(text, radix: 16) else {
      throw MLError("a trial's parameter value is malformed")
    }
    return .number(Double(bitPattern: pattern))
  }

  static func json(_ step: PipelineStep) -> JSONValue {
    var pairs: [(String, JSONValue)]
    switch step {
    case .impute(let strategy, _):
      switch strategy {
      case .mean: pairs = [("step", .string("impute")), ("option", .string("mean"))]
      case .median: pairs = [("step", .string("impute")), ("option", .string("median"))]
      case .mode: pairs = [("step", .string("impute")), ("option", .string("mode"))]
      case .constant(let text):
        pairs = [("step", .string("impute")), ("option", .string("constant")), ("value", .string(text))]
      }
    case .scale(let kind, _): pairs = [("step", .string("scale")), ("option", .string(kind.rawValue))]
    case .encode(let kind, _): pairs = [("step", .string("encode")), ("option", .string(kind.rawValue))]
    case .clip(let sigmas, _):
      pairs = [("step", .string("clip")), ("value", .string(String(sigmas.bitPattern, radix: 16)))]
    case .log: pairs = [("step", .string("log"))]
    case .bin(let count, _): pairs = [("step", .string("bin")), ("value", .num(count))]
    }
    pairs.append(("columns", step.columns.map { .array($0.map { .string($0) }) } ?? .null))
    return .object(pairs)
  }

  static func step(_ json: JSONValue) throws -> PipelineStep {
    let columns = json["columns"]?.arrayValue?.compactMap(\.stringValue)
    let option = json["option"]?.stringValue
    switch json["step"]?.stringValue {
    case "impute":
      switch option {
      case "mean": return .impute(.mean, columns: columns)
      case "median": return .impute(.median, columns: columns)
      case "mode": return .impute(.mode, columns: columns)
      case "constant":
        guard let value = json["value"]?.stringValue else { break }
        return .impute(.constant(value), columns: columns)
      default: break
      }
    case "scale":
      if let kind = option.flatMap(PipelineStep.ScaleKind.init(rawValue:)) { return .scale(kind, columns: columns) }
    case "encode":
      if let kind = option.flatMap(PipelineStep.EncodeKind.init(rawValue:)) { return .encode(kind, columns: columns) }
    case "clip":
      if let text = json["value"]?.stringValue, let pattern = UInt64(text, radix: 16) {
        return .clip(sigmas: Double(bitPattern: pattern), columns: columns)
      }
    case "log": return .log(columns: columns)
    case "bin":
      if let count = json["value"]?.intValue(in: 2...1000) { return .bin(count: count, columns: columns) }
    default: break
    }
    throw MLError("the search file's pipeline holds a step it cannot read")
  }
}
