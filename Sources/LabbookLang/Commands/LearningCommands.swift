import LabbookCore
import LabbookData
import LabbookML
import LabbookRender
import LabbookValues

/// `P = pipeline STEP, STEP, ...`
struct PipelineCommand: Command {
  static let keyword = "pipeline"
  static let help = CommandHelp(
    usage: "pipeline STEP, STEP, ...",
    summary: "an unfitted preprocessing pipeline, fitted later on training data only",
    details: """
      Steps, each optionally followed by a column list [a, b] (default: every column it applies to, never the
      target): impute mean|median|mode|constant V · scale standard|minmax|robust · encode onehot|ordinal ·
      clip SIGMAS (mean ± SIGMAS·std) · log (sign(x)·log(1+|x|)) · bin N (quantile bins). One-hot encoding
      ignores levels unseen in training; categorical columns left over are one-hot encoded automatically for
      learners that need numbers. The fitted pipeline travels inside every model trained with it.
      """,
    example: "prep = pipeline impute median, encode onehot, scale standard [age, monthly]")

  let steps: [PipelineStep]

  init(parsing parser: inout StatementParser) throws {
    var steps: [PipelineStep] = []
    repeat {
      if !steps.isEmpty { try parser.expectSymbol(",") }
      steps.append(try Self.step(&parser))
    } while parser.current.isSymbol(",")
    self.steps = steps
  }

  static func step(_ parser: inout StatementParser) throws -> PipelineStep {
    let word = parser.current
    guard word.isName else { throw parser.unexpected("a pipeline step (impute, scale, encode, clip, log, bin)") }
    _ = parser.advance()
    func choice(_ options: [String]) throws -> String {
      let token = parser.current
      guard token.isName, options.contains(token.text) else {
        throw parser.unexpected(options.map { "`\($0)`" }.joined(separator: " or ") + " after `\(word.text)`")
      }
      _ = parser.advance()
      return token.text
    }
    func number(_ what: String) throws -> Double {
      guard case .number(let v) = parser.current.kind else { throw parser.unexpected(what) }
      _ = parser.advance()
      return v
    }
    let step: PipelineStep
    switch word.text {
    case "impute":
      let strategy = try choice(["mean", "median", "mode", "constant"])
      switch strategy {
      case "mean": step = .impute(.mean, columns: nil)
      case "median": step = .impute(.median, columns: nil)
      case "mode": step = .impute(.mode, columns: nil)
      default:
        let token = parser.current
        switch token.kind {
        case .number(let v): step = .impute(.constant(formatNumber(v, significant: 17)), columns: nil)
        case .string(let s): step = .impute(.constant(s), columns: nil)
        default: throw parser.unexpected("a number or string after `constant`")
        }
        _ = parser.advance()
      }
    case "scale":
      step = .scale(PipelineStep.ScaleKind(rawValue: try choice(["standard", "minmax", "robust"]))!, columns: nil)
    case "encode": step = .encode(PipelineStep.EncodeKind(rawValue: try choice(["onehot", "ordinal"]))!, columns: nil)
    case "clip":
      let sigmas = try number("a number of standard deviations after `clip`")
      guard sigmas > 0 else { throw LabError("`clip` needs a positive number of standard deviations", at: word.span) }
      step = .clip(sigmas: sigmas, columns: nil)
    case "log": step = .log(columns: nil)
    case "bin":
      let count = try number("a number of bins after `bin`")
      guard count >= 2, count == count.rounded(), count <= 1000 else {
        throw LabError("`bin` needs a whole number of bins from 2 to 1000", at: word.span)
      }
      step = .bin(count: Int(count), columns: nil)
    default:
      var message = "unknown pipeline step '\(word.text)'; steps are impute, scale, encode, clip, log, bin"
      if let near = LabbookDataNames.closest(word.text, ["impute", "scale", "encode", "clip", "log", "bin"]) {
        message += "; did you mean `\(near)`?"
      }
      throw LabError(message, at: word.span)
    }
    guard parser.current.isSymbol("[") else { return step }
    let columns = try parser.columnList().map(\.value)
    switch step {
    case .impute(let s, _): return .impute(s, columns: columns)
    case .scale(let k, _): return .scale(k, columns: columns)
    case .encode(let k, _): return .encode(k, columns: columns)
    case .clip(let s, _): return .clip(sigmas: s, columns: columns)
    case .log: return .log(columns: columns)
    case .bin(let n, _): return .bin(count: n, columns: columns)
    }
  }

