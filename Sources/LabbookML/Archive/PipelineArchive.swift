import Foundation

/// Pipelines in a model file: the unfitted steps (group per step: `kind`, `option`, `value`,
/// `columns`) and the fitted ones (group per step: `kind`, `columns` in sorted order, and per-column
/// arrays aligned with them).
extension PipelineStep {
  func archive(into group: ArchiveGroup) throws {
    var option = ""
    var value: Double?
    let kind: String
    switch self {
    case .impute(let strategy, _):
      kind = "impute"
      switch strategy {
      case .mean: option = "mean"
      case .median: option = "median"
      case .mode: option = "mode"
      case .constant(let text):
        option = "constant"
        try group.set("constant", text)
      }
    case .scale(let scale, _):
      kind = "scale"
      option = scale.rawValue
    case .encode(let encode, _):
      kind = "encode"
      option = encode.rawValue
    case .clip(let sigmas, _):
      kind = "clip"
      value = sigmas
    case .log: kind = "log"
    case .bin(let count, _):
      kind = "bin"
      value = Double(count)
    }
    try group.set("kind", kind)
    try group.set("option", option)
    if let value { try group.set("value", value) }
    if let columns { try group.set("columns", strings: columns) }
  }

  init(from group: ArchiveGroup) throws {
    let columns = group.has("columns") ? try group.strings("columns") : nil
    let option = try group.string("option")
    switch try group.string("kind") {
    case "impute":
      switch option {
      case "mean": self = .impute(.mean, columns: columns)
      case "median": self = .impute(.median, columns: columns)
      case "mode": self = .impute(.mode, columns: columns)
      case "constant": self = .impute(.constant(try group.string("constant")), columns: columns)
      default: throw group.malformed("option", "is not an impute strategy")
      }
    case "scale":
      guard let kind = ScaleKind(rawValue: option) else { throw group.malformed("option", "is not a scaling") }
      self = .scale(kind, columns: columns)
    case "encode":
      guard let kind = EncodeKind(rawValue: option) else { throw group.malformed("option", "is not an encoding") }
      self = .encode(kind, columns: columns)
    case "clip":
      let sigmas = try group.double("value")
      guard sigmas.isFinite, sigmas > 0 else {
        throw group.malformed("value", "is not a positive number of deviations")
      }
      self = .clip(sigmas: sigmas, columns: columns)
    case "log": self = .log(columns: columns)
    case "bin":
      guard let count = Int(exactly: try group.double("value")), (2...1000).contains(count) else {
        throw group.malformed("value", "is not a bin count from 2 to 1000")
      }
      self = .bin(count: count, columns: columns)
    default: throw group.malformed("kind", "is not a pipeline step")
    }
  }
}

extension FittedStep {
  func archive(into group: ArchiveGroup) throws {
    switch self {
    case .impute(let fills):
      let columns = fills.keys.sorted()
      try group.set("kind", "impute")
      try group.set("columns", strings: columns)
      try group.set(
        "numbers",
        doubles: columns.map {
          if case .number(let v) = fills[$0]! { return v }
          return .nan
        })
      try group.set(
        "levels",
        strings: columns.map {
          if case .level(let text) = fills[$0]! { return text }
          return ""
        })
      try group.set("is_level", ints: columns.map { if case .level = fills[$0]! { return 1 } else { return 0 } })
    case .scale(let affine):
      let columns = affine.keys.sorted()
      try group.set("kind", "scale")
      try group.set("columns", strings: columns)
      try group.set("center", doubles: columns.map { affine[$0]!.center })
      try group.set("scale", doubles: columns.map { affine[$0]!.scale })
    case .onehot(let levels), .ordinal(let levels):
      let columns = levels.keys.sorted()
      if case .onehot = self { try group.set("kind", "onehot") } else { try group.set("kind", "ordinal") }
      try group.set("columns", strings: columns)
      let lists = try group.child("levels")
      for (i, column) in columns.enumerated() { try lists.set(String(i), strings: levels[column]!) }
    case .clip(let ranges):
      let columns = ranges.keys.sorted()
      try group.set("kind", "clip")
      try group.set("columns", strings: columns)
      try group.set("low", doubles: columns.map { ranges[$0]!.lowerBound })
      try group.set("high", doubles: columns.map { ranges[$0]!.upperBound })
    case .log(let columns):
      try group.set("kind", "log")
      try group.set("columns", strings: columns)
    case .bin(let edges):
      let columns = edges.keys.sorted()
      try group.set("kind", "bin")
      try group.set("columns", strings: columns)
      let lists = try group.child("edges")
      for (i, column) in columns.enumerated() { try lists.set(String(i), doubles: edges[column]!) }
    }
  }

  init(from group: ArchiveGroup) throws {
    let columns = try group.strings("columns")
    let n = columns.count
    guard Set(columns).count == n else { throw group.malformed("columns", "repeats a name") }
    func byColumn<T>(_ values: [T]) -> [String: T] { Dictionary(uniqueKeysWithValues: zip(columns, values)) }
    switch try group.string("kind") {
    case "impute":
      let numbers = try group.doubles("numbers", count: n)
      let levels = try group.strings("levels", count: n)
      let isLevel = try group.ints("is_level", count: n)
      self = .impute(byColumn((0..<n).map { isLevel[$0] == 1 ? .level(levels[$0]) : .number(numbers[$0]) }))
    case "scale":
      let center = try group.doubles("center", count: n)
      let scale = try group.doubles("scale", count: n)
      self = .scale(byColumn((0..<n).map { Affine(center: center[$0], scale: scale[$0]) }))
    case "onehot", "ordinal":
      let lists = try group.open("levels")
      let levels = byColumn(try (0..<n).map { try lists.strings(String($0)) })
      self = try group.string("kind") == "onehot" ? .onehot(levels) : .ordinal(levels)
    case "clip":
      let low = try group.doubles("low", count: n)
      let high = try group.doubles("high", count: n)
      guard zip(low, high).allSatisfy({ $0 <= $1 }) else { throw group.malformed("low", "exceeds high") }
      self = .clip(byColumn((0..<n).map { low[$0]...high[$0] }))
    case "log": self = .log(columns)
    case "bin":
      let lists = try group.open("edges")
      self = .bin(byColumn(try (0..<n).map { try lists.doubles(String($0)) }))
    default: throw group.malformed("kind", "is not a fitted pipeline step")
    }
  }
}
