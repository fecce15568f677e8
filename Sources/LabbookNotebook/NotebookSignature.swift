import Crypto
import Foundation
import LabbookCore

/// An Ed25519 signature over a notebook's chain head (`labbook run --sign KEY`): whoever edits a signed
/// notebook and re-hashes its chain cannot sign the new head with the signer's key, so `labbook verify
/// --key PUB` fails on it.
public struct NotebookSignature: Sendable, Equatable {
  public var signer: String
  public var publicKey: Data
  public var signature: Data

  /// The key's short id: the first 16 hex digits of the public key's sha256.
  public var keyID: String { NotebookKeys.keyID(publicKey) }

  public var json: JSONValue {
    .object([
      ("algorithm", .string("ed25519")), ("signer", .string(signer)), ("key_id", .string(keyID)),
      ("public_key", .string(publicKey.base64EncodedString())), ("signature", .string(signature.base64EncodedString())),
    ])
  }

  public init(signer: String, publicKey: Data, signature: Data) {
    self.signer = signer
    self.publicKey = publicKey
    self.signature = signature
  }

  public init?(json: JSONValue?) {
    guard let json, json["algorithm"]?.stringValue == "ed25519",
      let key = json["public_key"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
      let signature = json["signature"]?.stringValue.flatMap({ Data(base64Encoded: $0) })
    else { return nil }
    self.init(signer: json["signer"]?.stringValue ?? "", publicKey: key, signature: signature)
  }

  /// What is signed: the chain head, with a domain prefix so the signature means nothing elsewhere.
  static func message(chain: String) -> Data { Data(("labbook-notebook-chain-v2\u{0}" + chain).utf8) }

  /// Whether the signature is valid for `chain` under its own public key.
  public func isValid(for chain: String) -> Bool {
    guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
    return key.isValidSignature(signature, for: Self.message(chain: chain))
  }
}

/// Signs chain heads with a private key read from a key file.
public struct NotebookSigner: Sendable {
  public let signer: String
  /// The private key's raw bytes (the key value itself is not Sendable).
  let rawKey: Data

  public init(keyFile path: String) throws {
    let (kind, signer, raw) = try NotebookKeys.read(path)
    guard kind == NotebookKeys.privateKind, (try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)) != nil
    else { throw NotebookError("'\(path)' is not a Labbook private key (make one with `labbook keygen`)") }
    self.signer = signer
    self.rawKey = raw
  }

  public func sign(chain: String) -> NotebookSignature {
    let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: rawKey)
    let signature = (try? key.signature(for: NotebookSignature.message(chain: chain))) ?? Data()
    return NotebookSignature(signer: signer, publicKey: key.publicKey.rawRepresentation, signature: signature)
  }
}

/// Key files: three lines of text (`labbook-ed25519-private-key` or `…-public-key`, `signer: NAME`,
/// `key: BASE64`), the private one readable by its owner only.
public enum NotebookKeys {
  public static let privateKind = "labbook-ed25519-private-key"
  public static let publicKind = "labbook-ed25519-public-key"

  /// Writes `PREFIX.key` (private, mode 0600) and `PREFIX.pub`; refuses to overwrite either.
  public static func generate(prefix: String, signer: String) throws -> (privatePath: String, publicPath: String) {
    let key = Curve25519.Signing.PrivateKey()
    let privatePath = prefix + ".key"
    let publicPath = prefix + ".pub"
    for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: path) {
      throw NotebookError("'\(path)' exists; keygen never overwrites a key")
    }
    let clean = signer.replacingOccurrences(of: "\n", with: " ")
    try write(privateKind, clean, key.rawRepresentation, to: privatePath, mode: 0o600)
    try write(publicKind, clean, key.publicKey.rawRepresentation, to: publicPath, mode: 0o644)
    return (privatePath, publicPath)
  }

  private static func write(_ kind: String, _ signer: String, _ raw: Data, to path: String, mode: Int) throws {
    let text = "\(kind)\nsigner: \(signer)\nkey: \(raw.base64EncodedString())\n"
    guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
    else { throw NotebookError("cannot write '\(path)'") }
  }

  /// The public key in a public key file.
  public static func publicKey(file path: String) throws -> (signer: String, key: Data) {
    let (kind, signer, raw) = try read(path)
    guard kind == publicKind, raw.count == 32 else {
      throw NotebookError("'\(path)' is not a Labbook public key (`labbook keygen` writes PREFIX.pub)")
    }
    return (signer, raw)
  }

  static func read(_ path: String) throws -> (kind: String, signer: String, raw: Data) {
    guard case .regular(let size) = RegularFile.check(path), size < 4096,
      let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) })
    else { throw NotebookError("cannot read the key file '\(path)'") }
    let lines = text.split(separator: "\n").map(String.init)
    guard lines.count >= 3, lines[1].hasPrefix("signer: "), lines[2].hasPrefix("key: "),
      let raw = Data(base64Encoded: String(lines[2].dropFirst(5)))
    else { throw NotebookError("'\(path)' is not a Labbook key file") }
    return (lines[0], String(lines[1].dropFirst(8)), raw)
  }

  public static func keyID(_ publicKey: Data) -> String { String(SHA256Digest.hex(publicKey).prefix(16)) }
}