  func execute(in session: Session) throws -> Value { .pipeline(Pipeline(steps: steps)) }
}

/// `M = train KIND on T target COL [with P] [task classification|regression] [PARAM VALUE]...`
struct TrainCommand: Command {
  static let keyword = "train"
  static var help: CommandHelp {
    CommandHelp(
      usage: "train KIND on TABLE target COLUMN [with PIPELINE] [task classification|regression] [PARAM VALUE]...",
      summary: "a model: " + LearnerKind.allCases.map(\.rawValue).joined(separator: ", "),
      details: """
        Classification or regression follows from the target: a categorical target, or a whole-number one with
        at most \(Target.maximumClassesForNumericTarget) distinct values, is classification; `task` overrides it. linear and ridge are
        regression learners, logistic and bayes classification ones; the rest do both. The pipeline is fitted on
        this table only and stored in the model. Random choices use the session's seed. `help train KIND`
        lists a learner's hyper-parameters and defaults.
        """,
      example: "m = train gbm on train target risk with prep trees 200 rate 0.05")
  }

  let kind: Located<String>
  let table: ValueExpression
  let target: Located<String>
  let pipeline: ValueExpression?
  let task: Located<String>?
  let parameters: [(Located<String>, Located<ParameterValue>)]

  init(parsing parser: inout StatementParser) throws {
    kind = try parser.name("a learner (" + LearnerKind.allCases.map(\.rawValue).joined(separator: ", ") + ")")
    try parser.expect("on")
    table = try parser.value("the training table")
    try parser.expect("target")
    target = try parser.name("the target column")
    var pipeline: ValueExpression?
    var task: Located<String>?
    var parameters: [(Located<String>, Located<ParameterValue>)] = []
    while !parser.atEnd {
      let word = parser.current
      guard word.isName else { throw parser.unexpected("`with`, `task` or a hyper-parameter name") }
      _ = parser.advance()
      switch word.text {
      case "with": pipeline = try parser.value("a pipeline after `with`")
      case "task": task = try parser.name("`classification` or `regression`")
      default:
        let valueToken = parser.current
        let value: ParameterValue
        switch valueToken.kind {
        case .number(let v): value = .number(v)
        case .name: value = .word(valueToken.text)
        case .symbol where valueToken.text == "-":
          _ = parser.advance()
          guard case .number(let v) = parser.current.kind else { throw parser.unexpected("a number") }
          value = .number(-v)
        default: throw parser.unexpected("a value for `\(word.text)`")
        }
        _ = parser.advance()
        parameters.append((Located(word.text, word.span), Located(value, valueToken.span)))
      }
    }
    self.pipeline = pipeline
    self.task = task
    self.parameters = parameters
  }

