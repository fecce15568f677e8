import Foundation
import LabbookCore
import LabbookData

/// One configuration the search tried.
public struct Trial: Sendable {
  public var id: Int
  public var learner: LearnerKind
  /// Hyper-parameters, with `scale` (the pipeline's scaling step) for learners that get one.
  public var parameters: [(String, ParameterValue)]
  /// The metric (mean over folds), or nil when the trial failed.
  public var score: Double?
  /// Mean log loss, breaking ties of a stepped metric (accuracy, precision, recall, f1).
  public var tieBreak: Double?
  /// The score's standard error over the folds (0 with a single holdout).
  public var standardError = 0.0
  /// Deterministic work units of one fit.
  public var units = 0.0
  public var error: String?
  public var seconds: Double
  /// Not run: it was not expected to finish in the time left (the search went on with cheaper ones).
  public var skipped = false

  /// `trees 40, leaves 8, ...` as recorded and compared on replay.
  public var parameterText: String {
    parameters.map { "\($0.0) \(ParameterValue.text($0.1))" }.joined(separator: ", ")
  }

  /// Learner and parameters: trials with the same configuration score the same.
  var configuration: String { learner.rawValue + ": " + parameterText }
}

extension ParameterValue {
  /// A parameter as text that reads back to the same value (Swift's shortest round-trip form).
  static func text(_ value: ParameterValue) -> String {
    switch value {
    case .number(let v): return v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
    case .word(let w): return w
    }
  }
}

/// What the search reports as it goes (for a progress bar).
public struct AutoMLProgress: Sendable {
  public var trialsDone: Int
  public var bestScore: Double?
  public var bestLearner: LearnerKind?
  public var secondsLeft: Double
  public var budget: Double
}

/// A finished search: the trials that ran, the best, and the best configuration refitted on all rows.
public struct AutoMLResult: Sendable {
  public var metric: String
  public var budget: Double
  /// The budget in trials (`budget N trials`), else nil.
  public var trialBudget: Int? = nil
  public var evaluation: String
  public var trials: [Trial]
  public var best: Trial
  public var model: TrainedModel
  public var seconds: Double

  /// The trials that ran (not those skipped for lack of time).
  public var evaluated: [Trial] { trials.filter { !$0.skipped } }
  /// When the model is an ensemble: its trials and weights, and its out-of-fold score.
  public var ensemble: [(trial: Int, weight: Double)]? = nil
  public var ensembleScore: Double? = nil
}

/// A time-budgeted search over learners, their hyper-parameters and scaling, after FLAML (Wang, Wu,
/// Weimer & Zhu, "FLAML: A Fast and Lightweight AutoML Library", MLSys 2021):
/// - every learner starts at a cheap configuration (few trees, few leaves) and moves by FLOW2 local
///   search (`LocalSearch`), so costly settings are reached only when cheaper ones stop improving;
/// - which learner to try next is drawn with probability inversely proportional to its estimated cost
///   for improvement (ECI: the work since its last improvement, or the gap to the best score over its
///   rate of improvement), with work measured in deterministic cost units, not seconds;
/// - trials run in parallel (a task group, a child task per core) in rounds of four proposals, each
///   round proposed from the results of the rounds before, so the sequence of configurations depends
///   only on the seed. The clock decides only where the sequence stops: a trial is started only if the
///   time it is expected to take (from the seconds per cost unit measured so far) fits in the budget
///   with room left to refit the best.
/// Replay runs exactly the recorded number of trials, checks each proposal against the recording, and
/// so reproduces the leaderboard and the refitted model bit for bit.
public enum AutoML {
  /// The search's version, recorded in the notebook so that replay proposes what the recording's
  /// search proposed: 1, recordings without a version: forest searched once, the ensemble library the
  /// 16 best trials; 2: forest searched twice (`splits best` and `splits random`), the library at most
  /// four per learner; 3: a stepped metric's (accuracy, precision, recall, f1) ensemble selected and
  /// accepted on the out-of-fold log loss.
  public static let searchVersion = 3
  public static let roundSize = 4
  /// Proposals per round on a cluster, unless the statement says (`round N`).
  public static let remoteRoundSize = 16
  /// The longest budget a search takes (30 days): a longer one is a typo, not a plan.
  public static let maximumBudget: Double = 30 * 86_400
  /// The share of the budget kept for refitting the best configuration on every row.
  static let refitReserve = 0.08

