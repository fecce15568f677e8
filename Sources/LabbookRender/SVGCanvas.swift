import Foundation
import LabbookData

/// A small SVG writer shared by every chart: a fixed-size canvas with a plot area, linear scales with
/// round ticks, and the few marks charts need (lines, points, bars, text, a legend). The document is
/// self-contained (no scripts, no external references, no fonts but the generic sans-serif), and every
/// number is written with one decimal by integer arithmetic, so the same chart is the same bytes on
/// every machine and locale, and replay can compare plots byte for byte.
struct SVGCanvas {
  static let palette = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
  ]

  let width: Double
  let height: Double
  let left = 64.0
  let right = 16.0
  let top = 50.0
  let bottom = 52.0
  private var marks: [String] = []

  init(title: String, width: Double = 560, height: Double = 360) {
    self.width = width
    self.height = height
    marks.append(
      "<text x=\"\(Self.number(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(HTMLWriter.escape(title))</text>"
    )
  }

  var plotWidth: Double { width - left - right }
  var plotHeight: Double { height - top - bottom }

  /// A linear map from data to the plot area, with round tick values.
  struct Scale {
    var low: Double
    var high: Double
    init(_ values: [Double], includeZero: Bool = false, padding: Double = 0.04) {
      var finite = values.filter(\.isFinite)
      if includeZero { finite.append(0) }
      var low = finite.min() ?? 0
      var high = finite.max() ?? 1
      if low == high {
        low -= 0.5
        high += 0.5
      }
      let pad = (high - low) * padding
      self.low = includeZero && low == 0 ? 0 : low - pad
      self.high = high + pad
    }
    init(fixed low: Double, _ high: Double) {
      self.low = low
      self.high = high
    }
    func unit(_ value: Double) -> Double { (value - low) / (high - low) }

    /// About five round values within the range (steps of 1, 2 or 5 times a power of ten).
    var ticks: [Double] {
      let span = high - low
      guard span > 0, span.isFinite else { return [low] }
      let raw = span / 5
      let magnitude = pow(10, (log10(raw)).rounded(.down))
      let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
      var value = (low / step).rounded(.up) * step
      var result: [Double] = []
      while value <= high + step * 1e-9, result.count < 12 {
        result.append(abs(value) < step * 1e-9 ? 0 : value)
        value += step
      }
      return result
    }
  }

  func x(_ value: Double, _ scale: Scale) -> Double { left + scale.unit(value) * plotWidth }
  func y(_ value: Double, _ scale: Scale) -> Double { top + (1 - scale.unit(value)) * plotHeight }

  /// The frame, grid lines and tick labels of both axes, and their titles.
  mutating func axes(x xScale: Scale, y yScale: Scale, xLabel: String, yLabel: String) {
    for tick in yScale.ticks {
      let position = y(tick, yScale)
      marks.append(line(left, position, left + plotWidth, position, stroke: "#e6e6e6"))
      marks.append(text(tickText(tick), x: left - 6, y: position + 4, anchor: "end", size: 11))
    }
    for tick in xScale.ticks {
      let position = x(tick, xScale)
      marks.append(line(position, top, position, top + plotHeight, stroke: "#e6e6e6"))
      marks.append(text(tickText(tick), x: position, y: top + plotHeight + 16, anchor: "middle", size: 11))
    }
    frame()
    marks.append(text(xLabel, x: left + plotWidth / 2, y: height - 12, anchor: "middle", size: 12))
    marks.append(
      "<text transform=\"translate(16 \(Self.number(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">\(HTMLWriter.escape(yLabel))</text>"
    )
  }

  /// Axes for bars: category names under the plot area (slanted when many), a numeric y axis.
  mutating func categoryAxes(_ names: [String], y yScale: Scale, yLabel: String) {
    for tick in yScale.ticks {
      let position = y(tick, yScale)
      marks.append(line(left, position, left + plotWidth, position, stroke: "#e6e6e6"))
      marks.append(text(tickText(tick), x: left - 6, y: position + 4, anchor: "end", size: 11))
    }
    let slot = plotWidth / Double(max(names.count, 1))
    for (index, name) in names.enumerated() {
      let center = left + slot * (Double(index) + 0.5)
      let label = name.count > 14 ? String(name.prefix(13)) + "…" : name
      if names.count > 6 {
        marks.append(
          "<text transform=\"translate(\(Self.number(center)) \(Self.number(top + plotHeight + 12))) rotate(30)\" font-size=\"10\">\(HTMLWriter.escape(label))</text>"
        )
      } else {
        marks.append(text(label, x: center, y: top + plotHeight + 16, anchor: "middle", size: 11))
      }
    }
    frame()
    marks.append(
      "<text transform=\"translate(16 \(Self.number(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">\(HTMLWriter.escape(yLabel))</text>"
    )
  }

  private mutating func frame() {
    marks.append(
      "<rect x=\"\(Self.number(left))\" y=\"\(Self.number(top))\" width=\"\(Self.number(plotWidth))\" height=\"\(Self.number(plotHeight))\" fill=\"none\" stroke=\"#888\"/>"
    )
  }

  mutating func polyline(
    _ points: [(Double, Double)], x xScale: Scale, y yScale: Scale, color: String, dashed: Bool = false
  ) {
    guard !points.isEmpty else { return }
    let coordinates = points.map { "\(Self.number(x($0.0, xScale))),\(Self.number(y($0.1, yScale)))" }
    marks.append(
      "<polyline points=\"\(coordinates.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"5 4\"" : "")/>"
    )
  }

  mutating func points(
    _ points: [(Double, Double)], x xScale: Scale, y yScale: Scale, color: String, radius: Double = 3
  ) {
    for point in points where point.0.isFinite && point.1.isFinite {
      marks.append(
        "<circle cx=\"\(Self.number(x(point.0, xScale)))\" cy=\"\(Self.number(y(point.1, yScale)))\" r=\"\(Self.number(radius))\" fill=\"\(color)\" fill-opacity=\"0.6\"/>"
      )
    }
  }

  /// A bar in data coordinates: from x0 to x1 (plot units 0...1 of the width) and from 0 (or `base`) to value.
  mutating func bar(from x0: Double, to x1: Double, value: Double, base: Double = 0, y yScale: Scale, color: String) {
    let top = y(max(value, base), yScale)
    let bottom = y(min(value, base), yScale)
    marks.append(
      "<rect x=\"\(Self.number(left + x0 * plotWidth))\" y=\"\(Self.number(top))\" width=\"\(Self.number(max(0, (x1 - x0) * plotWidth)))\" height=\"\(Self.number(max(0, bottom - top)))\" fill=\"\(color)\"/>"
    )
  }

  /// A line in plot units (0...1 of the width, data units on y).
  mutating func segment(from a: (Double, Double), to b: (Double, Double), y yScale: Scale, color: String) {
    marks.append(
      line(left + a.0 * plotWidth, y(a.1, yScale), left + b.0 * plotWidth, y(b.1, yScale), stroke: color))
  }

  /// Colour keys in a row between the title and the plot area.
  mutating func legend(_ entries: [(String, String)]) {
    var position = left
    for (label, color) in entries.prefix(8) {
      marks.append(
        "<rect x=\"\(Self.number(position))\" y=\"\(Self.number(top - 16))\" width=\"10\" height=\"10\" fill=\"\(color)\"/>"
      )
      marks.append(text(label, x: position + 14, y: top - 7, anchor: "start", size: 11))
      position += 22 + Double(min(label.count, 18)) * 6.5
    }
  }

  mutating func note(_ text: String) {
    marks.append(self.text(text, x: left + plotWidth - 6, y: top + plotHeight - 8, anchor: "end", size: 11))
  }

  /// The finished document.
  var document: String {
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      + marks.joined(separator: "\n") + "\n</svg>"
  }

  private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String) -> String {
    "<line x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\" stroke=\"\(stroke)\"/>"
  }

  private func text(_ content: String, x: Double, y: Double, anchor: String, size: Int) -> String {
    "<text x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\">\(HTMLWriter.escape(content))</text>"
  }

  private func tickText(_ value: Double) -> String { formatNumber(value, significant: 4) }

  /// One decimal, by integer arithmetic (no locale, no platform formatting).
  static func number(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let tenths = Int((value * 10).rounded())
    let sign = tenths < 0 ? "-" : ""
    let magnitude = abs(tenths)
    return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
  }
}