  func execute(in session: Session) throws -> Value {
    let learner = try learnerKind(kind)
    let data = try session.table(table)
    _ = try session.requireColumn(target, in: data)
    var requestedTask: LabbookML.Task?
    if let task {
      guard let parsed = LabbookML.Task(rawValue: task.value) else {
        throw LabError("`task` is `classification` or `regression`, not '\(task.value)'", at: task.span)
      }
      requestedTask = parsed
    }
    var unfitted: Pipeline?
    if let pipeline {
      let value = try session.evaluate(pipeline)
      guard case .pipeline(let p) = value else {
        throw LabError("`with` takes a pipeline (P = pipeline ...), not a \(value.typeName)", at: pipeline.span)
      }
      unfitted = p
    }
    // Check each hyper-parameter where it is written, so the caret points at the culprit.
    for (name, value) in parameters {
      do {
        _ = try learner.resolve([(name.value, value.value)])
      } catch let error as MLError {
        throw LabError(
          error.message, at: learner.parameters.contains { $0.name == name.value } ? value.span : name.span)
      }
    }
    let model = try locatedML(table.span) {
      try Trainer.train(
        learner, on: data, target: target.value, task: requestedTask, pipeline: unfitted,
        parameters: parameters.map { ($0.0.value, $0.1.value) }, seed: session.seed, threads: session.threads)
    }
    for warning in model.warnings { session.warn(warning) }
    return .model(name: "model", model)
  }
}

/// `evaluate M on T`
struct EvaluateCommand: Command {
  static let keyword = "evaluate"
  static let help = CommandHelp(
    usage: "evaluate MODEL on TABLE",
    summary:
      "metrics on a table with the target: accuracy, precision, recall, f1, auc, logloss, confusion; or r2, rmse, mae",
    details: """
      Definitions as scikit-learn's: binary precision/recall/f1 are of the positive class (the second label in
      sorted order, 1 for 0/1 targets); with more classes they are macro averages; auc is ROC AUC (one-vs-rest
      macro for several classes); logloss clips probabilities to [2.2e-16, 1 − 2.2e-16].
      """,
    example: "evaluate m on test")

  let arguments: ModelOnTable

  init(parsing parser: inout StatementParser) throws { arguments = try ModelOnTable(parsing: &parser) }

  func execute(in session: Session) throws -> Value {
    let (name, model, data) = try arguments.resolve(in: session)
    let metrics = try locatedML(arguments.table.span) { try model.evaluate(on: data, curves: true) }
    session.latestMetrics[name] = .object([("table", .string(data.name))] + LearningJSON.fields(metrics))
    return .metrics(model: name, table: data.name, metrics)
  }
}

/// `cv M on T folds K`
struct CrossValidateCommand: Command {
  static let keyword = "cv"
  static let help = CommandHelp(
    usage: "cv MODEL on TABLE [folds K]",
    summary: "K-fold cross-validated metrics (mean and std) of the model's learner, pipeline and settings",
    details: "Folds are stratified by class for classification and drawn with the session's seed; default 5 folds.",
    example: "cv m on credit folds 5")

  let arguments: ModelOnTable
  let folds: ValueExpression?

  init(parsing parser: inout StatementParser) throws {
    arguments = try ModelOnTable(parsing: &parser)
    folds = try parser.options(["folds": .value])["folds"]?.valueExpression
  }

  func execute(in session: Session) throws -> Value {
    let (name, model, data) = try arguments.resolve(in: session)
    let k = try folds.map { try session.integer($0, "`folds`", minimum: 2, maximum: 1000) } ?? 5
    let result = try locatedML(arguments.table.span) {
      try CrossValidation.run(model, on: data, folds: k, seed: session.seed, threads: session.threads)
    }
    return .crossValidation(model: name, table: data.name, result)
  }
}

/// `predict M on T`
struct PredictCommand: Command {
  static let keyword = "predict"
  static let help = CommandHelp(
    usage: "predict MODEL on TABLE",
    summary:
      "the table plus `prediction` (and `probability` for binary tasks, `probability_LABEL` per class otherwise)",
    details: """
      The table needs the model's input columns, raw: the model applies its own pipeline. Categorical columns are
      read through the levels the model saw in training; a level it never saw counts as missing (one-hot
      encoding gives it all zeros), and the result says how many rows had one.
      """,
    example: "scored = predict m on test")

  let arguments: ModelOnTable

  init(parsing parser: inout StatementParser) throws { arguments = try ModelOnTable(parsing: &parser) }

