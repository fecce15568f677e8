import LabbookCore
import LabbookNotebook
import LabbookValues

/// A value as notebook outputs: one result with text/plain, the structured JSON under Labbook's vendor
/// type, and text/html for results that hold a table; then one display per plot (image/svg+xml, with a
/// line of text for front ends that show no images). Front ends show the richest type they know:
/// Jupyter, VS Code, nbconvert and GitHub all rank text/html and image/svg+xml above the others.
public enum NotebookOutputs {
  public static func outputs(for value: Value, executionCount: Int) -> [CellOutput] {
    var data: [(String, JSONValue)] = []
    if let html = value.html { data.append(("text/html", .string(html))) }
    data.append((CellOutput.structuredType, value.json))
    data.append(("text/plain", .string(value.text)))
    var outputs: [CellOutput] = [.result(executionCount: executionCount, data: data)]
    for plot in value.plots {
      outputs.append(.display(data: [("image/svg+xml", .string(plot.svg)), ("text/plain", .string(plot.title))]))
    }
    return outputs
  }
}
