import Foundation
import LabbookCore
import LabbookData
import LabbookML
import LabbookRegistry
import LabbookRender
import LabbookValues

/// Registry errors as located language errors.
func locatedRegistry<T>(_ span: SourceSpan, _ body: () throws -> T) throws -> T {
  do {
    return try locatedML(span, body)
  } catch let error as RegistryError {
    throw LabError(error.message, at: span)
  }
}

/// A `"NAME@N"` string argument, parsed.
func modelReference(_ expression: ValueExpression, in session: Session, what: String) throws -> ModelReference {
  let text = try session.string(expression, what)
  return try locatedRegistry(expression.span) { try ModelReference.parse(text) }
}

/// `register M as "NAME" [alias A]... [tag K "V"]... [description "..."]`
struct RegisterCommand: Command {
  static let keyword = "register"
  static let help = CommandHelp(
    usage: "register MODEL as \"NAME\" [alias ALIAS]... [tag KEY \"VALUE\"]... [description \"TEXT\"]",
    summary: "a new version NAME@N in the model registry (or the existing one holding the same model file)",
    details: """
      The model is written as model.h5 (plain HDF5 data) with a model card, card.json, in the registry
      (--registry DIR, $LABBOOK_REGISTRY, or ./registry). Registration is content-addressed: a model whose file has
      the sha256 of an existing version of NAME returns that version (with any new aliases and tags). The version
      records its lineage: this notebook and its chain hash, the cell, every input file's sha256, the model's latest
      metrics and fairness report in this session, its hyper-parameters, $USER, the time and the tool version.
      Names: 1–64 of a-z 0-9 . _ -, starting with a letter or digit. `replay` registers only with --write-registry;
      without it, the cell checks that the model still has the recorded sha256.
      """,
    example: "register fair as \"credit-risk\" alias challenger tag owner \"risk-team\"")

  let model: ValueExpression
  let name: ValueExpression
  let aliases: [Located<String>]
  let tags: [(Located<String>, ValueExpression)]
  let description: ValueExpression?

  init(parsing parser: inout StatementParser) throws {
    model = try parser.value("a model")
    try parser.expect("as")
    name = try parser.value("the registered name, a string such as \"credit-risk\"")
    var aliases: [Located<String>] = []
    var tags: [(Located<String>, ValueExpression)] = []
    var description: ValueExpression?
    while !parser.atEnd {
      let word = parser.current
      if parser.accept("alias") {
        aliases.append(try parser.name("an alias such as champion"))
      } else if parser.accept("tag") {
        let key = try parser.name("a tag name")
        tags.append((key, try parser.value("the tag's value, a string")))
      } else if parser.accept("description") {
        description = try parser.value("a description string")
      } else {
        throw LabError("unexpected '\(word.text)': `register` takes `alias`, `tag` and `description`", at: word.span)
      }
    }
    self.aliases = aliases
    self.tags = tags
    self.description = description
  }

