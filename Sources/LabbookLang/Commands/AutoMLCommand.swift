import Foundation
import LabbookCore
import LabbookData
import LabbookML
import LabbookRender
import LabbookValues

/// `S = automl T target COL [task K] [metric M] [budget 30s] [models [..]] [folds K] [seed N] [with P]`
struct AutoMLCommand: Command {
  static let keyword = "automl"
  static let help = CommandHelp(
    usage:
      "automl TABLE target COLUMN [task classification|regression] [metric METRIC] [budget 30s | budget N trials] [models [LEARNERS]] [folds K | holdout SHARE] [seed N] [with PIPELINE] [executor local|slurm] [partition P] [round N]",
    summary: "a time-budgeted search over learners and hyper-parameters; S.best is the best, refitted on TABLE",
    details: """
      The search (after FLAML) starts every learner at a cheap setting (few trees, few leaves) and moves by
      randomized local search, trying next the learner with the best expected improvement per unit of work. Trials
      run in parallel on every core, in rounds proposed from the results so far, so the configurations tried depend
      only on the seed; the budget (default 30s) decides where the search stops: a trial not expected to finish in
      the time left is skipped and the search goes on with cheaper ones, until nothing fits. `budget N trials` runs
      exactly N trials whatever the clock says (reproducible on a shared machine). At the end, ensemble selection
      (Caruana et al., 2004) combines the best trials' out-of-fold predictions; the ensemble is kept when it scores
      better out of fold than the best trial alone (for accuracy, precision, recall and f1 it is built and judged on
      the log loss: a count of rows is too coarse to steer it). S.best, refitted on all rows within the budget, is that
      ensemble or the best trial. Scores: 5-fold cross-validation for small data (repeated three times up to 1,000 rows), a 10%
      holdout for large data (folds K forces K-fold, holdout 0.2 a 20% holdout). metric: accuracy (default),
      precision, recall, f1, auc, logloss; or r2 (default), rmse, mae. The task is inferred as for `train` (a
      whole-number target with few values is classification) unless `task` says or the metric names it
      (`metric r2` on a count is regression).
      models: learners to consider (default gbm, forest, logistic, knn, tree, bayes; for regression gbm, forest,
      ridge, knn, tree). `with P` puts P before every learner; learners that need it also get a scaling step the
      search chooses. The notebook records the trials that ran; replay re-runs exactly those, not racing the clock.
      `show S` lists every trial; S.best, S.trials (a table), S.score, S.evaluated.
      executor slurm runs each round as a Slurm job array (tasks run `labbook trial` from $LABBOOK_SLURM_SHARED,
      default ./.labbook-slurm, a folder every node must see), 16 proposals a round unless `round N` says; the
      scores are the same as on local threads, and replay runs the recorded trials locally.
      """,
    example: "search = automl train target risk metric f1 budget 30s seed 7 with prep")

  let table: ValueExpression
  let target: Located<String>
  let options: [String: OptionValue]

  init(parsing parser: inout StatementParser) throws {
    table = try parser.value("the training table")
    try parser.expect("target")
    target = try parser.name("the target column")
    options = try parser.options([
      "metric": .name, "task": .name, "budget": .value, "trials": .flag, "models": .columns, "folds": .value,
      "holdout": .value,
      "seed": .value,
      "with": .value, "executor": .name, "partition": .name, "round": .value,
    ])
  }

