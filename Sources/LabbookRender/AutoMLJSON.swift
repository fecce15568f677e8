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
      // `ensemble` only when there is one, so searches recorded before ensembles existed replay identically.
      let ensemble: [(String, JSONValue)] =
        result.ensemble.map { members in
          [
            (
              "ensemble",
              .object([
                ("members", .array(members.map { .object([("id", .num($0.trial)), ("weight", .num($0.weight))]) })),
                ("score", .num(result.ensembleScore ?? .nan)),
              ])
            )
          ]
        } ?? []
      return .object(
        [
          ("kind", .string("automl")), ("metric", .string(result.metric)), ("budget_s", .num(result.budget)),
          ("evaluation", .string(result.evaluation)), ("trials", .array(result.evaluated.map(trial))),
          ("best", trial(result.best)), ("evaluated", .num(result.evaluated.count)),
        ] + ensemble)
    default: return .null
    }
  }
}
