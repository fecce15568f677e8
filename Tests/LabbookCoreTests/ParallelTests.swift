import Foundation
import Testing

@testable import LabbookCore

/// `parallelFor` runs on a pool of polling helpers (`WorkerPool`): each index exactly once, every body
/// finished before the call returns, at most the threads asked for; nested or concurrent calls find the
/// pool busy and take Dispatch's threads. The pool tests use a pool of their own, so that tests running
/// beside them cannot make it busy.
@Suite(.serialized) struct ParallelTests {
  /// Counts how often each index ran, and on which threads.
  final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var runs: [Int]
    private var threads = Set<UInt>()
    init(count: Int) { runs = Array(repeating: 0, count: count) }
    func record(_ index: Int) {
      let thread = UInt(bitPattern: Int(bitPattern: pthread_self()))
      lock.withLock {
        runs[index] += 1
        threads.insert(thread)
      }
    }
    var counts: [Int] { lock.withLock { runs } }
    var threadCount: Int { lock.withLock { threads.count } }
  }

  let pool = WorkerPool(helpers: 2)

  @Test func everyIndexRunsExactlyOnceOverManyQuickCalls() {
    // Thousands of back-to-back jobs of a few microseconds: the case the pool is for, and the one
    // where a helper arriving late could run a finished job's index or miss a new one.
    for call in 0..<3_000 {
      let count = 1 + call % 37
      let tally = Tally(count: count)
      #expect(pool.run(count: count, extraThreads: 1 + call % 2) { tally.record($0) })
      #expect(tally.counts == Array(repeating: 1, count: count), "call \(call)")
    }
  }

  /// With every core also busy elsewhere, helpers get preempted anywhere, including between finishing
  /// a job and letting go of it: the body must not be kept alive past the call (a first version trapped
  /// in `withoutActuallyEscaping` so, during a gbm fit beside a fuzzer).
  @Test func manyJobsOnBusyCores() {
    let stop = StopFlag()
    let spinners = DispatchGroup()
    for _ in 0..<3 {
      DispatchQueue.global().async(group: spinners) { while !stop.isSet {} }
    }
    for call in 0..<100_000 {
      let tally = Tally(count: 2)
      #expect(pool.run(count: 2, extraThreads: 2) { tally.record($0) })
      if call % 5_000 == 0 { #expect(tally.counts == [1, 1]) }
    }
    stop.stop()
    spinners.wait()
  }

  @Test func everyBodyHasFinishedWhenTheCallReturns() {
    for _ in 0..<20 {
      let done = Tally(count: 8)
      #expect(
        pool.run(count: 8, extraThreads: 2) { index in
          if index % 2 == 1 { usleep(2_000) }
          done.record(index)
        })
      #expect(done.counts == Array(repeating: 1, count: 8))
    }
  }

  @Test func helpersTakePartButNoMoreThanAskedFor() {
    for extra in 1...2 {
      let tally = Tally(count: 64)
      #expect(
        pool.run(count: 64, extraThreads: extra) { index in
          usleep(500)
          tally.record(index)
        })
      // 32 ms of sleeping bodies: the helpers (awake or asleep) join within that.
      #expect(tally.threadCount == extra + 1)
      #expect(tally.counts == Array(repeating: 1, count: 64))
    }
  }

  @Test func aBusyPoolRefusesAndParallelForFallsBack() {
    let outer = 6
    let inner = 50
    let tally = Tally(count: outer * inner)
    let refusals = Tally(count: 1)
    #expect(
      pool.run(count: outer, extraThreads: 1) { o in
        if !pool.run(count: 1, extraThreads: 1, { _ in }) { refusals.record(0) }
        parallelFor(count: inner, threads: 2) { i in tally.record(o * inner + i) }
      })
    #expect(refusals.counts == [outer])
    #expect(tally.counts == Array(repeating: 1, count: outer * inner))

    // Callers on several threads at once: one gets the shared pool, the others Dispatch's threads.
    let callers = 4
    let each = 500
    let concurrent = Tally(count: callers * each)
    DispatchQueue.concurrentPerform(iterations: callers) { caller in
      for round in 0..<each { parallelFor(count: 1, threads: 2) { _ in concurrent.record(caller * each + round) } }
      for _ in 0..<each { parallelFor(count: 3, threads: 2) { _ in } }
    }
    #expect(concurrent.counts == Array(repeating: 1, count: callers * each))
  }
}