  func execute(in session: Session) throws -> Value {
    let (variable, trained) = try resolveModel(model, in: session)
    let nameText = try session.string(name, "the registered name")
    try locatedRegistry(name.span) { try ModelReference.validateName(nameText) }
    for alias in aliases { try locatedRegistry(alias.span) { try ModelReference.validateAlias(alias.value) } }
    var details = Registry.Details()
    details.aliases = aliases.map(\.value)
    details.tags = try tags.map { (key: $0.0.value, value: try session.string($0.1, "a tag's value")) }
    details.description = try description.map { try session.string($0, "the description") } ?? ""
    details.metrics = session.latestMetrics[variable] ?? .null
    details.fairness = session.latestFairness[variable] ?? .null
    details.lineage = Lineage(
      notebook: session.registry.notebookPath, notebookSHA256: session.registry.chainHead,
      cell: session.registry.cellIndex,
      inputs: session.allInputs.map { Lineage.Input(path: $0.path, sha256: $0.sha256) })
    let recorded = session.registry.recordedCell?["registry"]
    let state = session.registry
    if state.writes {
      let registry = try locatedRegistry(model.span) { try state.registry(create: true) }
      let prepared = try locatedRegistry(model.span) { try registry.prepare(trained) }
      if state.reproducing, let recordedSHA = recorded?["sha256"]?.stringValue {
        // Replaying with --write-registry: only the model the notebook recorded may be registered.
        try Self.requireSame(prepared.sha256, recordedSHA, recorded, span: model.span)
      }
      let (record, created) = try locatedRegistry(model.span) {
        try registry.register(trained, prepared: prepared, as: nameText, details: details)
      }
      session.statementReplay.append(
        (
          "registry",
          .object([
            ("name", .string(record.name)), ("version", .num(record.version)), ("sha256", .string(record.sha256)),
            ("aliases", .array(record.aliases.map { .string($0) })), ("created", .bool(created)),
          ])
        ))
      return .registered(name: record.name, version: record.version, aliases: record.aliases, sha256: record.sha256)
    }
    // Replay without --write-registry: prove the model is the recorded one, register nothing.
    guard state.reproducing else {
      throw LabError(
        "this replay was given --param, so the model may differ from the recorded one: add --write-registry to register it",
        at: model.span)
    }
    let sha256 = try locatedRegistry(model.span) { try Self.sha256(of: trained) }
    guard let recorded, let version = recorded["version"]?.intValue(in: RegistryLimits.versions) else {
      throw LabError(
        "replay does not write to the registry without --write-registry, and this cell recorded no registration to check",
        at: model.span)
    }
    try Self.requireSame(sha256, recorded["sha256"]?.stringValue ?? "", recorded, span: model.span)
    let aliases = (recorded["aliases"]?.arrayValue ?? []).compactMap(\.stringValue)
    state.pendingModels["\(nameText)@\(version)"] = (trained, sha256)
    for alias in details.aliases {
      state.pendingAliasHistory[state.pendingAliasKey(nameText, alias), default: []].append(version)
    }
    session.statementReplay.append(("registry", recorded))
    return .registered(name: nameText, version: version, aliases: aliases, sha256: sha256)
  }

  static func requireSame(_ sha256: String, _ recordedSHA: String, _ recorded: JSONValue?, span: SourceSpan) throws {
    guard sha256 == recordedSHA else {
      let version = recorded?["version"]?.intValue(in: RegistryLimits.versions).map(String.init) ?? "?"
      let reference = "\(recorded?["name"]?.stringValue ?? "")@\(version)"
      throw LabError(
        "the model differs from the one this cell registered as \(reference): its model.h5 has sha256 \(sha256.prefix(16))…, the recorded one \(recordedSHA.prefix(16))…",
        at: span)
    }
  }

  /// The sha256 of the model's file (no registry needed).
  static func sha256(of model: TrainedModel) throws -> String { try Registry.prepare(model).sha256 }
}

/// `use "NAME[@N|@ALIAS]"`
struct UseCommand: Command {
  static let keyword = "use"
  static let help = CommandHelp(
    usage: "use \"NAME[@VERSION|@ALIAS]\"",
    summary: "a registered model, loaded from the registry (its model.h5 checked against its sha256)",
    details: """
      Without @, the version aliased `champion`, else the latest. The model predicts exactly (bit for bit) as the one
      that was registered. A model file changed after registration is refused.
      """,
    example: "champion = use \"credit-risk@champion\"")

  let reference: ValueExpression

  init(parsing parser: inout StatementParser) throws { reference = try parser.value("a model reference string") }

  func execute(in session: Session) throws -> Value {
    let (name, model) = try Self.load(reference, in: session, recordKey: "registry")
    return .model(name: name, model)
  }

