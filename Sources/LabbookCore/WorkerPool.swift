import CLabbookSupport
import Foundation
import Synchronization

/// Threads kept for `parallelFor`, one fewer than the cores (the caller is the other worker), that wait
/// for work by polling briefly before they sleep, as OpenMP's do.
///
/// Why: growing one boosted tree calls `parallelFor` about seventy times (a histogram pass per split,
/// partitions, gathers), often on work of a few microseconds. `DispatchQueue.concurrentPerform` wakes a
/// sleeping thread for each call, and on this project's virtual machines a cross-core wake-up costs tens
/// of microseconds: a 2-core gbm fit ran only 1.3× faster than on one core, against LightGBM's 1.8×
/// (its OpenMP threads spin). Here a helper that finished a job keeps polling for the next one for
/// `pollSeconds` before it sleeps on a condition variable. A waiting thread (a helper, or a caller
/// waiting for helpers) spins for `spinNanoseconds`, then yields the core between polls: pure spinning
/// made a fit beside another busy program slower than Dispatch (3.65 s against 3.02 s; yielding,
/// 2.87 s), and yielding at once gave the core away to any other program (see `wait`).
///
/// A job's indices are handed out one at a time from an atomic counter; each is run exactly once, by
/// whichever thread takes it, and callers store results by index, so results never depend on which
/// thread ran what. One job runs at a time: a caller that finds the pool busy (a nested or concurrent
/// `parallelFor`) returns false and the caller falls back to Dispatch.
final class WorkerPool: @unchecked Sendable {
  static let shared = WorkerPool(helpers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

  /// How long an idle helper polls for the next job before it sleeps.
  static let pollSeconds = 0.000_2
  /// How long a waiting thread spins on the core before it starts yielding it.
  static let spinNanoseconds: UInt64 = 100_000

  let helpers: Int
  private let busy = Atomic<Bool>(false)
  private let generation = Atomic<Int>(0)
  private let sleepers = Atomic<Int>(0)
  /// Guards `job` and the fields of `Job` marked as guarded; helpers sleep on it.
  private let condition = NSCondition()
  private var job: Job?
  private var started = false

  private final class Job: @unchecked Sendable {
    let count: Int
    /// Let go by the caller once every helper that joined has finished: a helper may still hold the
    /// job itself for a moment, but the body must not outlive `withoutActuallyEscaping`.
    var body: ((Int) -> Void)?
    let next = Atomic<Int>(0)
    let finishedHelpers = Atomic<Int>(0)
    /// Guarded by the pool's condition: helpers still welcome, helpers that joined, whether it is over.
    var welcome: Int
    var joined = 0
    var closed = false

    init(count: Int, welcome: Int, body: @escaping (Int) -> Void) {
      self.count = count
      self.welcome = welcome
      self.body = body
    }

    /// Takes indices until none are left.
    func work() {
      guard let body else { return }
      while true {
        let index = next.add(1, ordering: .relaxed).oldValue
        if index >= count { return }
        body(index)
      }
    }
  }

  init(helpers: Int) { self.helpers = helpers }

  /// Runs `body` for every index in 0..<count on this thread and at most `extraThreads` helpers; false
  /// (nothing run) when the pool is already running a job.
  func run(count: Int, extraThreads: Int, _ body: (Int) -> Void) -> Bool {
    guard helpers > 0, extraThreads > 0 else { return false }
    guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
    defer { busy.store(false, ordering: .releasing) }
    startIfNeeded()
    withoutActuallyEscaping(body) { body in
      let job = Job(count: count, welcome: min(extraThreads, helpers), body: body)
      condition.lock()
      self.job = job
      condition.unlock()
      generation.add(1, ordering: .sequentiallyConsistent)
      if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
        condition.lock()
        condition.broadcast()
        condition.unlock()
      }
      job.work()
      // No helper may join from here on; wait for those that did (they may still be in `body`).
      condition.lock()
      job.closed = true
      self.job = nil
      let joined = job.joined
      condition.unlock()
      Self.wait { job.finishedHelpers.load(ordering: .acquiring) >= joined }
      job.body = nil
    }
    return true
  }

  private func startIfNeeded() {
    condition.lock()
    defer { condition.unlock() }
    guard !started else { return }
    started = true
    // Read before the caller announces its job, so the helpers take that job too.
    let current = generation.load(ordering: .acquiring)
    for index in 0..<helpers {
      let thread = Thread { [self] in helperLoop(seen: current) }
      thread.name = "labbook-worker-\(index + 1)"
      thread.start()
    }
  }

  private func helperLoop(seen initial: Int) {
    var seen = initial
    while true {
      waitForGeneration(after: seen)
      seen = generation.load(ordering: .acquiring)
      condition.lock()
      guard let job, !job.closed, job.welcome > 0 else {
        condition.unlock()
        continue
      }
      job.welcome -= 1
      job.joined += 1
      condition.unlock()
      job.work()
      job.finishedHelpers.add(1, ordering: .releasing)
    }
  }

  /// Returns once the generation differs from `seen`: polling first, then asleep. A caller bumps the
  /// generation before it reads `sleepers`, and a helper counts itself a sleeper before it reads the
  /// generation (all sequentially consistent), so either the helper sees the new job or the caller
  /// sees the sleeper and wakes it under the lock.
  private func waitForGeneration(after seen: Int) {
    let start = DispatchTime.now().uptimeNanoseconds
    let deadline = start + UInt64(Self.pollSeconds * 1e9)
    if Self.spin(until: start + Self.spinNanoseconds, { generation.load(ordering: .acquiring) != seen }) { return }
    var polls = 0
    while generation.load(ordering: .acquiring) == seen {
      polls &+= 1
      // Yield between polls: a thread with work (the caller, or another program) takes the core first.
      sched_yield()
      if polls & 15 == 0, DispatchTime.now().uptimeNanoseconds > deadline {
        sleepers.add(1, ordering: .sequentiallyConsistent)
        condition.lock()
        while generation.load(ordering: .sequentiallyConsistent) == seen { condition.wait() }
        condition.unlock()
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        return
      }
    }
  }

  /// Waits until `done`: spinning for `spinNanoseconds`, then yielding the core between polls.
  ///
  /// Why both: a wait at a join is mostly short (the other thread finishing its last index), and a spin
  /// with the processor's pause hint catches it without leaving the core. Yielding at once handed the
  /// core to any other runnable program, even one at the lowest priority, for its time slice; spinning
  /// without end wastes this program's share of a core that another busy program also wants. Medians of
  /// five alternated gbm bench fits (2026-12-05): beside a `nice 19` fuzzer on both cores, yielding at
  /// once 3.96 s, spinning 50 µs 3.45 s, 100 µs 3.28 s, 300 µs 2.69 s; beside a busy loop at normal
  /// priority, 3.76, 3.51, 3.48 and 3.82 s; alone, no difference.
  static func wait(_ done: () -> Bool) {
    if spin(until: DispatchTime.now().uptimeNanoseconds + spinNanoseconds, done) { return }
    while !done() { sched_yield() }
  }

  /// Spins with the pause hint until `done` (true) or the clock passes `deadline` (false).
  private static func spin(until deadline: UInt64, _ done: () -> Bool) -> Bool {
    while true {
      for _ in 0..<64 {
        if done() { return true }
        lb_cpu_relax()
      }
      if DispatchTime.now().uptimeNanoseconds > deadline { return done() }
    }
  }
}