  public struct Settings: Sendable {
    public var target: String
    public var metric: String?
    /// The task when the statement says (`task regression`); else the metric's task, else inferred from the target.
    public var task: Task?
    public var budget: Double
    public var models: [LearnerKind]?
    public var folds: Int?
    /// Score on a held-out share instead of cross-validation (forces holdout on small data).
    public var holdout: Double?
    public var seed: UInt64
    public var pipeline: Pipeline?
    public var threads: Int
    /// Replaying: the trials to run, as recorded (learner and parameter text), instead of the budget.
    public var recorded: [RecordedTrial]?
    /// Stop after this many trials even if time is left (`budget N trials`).
    public var maximumTrials: Int?
    /// Whether the clock may refuse trials (off for a budget in trials: every proposal runs).
    public var timeGate = true
    /// Replaying: whether the recorded search ended in an ensemble (the clock decided whether its refit fit).
    public var recordedEnsemble: Bool?
    /// Proposals per round: part of the search (the rounds are proposed from the rounds before), so a
    /// recording keeps it; more than the default when many remote workers take a round at once.
    public var roundSize = AutoML.roundSize
    /// Which search proposes the trials (`AutoML.searchVersion`; replay sets the recording's).
    public var searchVersion = AutoML.searchVersion
    /// Where trials run: nil for this process's threads, or a remote runner (Slurm).
    public var remote: (any RemoteTrialRunner)?
    public init(target: String, budget: Double, seed: UInt64, threads: Int) {
      self.target = target
      self.budget = budget
      self.seed = seed
      self.threads = threads
    }
  }

  /// A trial as a notebook recorded it.
  public struct RecordedTrial: Sendable {
    public var learner: String
    public var parameters: String
    public var skipped: Bool
    public init(learner: String, parameters: String, skipped: Bool) {
      self.learner = learner
      self.parameters = parameters
      self.skipped = skipped
    }
  }

  public static func defaultLearners(_ task: Task) -> [LearnerKind] {
    task == .classification ? [.gbm, .forest, .logistic, .knn, .tree, .bayes] : [.gbm, .forest, .ridge, .knn, .tree]
  }

