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
    Self.limitResources(reading: path)
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

  /// No core files, and no more address space than reading this file can need, so a file that makes
  /// libhdf5 ask for petabytes (or for gigabytes, from a few kilobytes) fails that allocation instead of
  /// taking the machine. libhdf5 1.10 sizes a variable-length string's buffer by the length the file
  /// declares, before it reads the string, and zeroes it: a 32 KB file declaring 4 GB strings took 18 GB
  /// and 47 s under the old limit.
  static func limitResources(reading path: String) {
    var core = rlimit(rlim_cur: 0, rlim_max: 0)
    setrlimit(Int32(RLIMIT_CORE.rawValue), &core)
    let fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
    var memory = rlimit(rlim_cur: addressSpaceLimit(fileSize: fileSize), rlim_max: 0)
    memory.rlim_max = memory.rlim_cur
    setrlimit(Int32(RLIMIT_AS.rawValue), &memory)
  }

  /// The program itself plus eight bytes of memory for every byte the file can decompress to (deflate
  /// expands at most about 1,032 times), and never more than the read limit plus 4 GiB. The program's
  /// share is 1 GiB (several times what it uses) and 256 MiB per core: the address space counts what is
  /// reserved, not used, and each reading thread reserves a malloc arena (64 MiB) and a stack.
  static func addressSpaceLimit(fileSize: Int?) -> rlim_t {
    let ceiling = rlim_t(ReadLimits.maximumBytes) + 4 << 30
    guard let fileSize, fileSize >= 0 else { return ceiling }
    let program = rlim_t(1 << 30) + rlim_t(ProcessInfo.processInfo.activeProcessorCount) * (256 << 20)
    let (data, overflow) = rlim_t(fileSize).multipliedReportingOverflow(by: 8 * rlim_t(ReadLimits.maximumExpansion))
    return overflow || data >= ceiling - program ? ceiling : program + data
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