  func execute(in session: Session) throws -> Value {
    let data = try session.table(table)
    _ = try session.requireColumn(target, in: data)
    var budget = 30.0
    var trialBudget: Int?
    if case .flag(let span)? = options["trials"] {
      guard let expression = options["budget"]?.valueExpression else {
        throw LabError("`trials` counts the budget in trials: `budget 20 trials`", at: span)
      }
      trialBudget = try session.integer(expression, "a budget in trials", minimum: 1, maximum: 100_000)
      budget = AutoML.maximumBudget
    } else if let expression = options["budget"]?.valueExpression {
      switch try session.evaluate(expression) {
      case .duration(let seconds), .number(let seconds):
        guard seconds > 0, seconds <= AutoML.maximumBudget else {
          throw LabError(
            "the budget must be positive and at most \(formatNumber(AutoML.maximumBudget / 86_400)) days, such as budget 30s",
            at: expression.span)
        }
        budget = seconds
      case let other: throw LabError("`budget` is a duration such as 30s, not a \(other.typeName)", at: expression.span)
      }
    }
    var settings = AutoML.Settings(target: target.value, budget: budget, seed: session.seed, threads: session.threads)
    settings.maximumTrials = trialBudget
    settings.timeGate = trialBudget == nil
    if let expression = options["seed"]?.valueExpression {
      settings.seed = UInt64(try session.integer(expression, "`seed`", minimum: 0, maximum: Session.maximumSeed))
    }
    if let expression = options["folds"]?.valueExpression {
      settings.folds = try session.integer(expression, "`folds`", minimum: 2, maximum: 1000)
    }
    if let expression = options["holdout"]?.valueExpression {
      let share = try session.number(expression, "`holdout`")
      guard share > 0, share < 1 else {
        throw LabError("`holdout` is a share of the rows between 0 and 1, such as 0.2", at: expression.span)
      }
      settings.holdout = share
    }
    if let metric = options["metric"]?.nameValue {
      let all = Metrics.classificationNames + Metrics.regressionNames
      guard all.contains(metric.value) else {
        var message = "unknown metric '\(metric.value)'; metrics are \(all.joined(separator: ", "))"
        if let near = LabbookDataNames.closest(metric.value, all) { message += "; did you mean `\(near)`?" }
        throw LabError(message, at: metric.span)
      }
      settings.metric = metric.value
    }
    if let task = options["task"]?.nameValue {
      guard let parsed = LabbookML.Task(rawValue: task.value) else {
        throw LabError("`task` is `classification` or `regression`, not '\(task.value)'", at: task.span)
      }
      settings.task = parsed
    }
    if case .columns(let names, _)? = options["models"] {
      settings.models = try names.map { try learnerKind($0) }
    }
    if let expression = options["with"]?.valueExpression {
      guard case .pipeline(let pipeline) = try session.evaluate(expression) else {
        throw LabError("`with` takes a pipeline (P = pipeline ...)", at: expression.span)
      }
      settings.pipeline = pipeline
    }
    if let expression = options["round"]?.valueExpression {
      settings.roundSize = try session.integer(expression, "`round` (proposals per round)", minimum: 1, maximum: 1024)
    }
    let executor = options["executor"]?.nameValue
    let executorName = executor?.value ?? session.defaultExecutor
    switch executorName {
    case "local":
      if let partition = options["partition"] {
        throw LabError("`partition` is for `executor slurm`", at: partition.span)
      }
    case "slurm":
      guard let makeRunner = session.slurmRunner else {
        throw LabError(
          "the Slurm executor needs the labbook executable (its tasks run `labbook trial`)", at: table.span)
      }
      settings.remote = makeRunner(options["partition"]?.nameValue?.value ?? session.defaultPartition)
      if options["round"] == nil { settings.roundSize = AutoML.remoteRoundSize }
    default:
      throw LabError(
        "unknown executor '\(executorName)': `local` (this machine's cores) or `slurm` (job arrays)",
        at: executor?.span ?? table.span)
    }
    // Replaying as recorded: run exactly the trials the notebook recorded (with --param, new data: search anew).
    if session.registry.reproducing, let recorded = session.recordedCell?["automl"]?["trials"]?.arrayValue {
      // The round size shapes the search; recordings before it was recorded used four. So does the
      // search's version; recordings before it was recorded are version 1.
      settings.roundSize = session.recordedCell?["automl"]?["round_size"]?.intValue(in: 1...1024) ?? AutoML.roundSize
      settings.searchVersion = session.recordedCell?["automl"]?["search_version"]?.intValue(in: 1...1_000_000) ?? 1
      settings.recorded = recorded.map {
        AutoML.RecordedTrial(
          learner: $0["model"]?.stringValue ?? "", parameters: $0["parameters"]?.stringValue ?? "",
          skipped: $0["skipped"] == .bool(true))
      }
      // Recordings made before ensembles existed ended in a single trial.
      settings.recordedEnsemble = session.recordedCell?["automl"]?["ensemble"] == .bool(true)
    }
    var progress: (@Sendable (AutoMLProgress) -> Void)?
    if let emit = session.progress {
      progress = { state in emit(AutoMLLayouts.progressLine(state)) }
    }
    let result = try locatedML(table.span) {
      defer { session.progress?("") }
      return try AutoML.run(data, settings: settings, progress: progress)
    }
    let trials: [JSONValue] = result.trials.map { trial in
      .object(
        [
          ("id", .num(trial.id)), ("model", .string(trial.learner.rawValue)),
          ("parameters", .string(trial.parameterText)), ("score", trial.score.map { .num($0) } ?? .null),
          ("seconds", .num(trial.seconds)), ("error", .optional(trial.error)),
        ] + (trial.skipped ? [("skipped", .bool(true))] : []))
    }
    // The search's version, the round size only when it is not the default, and where the trials ran
    // (replay runs them here).
    let record: JSONValue = .object(
      [
        ("evaluation", .string(result.evaluation)), ("seconds", .num(result.seconds)), ("trials", .array(trials)),
        ("ensemble", .bool(result.ensemble != nil)), ("search_version", .num(settings.searchVersion)),
      ] + (settings.roundSize == AutoML.roundSize ? [] : [("round_size", .num(settings.roundSize))])
        + (settings.remote.map { [("executor", .string($0.name))] } ?? []))
    session.statementReplay.append(("automl", record))
    return .automl(result)
  }
}
