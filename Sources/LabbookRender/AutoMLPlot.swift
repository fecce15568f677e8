import LabbookData
import LabbookML

/// An AutoML search: every trial's score in the order trials ran, one colour per learner, and the best
/// score so far as a line. The x axis is the trial's place in the search, not its time: times differ from
/// run to run, and replay compares plots byte for byte.
enum AutoMLPlot {
  static func plot(_ result: AutoMLResult) -> Plot {
    let title = "AutoML search: \(result.metric) by trial"
    var canvas = SVGCanvas(title: title)
    let scored = result.trials.filter { $0.score?.isFinite == true }
    let x = SVGCanvas.Scale(result.trials.map { Double($0.id) })
    let y = SVGCanvas.Scale(scored.map { $0.score! })
    canvas.axes(x: x, y: y, xLabel: "trial", yLabel: result.metric)
    let learners = Array(Set(scored.map(\.learner.rawValue))).sorted()
    for (index, learner) in learners.enumerated() {
      let points = scored.filter { $0.learner.rawValue == learner }.map { (Double($0.id), $0.score!) }
      canvas.points(points, x: x, y: y, color: SVGCanvas.palette[index % SVGCanvas.palette.count], radius: 3.5)
    }
    let lower = Metrics.lowerIsBetter(result.metric)
    var best: Double?
    var steps: [(Double, Double)] = []
    for trial in result.trials.sorted(by: { $0.id < $1.id }) {
      guard let score = trial.score, score.isFinite else { continue }
      if let current = best, lower ? score >= current : score <= current { continue }
      if let current = best { steps.append((Double(trial.id), current)) }
      best = score
      steps.append((Double(trial.id), score))
    }
    if let best, let last = result.trials.map(\.id).max() { steps.append((Double(last), best)) }
    canvas.polyline(steps, x: x, y: y, color: "#333")
    canvas.legend(
      learners.enumerated().map { ($0.element, SVGCanvas.palette[$0.offset % SVGCanvas.palette.count]) } + [
        ("best so far", "#333")
      ])
    return Plot(title: title, svg: canvas.document)
  }
}