  public static func run(
    _ table: Table, settings: Settings, progress: (@Sendable (AutoMLProgress) -> Void)? = nil
  ) throws -> AutoMLResult {
    // The search draws its own bar; its trials' training holds still under it.
    let quiet = WorkProgress.begin("automl", total: 0)
    defer { WorkProgress.end(quiet) }
    let started = Date()
    guard (settings.budget > 0 && settings.budget <= maximumBudget) || settings.recorded != nil else {
      throw MLError("the budget must be positive, such as budget 30s")
    }
    // A regression metric names its task: `metric r2` on a whole-number target with few values (a count)
    // means regression, which inference from the target alone would call classes. (A classification
    // metric does not: on a continuous target it is a mistake, and the check below says so.)
    let impliedTask = settings.metric.flatMap(Metrics.task(of:)) == .regression ? Task.regression : nil
    let target = try Target.read(table, column: settings.target, task: settings.task ?? impliedTask)
    let metric = settings.metric ?? (target.task == .classification ? "accuracy" : "r2")
    guard Metrics.names(for: target.task).contains(metric) else {
      let hint =
        settings.task == nil && target.task == .regression
        ? " (or `task classification` to take the target's whole-number values as classes)" : ""
      throw MLError(
        "`\(metric)` is not a \(target.task.rawValue) metric; use one of \(Metrics.names(for: target.task).joined(separator: ", "))\(hint)"
      )
    }
    if metric == "auc" || metric == "precision" || metric == "recall" || metric == "f1", target.classes.count < 2 {
      throw MLError("`\(metric)` needs at least two classes")
    }
    let learners = settings.models ?? defaultLearners(target.task)
    for learner in learners where !learner.tasks.contains(target.task) {
      throw MLError(
        "`\(learner.rawValue)` cannot learn a \(target.task.rawValue) target; learners for it: \(LearnerKind.allCases.filter { $0.tasks.contains(target.task) }.map(\.rawValue).joined(separator: ", "))"
      )
    }
    if learners.isEmpty { throw MLError("`models` lists no learner") }
    let width = table.columns.count - 1
    if let folds = settings.folds, folds < 2 || folds > table.rowCount {
      throw MLError("`folds` must be between 2 and the number of rows (\(table.rowCount))")
    }
    if let share = settings.holdout, !(share > 0 && share < 1) {
      throw MLError("`holdout` is a share of the rows between 0 and 1, such as 0.2")
    }
    if settings.holdout != nil, settings.folds != nil { throw MLError("give `folds` or `holdout`, not both") }
    try requireTwoRowsPerClass(target, in: table)
    let method =
      settings.holdout.map { TrialEvaluation.Method.holdout(share: $0) }
      ?? TrialEvaluation.chooseMethod(rows: table.rowCount, width: width, folds: settings.folds)
    let evaluation = TrialEvaluation(
      table: table, target: target, metric: metric, method: method, seed: derivedSeed(settings.seed, 1))
    guard (1...Self.searchVersion).contains(settings.searchVersion) else {
      throw MLError(
        "the notebook's search is version \(settings.searchVersion), newer than this Labbook's (\(Self.searchVersion)): replay it with the Labbook that recorded it, or a later one"
      )
    }
    var search = SearchState(
      learners: learners, rows: evaluation.trainingRows, width: width, task: target.task, seed: settings.seed,
      version: settings.searchVersion)
    let deadline = started.addingTimeInterval(settings.budget)
    if let runner = settings.remote, settings.recorded == nil {
      try runner.begin(
        RemoteSearch(
          evaluation: evaluation, seed: derivedSeed(settings.seed, 1), pipeline: settings.pipeline,
          searchSeed: settings.seed))
    }
    defer { if settings.recorded == nil { settings.remote?.end() } }
    var trials: [Trial] = []
    var scored: [String: Trial] = [:]
    var timing = Timing()
    // Out-of-fold predictions of the best trials so far (distinct configurations), for ensemble selection.
    var pool: [EnsembleSelection.Candidate] = []
    searching: while true {
      try Interrupt.check()
      var proposals = search.proposeRound(size: settings.roundSize, firstID: trials.count + 1)
      if let limit = settings.maximumTrials {
        if trials.count >= limit { break }
        proposals = Array(proposals.prefix(limit - trials.count))
      }
      if let recorded = settings.recorded {
        if trials.count >= recorded.count { break }
        proposals = Array(proposals.prefix(recorded.count - trials.count))
        for proposal in proposals {
          let expected = recorded[proposal.id - 1]
          let text = proposal.trial.parameterText
          guard expected.learner == proposal.trial.learner.rawValue, expected.parameters == text else {
            throw MLError(
              "replay proposed trial \(proposal.id) as \(proposal.trial.learner.rawValue) (\(text)) but the notebook recorded \(expected.learner) (\(expected.parameters))"
            )
          }
        }
      }
      // A configuration proposed again (FLOW2 can land on a rounded point twice) takes its earlier score.
      var cached: [Int: Trial] = [:]
      for (index, proposal) in proposals.enumerated() {
        guard var earlier = scored[proposal.trial.configuration] else {
          continue
        }
        earlier.id = proposal.id
        earlier.seconds = 0
        cached[index] = earlier
      }
      // Replaying, the trials the recording skipped are skipped again; searching, the clock skips a trial
      // not expected to finish in the time left, and the search goes on with the rest.
      let recordedSkips = Set(
        proposals.indices.filter { settings.recorded?[proposals[$0].id - 1].skipped ?? false })
      let gate: ((Int, Trial, Double) -> Bool)?
      if settings.recorded != nil {
        gate = { index, _, _ in !recordedSkips.contains(index) }
      } else if settings.timeGate {
        gate = { [timing] _, trial, units in
          timing.fits(
            units, splits: evaluation.splits.count, learner: trial.learner, deadline: deadline,
            reserve: settings.budget * refitReserve)
        }
      } else {
        gate = nil
      }
      let (outcomes, predictions) =
        if let runner = settings.remote, settings.recorded == nil {
          try runRemoteRound(
            proposals, cached: cached, runner: runner, gate: gate,
            timeLimit: settings.timeGate ? max(1, deadline.timeIntervalSinceNow) : nil)
        } else {
          runRound(
            proposals, cached: cached, evaluation: evaluation, pipeline: settings.pipeline, seed: settings.seed,
            threads: settings.threads, gate: gate)
        }
      try Interrupt.check()  // trials cut short by Ctrl-C are not results
      for (proposal, outcome) in zip(proposals, outcomes) {
        guard let trial = outcome else { break searching }
        if !trial.skipped { timing.record(trial, units: trial.units * Double(evaluation.splits.count)) }
        search.observe(proposal, loss: evaluation.loss(trial))
        trials.append(trial)
        if scored[trial.configuration] == nil, !trial.skipped { scored[trial.configuration] = trial }
        if let index = proposals.firstIndex(where: { $0.id == trial.id }), let predicted = predictions[index],
          let loss = evaluation.loss(trial), loss.isFinite
        {
          pool = EnsembleSelection.keep(
            pool + [
              EnsembleSelection.Candidate(id: trial.id, learner: trial.learner, loss: loss, predictions: predicted)
            ],
            perLearner: settings.searchVersion >= 2 ? EnsembleSelection.perLearner : EnsembleSelection.candidates)
        }
        if let progress {
          let best = trials.filter { $0.score != nil }.min { evaluation.loss($0)! < evaluation.loss($1)! }
          progress(
            AutoMLProgress(
              trialsDone: trials.count, bestScore: best?.score, bestLearner: best?.learner,
              secondsLeft: max(0, deadline.timeIntervalSinceNow), budget: settings.budget))
        }
      }
      // Nothing in a whole round fits the time left: the search is over.
      if outcomes.allSatisfy({ $0?.skipped ?? true }), settings.recorded == nil { break }
      if settings.recorded != nil, trials.count >= settings.recorded!.count { break }
    }
    // The best finished trial; exact ties go to the earlier one.
    var bestIndex: Int?
    for (index, trial) in trials.enumerated() {
      guard let loss = evaluation.loss(trial) else { continue }
      if bestIndex == nil || loss < evaluation.loss(trials[bestIndex!])! { bestIndex = index }
    }
    guard let bestIndex else {
      if trials.isEmpty || trials.allSatisfy(\.skipped) {
        throw MLError(
          "the budget of \(formatNumber(settings.budget)) s is too small to finish even one trial; give a larger budget, or count it in trials (budget 5 trials)"
        )
      }
      let failed = trials.first { !$0.skipped && $0.error != nil }
      throw MLError("every trial failed; the first error: \(failed?.error ?? "unknown")")
    }
    // For a stepped metric (accuracy, precision, recall, f1: counts of rows, noisy on small data), the
    // one-standard-error rule (Breiman et al., 1984) within the best trial's learner: the least costly
    // configuration whose score is within one standard error of the best generalises as well, with less
    // variance (fewer trees, fewer leaves). Continuous metrics keep their best trial.
    let top = trials[bestIndex]
    var best = top
    if top.tieBreak != nil {
      let threshold = evaluation.loss(top)! + top.standardError
      best = trials.filter { trial in
        trial.learner == top.learner && (evaluation.loss(trial).map { $0 <= threshold } ?? false)
      }.min { ($0.units, evaluation.loss($0)!, $0.id) < ($1.units, evaluation.loss($1)!, $1.id) }!
    }
    func refit(_ trial: Trial, profiling: Bool) throws -> TrainedModel {
      try AutoML.refit(trial, on: table, task: target.task, settings: settings, profiling: profiling)
    }
    // Ensemble selection over the best trials' out-of-fold predictions; kept when it scores better out of
    // fold than the best trial alone and (searching by the clock) its members' refits fit the time left.
    // From search version 3, a stepped metric's ensemble is chosen on the log loss, and kept when its log
    // loss beats every library trial's own; `loss` is then the metric's, for the report.
    var ensemble: (members: [(Int, Double)], loss: Double)?
    let byLogLoss = settings.searchVersion >= 3 && top.tieBreak != nil
    let selector = EnsembleSelection(evaluation: evaluation, byLogLoss: byLogLoss)
    let library = pool.map { (id: $0.id, predictions: $0.predictions) }
    if var selected = selector.select(library),
      byLogLoss
        ? selected.loss < library.map({ selector.loss($0.predictions) }).min()!
        : selected.loss < evaluation.loss(top)!
    {
      if byLogLoss {
        selected.loss = EnsembleSelection(evaluation: evaluation).loss(
          EnsembleSelection.average(selected.members, of: library))
      }
      let members = selected.members.map { id in trials.first { $0.id == id.0 }! }
      let rowsShare = Double(table.rowCount) / Double(max(1, evaluation.trainingRows))
      let expected = members.reduce(0.0) { $0 + (timing.rate($1.learner) ?? 0) * $1.units * rowsShare }
      let fits = !settings.timeGate || expected <= deadline.timeIntervalSinceNow + 0.5
      if settings.recordedEnsemble ?? fits { ensemble = selected }
    }
    var model: TrainedModel
    var members: [(trial: Int, weight: Double)]?
    if let ensemble {
      var fitted: [TrainedModel] = []
      for (index, (id, _)) in ensemble.members.enumerated() {
        fitted.append(try refit(trials.first { $0.id == id }!, profiling: index == 0))
      }
      model = fitted[0]
      model.ensemble = Ensemble(members: fitted, weights: ensemble.members.map(\.1))
      members = ensemble.members.map { (trial: $0.0, weight: $0.1) }
    } else {
      model = try refit(best, profiling: true)
    }
    var result = AutoMLResult(
      metric: metric, budget: settings.budget, trialBudget: settings.timeGate ? nil : settings.maximumTrials,
      evaluation: method.description, trials: trials, best: best, model: model,
      seconds: Date().timeIntervalSince(started))
    result.ensemble = members
    result.ensembleScore = ensemble.map { Metrics.lowerIsBetter(metric) ? $0.loss : -$0.loss }
    return result
  }