  /// Loads the model a reference string names. What was used (name, version, sha256) goes into the cell's
  /// metadata under `recordKey`; on replay it must be the same model.
  static func load(_ reference: ValueExpression, in session: Session, recordKey: String) throws -> (
    String, TrainedModel
  ) {
    let parsed = try modelReference(reference, in: session, what: "a model reference")
    return try load(parsed, at: reference.span, in: session, recordKey: recordKey)
  }

  static func load(_ parsed: ModelReference, at span: SourceSpan, in session: Session, recordKey: String) throws -> (
    String, TrainedModel
  ) {
    let state = session.registry
    let recorded = session.registry.recordedCell?[recordKey]
    var parsed = parsed
    // Reproducing a recording: the version the cell used then, whatever its alias points at now.
    if state.reproducing, let version = recorded?["version"]?.intValue(in: RegistryLimits.versions),
      recorded?["name"]?.stringValue == parsed.name
    {
      parsed = ModelReference(name: parsed.name, selector: .version(version))
    }
    // In a replay that registers nothing, a version registered earlier in the same notebook is in memory.
    if !state.writes {
      var key: String?
      switch parsed.selector {
      case .version(let n): key = "\(parsed.name)@\(n)"
      case .alias(let alias): key = state.pendingAlias(parsed.name, alias).map { "\(parsed.name)@\($0)" }
      case .latest: key = state.pendingAlias(parsed.name, "champion").map { "\(parsed.name)@\($0)" }
      }
      if let key, let (model, sha256) = state.pendingModels[key] {
        if state.reproducing, let recordedSHA = recorded?["sha256"]?.stringValue, recordedSHA != sha256 {
          throw LabError("\(key) is not the model this cell used when it was recorded", at: span)
        }
        session.statementReplay.append((recordKey, recorded ?? .null))
        return (key, model)
      }
    }
    let registry = try locatedRegistry(span) { try state.registry(create: false) }
    let (model, record) = try locatedRegistry(span) { try registry.load(parsed) }
    if state.reproducing, let recordedSHA = recorded?["sha256"]?.stringValue, recordedSHA != record.sha256 {
      throw LabError(
        "\(parsed) is now \(record.reference) (sha256 \(record.sha256.prefix(12))…), not the model this cell used when it was recorded (\(recordedSHA.prefix(12))…)",
        at: span)
    }
    session.statementReplay.append(
      (
        recordKey,
        .object([
          ("name", .string(record.name)), ("version", .num(record.version)), ("sha256", .string(record.sha256)),
        ])
      ))
    return (record.reference, model)
  }
}

/// `promote "NAME@N" to ALIAS [if better on TABLE [metric M]]`
struct PromoteCommand: Command {
  static let keyword = "promote"
  static let help = CommandHelp(
    usage: "promote \"NAME@VERSION|@ALIAS\" to ALIAS [if better on TABLE [metric METRIC]]",
    summary: "points an alias (champion, challenger, ...) at a version; the move is logged",
    details: """
      Aliases replace fixed stages: any number per model, each on one version. Every move is appended to the
      registry's event log (who, when, from which version); `rollback` undoes the latest move. With `if better on
      TABLE`, the version is promoted only when it scores strictly better on TABLE than the alias's current holder
      (metric: accuracy or r2 unless given; lower is better for logloss, rmse, mae); an alias nobody holds yet is
      simply given. `replay` moves nothing without --write-registry: the cell reports the move it would make.
      """,
    example: "promote \"credit-risk@challenger\" to champion if better on fresh")

  let reference: ValueExpression
  let alias: Located<String>
  let table: ValueExpression?
  let metric: Located<String>?

  init(parsing parser: inout StatementParser) throws {
    reference = try parser.value("a model reference string such as \"credit-risk@2\"")
    try parser.expect("to")
    alias = try parser.name("an alias such as champion")
    if parser.accept("if") {
      try parser.expect("better")
      try parser.expect("on")
      table = try parser.value("the table to compare on")
      metric = try parser.options(["metric": .name])["metric"]?.nameValue
    } else {
      table = nil
      metric = nil
      try parser.finish()
    }
  }

