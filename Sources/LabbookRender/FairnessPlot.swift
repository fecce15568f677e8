import LabbookData
import LabbookML

/// Selection rate, true positive rate and false positive rate per group, side by side: demographic
/// parity compares the first bars, equalized odds the other two.
enum FairnessPlot {
  static func plot(_ report: FairnessReport, title: String) -> Plot {
    var canvas = SVGCanvas(title: title)
    let y = SVGCanvas.Scale(fixed: 0, 1)
    canvas.categoryAxes(report.groups.map(\.group), y: y, yLabel: "rate")
    let series: [(String, (FairnessReport.Group) -> Double?)] = [
      ("selection rate", { $0.selectionRate }), ("true positive rate", { $0.truePositiveRate }),
      ("false positive rate", { $0.falsePositiveRate }),
    ]
    let slot = 1 / Double(max(report.groups.count, 1))
    for (g, group) in report.groups.enumerated() {
      for (s, (_, value)) in series.enumerated() {
        guard let rate = value(group) else { continue }
        let start = slot * (Double(g) + 0.1 + 0.27 * Double(s))
        canvas.bar(from: start, to: start + slot * 0.25, value: rate, y: y, color: SVGCanvas.palette[s])
      }
    }
    canvas.legend(series.enumerated().map { ($0.element.0, SVGCanvas.palette[$0.offset]) })
    return Plot(title: title, svg: canvas.document)
  }
}