  /// A class with a single row is missing from the training rows of the fold (or the holdout) that scores
  /// it, and every trial would fail on it: say so before any trial runs, with the ways out.
  static func requireTwoRowsPerClass(_ target: Target, in table: Table) throws {
    let numeric = table.columns.first { $0.name == target.name }?.isNumeric ?? false
    let regression =
      numeric
      ? ", or, if the numbers are counts or amounts, search a regression (`task regression` or `metric r2`)" : ""
    try CrossValidation.requireTwoRowsPerClass(target) { first, others in
      "class '\(first)' of '\(target.name)' has a single row\(others): scoring needs every class in the training rows of each fold; drop such rows first (filter \(table.name) where \(target.name) != ...)\(regression)"
    }
  }

  /// A trial's configuration trained on every row of `table`, as the search refits its best (the same
  /// seed, so the same model).
  public static func refit(
    _ trial: Trial, on table: Table, task: Task, settings: Settings, profiling: Bool = false
  ) throws -> TrainedModel {
    try Trainer.train(
      trial.learner, on: table, target: settings.target, task: task,
      pipeline: pipeline(for: trial, given: settings.pipeline), parameters: learnerParameters(trial),
      seed: derivedSeed(settings.seed, UInt64(trial.id)), threads: settings.threads, profilingTraining: profiling)
  }

