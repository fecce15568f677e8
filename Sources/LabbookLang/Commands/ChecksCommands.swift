import LabbookCore
import LabbookData
import LabbookML
import LabbookRender
import LabbookValues

/// `protect COLS [positive V] [bins [..]]`, shared by `fairness` and `mitigate`.
struct ProtectedOptions {
  let columns: [Located<String>]?
  let positive: ValueExpression?
  let bins: ValueExpression?
  let span: SourceSpan

  init(_ options: [String: OptionValue], at span: SourceSpan) {
    if case .columns(let names, _)? = options["protect"] { columns = names } else { columns = nil }
    positive = options["positive"]?.valueExpression
    bins = options["bins"]?.valueExpression
    self.span = span
  }

  static let kinds: [String: OptionKind] = ["protect": .columns, "positive": .value, "bins": .value]

  /// The protected columns (given, or the table's `protected` role), checked against the table.
  func resolve(in session: Session, table: Table) throws -> (columns: [String], positive: String?, bins: [Double]?) {
    let names: [String]
    if let columns {
      for column in columns { _ = try session.requireColumn(column, in: table) }
      names = columns.map(\.value)
    } else if let role = table.protected {
      names = [role]
    } else {
      throw LabError(
        "say which column holds the protected attribute: `protect COLUMN` (table '\(table.name)' has no protected role)",
        at: span)
    }
    var positiveLabel: String?
    if let positive {
      switch try session.evaluate(positive) {
      case .number(let v): positiveLabel = formatNumber(v, significant: 17)
      case .string(let s): positiveLabel = s
      case let other:
        throw LabError("`positive` takes a class label, not a \(other.typeName)", at: positive.span)
      }
    }
    var edges: [Double]?
    if let bins {
      guard case .list(let items) = try session.evaluate(bins), !items.isEmpty else {
        throw LabError("`bins` takes a list of group edges, such as [25, 40, 60]", at: bins.span)
      }
      edges = try items.map { item in
        guard case .number(let v) = item else {
          throw LabError("`bins` takes numbers, such as [25, 40, 60]", at: bins.span)
        }
        return v
      }
    }
    return (names, positiveLabel, edges)
  }

  /// The model must be a classifier with the positive class asked for (errors point at the culprit).
  func check(_ positiveLabel: String?, of model: TrainedModel, modelSpan: SourceSpan) throws {
    let span = model.task == .classification ? (positive?.span ?? modelSpan) : modelSpan
    _ = try locatedML(span) { try model.positiveClass(positiveLabel) }
  }
}

/// `fairness M on T [protect COLS] [positive V] [bins [..]]`
struct FairnessCommand: Command {
  static let keyword = "fairness"
  static let help = CommandHelp(
    usage: "fairness MODEL on TABLE protect COLUMN|[COLUMNS] [positive LABEL] [bins [EDGES]]",
    summary: "per-group selection rate, TPR, FPR, precision, accuracy and fairlearn's disparity summaries",
    details: """
      Groups are the levels of the protected column (several columns: their combinations, e.g. protect [sex, age]);
      a numeric column with more than 20 distinct values needs `bins` edges (age bins [25, 40, 60] makes age<=25,
      25<age<=40, 40<age<=60, age>60). Without `protect`, the table's protected role is used. `positive` is the
      favourable outcome (default: the second class, 1 for 0/1 targets). Differences are max − min over groups,
      ratios min/max; equalized odds takes the worse of TPR and FPR; disparate impact is the selection-rate ratio
      and the four-fifths rule passes when it is at least 0.8 (definitions as fairlearn.metrics). A rate a group
      cannot define (TPR with no positives, say) is null and left out of the summaries, with a note.
      """,
    example: "fairness m on test protect sex positive 1")

  let arguments: ModelOnTable
  let protected: ProtectedOptions

  init(parsing parser: inout StatementParser) throws {
    let start = parser.current.span
    arguments = try ModelOnTable(parsing: &parser)
    protected = ProtectedOptions(try parser.options(ProtectedOptions.kinds), at: start)
  }

  func execute(in session: Session) throws -> Value {
    let (name, model, data) = try arguments.resolve(in: session)
    let (columns, positive, bins) = try protected.resolve(in: session, table: data)
    try protected.check(positive, of: model, modelSpan: arguments.model.span)
    let report = try locatedML(arguments.table.span) {
      try model.fairness(on: data, protect: columns, bins: bins, positive: positive)
    }
    session.latestFairness[name] = .object([("table", .string(data.name))] + ChecksJSON.fields(report))
    return .fairness(model: name, table: data.name, report)
  }
}

/// `mitigate M on T protect COLS method threshold|reweigh [constraint C] [positive V] [bins [..]]`
struct MitigateCommand: Command {
  static let keyword = "mitigate"
  static let help = CommandHelp(
    usage:
      "mitigate MODEL on TABLE protect COLUMN|[COLUMNS] method threshold|reweigh [constraint demographic_parity|equalized_odds] [positive LABEL] [bins [EDGES]]",
    summary: "a new model with bias mitigated, and fairness and accuracy before and after on TABLE",
    details: """
      method threshold (post-processing, like fairlearn's ThresholdOptimizer but deterministic): one decision
      threshold per group, chosen on TABLE by coordinate descent to bring the constraint's disparity (default
      demographic_parity) down to 0.01 or as low as it goes, then to keep accuracy highest. The model then needs the
      protected column(s) wherever it predicts; its probability is remapped per group so that the threshold sits at
      0.5. method reweigh (Kamiran & Calders, as in AIF360): the same learner, settings and pipeline retrained on
      TABLE with weights n_g·n_y/(n·n_gy) per group g and label y, which make group and label independent.
      Evaluate the result on held-out data: fairness M2 on test protect ...
      """,
    example: "fair = mitigate m on train protect sex method threshold constraint demographic_parity")

