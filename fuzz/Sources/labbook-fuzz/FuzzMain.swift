import Foundation

/// libFuzzer's entry point, called by the driver for every input.
typealias FuzzDriver =
  @convention(c) (
    UnsafeMutablePointer<Int32>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
  ) -> Int32

/// The target this process fuzzes, chosen once at start (libFuzzer's callback cannot capture it).
nonisolated(unsafe) var selectedTarget: FuzzTarget?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  let bytes = Data(bytes: data ?? UnsafePointer(bitPattern: 1)!, count: data == nil ? 0 : size)
  selectedTarget?.run(bytes)
  return 0
}

/// The environment variable that names the target for libFuzzer's fork-mode workers.
let targetVariable = "LABBOOK_FUZZ_TARGET"

/// `labbook-fuzz TARGET [libFuzzer options] [CORPUS...]`. SwiftPM links every executable with its own
/// `main`, so libFuzzer's is never used: this one picks the target and calls `LLVMFuzzerRunDriver`,
/// looked up at run time so that the target also builds (and explains itself) without `-sanitize=fuzzer`.
@main enum FuzzMain {
  static func main() {
    var arguments = CommandLine.arguments
    // In fork mode libFuzzer starts its workers with the options it was given, which no longer hold
    // the target's name: the parent passes the name on in the environment.
    if arguments.count < 2 || !FuzzTarget.all.contains(where: { $0.name == arguments[1] }),
      let inherited = ProcessInfo.processInfo.environment[targetVariable]
    {
      arguments.insert(inherited, at: min(1, arguments.count))
    }
    guard arguments.count >= 2, let target = FuzzTarget.all.first(where: { $0.name == arguments[1] }) else {
      let names = FuzzTarget.all.map(\.name).joined(separator: ", ")
      FileHandle.standardError.write(
        Data("usage: labbook-fuzz TARGET [libFuzzer options] [corpus...]\ntargets: \(names)\n".utf8))
      exit(2)
    }
    guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "LLVMFuzzerRunDriver") else {
      FileHandle.standardError.write(
        Data("labbook-fuzz was built without libFuzzer; build and run it with scripts/fuzz (see fuzz/README.md)\n".utf8)
      )
      exit(2)
    }
    target.prepare()
    selectedTarget = target
    setenv(targetVariable, target.name, 1)
    // libFuzzer sees the program name and the options, not the target name.
    var rest = [arguments[0]] + arguments.dropFirst(2)
    var pointers: [UnsafeMutablePointer<CChar>?] = rest.indices.map { strdup(rest[$0]) } + [nil]
    var count = Int32(rest.count)
    rest.removeAll()
    let status = pointers.withUnsafeMutableBufferPointer { buffer -> Int32 in
      var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
      return unsafeBitCast(symbol, to: FuzzDriver.self)(&count, &argv, fuzzOneInput)
    }
    exit(status)
  }
}
