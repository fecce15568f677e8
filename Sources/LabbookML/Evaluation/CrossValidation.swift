import LabbookCore
import LabbookData

/// K-fold cross-validation of a learner configuration: folds stratified by class for classification,
/// rows assigned to folds by a seeded shuffle, each fold trained on the rest (pipeline refitted each
/// time). Reports each metric's mean and (population) standard deviation over the folds.
public struct CrossValidation: Sendable {
  public var folds: Int
  public var metrics: [String: (mean: Double, std: Double)]
  public var perFold: [Metrics]
  public var metricNames: [String]

  /// The fold (0..<k) of every row: stratified for classification (each class dealt round-robin after
  /// a seeded shuffle), plain shuffled otherwise.
  public static func foldAssignment(target: Target, folds k: Int, seed: UInt64) -> [Int] {
    var generator = SeededGenerator(seed: seed)
    var fold = [Int](repeating: 0, count: target.rowCount)
    if target.task == .classification {
      var next = 0
      for c in 0..<target.classes.count {
        var rows = (0..<target.rowCount).filter { target.codes[$0] == c }
        generator.shuffle(&rows)
        for row in rows {
          fold[row] = next % k
          next += 1
        }
      }
    } else {
      var rows = Array(0..<target.rowCount)
      generator.shuffle(&rows)
      for (position, row) in rows.enumerated() { fold[row] = position % k }
    }
    return fold
  }

  /// Throws when a class of `target` has a single row: the fold that holds the row trains without the
  /// class. `message` words the error from the first such class and " (as do N more)" (or "").
  static func requireTwoRowsPerClass(_ target: Target, message: (_ first: String, _ others: String) -> String)
    throws
  {
    let single = target.singleRowClasses
    guard let first = single.first else { return }
    throw MLError(message(first, single.count > 1 ? " (as do \(single.count - 1) more)" : ""))
  }

  public static func run(
    _ model: TrainedModel, on table: Table, folds k: Int, seed: UInt64, threads: Int
  ) throws -> CrossValidation {
    guard k >= 2 else { throw MLError("`folds` must be at least 2") }
    if model.groupThresholds != nil {
      throw MLError(
        "cv refits the learner on each fold, but this model's group thresholds were chosen on one table; use `evaluate` on held-out data"
      )
    }
    guard table.rowCount >= k else {
      throw MLError("\(k) folds need at least \(k) rows; table '\(table.name)' has \(table.rowCount)")
    }
    let target = try Target.read(table, column: model.target, task: model.task)
    try requireTwoRowsPerClass(target) { first, others in
      "class '\(first)' of '\(target.name)' has a single row in '\(table.name)'\(others): the fold that holds it would train without it; drop such rows first (filter \(table.name) where \(target.name) != ...)"
    }
    let assignment = foldAssignment(target: target, folds: k, seed: seed)
    var results: [Metrics] = []
    let progress = WorkProgress.begin("fold", total: k)
    defer { WorkProgress.end(progress) }
    for fold in 0..<k {
      try Interrupt.check()
      WorkProgress.advance(progress)
      let trainRows = (0..<table.rowCount).filter { assignment[$0] != fold }
      let testRows = (0..<table.rowCount).filter { assignment[$0] == fold }
      let trained = try model.refitted(
        on: table.taking(trainRows), seed: derivedSeed(model.seed, UInt64(fold)), threads: threads)
      results.append(try trained.evaluate(on: table.taking(testRows)))
    }
    let names = Metrics.names(for: model.task)
    var summary: [String: (Double, Double)] = [:]
    for name in names {
      let values = results.compactMap { $0.value(name) }
      guard !values.isEmpty else { continue }
      let mean = values.reduce(0, +) / Double(values.count)
      let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
      summary[name] = (mean, std)
    }
    return CrossValidation(
      folds: k, metrics: summary, perFold: results, metricNames: names.filter { summary[$0] != nil })
  }
}

/// Permutation importance (Breiman, 2001): how much the score drops when one input column's values
/// are shuffled, averaged over seeded repeats. The score is accuracy for classification, R² for regression.
public struct PermutationImportance: Sendable {
  public var metric: String
  public var baseline: Double
  public var repeats: Int
  /// Per input column: mean and standard deviation of the score drop, largest mean first.
  public var columns: [(name: String, mean: Double, std: Double)]

  /// Every (column, repeat) shuffle is scored on its own worker; each has its own seed and the drops
  /// are gathered in column order, so the result is the same on any number of threads.
  public static func run(_ model: TrainedModel, on table: Table, repeats: Int, seed: UInt64, threads: Int) throws
    -> PermutationImportance
  {
    let metric = model.task == .classification ? "accuracy" : "r2"
    let baseline = try model.evaluate(on: table).value(metric) ?? 0
    let inputs = model.inputColumns
    let shuffles = inputs.count * repeats
    let drops = Slots<Result<Double?, any Error>>(count: shuffles)
    let progress = WorkProgress.begin("shuffle", total: shuffles)
    defer { WorkProgress.end(progress) }
    parallelFor(count: shuffles, threads: threads) { task in
      let (index, repeat_) = task.quotientAndRemainder(dividingBy: repeats)
      drops.store(
        Result {
          try Interrupt.check()
          guard let position = table.columns.firstIndex(where: { $0.name == inputs[index] }) else { return nil }
          var generator = SeededGenerator(seed: derivedSeed(seed, UInt64(index * 1000 + repeat_)))
          var order = Array(0..<table.rowCount)
          generator.shuffle(&order)
          var shuffled = table
          shuffled.columns[position] = table.columns[position].taking(order)
          return baseline - (try model.evaluate(on: shuffled).value(metric) ?? 0)
        }, at: task)
      WorkProgress.advance(progress)
    }
    let measured = try drops.values.map { try $0.get() }
    var results: [(String, Double, Double)] = []
    for (index, name) in inputs.enumerated() {
      let drops = measured[(index * repeats)..<((index + 1) * repeats)].compactMap { $0 }
      let mean = drops.reduce(0, +) / Double(max(drops.count, 1))
      let std = (drops.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(drops.count, 1))).squareRoot()
      results.append((name, mean, std))
    }
    results.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
    return PermutationImportance(metric: metric, baseline: baseline, repeats: repeats, columns: results)
  }
}

extension TrainedModel {
  /// The same configuration trained again on `table` (an ensemble: each member's, with the same weights).
  public func refitted(on table: Table, seed: UInt64, threads: Int, weights: [Double]? = nil) throws -> TrainedModel {
    if let ensemble {
      var members: [TrainedModel] = []
      for (index, member) in ensemble.members.enumerated() {
        members.append(
          try member.refitted(on: table, seed: derivedSeed(seed, UInt64(index)), threads: threads, weights: weights))
      }
      var model = members[0]
      model.ensemble = Ensemble(members: members, weights: ensemble.weights)
      return model
    }
    return try Trainer.train(
      kind, on: table, target: target, task: task, pipeline: pipelineSteps,
      parameters: parameters.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 }, weights: weights, seed: seed,
      threads: threads, profilingTraining: false)
  }
}
