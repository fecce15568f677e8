import ArgumentParser
import Foundation
import LabbookNotebook

struct Keygen: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Make an Ed25519 key pair for signing notebooks.",
    discussion: reflowed(
      """
      Writes PREFIX.key (the private key, readable by you only) and PREFIX.pub (the public key to hand to
      whoever verifies). Sign with `labbook run SCRIPT --sign PREFIX.key` (or `labbook --sign PREFIX.key` at
      the prompt); check with `labbook verify NOTEBOOK --key PREFIX.pub`. Existing files are never overwritten.
      """))

  @Option(help: ArgumentHelp("Where to write the pair (PREFIX.key and PREFIX.pub).", valueName: "prefix"))
  var out = "labbook"

  @Option(help: ArgumentHelp("The name a verified signature reports (default: user@host).", valueName: "name"))
  var signer: String?

  @OptionGroup var display: DisplayOptions

  func run() throws {
    display.apply()
    let name =
      signer ?? "\(ProcessInfo.processInfo.environment["USER"] ?? "someone")@\(ProcessInfo.processInfo.hostName)"
    do {
      let (privatePath, publicPath) = try NotebookKeys.generate(prefix: out, signer: name)
      let key = try NotebookKeys.publicKey(file: publicPath)
      print("wrote \(privatePath) (private; keep it) and \(publicPath) (public)")
      print("signer '\(name)', key \(NotebookKeys.keyID(key.key))")
    } catch let error as NotebookError {
      standardError("error: \(error.message)")
      throw ExitCode(1)
    }
  }
}

/// The signer for `--sign KEY`, or a usage error naming the file.
func notebookSigner(_ path: String?) throws -> NotebookSigner? {
  guard let path else { return nil }
  do {
    return try NotebookSigner(keyFile: path)
  } catch let error as NotebookError {
    throw ValidationError(error.message)
  }
}