  func execute(in session: Session) throws -> Value {
    let parsed = try modelReference(reference, in: session, what: "`promote`")
    try locatedRegistry(alias.span) { try ModelReference.validateAlias(alias.value) }
    let state = session.registry
    let recorded = state.reproducing ? state.recordedCell?["promotion"] : nil
    let recordedCandidate = recorded?["candidate"]?.intValue(in: RegistryLimits.versions)
    guard let candidate = try recordedCandidate ?? holder(of: parsed, in: session) else {
      throw LabError("\(parsed) names no version", at: reference.span)
    }
    session.statementReplay.append(("promotion", .object([("candidate", .num(candidate))])))
    var decision: PromotionDecision?
    if let table {
      let data = try session.table(table)
      // Reproducing a recording: the holder the alias had then (recorded as null when nobody held it).
      let incumbent: Int?
      if let recorded {
        incumbent = recorded["incumbent"]?.intValue(in: RegistryLimits.versions)
      } else {
        incumbent = try holder(of: ModelReference(name: parsed.name, selector: .alias(alias.value)), in: session)
      }
      session.statementReplay.removeAll { $0.0 == "promotion" }
      session.statementReplay.append(
        ("promotion", .object([("candidate", .num(candidate)), ("incumbent", incumbent.map { .num($0) } ?? .null)])))
      var made = PromotionDecision(
        name: parsed.name, alias: alias.value, candidate: candidate, incumbent: incumbent, table: data.name,
        metric: metric?.value ?? "", candidateScore: nil, incumbentScore: nil, promoted: true)
      if let incumbent, incumbent != candidate {
        let (_, challenger) = try UseCommand.load(
          ModelReference(name: parsed.name, selector: .version(candidate)), at: reference.span, in: session,
          recordKey: "registry_candidate")
        let (_, champion) = try UseCommand.load(
          ModelReference(name: parsed.name, selector: .version(incumbent)), at: reference.span, in: session,
          recordKey: "registry_incumbent")
        let chosen = metric?.value ?? (challenger.task == .classification ? "accuracy" : "r2")
        let names = Metrics.names(for: challenger.task)
        guard names.contains(chosen) else {
          throw LabError("`metric` is one of \(names.joined(separator: ", ")), not '\(chosen)'", at: metric!.span)
        }
        let a = try locatedML(table.span) { try challenger.evaluate(on: data) }.value(chosen)
        let b = try locatedML(table.span) { try champion.evaluate(on: data) }.value(chosen)
        made.metric = chosen
        made.candidateScore = a
        made.incumbentScore = b
        if let a, let b {
          made.promoted = Metrics.lowerIsBetter(chosen) ? a < b : a > b
        } else {
          made.promoted = false
        }
      }
      decision = made
      if !made.promoted { return .promotion(made) }
    }
    if !state.writes {
      state.pendingAliasHistory[state.pendingAliasKey(parsed.name, alias.value), default: []].append(candidate)
    } else {
      let registry = try locatedRegistry(reference.span) { try state.registry(create: false) }
      let (_, previous) = try locatedRegistry(reference.span) {
        try registry.promote(ModelReference(name: parsed.name, selector: .version(candidate)), to: alias.value)
      }
      session.statementReplay.append(("previous", previous.map { .num($0) } ?? .null))
    }
    if let decision { return .promotion(decision) }
    return .aliasMoved(name: parsed.name, alias: alias.value, version: candidate)
  }