  func execute(in session: Session) throws -> Value {
    let (_, model, data) = try arguments.resolve(in: session)
    let (prediction, unseen) = try locatedML(arguments.table.span) { try model.predictReporting(data) }
    var table = data
    table.columns.removeAll { $0.name == "prediction" || $0.name == "probability" || $0.name.hasPrefix("probability_") }
    switch prediction {
    case .values(let v):
      table.columns.append(.numeric("prediction", v))
    case .probabilities(let p, let k):
      let labels = prediction.classIndices!.map { model.classes[$0] }
      let numericTarget = model.classes.allSatisfy { Double($0) != nil }
      table.columns.append(
        numericTarget ? .numeric("prediction", labels.map { Double($0)! }) : .categorical("prediction", labels))
      if k == 2 {
        table.columns.append(.numeric("probability", (0..<table.rowCount).map { p[$0 * 2 + 1] }))
      } else {
        for (c, label) in model.classes.enumerated() {
          table.columns.append(.numeric("probability_\(label)", (0..<table.rowCount).map { p[$0 * k + c] }))
        }
      }
    }
    return .predicted(table, unseen: unseen)
  }
}

/// `importance M on T`
struct ImportanceCommand: Command {
  static let keyword = "importance"
  static let help = CommandHelp(
    usage: "importance MODEL on TABLE [repeats N]",
    summary: "permutation importance: the drop in accuracy (or R²) when each input column is shuffled",
    details: "Each column is shuffled `repeats` times (default 5) with generators drawn from the session's seed.",
    example: "importance m on test repeats 10")

  let arguments: ModelOnTable
  let repeats: ValueExpression?

  init(parsing parser: inout StatementParser) throws {
    arguments = try ModelOnTable(parsing: &parser)
    repeats = try parser.options(["repeats": .value])["repeats"]?.valueExpression
  }

  func execute(in session: Session) throws -> Value {
    let (name, model, data) = try arguments.resolve(in: session)
    let n = try repeats.map { try session.integer($0, "`repeats`", minimum: 1, maximum: 10_000) } ?? 5
    let result = try locatedML(arguments.table.span) {
      try PermutationImportance.run(model, on: data, repeats: n, seed: session.seed, threads: session.threads)
    }
    return .importance(model: name, table: data.name, result)
  }
}

/// `MODEL on TABLE`, shared by evaluate, cv, predict and importance.
struct ModelOnTable: Sendable {
  let model: ValueExpression
  let table: ValueExpression

  init(parsing parser: inout StatementParser) throws {
    model = try parser.value("a model")
    try parser.expect("on")
    table = try parser.value("a table")
  }

  func resolve(in session: Session) throws -> (String, TrainedModel, Table) {
    let (name, trained) = try resolveModel(model, in: session)
    return (name, trained, try session.table(table))
  }
}

/// The model an expression names, and the name to report it by: the variable's (`m`), the field's
/// (`best` in `search.best`), else the model's own. Recorded metrics and fairness are kept under it.
func resolveModel(_ expression: ValueExpression, in session: Session) throws -> (String, TrainedModel) {
  let value = try session.evaluate(expression)
  guard case .model(let name, let trained) = value else {
    throw LabError("expected a model (M = train ...), but this is a \(value.typeName)", at: expression.span)
  }
  return (expression.dottedName ?? name, trained)
}

/// The learner a name means, or an error listing them (with the nearest name).
func learnerKind(_ name: Located<String>) throws -> LearnerKind {
  if let kind = LearnerKind(rawValue: name.value) { return kind }
  let names = LearnerKind.allCases.map(\.rawValue)
  var message = "unknown learner '\(name.value)'; learners are " + names.joined(separator: ", ")
  if let near = LabbookDataNames.closest(name.value, names) { message += "; did you mean `\(near)`?" }
  throw LabError(message, at: name.span)
}

/// Runs learning work, turning its errors into located language errors.
func locatedML<T>(_ span: SourceSpan, _ body: () throws -> T) throws -> T {
  do {
    return try located(span, body)
  } catch let error as MLError {
    throw LabError(error.message, at: span)
  }
}
