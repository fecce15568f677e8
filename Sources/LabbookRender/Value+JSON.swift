import LabbookCore
import LabbookData
import LabbookValues

/// The structured results of SPEC §3: what `--json` prints and what notebooks store as application/json.
extension Value {
  public var json: JSONValue {
    switch self {
    case .number(let v): return .object([("kind", .string("value")), ("type", .string("number")), ("value", .num(v))])
    case .string(let s):
      return .object([("kind", .string("value")), ("type", .string("string")), ("value", .string(s))])
    case .duration(let d):
      return .object([("kind", .string("value")), ("type", .string("duration")), ("seconds", .num(d))])
    case .list(let items): return .object([("kind", .string("list")), ("items", .array(items.map(\.json)))])
    case .table(let table): return ResultJSON.table(table)
    case .loaded(let table, let source):
      guard case .object(var pairs) = ResultJSON.table(table) else { return .null }
      pairs.append(("source", source.json))
      return .object(pairs)
    case .tuple(let parts): return .object([("kind", .string("values")), ("values", .array(parts.map(\.json)))])
    case .description(let name, let description): return ResultJSON.describe(name, description)
    case .findings(let name, let rows, let findings):
      return .object([
        ("kind", .string("check")), ("name", .string(name)), ("rows", .num(rows)),
        (
          "findings",
          .array(
            findings.map {
              .object([
                ("check", .string($0.check)), ("column", .optional($0.column)),
                ("severity", .string($0.severity.rawValue)),
                ("message", .string($0.message)),
              ])
            })
        ),
      ])
    case .rows(let table, let limit): return ResultJSON.rows(table, limit: limit)
    case .predicted(let table, let unseen):
      // Only when there are some, so notebooks recorded before these fields existed replay identically.
      guard case .object(var pairs) = ResultJSON.table(table), unseen.rows > 0 else { return ResultJSON.table(table) }
      pairs.append(("unseen_level_rows", .num(unseen.rows)))
      pairs.append(
        (
          "unseen_levels",
          .array(
            unseen.entries.map {
              .object([("column", .string($0.column)), ("level", .string($0.level)), ("rows", .num($0.rows))])
            })
        ))
      return .object(pairs)
    case .saved(let path, let group, let table):
      return .object([
        ("kind", .string("saved")), ("path", .string(path)), ("group", .string(group)),
        ("table", ResultJSON.table(table)),
      ])
    case .exported(let summary): return ExportLayouts.json(summary)
    case .variables(let summaries):
      return .object([
        ("kind", .string("vars")),
        (
          "variables",
          .array(
            summaries.map {
              .object([("name", .string($0.name)), ("type", .string($0.type)), ("summary", .string($0.summary))])
            })
        ),
      ])
    case .help(let topic, let page):
      let text = TextWriter.text(page)
      return .object([("kind", .string("help")), ("topic", .string(topic)), ("text", .string(text))])
    case .history(let statements):
      return .object([("kind", .string("history")), ("statements", .array(statements.map { .string($0) }))])
    case .chart(let chart):
      return .object([
        ("kind", .string("plot")), ("type", .string(chart.kind)), ("table", .string(chart.table)),
        ("x", .string(chart.x)), ("y", .optional(chart.y)), ("by", .optional(chart.by)),
        ("missing_rows", .num(chart.missingRows)),
      ])
    case .pipeline, .model, .metrics, .crossValidation, .importance:
      return LearningJSON.render(self)
    case .fairness, .mitigated, .drift:
      return ChecksJSON.render(self)
    case .automl, .leaderboard:
      return AutoMLJSON.render(self)
    case .registered, .aliasMoved, .rolledBack, .registryListing, .comparison, .promotion:
      return RegistryJSON.render(self)
    case .param(let name, let value, let overridden):
      return .object([
        ("kind", .string("param")), ("name", .string(name)), ("value", value.plainJSON),
        ("source", .string(overridden ? "override" : "default")),
      ])
    }
  }

  /// A literal value as a plain JSON value (for parameters and metadata).
  public var plainJSON: JSONValue {
    switch self {
    case .number(let v): return .num(v)
    case .string(let s): return .string(s)
    case .duration(let d): return .num(d)
    case .list(let items): return .array(items.map(\.plainJSON))
    default: return json
    }
  }
}

public enum ResultJSON {
  public static func table(_ table: Table) -> JSONValue {
    var pairs: [(String, JSONValue)] = [
      ("kind", .string("table")), ("name", .string(table.name)), ("rows", .num(table.rowCount)),
      (
        "columns",
        .array(
          table.columns.map {
            .object([("name", .string($0.name)), ("type", .string($0.typeName)), ("missing", .num($0.missingCount))])
          })
      ),
      ("sha256", .string(table.contentHash)),
    ]
    if let target = table.target { pairs.append(("target", .string(target))) }
    if let protected = table.protected { pairs.append(("protected", .string(protected))) }
    return .object(pairs)
  }

  public static func rows(_ table: Table, limit: Int) -> JSONValue {
    let shown = min(limit, table.rowCount)
    let data: [JSONValue] = (0..<shown).map { row in
      .array(
        table.columns.map { column in
          switch column.values {
          case .numeric(let v): return .num(v[row])
          case .categorical(let codes, let levels): return codes[row] < 0 ? .null : .string(levels[Int(codes[row])])
          }
        })
    }
    return .object([
      ("kind", .string("rows")), ("name", .string(table.name)), ("rows", .num(table.rowCount)), ("shown", .num(shown)),
      ("columns", .array(table.columnNames.map { .string($0) })), ("data", .array(data)),
    ])
  }

  public static func describe(_ name: String, _ description: TableDescription) -> JSONValue {
    let columns: [JSONValue] = description.columns.map { c in
      var pairs: [(String, JSONValue)] = [
        ("name", .string(c.name)), ("type", .string(c.type)), ("count", .num(c.count)), ("missing", .num(c.missing)),
      ]
      if let levels = c.levels {
        pairs.append(("levels", .object(levels.map { ($0.0, .num($0.1)) })))
      } else {
        for (key, value) in [("mean", c.mean), ("std", c.std), ("min", c.min), ("max", c.max)] {
          pairs.append((key, value.map { .num($0) } ?? .null))
        }
      }
      return .object(pairs)
    }
    return .object([
      ("kind", .string("describe")), ("name", .string(name)), ("rows", .num(description.rows)),
      ("columns", .array(columns)),
    ])
  }
}
