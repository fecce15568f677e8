import Foundation
import Testing

@testable import LabbookData
@testable import LabbookML
@testable import LabbookRender
@testable import LabbookValues

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// The renderers: one layout written as text and as HTML, plots as self-contained, well-formed,
/// deterministic SVG.
@Suite struct RenderingTests {
  static let table: Table = try! Table(
    name: "t",
    columns: [
      .numeric("x", [1, 2.5, .nan, 4, 10, 3, 3, 8]), .numeric("y", [2, 4, 1, 8, 20, 6, 5, 15]),
      .categorical("g", ["a", "b", "a", "<b>", "a", "b", nil, "a"]),
    ])

  @Test func htmlEscapesEveryCellAndKeepsTextAndHTMLInStep() throws {
    let value = Value.rows(Self.table, limit: 8)
    let html = try #require(value.html)
    #expect(html.contains("<table class=\"dataframe\">"))
    #expect(html.contains("&lt;b&gt;") && !html.contains("<b>"))
    // Every text cell of the grid is an HTML cell.
    for row in 0..<8 {
      for column in Self.table.columns {
        #expect(html.contains(">\(HTMLWriter.escape(column.text(at: row) ?? "NA"))</td>"))
      }
    }
    #expect(value.text.contains("(8 of 8 rows)") && html.contains("(8 of 8 rows)"))
    // One-line results have no HTML, so front ends show their text.
    #expect(Value.number(3).html == nil && Value.string("a").html == nil)
  }

  static func svgs() throws -> [Plot] {
    var values: [Value] = []
    for (x, y, by) in [("x", nil, nil), ("g", nil, nil), ("x", "y", "g"), ("x", nil, "g"), ("g", nil, "g")] {
      values.append(.chart(try TableChart.make(Self.table, x: x, y: y, by: by)))
    }
    let scores = [0.9, 0.8, 0.8, 0.3, 0.2, 0.6, 0.1, 0.7]
    let positives = [true, true, false, false, false, true, false, true]
    var metrics = Metrics.classification(
      truth: positives.map { $0 ? 1 : 0 }, probabilities: scores.flatMap { [1 - $0, $0] }, labels: ["0", "1"])
    metrics.curves = EvaluationCurves.binary(scores: scores, positives: positives, positive: "1", auc: metrics.auc)
    values.append(.metrics(model: "m", table: "t & <u>", metrics))
    return values.flatMap(\.plots)
  }

  @Test func plotsAreSelfContainedWellFormedAndDeterministic() throws {
    let plots = try Self.svgs()
    #expect(plots.count == 8)
    for plot in plots {
      #expect(plot.svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
      for forbidden in ["<script", "href", "http://www.w3.org/1999/xlink", "@import", "url("] {
        #expect(!plot.svg.contains(forbidden), "\(plot.title) holds \(forbidden)")
      }
      let parser = XMLParser(data: Data(plot.svg.utf8))
      #expect(parser.parse(), "\(plot.title) is not well-formed XML: \(String(describing: parser.parserError))")
    }
    #expect(try Self.svgs().map(\.svg) == plots.map(\.svg), "the same values must give the same bytes")
  }

  /// The ROC curve and AUC come from different code (curve points by threshold, AUC by ranks): the
  /// trapezoid area under the curve must equal the AUC. Tied scores (0.8) move the curve diagonally.
  @Test func theAreaUnderTheROCCurveIsTheAUC() throws {
    let scores = [0.9, 0.8, 0.8, 0.3, 0.2, 0.6, 0.1, 0.7, 0.8, 0.45]
    let positives = [true, true, false, false, false, true, false, true, true, false]
    let auc = try #require(Metrics.rocAUC(scores: scores, positives: positives))
    guard
      case .binary(let curves) = EvaluationCurves.binary(scores: scores, positives: positives, positive: "1", auc: auc)
    else { return }
    var area = 0.0
    for (a, b) in zip(curves.roc, curves.roc.dropFirst()) { area += (b.x - a.x) * (a.y + b.y) / 2 }
    #expect(abs(area - auc) < 1e-12)
    #expect(
      curves.roc.first == EvaluationCurves.Point(x: 0, y: 0) && curves.roc.last == EvaluationCurves.Point(x: 1, y: 1))
    // Calibration by hand: the 0.8 bin holds three rows (two positive), the 0.9 bin one (positive).
    let eighty = try #require(curves.calibration.first { $0.count == 3 })
    #expect(abs(eighty.predicted - 0.8) < 1e-12 && abs(eighty.observed - 2.0 / 3) < 1e-12)
  }

  /// Box quartiles by numpy's default (linear) rule: np.percentile([1, 2.5, 10, 8], [25, 50, 75]) for
  /// group a is [2.125, 5.25, 8.5]; 1.5 IQR whiskers reach every value.
  @Test func chartsCountAndSummariseByHand() throws {
    let boxes = try TableChart.make(Self.table, x: "x", y: nil, by: "g")
    guard case .boxes(let summaries) = boxes.content else {
      Issue.record("not boxes")
      return
    }
    let a = try #require(summaries.first { $0.group == "a" })
    #expect(a.count == 3)  // the NaN row of group a is left out
    #expect(boxes.missingRows == 2)
    let histogram = try TableChart.make(Self.table, x: "x", y: nil, by: nil)
    guard case .histogram(let edges, let counts) = histogram.content else {
      Issue.record("not a histogram")
      return
    }
    #expect(counts.reduce(0, +) == 7 && edges.first == 1 && edges.last == 10)
    // Sturges: ⌈log2 7⌉ + 1 = 4 bins.
    #expect(counts.count == 4)
    let quartiles = TableChart.box("a", [1, 2.5, 10, 8])
    #expect(quartiles.q1 == 2.125 && quartiles.median == 5.25 && quartiles.q3 == 8.5)
    #expect(quartiles.low == 1 && quartiles.high == 10 && quartiles.outliers == 0)
  }
}
