import LabbookData
import LabbookML

/// `evaluate`'s charts: ROC and precision-recall curves and a calibration plot for a binary classifier;
/// predicted against actual values and residuals for a regressor.
enum EvaluationPlots {
  static func plots(_ curves: EvaluationCurves, model: String, table: String) -> [Plot] {
    switch curves {
    case .binary(let binary):
      return [roc(binary, model, table), precisionRecall(binary, model, table), calibration(binary, model, table)]
    case .regression(let regression):
      return [predictedActual(regression, model, table), residuals(regression, model, table)]
    }
  }

  static let unit = SVGCanvas.Scale(fixed: 0, 1)

  static func roc(_ b: EvaluationCurves.Binary, _ model: String, _ table: String) -> Plot {
    let title = "ROC curve: \(model) on \(table)"
    var canvas = SVGCanvas(title: title)
    canvas.axes(x: unit, y: unit, xLabel: "false positive rate", yLabel: "true positive rate")
    canvas.polyline([(0, 0), (1, 1)], x: unit, y: unit, color: "#999", dashed: true)
    canvas.polyline(b.roc.map { ($0.x, $0.y) }, x: unit, y: unit, color: SVGCanvas.palette[0])
    if let auc = b.auc { canvas.note("AUC \(formatNumber(auc, significant: 4)) (positive class \(b.positive))") }
    return Plot(title: title, svg: canvas.document)
  }

  static func precisionRecall(_ b: EvaluationCurves.Binary, _ model: String, _ table: String) -> Plot {
    let title = "Precision-recall: \(model) on \(table)"
    var canvas = SVGCanvas(title: title)
    canvas.axes(x: unit, y: unit, xLabel: "recall", yLabel: "precision")
    canvas.polyline(b.precisionRecall.map { ($0.x, $0.y) }, x: unit, y: unit, color: SVGCanvas.palette[1])
    canvas.note("positive class \(b.positive)")
    return Plot(title: title, svg: canvas.document)
  }

  static func calibration(_ b: EvaluationCurves.Binary, _ model: String, _ table: String) -> Plot {
    let title = "Calibration: \(model) on \(table)"
    var canvas = SVGCanvas(title: title)
    canvas.axes(x: unit, y: unit, xLabel: "mean predicted probability (10 bins)", yLabel: "share positive")
    canvas.polyline([(0, 0), (1, 1)], x: unit, y: unit, color: "#999", dashed: true)
    let points = b.calibration.map { ($0.predicted, $0.observed) }
    canvas.polyline(points, x: unit, y: unit, color: SVGCanvas.palette[2])
    canvas.points(points, x: unit, y: unit, color: SVGCanvas.palette[2], radius: 4)
    return Plot(title: title, svg: canvas.document)
  }

  static func predictedActual(_ r: EvaluationCurves.Regression, _ model: String, _ table: String) -> Plot {
    let title = "Predicted vs actual: \(model) on \(table)"
    var canvas = SVGCanvas(title: title)
    let scale = SVGCanvas.Scale(r.points.flatMap { [$0.x, $0.y] })
    canvas.axes(x: scale, y: scale, xLabel: "actual", yLabel: "predicted")
    canvas.polyline(
      [(scale.low, scale.low), (scale.high, scale.high)], x: scale, y: scale, color: "#999", dashed: true)
    canvas.points(r.points.map { ($0.x, $0.y) }, x: scale, y: scale, color: SVGCanvas.palette[0])
    return Plot(title: title, svg: canvas.document)
  }

  static func residuals(_ r: EvaluationCurves.Regression, _ model: String, _ table: String) -> Plot {
    let title = "Residuals: \(model) on \(table)"
    var canvas = SVGCanvas(title: title)
    let points = r.points.map { ($0.y, $0.x - $0.y) }
    let x = SVGCanvas.Scale(points.map(\.0))
    let y = SVGCanvas.Scale(points.map(\.1), includeZero: true)
    canvas.axes(x: x, y: y, xLabel: "predicted", yLabel: "actual − predicted")
    canvas.polyline([(x.low, 0), (x.high, 0)], x: x, y: y, color: "#999", dashed: true)
    canvas.points(points, x: x, y: y, color: SVGCanvas.palette[3])
    return Plot(title: title, svg: canvas.document)
  }
}
