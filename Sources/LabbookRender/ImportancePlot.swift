import LabbookData
import LabbookML

/// Permutation importance as bars, largest first (at most twenty columns), with ±1 std whiskers.
enum ImportancePlot {
  static func plot(_ importance: PermutationImportance, model: String, table: String) -> Plot {
    let title = "Permutation importance: \(model) on \(table)"
    let shown = Array(importance.columns.prefix(20))
    var canvas = SVGCanvas(title: title)
    let y = SVGCanvas.Scale(shown.flatMap { [$0.mean + $0.std, $0.mean - $0.std] }, includeZero: true)
    canvas.categoryAxes(shown.map(\.name), y: y, yLabel: "drop in \(importance.metric)")
    let slot = 1 / Double(max(shown.count, 1))
    for (index, column) in shown.enumerated() {
      let start = slot * (Double(index) + 0.15)
      canvas.bar(from: start, to: start + slot * 0.7, value: column.mean, y: y, color: SVGCanvas.palette[0])
      let center = slot * (Double(index) + 0.5)
      canvas.segment(
        from: (center, column.mean - column.std), to: (center, column.mean + column.std), y: y, color: "#333")
    }
    return Plot(title: title, svg: canvas.document)
  }
}
