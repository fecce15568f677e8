import LabbookData

/// The levels of one categorical column as a model saw them in training: the values present in the
/// training rows, sorted. Every table given to the model later is read through these levels, whatever
/// level list that table carries (a filtered table keeps levels no row uses; a table saved and loaded
/// again keeps only the used ones), so a row's prediction depends on its values alone.
public struct TrainedLevels: Sendable, Equatable {
  public let levels: [String]
  private let code: [String: Int32]

  public init(_ levels: [String]) {
    self.levels = levels
    var code: [String: Int32] = [:]
    for (i, level) in levels.enumerated() where code[level] == nil { code[level] = Int32(i) }
    self.code = code
  }

  public static func == (lhs: TrainedLevels, rhs: TrainedLevels) -> Bool { lhs.levels == rhs.levels }

  /// The levels present in the column's rows (a numeric column's values as text), sorted.
  public static func observed(in column: Column) -> TrainedLevels {
    switch column.values {
    case .categorical(let codes, let levels):
      var used = [Bool](repeating: false, count: levels.count)
      for c in codes where c >= 0 && Int(c) < levels.count { used[Int(c)] = true }
      return TrainedLevels(Array(Set(levels.indices.filter { used[$0] }.map { levels[$0] })).sorted())
    case .numeric(let values):
      return TrainedLevels(Array(Set(values.filter { !$0.isNaN }.map { formatNumber($0) })).sorted())
    }
  }

  /// The column's rows as codes into these levels. A level not among them becomes missing and is
  /// counted in `unseen` under `column`; a numeric column is read as its values' text.
  public func recode(_ column: Column, unseen: inout UnseenLevels.Tally) -> Column {
    var codes = [Int32](repeating: -1, count: column.count)
    switch column.values {
    case .categorical(let given, let givenLevels):
      // One lookup per level of the given table, then one array read per row.
      let mapped = givenLevels.map { code[$0] ?? -1 }
      for (row, c) in given.enumerated() where c >= 0 && Int(c) < mapped.count {
        codes[row] = mapped[Int(c)]
        if codes[row] < 0 { unseen.add(column: column.name, level: givenLevels[Int(c)], row: row) }
      }
    case .numeric(let values):
      for (row, value) in values.enumerated() where !value.isNaN {
        let text = formatNumber(value)
        if let c = code[text] {
          codes[row] = c
        } else {
          unseen.add(column: column.name, level: text, row: row)
        }
      }
    }
    return Column(name: column.name, values: .categorical(codes: codes, levels: levels))
  }
}

/// What one raw input column was when the model was trained.
public enum InputKind: Sendable, Equatable {
  case numeric
  case categorical(TrainedLevels)

  public static func observed(in column: Column) -> InputKind {
    column.isNumeric ? .numeric : .categorical(.observed(in: column))
  }
}

/// Rows whose categorical inputs held levels the model never saw in training (read as missing).
public struct UnseenLevels: Sendable, Equatable {
  public struct Entry: Sendable, Equatable {
    public var column: String
    public var level: String
    public var rows: Int
  }
  /// Rows with at least one unseen level.
  public var rows: Int = 0
  /// Per column and level, in input-column order, levels sorted.
  public var entries: [Entry] = []

  public init() {}

  /// Counts unseen levels while columns are recoded.
  public struct Tally: Sendable {
    var flagged: [Bool]
    var counts: [String: [String: Int]] = [:]
    var order: [String] = []

    public init(rows: Int) { flagged = [Bool](repeating: false, count: rows) }

    mutating func add(column: String, level: String, row: Int) {
      if counts[column] == nil { order.append(column) }
      counts[column, default: [:]][level, default: 0] += 1
      if row < flagged.count { flagged[row] = true }
    }

    /// Rows (0-based) with at least one unseen level.
    public var flaggedRows: [Int] { flagged.indices.filter { flagged[$0] } }

    public var report: UnseenLevels {
      var result = UnseenLevels()
      result.rows = flagged.reduce(0) { $0 + ($1 ? 1 : 0) }
      for column in order {
        for (level, rows) in counts[column]!.sorted(by: { $0.key < $1.key }) {
          result.entries.append(Entry(column: column, level: level, rows: rows))
        }
      }
      return result
    }
  }

  /// "purpose 'vacation' (2 rows), housing 'boat' (1 row)", at most `limit` entries.
  public func summary(limit: Int = 5) -> String {
    var parts = entries.prefix(limit).map { "\($0.column) '\($0.level)' (\($0.rows) row\($0.rows == 1 ? "" : "s"))" }
    if entries.count > limit { parts.append("and \(entries.count - limit) more") }
    return parts.joined(separator: ", ")
  }
}