  /// The learner's own hyper-parameters (without the pipeline's `scale`).
  static func learnerParameters(_ trial: Trial) -> [(String, ParameterValue)] {
    trial.parameters.filter { $0.0 != "scale" }
  }

  /// The given pipeline (or `impute median` when none), plus the trial's scaling for learners that get one.
  static func pipeline(for trial: Trial, given: Pipeline?) -> Pipeline? {
    guard let scale = trial.parameters.first(where: { $0.0 == "scale" })?.1,
      case .word(let name) = scale, let kind = PipelineStep.ScaleKind(rawValue: name)
    else { return given }
    let base = given?.steps ?? [.impute(.median, columns: nil)]
    return Pipeline(steps: base + [.encode(.onehot, columns: nil), .scale(kind, columns: nil)])
  }

  /// Scores one trial (its score, tie-break and standard error, or its error) and returns its out-of-fold
  /// predictions: the one function that scores trials, here and in a remote worker (`RemoteSearch`).
  static func score(_ trial: inout Trial, evaluation: TrialEvaluation, pipeline: Pipeline?, seed: UInt64) -> [Double]? {
    do {
      let outcome = try evaluation.score(
        trial.learner, parameters: learnerParameters(trial), pipeline: AutoML.pipeline(for: trial, given: pipeline),
        seed: derivedSeed(seed, UInt64(trial.id)))
      (trial.score, trial.tieBreak, trial.standardError) = (outcome.score, outcome.tieBreak, outcome.standardError)
      return outcome.predictions
    } catch let error as MLError {
      trial.error = error.message
    } catch {
      trial.error = "\(error)"
    }
    return nil
  }

