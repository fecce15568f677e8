import Foundation
import LabbookData
import LabbookValues

/// How values look: a layout for everything with structure, and plain text for the rest. The prompt and
/// the notebook's text/plain show `text`; the notebook's text/html shows `html` where there is a table.
extension Value {
  /// The value's layout; nil for values that are a word or a line of their own (numbers, strings, help).
  public var layout: [Block]? {
    switch self {
    case .number, .string, .duration, .list, .tuple, .history, .param, .pipeline: return nil
    case .help(_, let page): return page
    case .table(let table): return TableLayouts.summary(table)
    case .loaded(let table, let source):
      return TableLayouts.summary(table) + [.line("read from \(source.path) (sha256 \(source.sha256.prefix(12))…)")]
    case .predicted(let table, let unseen):
      guard unseen.rows > 0 else { return TableLayouts.summary(table) }
      return TableLayouts.summary(table) + [
        .line(
          "\(TableLayouts.counted(unseen.rows, "row")) held levels never seen in training, read as missing: "
            + unseen.summary())
      ]
    case .description(let name, let description): return TableLayouts.describe(name, description)
    case .findings(let name, let rows, let findings): return TableLayouts.findings(name, rows, findings)
    case .rows(let table, let limit): return TableLayouts.rows(table, limit: limit)
    case .saved(let path, let group, let table):
      return [.line("saved \(table.name) (\(TableLayouts.shape(table))) to \(path) at \(group)")]
    case .exported(let summary): return ExportLayouts.text(summary)
    case .variables(let summaries): return TableLayouts.variables(summaries)
    case .model(let name, let model): return LearningLayouts.model(name, model)
    case .metrics(let model, let table, let metrics): return LearningLayouts.metrics(model, table, metrics)
    case .crossValidation(let model, let table, let cv): return LearningLayouts.crossValidation(model, table, cv)
    case .importance(let model, let table, let importance): return LearningLayouts.importance(model, table, importance)
    case .fairness(let model, let table, let report): return ChecksLayouts.fairness(model, table, report)
    case .mitigated(let name, let model, let report): return ChecksLayouts.mitigated(name, model, report)
    case .drift(let report): return ChecksLayouts.drift(report)
    case .automl(let result): return AutoMLLayouts.leaderboard(result, limit: 10)
    case .leaderboard(let result): return AutoMLLayouts.leaderboard(result, limit: nil)
    case .registered(let name, let version, let aliases, let sha256):
      return RegistryLayouts.registered(name, version, aliases, sha256)
    case .aliasMoved(let name, let alias, let version): return [.line("\(name)@\(alias) → version \(version)")]
    case .rolledBack(let name, let alias, let from, let to):
      return [.line("\(name)@\(alias) rolled back from version \(from) to version \(to)")]
    case .registryListing(let records): return RegistryLayouts.listing(records)
    case .comparison(let comparison): return RegistryLayouts.comparison(comparison)
    case .promotion(let decision): return RegistryLayouts.promotion(decision)
    case .chart(let chart): return TableChartText.layout(chart)
    }
  }

  /// The text recorded in notebooks and files: never cut or wrapped, so it does not depend on a terminal.
  public var text: String { text(width: nil) }

  /// The text for a terminal `width` columns wide (lines wrapped, grids fitted); `header` draws grid headers.
  public func text(width: Int?, header: TextWriter.Emphasis? = nil) -> String {
    if let layout { return TextWriter.text(layout, width: width, header: header) }
    switch self {
    case .number(let v): return formatNumber(v, significant: 10)
    case .string(let s): return "\"\(s)\""
    case .duration(let d): return "\(formatNumber(d))s"
    case .list(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
    case .tuple(let parts): return parts.map { $0.text(width: width, header: header) }.joined(separator: "\n\n")
    case .history(let statements):
      if statements.isEmpty { return "no statements yet" }
      return statements.enumerated().map { "\($0.offset + 1)  \($0.element)" }.joined(separator: "\n")
    case .param(let name, let value, let overridden):
      return "\(name) = \(value.text)\(overridden ? "  (from --param)" : "")"
    case .pipeline(let pipeline): return "pipeline: " + pipeline.description
    default: return ""
    }
  }

  /// The value as HTML, for results that hold a table (nil for the rest, which text shows as well).
  public var html: String? {
    if case .tuple(let parts) = self {
      let shown = parts.compactMap(\.html)
      return shown.isEmpty ? nil : shown.joined(separator: "\n")
    }
    guard let layout, layout.contains(where: { if case .table = $0 { return true } else { return false } }) else {
      return nil
    }
    return HTMLWriter.html(layout)
  }

  /// One line about the value, for `vars`.
  public var summaryLine: String {
    switch self {
    case .table(let t): return TableLayouts.shape(t)
    case .tuple(let parts): return "\(parts.count) values"
    case .description(let name, _): return "summary of \(name)"
    case .findings(let name, _, let f): return "\(f.count) findings on \(name)"
    default:
      let line = text.split(separator: "\n").first.map(String.init) ?? ""
      return line.count > 60 ? String(line.prefix(57)) + "..." : line
    }
  }
}
