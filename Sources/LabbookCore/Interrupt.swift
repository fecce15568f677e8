import Synchronization

/// A request to stop the statement that is running: Ctrl-C at the prompt. Long work (boosting rounds,
/// forest trees, AutoML trials, cross-validation folds, permutation repeats) checks it between steps
/// and stops by throwing `Interrupted`; the statement then fails and changes nothing. The request is
/// process-wide, like the keystroke that makes it.
public enum Interrupt {
  private static let requested = Atomic<Bool>(false)

  public static func request() { requested.store(true, ordering: .relaxed) }

  public static func clear() { requested.store(false, ordering: .relaxed) }

  public static var isRequested: Bool { requested.load(ordering: .relaxed) }

  /// Throws `Interrupted` when a stop was requested.
  public static func check() throws { if isRequested { throw Interrupted() } }
}

/// Thrown by work that stopped because `Interrupt` was requested.
public struct Interrupted: Error, CustomStringConvertible, Sendable {
  public init() {}
  public var description: String { "interrupted (Ctrl-C)" }
}
