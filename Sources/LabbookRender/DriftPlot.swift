import LabbookData
import LabbookML

/// Drift as distribution overlays: for up to six columns (drifted ones first, then by PSI), each bin's
/// share in the reference and in the current table, side by side, one small panel per column.
enum DriftPlot {
  static func plot(_ report: DriftReport) -> Plot? {
    let columns = report.columns.filter { !$0.bins.isEmpty }.sorted {
      ($0.drifted ? 1 : 0, $0.psi) > ($1.drifted ? 1 : 0, $1.psi)
    }.prefix(6)
    guard !columns.isEmpty else { return nil }
    let title = "Drift from \(report.reference) to \(report.current)"
    var panels: [String] = []
    for (index, column) in columns.enumerated() {
      var canvas = SVGCanvas(
        title: "\(column.name): PSI \(formatNumber(column.psi, significant: 3))\(column.drifted ? " (drifted)" : "")",
        width: 420, height: 260)
      let y = SVGCanvas.Scale(column.referenceShares + column.currentShares, includeZero: true)
      canvas.categoryAxes(column.bins, y: y, yLabel: "share of rows")
      let slot = 1 / Double(max(column.bins.count, 1))
      for b in column.bins.indices {
        let start = slot * (Double(b) + 0.1)
        canvas.bar(
          from: start, to: start + slot * 0.4, value: column.referenceShares[b], y: y, color: SVGCanvas.palette[0])
        canvas.bar(
          from: start + slot * 0.4, to: start + slot * 0.8, value: column.currentShares[b], y: y,
          color: SVGCanvas.palette[1])
      }
      if index == 0 {
        canvas.legend([(report.reference, SVGCanvas.palette[0]), (report.current, SVGCanvas.palette[1])])
      }
      panels.append(canvas.document)
    }
    return Plot(title: title, svg: SVGGrid.combine(panels, columns: 2, panelWidth: 420, panelHeight: 260))
  }
}

/// Panels laid out in a grid inside one SVG document (each panel a nested <svg>).
enum SVGGrid {
  static func combine(_ panels: [String], columns: Int, panelWidth: Double, panelHeight: Double) -> String {
    let rows = (panels.count + columns - 1) / columns
    let width = panelWidth * Double(min(columns, panels.count))
    let height = panelHeight * Double(rows)
    var out =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(SVGCanvas.number(width))\" height=\"\(SVGCanvas.number(height))\" viewBox=\"0 0 \(SVGCanvas.number(width)) \(SVGCanvas.number(height))\" font-family=\"sans-serif\">\n"
    for (index, panel) in panels.enumerated() {
      let x = panelWidth * Double(index % columns)
      let y = panelHeight * Double(index / columns)
      // A nested document placed at its cell: drop the outer namespace and give it a position.
      let body = panel.replacingOccurrences(
        of: "<svg xmlns=\"http://www.w3.org/2000/svg\" ",
        with: "<svg x=\"\(SVGCanvas.number(x))\" y=\"\(SVGCanvas.number(y))\" ")
      out += body + "\n"
    }
    return out + "</svg>"
  }
}
