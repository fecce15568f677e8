import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Ctrl-C at the prompt or during a statement: a SIGINT handler that only raises a flag, which the
/// REPL takes. The flag lives here, in one Swift global. It used to be a `static` variable in the C
/// shim header with the handler beside it, and a release build (whose files are compiled in parallel)
/// emitted that header's statics twice: the handler raised one copy, the REPL read the other, and
/// Ctrl-C at the prompt ended the REPL as Ctrl-D does. The debug build, which the tests run, had one copy.
enum InterruptSignal {
  private static let arrived = Atomic<Bool>(false)

  /// Installs the handler without SA_RESTART, so a blocking read returns and the line is dropped, and
  /// unblocks SIGINT for the calling (main) thread: a program started from a thread that blocks it (a
  /// thread pool's worker, say) would otherwise inherit the block and never see Ctrl-C.
  static func install() {
    _ = arrived.load(ordering: .relaxed)  // initialised here, never first inside the handler
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in InterruptSignal.arrived.store(true, ordering: .relaxed) }
    sigemptyset(&action.sa_mask)
    action.sa_flags = 0
    sigaction(SIGINT, &action, nil)
    var interrupt = sigset_t()
    sigemptyset(&interrupt)
    sigaddset(&interrupt, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &interrupt, nil)
  }

  /// Whether SIGINT arrived since the last call; clears it.
  static func take() -> Bool { arrived.exchange(false, ordering: .relaxed) }
}
