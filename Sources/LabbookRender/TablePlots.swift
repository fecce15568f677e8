import LabbookData
import LabbookValues

/// `plot`'s charts: a histogram or bar chart of one column, a scatter of two, box plots by group.
enum TablePlots {
  static func plot(_ chart: TableChart) -> Plot {
    let title = TableChartText.title(chart)
    var canvas = SVGCanvas(title: title)
    switch chart.content {
    case .histogram(let edges, let counts):
      let x = SVGCanvas.Scale(fixed: edges.first ?? 0, edges.last ?? 1)
      let y = SVGCanvas.Scale(counts.map(Double.init), includeZero: true)
      canvas.axes(x: x, y: y, xLabel: chart.x, yLabel: "rows")
      for (index, count) in counts.enumerated() {
        canvas.bar(
          from: x.unit(edges[index]), to: x.unit(edges[index + 1]), value: Double(count), y: y,
          color: SVGCanvas.palette[0])
      }
    case .bars(let levels, let groups, let counts):
      let y = SVGCanvas.Scale(counts.flatMap { $0.map(Double.init) }, includeZero: true)
      canvas.categoryAxes(levels, y: y, yLabel: "rows")
      let slot = 1 / Double(max(levels.count, 1))
      let width = 0.8 / Double(max(groups.count, 1))
      for (g, row) in counts.enumerated() {
        for (l, count) in row.enumerated() {
          let start = slot * (Double(l) + 0.1 + width * Double(g))
          canvas.bar(
            from: start, to: start + slot * width, value: Double(count), y: y,
            color: SVGCanvas.palette[g % SVGCanvas.palette.count])
        }
      }
      if chart.by != nil {
        canvas.legend(groups.enumerated().map { ($0.element, SVGCanvas.palette[$0.offset % SVGCanvas.palette.count]) })
      }
    case .scatter(let groups):
      let points = groups.flatMap(\.points)
      let x = SVGCanvas.Scale(points.map(\.x))
      let y = SVGCanvas.Scale(points.map(\.y))
      canvas.axes(x: x, y: y, xLabel: chart.x, yLabel: chart.y ?? "")
      for (index, group) in groups.enumerated() {
        canvas.points(
          group.points.map { ($0.x, $0.y) }, x: x, y: y, color: SVGCanvas.palette[index % SVGCanvas.palette.count],
          radius: 2.5)
      }
      if chart.by != nil {
        canvas.legend(
          groups.enumerated().map { ($0.element.name, SVGCanvas.palette[$0.offset % SVGCanvas.palette.count]) })
      }
    case .boxes(let boxes):
      let y = SVGCanvas.Scale(boxes.flatMap { [$0.low, $0.high] })
      canvas.categoryAxes(boxes.map(\.group), y: y, yLabel: chart.x)
      let slot = 1 / Double(max(boxes.count, 1))
      for (index, box) in boxes.enumerated() {
        let color = SVGCanvas.palette[index % SVGCanvas.palette.count]
        let center = slot * (Double(index) + 0.5)
        canvas.segment(from: (center, box.low), to: (center, box.q1), y: y, color: "#333")
        canvas.segment(from: (center, box.q3), to: (center, box.high), y: y, color: "#333")
        canvas.bar(from: center - slot * 0.3, to: center + slot * 0.3, value: box.q3, base: box.q1, y: y, color: color)
        canvas.segment(
          from: (center - slot * 0.3, box.median), to: (center + slot * 0.3, box.median), y: y, color: "#111")
        canvas.segment(from: (center - slot * 0.15, box.low), to: (center + slot * 0.15, box.low), y: y, color: "#333")
        canvas.segment(
          from: (center - slot * 0.15, box.high), to: (center + slot * 0.15, box.high), y: y, color: "#333")
      }
    }
    if chart.missingRows > 0 { canvas.note("\(chart.missingRows) rows with missing values left out") }
    return Plot(title: title, svg: canvas.document)
  }
}

/// How a chart is described in text (its title, and the lines the prompt shows).
public enum TableChartText {
  public static func title(_ chart: TableChart) -> String {
    switch chart.content {
    case .histogram: return "\(chart.x) in \(chart.table)"
    case .bars: return chart.by.map { "\(chart.x) by \($0) in \(chart.table)" } ?? "\(chart.x) in \(chart.table)"
    case .scatter:
      let base = "\(chart.y ?? "") against \(chart.x) in \(chart.table)"
      return chart.by.map { base + " by \($0)" } ?? base
    case .boxes: return "\(chart.x) by \(chart.by ?? "") in \(chart.table)"
    }
  }

  public static func layout(_ chart: TableChart) -> [Block] {
    var blocks: [Block] = [.line("plot: \(chart.kind) of \(title(chart))")]
    switch chart.content {
    case .histogram(let edges, let counts):
      let rows = counts.indices.map {
        [
          "\(formatNumber(edges[$0], significant: 4)) – \(formatNumber(edges[$0 + 1], significant: 4))",
          String(counts[$0]),
        ]
      }
      blocks.append(.table(GridTable(header: ["bin", "rows"], rows: rows, numericColumns: [1])))
    case .bars(let levels, let groups, let counts):
      let header = [chart.x] + (chart.by == nil ? ["rows"] : groups)
      let rows = levels.indices.map { l in [levels[l]] + counts.map { String($0[l]) } }
      blocks.append(.table(GridTable(header: header, rows: rows, numericColumns: Set(1..<header.count))))
    case .scatter(let groups):
      blocks.append(.line("\(groups.reduce(0) { $0 + $1.points.count }) points"))
    case .boxes(let boxes):
      let rows = boxes.map {
        [$0.group, String($0.count)] + [$0.low, $0.q1, $0.median, $0.q3, $0.high].map { formatNumber($0) } + [
          String($0.outliers)
        ]
      }
      blocks.append(
        .table(
          GridTable(
            header: [chart.by ?? "group", "count", "low", "q1", "median", "q3", "high", "outliers"], rows: rows,
            numericColumns: Set(1...7))))
    }
    if chart.missingRows > 0 { blocks.append(.line("\(chart.missingRows) rows with missing values left out")) }
    return blocks
  }
}
