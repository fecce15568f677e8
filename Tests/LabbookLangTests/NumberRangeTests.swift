import Foundation
import Testing

@testable import LabbookLang

/// Every user-typed number that sizes work (trees, leaves, depth, k, folds, seeds, rows, repeats,
/// budgets, ...) is range-checked: an absurd value is a located error, never a trap (before,
/// `trees 99999999999999999999999` ended the process with "Double value cannot be converted to Int").
@Suite struct NumberRangeTests {
  static let statements: [(String, String)] = [
    ("m = train gbm on c target risk trees 99999999999999999999999", "`trees` takes a whole number from 1 to 100000"),
    ("m = train gbm on c target risk trees 1e10", "`trees`"),
    ("m = train forest on c target risk trees 1e300", "`trees`"),
    ("m = train gbm on c target risk leaves 1e300", "`leaves`"),
    ("m = train tree on c target risk depth 1e300", "`depth`"),
    ("m = train tree on c target risk min_leaf 1e300", "`min_leaf`"),
    ("m = train forest on c target risk features 1e300", "`features`"),
    ("m = train knn on c target risk k 1e19", "`k`"),
    ("m = train logistic on c target risk iterations 1e300", "`iterations`"),
    ("m = train gbm on c target risk early_stop 1e300", "`early_stop`"),
    ("m = train gbm on c target risk bins 1e300", "`bins`"),
    ("m = train ridge on c target credit_amount alpha 1e999", "too large"),
    ("a, b = split c ratio 0.5 seed 99999999999999999999", "`seed` must be a whole number from 0"),
    ("a, b = split c ratio 1e300", "ratio"),
    ("cv g on c folds 1e300", "`folds` must be a whole number from 2 to 1000"),
    ("importance g on c repeats 1e14", "`repeats` must be a whole number from 1 to 10000"),
    ("show c rows 1e300", "`rows`"),
    ("show c rows -1", "`rows`"),
    ("s = automl c target risk budget 99999999999999999999s", "at most 30 days"),
    ("s = automl c target risk budget 1e300h", "at most 30 days"),
    ("show c rows 1e400", "number '1e400' is too large"),
    ("s = automl c target risk seed 1e300", "`seed`"),
    ("s = automl c target risk task regresion", "`task` is `classification` or `regression`, not 'regresion'"),
    ("p = pipeline bin 1e300", "`bin` needs a whole number of bins from 2 to 1000"),
  ]

  @Test(arguments: statements) func absurdNumbersAreLocatedErrors(statement: String, expected: String) throws {
    let session = Session(seed: 1)
    let setup = """
      c = load "\(repositoryRoot)/datasets/german_credit.h5"
      g = train gbm on c target risk trees 2
      """
    for parsed in try Parser.parse(setup) { _ = try session.execute(parsed) }
    do {
      for parsed in try Parser.parse(statement) { _ = try session.execute(parsed) }
      Issue.record("no error for: \(statement)")
    } catch let error as LabError {
      #expect(error.message.contains(expected), "\(statement): \(error.message)")
      #expect(error.span != nil, "\(statement): the error has no location")
    }
  }
}