  /// A round run by a remote runner: the gate decides in order which trials go (as locally), the runner
  /// scores those together (one Slurm job array), and results come back in the round's order.
  static func runRemoteRound(
    _ proposals: [SearchState.Proposal], cached: [Int: Trial], runner: any RemoteTrialRunner,
    gate: ((Int, Trial, Double) -> Bool)?, timeLimit: Double?
  ) throws -> (trials: [Trial?], predictions: [[Double]?]) {
    var trials = [Trial?](repeating: nil, count: proposals.count)
    var predictions = [[Double]?](repeating: nil, count: proposals.count)
    var submitted: [Int] = []
    for (index, proposal) in proposals.enumerated() {
      if let earlier = cached[index] {
        trials[index] = earlier
      } else if let gate, !gate(index, proposal.trial, proposal.trial.units) {
        var trial = proposal.trial
        trial.skipped = true
        trial.seconds = 0
        trial.error = "skipped: not expected to finish in the time left"
        trials[index] = trial
      } else {
        submitted.append(index)
      }
    }
    if submitted.isEmpty { return (trials, predictions) }
    let results = try runner.run(submitted.map { RemoteTrial(proposals[$0].trial) }, timeLimit: timeLimit)
    guard results.count == submitted.count else { throw MLError("the \(runner.name) runner lost trials") }
    for (index, result) in zip(submitted, results) {
      guard let result else { continue }
      var trial = proposals[index].trial
      (trial.score, trial.tieBreak, trial.standardError) = (result.score, result.tieBreak, result.standardError)
      trial.error = result.error
      trial.seconds = result.seconds
      trials[index] = trial
      predictions[index] = result.predictions
    }
    return (trials, predictions)
  }

  /// Runs a round's trials on up to `threads` workers, starting them in order; a trial the gate refuses is
  /// marked skipped and the next one is considered. Returns each trial (skipped ones included); nil only
  /// for those not reached because Ctrl-C stopped the round.
  static func runRound(
    _ proposals: [SearchState.Proposal], cached: [Int: Trial], evaluation: TrialEvaluation, pipeline: Pipeline?,
    seed: UInt64, threads: Int, gate: ((Int, Trial, Double) -> Bool)?
  ) -> (trials: [Trial?], predictions: [[Double]?]) {
    let results = RoundResults(count: proposals.count)
    let gateBox = GateBox(gate: gate)
    let work: @Sendable (Int) -> Void = { index in
      if let earlier = cached[index] {
        results.store(earlier, at: index)
        return
      }
      let start = Date()
      var trial = proposals[index].trial
      if let predictions = score(&trial, evaluation: evaluation, pipeline: pipeline, seed: seed) {
        results.store(predictions: predictions, at: index)
      }
      trial.seconds = Date().timeIntervalSince(start)
      results.store(trial, at: index)
    }
    // Workers are child tasks of a task group, taking indices in order from a shared counter, so the
    // trials started are always a prefix of the round. They run on the search's own executor (Dispatch
    // threads), not the cooperative pool: the synchronous caller waits, and a caller that is itself on the
    // cooperative pool (a test, say) would otherwise leave no thread for its children.
    let workers = max(1, min(threads, proposals.count))
    let next: @Sendable () -> Int? = {
      results.nextIndex(
        interrupted: { Interrupt.isRequested },
        gate: { gateBox.allows($0, proposals[$0].trial, cached[$0] == nil ? proposals[$0].trial.units : 0) },
        skip: { index in
          var trial = proposals[index].trial
          trial.skipped = true
          trial.seconds = 0
          trial.error = "skipped: not expected to finish in the time left"
          return trial
        })
    }
    let finished = DispatchSemaphore(value: 0)
    let executor = TrialExecutor()
    _Concurrency.Task.detached(executorPreference: executor) {
      await withTaskGroup(of: Void.self) { group in
        for _ in 0..<workers {
          group.addTask(executorPreference: executor) {
            while let index = next() { work(index) }
          }
        }
      }
      finished.signal()
    }
    finished.wait()
    return (results.values, results.predictions)
  }
}