  let arguments: ModelOnTable
  let protected: ProtectedOptions
  let method: Located<String>
  let constraint: Located<String>?

  init(parsing parser: inout StatementParser) throws {
    let start = parser.current.span
    arguments = try ModelOnTable(parsing: &parser)
    var kinds = ProtectedOptions.kinds
    kinds["method"] = .name
    kinds["constraint"] = .name
    let options = try parser.options(kinds)
    protected = ProtectedOptions(options, at: start)
    guard let method = options["method"]?.nameValue else {
      throw LabError("`mitigate` needs `method threshold` or `method reweigh`", at: parser.current.span)
    }
    self.method = method
    constraint = options["constraint"]?.nameValue
  }

  func execute(in session: Session) throws -> Value {
    guard let chosen = MitigationReport.Method(rawValue: method.value) else {
      throw LabError("`method` is `threshold` or `reweigh`, not '\(method.value)'", at: method.span)
    }
    var goal: FairnessConstraint?
    if let constraint {
      guard let parsed = FairnessConstraint(rawValue: constraint.value) else {
        throw LabError(
          "`constraint` is `demographic_parity` or `equalized_odds`, not '\(constraint.value)'", at: constraint.span)
      }
      goal = parsed
    }
    let (name, model, data) = try arguments.resolve(in: session)
    let (columns, positive, bins) = try protected.resolve(in: session, table: data)
    try protected.check(positive, of: model, modelSpan: arguments.model.span)
    let (mitigated, report) = try locatedML(arguments.table.span) {
      try Mitigation.mitigate(
        model, on: data, protect: columns, bins: bins, positive: positive, method: chosen, constraint: goal,
        seed: session.seed, threads: session.threads)
    }
    return .mitigated(name: "\(name)_mitigated", mitigated, report)
  }
}

/// `drift REF vs CUR` (tables, or a model's stored training profile) · `drift M on CUR`
struct DriftCommand: Command {
  static let keyword = "drift"
  static let help = CommandHelp(
    usage: "drift REFERENCE vs CURRENT [psi X] [pvalue P] [share S]  ·  drift MODEL on CURRENT",
    summary: "per-column drift: PSI, two-sample KS statistic and p-value (numeric), chi-square p-value (categorical)",
    details: """
      REFERENCE is a table, or a model (its training data's profile, stored inside it: every categorical count and up
      to 10,000 values per numeric column). Two tables must have the same columns; against a model, its input columns
      and target (when present) are compared. PSI = Σ (c − r)·ln(c/r) over the reference's decile bins (levels for
      categorical columns; an empty share counts as 0.0001). KS is scipy's ks_2samp (exact p-value up to 10,000
      values per side, else asymptotic); chi-square is scipy's chi2_contingency on the two rows of level counts.
      Missing values are left out. A column drifts when psi ≥ 0.2 or p < 0.05; the data drifts when at least half
      of its columns do (change them with psi, pvalue, share).
      """,
    example: "drift train vs test")

  let reference: ValueExpression
  let current: ValueExpression
  let againstModel: Bool
  let thresholds: [String: OptionValue]

  init(parsing parser: inout StatementParser) throws {
    reference = try parser.value("a reference table or model")
    if parser.accept("vs") {
      againstModel = false
    } else if parser.accept("on") {
      againstModel = true
    } else {
      throw parser.unexpected("`vs` (drift REFERENCE vs CURRENT) or `on` (drift MODEL on CURRENT)")
    }
    current = try parser.value("the current table")
    thresholds = try parser.options(["psi": .value, "pvalue": .value, "share": .value])
  }

  func execute(in session: Session) throws -> Value {
    var limits = DriftThresholds()
    func limit(_ name: String, _ range: ClosedRange<Double>) throws -> Double? {
      guard let expression = thresholds[name]?.valueExpression else { return nil }
      let value = try session.number(expression, "`\(name)`")
      guard range.contains(value) else {
        throw LabError(
          "`\(name)` must be between \(formatNumber(range.lowerBound)) and \(formatNumber(range.upperBound))",
          at: expression.span)
      }
      return value
    }
    limits.psi = try limit("psi", 0...100) ?? limits.psi
    limits.pValue = try limit("pvalue", 0...1) ?? limits.pValue
    limits.share = try limit("share", 0...1) ?? limits.share
    let currentTable = try session.table(current)
    let referenceValue = try session.evaluate(reference)
    let profile: DataProfile
    switch referenceValue {
    case .table(let table):
      try locatedML(current.span) { try DriftReport.requireSameSchema(table, currentTable) }
      profile = DataProfile.make(table)
    case .model(let name, let model):
      guard var stored = model.trainingProfile else {
        throw LabError("model '\(name)' carries no training profile", at: reference.span)
      }
      stored.name = "\(name) (training data)"
      let missing = model.inputColumns.filter { !currentTable.columnNames.contains($0) }
      if !missing.isEmpty {
        throw LabError(
          "table '\(currentTable.name)' lacks the model's input column\(missing.count > 1 ? "s" : "") "
            + missing.joined(separator: ", "), at: current.span)
      }
      profile = stored
    default:
      throw LabError(
        "drift compares a table or a model with a table, not a \(referenceValue.typeName)", at: reference.span)
    }
    if againstModel, case .table = referenceValue {
      throw LabError("`drift T on CUR` needs a model; compare two tables with `drift A vs B`", at: reference.span)
    }
    let currentProfile = DataProfile.make(currentTable, columns: profile.columns.map(\.name))
    let report = try locatedML(current.span) { try DriftReport.compare(profile, currentProfile, thresholds: limits) }
    return .drift(report)
  }
}
