import Dispatch
import Synchronization

/// Progress of long work (boosting rounds, forest trees, cross-validation folds, importance shuffles)
/// for whoever watches: the REPL and `run` draw it on a terminal's stderr, nothing else sees it, so
/// notebooks and `--json` never hold it. Work nests (cross-validation trains models that boost), and
/// only the outermost scope counts and shows; reports are thread-safe (forest trees finish on several
/// threads) and drawn at most ten times a second.
public enum WorkProgress {
  /// A scope of work; only the outermost (`level` 1) is shown.
  public struct Scope: Sendable {
    let level: Int
  }

  struct State {
    var depth = 0
    var label = ""
    var total = 0
    var done = 0
    var started: UInt64 = 0
    var lastDrawn: UInt64 = 0
    var display: (@Sendable (String) -> Void)?
  }

  private static let state = Mutex(State())

  /// Where progress lines go (nil: nowhere); an empty line clears what was drawn.
  public static func setDisplay(_ display: (@Sendable (String) -> Void)?) {
    state.withLock { $0.display = display }
  }

  /// Starts counting `total` steps of `label` ("boosting round"); a total of 0 holds the place without
  /// showing anything (AutoML, which draws its own bar).
  public static func begin(_ label: String, total: Int) -> Scope {
    state.withLock { state in
      state.depth += 1
      if state.depth == 1 {
        state.label = label
        state.total = total
        state.done = 0
        state.started = DispatchTime.now().uptimeNanoseconds
        state.lastDrawn = 0
      }
      return Scope(level: state.depth)
    }
  }

  public static func advance(_ scope: Scope, by steps: Int = 1) {
    guard scope.level == 1 else { return }
    let (line, display) = state.withLock { state -> (String?, (@Sendable (String) -> Void)?) in
      state.done += steps
      let now = DispatchTime.now().uptimeNanoseconds
      guard state.total > 0, state.display != nil, now - state.lastDrawn >= 100_000_000 else { return (nil, nil) }
      state.lastDrawn = now
      let seconds = Double(now - state.started) / 1e9
      return ("\(state.label) \(state.done)/\(state.total) (\(Int(seconds)) s)", state.display)
    }
    if let line, let display { display(line) }
  }

  public static func end(_ scope: Scope) {
    let display = state.withLock { state -> (@Sendable (String) -> Void)? in
      state.depth = max(0, state.depth - 1)
      return scope.level == 1 && state.lastDrawn > 0 ? state.display : nil
    }
    display?("")
  }

  /// Whether some counted work is being shown now (the REPL's "working…" line steps aside for it).
  public static var isShowing: Bool { state.withLock { $0.depth > 0 && $0.total > 0 } }
}
