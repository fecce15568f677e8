import ArgumentParser
import Foundation
import HDF5Kit
import LabbookData
import LabbookML

/// The child side of `IsolatedReader` (not for people: it is hidden from help). Reads one file under a
/// memory limit and writes the result to stdout; a clean error goes to stderr with exit status 1, and
/// anything worse (a crash in libhdf5) ends only this process.
struct IsolatedRead: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: IsolatedReader.subcommand, abstract: "Reads one file for another Labbook process.",
    shouldDisplay: false)

  @Argument var mode: String
  @Argument var path: String
  @Option var inside: String?

  func run() throws {
    Self.limitResources()
    do {
      switch mode {
      case "table":
        let table = try HDF5TableReader.load(path: path, inside: inside, name: "table")
        if !TableWire.write(table, to: 1) { Foundation.exit(3) }
      case "model":
        _ = try ModelArchive.read(from: path)
      case "copy":
        try HDF5TableWriter.copyCheck(path)
      default:
        throw ValidationError("unknown mode '\(mode)'")
      }
    } catch let error as ValidationError {
      throw error
    } catch {
      FileHandle.standardError.write(Data("\(error)\n".utf8))
      throw ExitCode(1)
    }
  }

  /// No core files, and at most the read limit (plus room for the program itself) of address space, so
  /// a file that makes libhdf5 ask for petabytes fails its allocation instead of the machine.
  static func limitResources() {
    var core = rlimit(rlim_cur: 0, rlim_max: 0)
    setrlimit(Int32(RLIMIT_CORE.rawValue), &core)
    let bytes = rlim_t(ReadLimits.maximumBytes) + 4 << 30
    var memory = rlimit(rlim_cur: bytes, rlim_max: bytes)
    setrlimit(Int32(RLIMIT_AS.rawValue), &memory)
  }
}

extension IsolatedReader {
  /// This executable, as the child of every isolated read.
  static var ownExecutable: IsolatedReader? {
    let path =
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? CommandLine.arguments.first.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    return path.map(IsolatedReader.init(executable:))
  }
}
