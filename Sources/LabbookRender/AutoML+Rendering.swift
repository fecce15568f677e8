import Foundation
import LabbookCore
import LabbookData
import LabbookML
import LabbookValues

/// JSON (SPEC §3 `automl`) and text of a search; timings stay out of both (they are in the metadata).
public enum AutoMLJSON {
  public static func trial(_ trial: Trial) -> JSONValue {
    .object([
      ("id", .num(trial.id)), ("model", .string(trial.learner.rawValue)),
      ("params", .object(trial.parameters.map { ($0.0, LearningJSON.parameterJSON($0.1)) })),
      ("score", trial.score.map { .num($0) } ?? .null),
    ])
  }

  public static func render(_ value: Value) -> JSONValue {
    switch value {
    case .automl(let result), .leaderboard(let result):
      return .object([
        ("kind", .string("automl")), ("metric", .string(result.metric)), ("budget_s", .num(result.budget)),
        ("evaluation", .string(result.evaluation)), ("trials", .array(result.trials.map(trial))),
        ("best", trial(result.best)), ("evaluated", .num(result.trials.count)),
      ])
    default: return .null
    }
  }
}

public enum AutoMLText {
  public static func render(_ value: Value) -> String {
    switch value {
    case .automl(let result): return summary(result, limit: 10)
    case .leaderboard(let result): return summary(result, limit: nil)
    default: return ""
    }
  }

  public static func ranked(_ result: AutoMLResult) -> [Trial] {
    let lower = Metrics.lowerIsBetter(result.metric)
    return result.trials.filter { $0.score != nil }.sorted {
      let a = $0.score!
      let b = $1.score!
      return a == b ? $0.id < $1.id : (lower ? a < b : a > b)
    }
  }

  public static func summary(_ result: AutoMLResult, limit: Int?) -> String {
    let ranked = ranked(result)
    let shown = limit.map { Array(ranked.prefix($0)) } ?? ranked
    let rows = shown.enumerated().map {
      [
        String($0.offset + 1), String($0.element.id), $0.element.learner.rawValue,
        formatNumber($0.element.score!), $0.element.parameterText,
      ]
    }
    var text =
      "automl: \(result.trials.count) trials in a budget of \(formatNumber(result.budget)) s, \(result.metric) by \(result.evaluation)\n"
    text += TableText.grid(
      header: ["rank", "trial", "learner", result.metric, "params"], rows: rows, numericColumns: [0, 1, 3])
    let failed = result.trials.count - ranked.count
    if failed > 0 { text += "\n\(failed) trial\(failed == 1 ? "" : "s") failed" }
    if let limit, ranked.count > limit { text += "\n… \(ranked.count - limit) more (show the search to list all)" }
    text +=
      "\nbest: trial \(result.best.id), \(result.best.learner.rawValue) (\(result.best.parameterText)), refitted on every row"
    return text
  }

  /// `S.trials`: one row per trial.
  public static func trialTable(_ result: AutoMLResult) -> Table {
    let trials = result.trials
    return
      (try? Table(
        name: "trials",
        columns: [
          .numeric("id", trials.map { Double($0.id) }), .categorical("model", trials.map { $0.learner.rawValue }),
          .categorical("params", trials.map { $0.parameterText }), .numeric("score", trials.map { $0.score ?? .nan }),
        ])) ?? (try! Table(name: "trials", columns: []))
  }

  public static func progressLine(_ state: AutoMLProgress) -> String {
    let width = 24
    let done = state.budget > 0 ? min(1, max(0, 1 - state.secondsLeft / state.budget)) : 1
    let filled = Int((done * Double(width)).rounded())
    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
    let best =
      state.bestScore.map { "best \(formatNumber($0)) (\(state.bestLearner?.rawValue ?? ""))" } ?? "no score yet"
    return "automl [\(bar)] \(state.trialsDone) trials, \(best), \(formatNumber(state.secondsLeft.rounded()))s left"
  }
}
