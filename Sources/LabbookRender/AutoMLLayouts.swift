import LabbookCore
import LabbookData
import LabbookML
import LabbookValues

/// Layouts of an AutoML search: its leaderboard (the top ten, or all with `show S`) and the best trial.
public enum AutoMLLayouts {
  /// Trials with a score, best first (ties by trial id).
  public static func ranked(_ result: AutoMLResult) -> [Trial] {
    let lower = Metrics.lowerIsBetter(result.metric)
    return result.trials.filter { $0.score != nil }.sorted {
      let a = $0.score!
      let b = $1.score!
      return a == b ? $0.id < $1.id : (lower ? a < b : a > b)
    }
  }

  public static func leaderboard(_ result: AutoMLResult, limit: Int?) -> [Block] {
    let ranked = ranked(result)
    let shown = limit.map { Array(ranked.prefix($0)) } ?? ranked
    let rows = shown.enumerated().map {
      [
        String($0.offset + 1), String($0.element.id), $0.element.learner.rawValue,
        formatNumber($0.element.score!), $0.element.parameterText,
      ]
    }
    var blocks: [Block] = [
      .line(
        "automl: \(result.evaluated.count) trials in \(budgetText(result)), \(result.metric) by \(result.evaluation)"
      ),
      .table(
        GridTable(
          header: ["rank", "trial", "learner", result.metric, "params"], rows: rows, numericColumns: [0, 1, 3])),
    ]
    let failures = result.evaluated.filter { $0.score == nil }
    if !failures.isEmpty {
      let shownFailures = failures.prefix(3).map {
        "trial \($0.id) (\($0.learner.rawValue)): \($0.error ?? "no score")"
      }
      blocks.append(
        .line(
          "\(failures.count) trial\(failures.count == 1 ? "" : "s") failed — " + shownFailures.joined(separator: "; ")
            + (failures.count > 3 ? "; …" : "")))
    }
    let skipped = result.trials.count - result.evaluated.count
    if skipped > 0 {
      blocks.append(
        .line(
          "\(skipped) proposed trial\(skipped == 1 ? " was" : "s were") skipped: not expected to finish in the time left"
        ))
    }
    if let limit, ranked.count > limit {
      blocks.append(.line("… \(ranked.count - limit) more (show the search to list all)"))
    }
    if let ensemble = result.ensemble, let score = result.ensembleScore {
      let members = ensemble.map { "\($0.trial) (\(formatNumber($0.weight, significant: 3)))" }.joined(separator: ", ")
      blocks.append(
        .line(
          "best: an ensemble of trials \(members) (weights), \(result.metric) \(formatNumber(score)) out of fold against \(formatNumber(result.best.score ?? .nan)) for trial \(result.best.id) alone; each member refitted on every row"
        ))
    } else {
      blocks.append(
        .line(
          "best: trial \(result.best.id), \(result.best.learner.rawValue) (\(result.best.parameterText)), refitted on every row"
        ))
    }
    return blocks
  }

  /// "a budget of 30 s", or "a budget of 20 trials".
  static func budgetText(_ result: AutoMLResult) -> String {
    if let trials = result.trialBudget { return "a budget of \(trials) trials" }
    return "a budget of \(formatNumber(result.budget)) s"
  }

  /// `S.trials`: one row per trial that ran.
  public static func trialTable(_ result: AutoMLResult) -> Table {
    let trials = result.evaluated
    return
      (try? Table(
        name: "trials",
        columns: [
          .numeric("id", trials.map { Double($0.id) }), .categorical("model", trials.map { $0.learner.rawValue }),
          .categorical("params", trials.map { $0.parameterText }), .numeric("score", trials.map { $0.score ?? .nan }),
        ])) ?? (try! Table(name: "trials", columns: []))
  }

  /// The progress bar's line while a search runs.
  public static func progressLine(_ state: AutoMLProgress) -> String {
    let width = 24
    let done = state.budget > 0 ? min(1, max(0, 1 - state.secondsLeft / state.budget)) : 1
    let filled = Int((done * Double(width)).rounded())
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
    let best =
      state.bestScore.map { "best \(formatNumber($0)) (\(state.bestLearner?.rawValue ?? ""))" } ?? "no score yet"
    let trials = "\(state.trialsDone) trial\(state.trialsDone == 1 ? "" : "s")"
    return "automl [\(bar)] \(trials), \(best), \(formatNumber(state.secondsLeft.rounded()))s left"
  }
}
