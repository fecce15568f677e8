import Dispatch
import Foundation

/// Runs `body(index)` for every index in 0..<count on at most `threads` workers (this thread and the
/// `WorkerPool`'s). Each index is processed exactly once and callers store results by index, so the
/// outcome never depends on the number of threads or on scheduling.
public func parallelFor(count: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
  let workers = max(1, min(threads, count))
  if workers == 1 {
    for index in 0..<count { body(index) }
    return
  }
  if WorkerPool.shared.run(count: count, extraThreads: workers - 1, body) { return }
  // The pool is running another job (a nested or concurrent call): Dispatch's threads instead.
  DispatchQueue.concurrentPerform(iterations: workers) { worker in
    var index = worker
    while index < count {
      body(index)
      index += workers
    }
  }
}

/// The number of worker threads to use by default: every core.
public var defaultThreadCount: Int { ProcessInfo.processInfo.activeProcessorCount }

/// One slot per index, filled by parallel workers (each its own index); read once all are done.
/// Inlinable, so callers in other modules get code specialised to their `Value`: unspecialised, every
/// `store` looked up generic metadata at run time (9% of a small-table gbm fit, which stores a split
/// candidate per feature per leaf).
public final class Slots<Value>: @unchecked Sendable {
  @usableFromInline var slots: [Value?]
  @usableFromInline let lock = NSLock()
  @inlinable public init(count: Int) { slots = Array(repeating: nil, count: count) }
  @inlinable public func store(_ value: Value, at index: Int) { lock.withLock { slots[index] = value } }
  @inlinable public var values: [Value] { lock.withLock { slots.map { $0! } } }
}

/// A value that `parallelFor`'s workers share although Swift cannot prove it safe: typically an unsafe
/// buffer that every worker reads, or writes only in its own part. The caller vouches for that, and for
/// the memory outliving the loop.
public struct Shared<Value>: @unchecked Sendable {
  public let value: Value
  public init(_ value: Value) { self.value = value }
}

/// Runs `work` on this thread while `beside` runs on another, and returns both results once both are
/// done. If `work` fails, the flag handed to `beside` is set, so it can give up early; `work`'s error is
/// thrown (after `beside` has finished, so nothing outlives the call), else one from `beside`.
public func concurrently<A, B: Sendable>(
  _ work: () throws -> A, beside: @escaping @Sendable (StopFlag) throws -> B
) throws -> (A, B) {
  let besideResult = Slots<Result<B, any Error>>(count: 1)
  let workFailed = StopFlag()
  let group = DispatchGroup()
  group.enter()
  DispatchQueue.global().async {
    besideResult.store(Result { try beside(workFailed) }, at: 0)
    group.leave()
  }
  let workResult = Result { try work() }
  if case .failure = workResult { workFailed.stop() }
  group.wait()
  return (try workResult.get(), try besideResult.values[0].get())
}

/// A flag one thread sets and others read: "stop, the result is no longer wanted".
public final class StopFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var set = false
  public init() {}
  public func stop() { lock.withLock { set = true } }
  public var isSet: Bool { lock.withLock { set } }
}