  /// The version a reference names (nil for an alias nobody holds): without write access, this replay's
  /// memory first, then the registry if there is one; with it, the registry (an unknown name is an error).
  func holder(of parsed: ModelReference, in session: Session) throws -> Int? {
    let state = session.registry
    if !state.writes {
      switch parsed.selector {
      case .version(let n): return n
      case .alias(let a): if let n = state.pendingAlias(parsed.name, a) { return n }
      case .latest: if let n = state.pendingAlias(parsed.name, "champion") { return n }
      }
      guard let registry = state.existingRegistry() else { return nil }
      if case .alias = parsed.selector, (try? registry.resolve(parsed)) == nil { return nil }
      return try locatedRegistry(reference.span) { try registry.resolve(parsed).version }
    }
    let registry = try locatedRegistry(reference.span) { try state.registry(create: false) }
    if case .alias = parsed.selector, (try? registry.resolve(parsed)) == nil {
      // The name must exist; only the alias may be new.
      _ = try locatedRegistry(reference.span) {
        try registry.resolve(ModelReference(name: parsed.name, selector: .latest))
      }
      return nil
    }
    return try locatedRegistry(reference.span) { try registry.resolve(parsed).version }
  }
}

/// `rollback "NAME" [alias A]`
struct RollbackCommand: Command {
  static let keyword = "rollback"
  static let help = CommandHelp(
    usage: "rollback \"NAME\" [alias ALIAS]",
    summary: "gives an alias (default champion) back the version it held before its latest move",
    details: "The rollback is itself logged, so `registry show NAME` tells the whole story.",
    example: "rollback \"credit-risk\"")

  let name: ValueExpression
  let alias: Located<String>?

  init(parsing parser: inout StatementParser) throws {
    name = try parser.value("a model name string")
    alias = try parser.options(["alias": .name])["alias"]?.nameValue
  }

  func execute(in session: Session) throws -> Value {
    let text = try session.string(name, "`rollback`")
    try locatedRegistry(name.span) { try ModelReference.validateName(text) }
    let aliasName = alias?.value ?? "champion"
    try locatedRegistry(alias?.span ?? name.span) { try ModelReference.validateAlias(aliasName) }
    let state = session.registry
    if !state.writes {
      let key = state.pendingAliasKey(text, aliasName)
      if let history = state.pendingAliasHistory[key], !history.isEmpty {
        // The same outcome the registry would give for the moves this replay made.
        guard history.count >= 2 else {
          throw LabError(
            "\(text)@\(aliasName) has held only version \(history[0]): there is nothing to roll back to", at: name.span)
        }
        state.pendingAliasHistory[key]!.removeLast()
        return .rolledBack(name: text, alias: aliasName, from: history.last!, to: history[history.count - 2])
      }
      let recorded = session.registry.recordedCell?["rollback"]
      guard let from = recorded?["from"]?.intValue(in: RegistryLimits.versions),
        let to = recorded?["to"]?.intValue(in: RegistryLimits.versions)
      else {
        throw LabError(
          "replay does not change the registry without --write-registry, and this rollback cannot be worked out from the notebook alone",
          at: name.span)
      }
      session.statementReplay.append(("rollback", recorded!))
      return .rolledBack(name: text, alias: aliasName, from: from, to: to)
    }
    let registry = try locatedRegistry(name.span) { try state.registry(create: false) }
    let (from, to) = try locatedRegistry(name.span) { try registry.rollback(text, alias: aliasName) }
    session.statementReplay.append(("rollback", .object([("from", .num(from)), ("to", .num(to))])))
    return .rolledBack(name: text, alias: aliasName, from: from, to: to)
  }
}

/// `models`
struct ModelsCommand: Command {
  static let keyword = "models"
  static let help = CommandHelp(
    usage: "models",
    summary: "the registry's models: each version with its aliases, learner, and when and by whom it was made",
    details: "The same listing as `labbook registry list` in the shell.",
    example: "models")

  let span: SourceSpan

  init(parsing parser: inout StatementParser) throws {
    span = parser.keyword.span
    try parser.finish()
  }

  func execute(in session: Session) throws -> Value {
    let registry = try locatedRegistry(span) { try session.registry.registry(create: false) }
    let records = try locatedRegistry(span) {
      try registry.names().flatMap { try registry.versions(of: $0) }
    }
    return .registryListing(records)
  }
}