/// Runs the search's tasks on Dispatch's global concurrent queue (a task executor, SE-0417).
final class TrialExecutor: TaskExecutor, @unchecked Sendable {
  func enqueue(_ job: consuming ExecutorJob) {
    let unowned = UnownedJob(job)
    let executor = asUnownedTaskExecutor()
    DispatchQueue.global().async { unowned.runSynchronously(on: executor) }
  }
}

/// Per-learner timing measured so far: seconds per cost unit, to predict whether a trial fits.
struct Timing {
  var secondsPerUnit: [LearnerKind: Double] = [:]
  /// Seconds per unit of the reference learner, from every learner's trials (see `relativeCost`).
  var overall: Double?

  /// How many of gbm's cost units one unit of each learner takes, measured from the trials of the
  /// learners' starting points on five tables of 700 to 20,000 rows (release build, 2 cores): the cost
  /// formulas of `SearchSpace` count work differently (a knn unit is a multiply-add, a forest unit a
  /// histogram update), so seconds measured on one learner predict another's only through these ratios.
  /// They only decide whether a learner's first trial fits the time left; after it, its own timing does.
  static func relativeCost(_ learner: LearnerKind) -> Double {
    switch learner {
    case .gbm: return 1
    case .forest: return 3
    case .tree: return 0.5
    case .bayes: return 0.6
    case .logistic: return 0.25
    case .linear, .ridge: return 0.25
    case .knn: return 0.06
    }
  }

  mutating func record(_ trial: Trial, units: Double) {
    guard units > 0, trial.seconds > 0 else { return }
    let rate = trial.seconds / units
    secondsPerUnit[trial.learner] = max(rate, secondsPerUnit[trial.learner].map { $0 * 0.5 } ?? 0)
    overall = max(rate / Self.relativeCost(trial.learner), (overall ?? 0) * 0.5)
  }

  /// Whether a trial of `units` per split is expected to end before the deadline minus the reserve.
  func fits(_ units: Double, splits: Int, learner: LearnerKind, deadline: Date, reserve: Double) -> Bool {
    let left = deadline.timeIntervalSinceNow - reserve
    if left <= 0 { return false }
    guard let rate = rate(learner) else { return true }
    return rate * units * Double(splits) <= left
  }

  /// Seconds per work unit of `learner`: its own trials' rate, else the others' through `relativeCost`.
  func rate(_ learner: LearnerKind) -> Double? {
    secondsPerUnit[learner] ?? overall.map { $0 * Self.relativeCost(learner) }
  }
}

/// Results of a round, filled by workers; `claim` decides in index order whether a trial starts.
final class RoundResults: @unchecked Sendable {
  private var slots: [Trial?]
  private var predictionSlots: [[Double]?]
  private var next = 0
  private var stopped = false
  private let lock = NSLock()

  init(count: Int) {
    slots = Array(repeating: nil, count: count)
    predictionSlots = Array(repeating: nil, count: count)
  }

  /// The next index to run, decided under the lock in index order: indices the gate refuses are filled
  /// with `skip`'s trial and passed over; nil when none is left or Ctrl-C stops the round.
  func nextIndex(interrupted: () -> Bool, gate: (Int) -> Bool, skip: (Int) -> Trial) -> Int? {
    lock.withLock {
      while next < slots.count, !stopped {
        if interrupted() {
          stopped = true
          return nil
        }
        defer { next += 1 }
        if gate(next) { return next }
        slots[next] = skip(next)
      }
      return nil
    }
  }

  func store(_ trial: Trial, at index: Int) { lock.withLock { slots[index] = trial } }
  func store(predictions: [Double], at index: Int) { lock.withLock { predictionSlots[index] = predictions } }
  var values: [Trial?] { lock.withLock { slots } }
  var predictions: [[Double]?] { lock.withLock { predictionSlots } }
}

struct GateBox: @unchecked Sendable {
  let gate: ((Int, Trial, Double) -> Bool)?
  func allows(_ index: Int, _ trial: Trial, _ units: Double) -> Bool { gate?(index, trial, units) ?? true }
}
