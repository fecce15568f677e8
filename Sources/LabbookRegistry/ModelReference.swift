import Foundation

/// `NAME`, `NAME@N` or `NAME@ALIAS`: how the language and the shell name registered models.
public struct ModelReference: Sendable, Equatable, CustomStringConvertible {
  public enum Selector: Sendable, Equatable {
    /// The alias `champion` when it exists, else the latest version (for `use "NAME"`).
    case latest
    case version(Int)
    case alias(String)
  }

  public var name: String
  public var selector: Selector

  public init(name: String, selector: Selector) {
    self.name = name
    self.selector = selector
  }

  public var description: String {
    switch selector {
    case .latest: return name
    case .version(let n): return "\(name)@\(n)"
    case .alias(let a): return "\(name)@\(a)"
    }
  }

  public static func parse(_ text: String) throws -> ModelReference {
    let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
    let name = parts[0]
    try validateName(name)
    guard parts.count == 2 else { return ModelReference(name: name, selector: .latest) }
    let selector = parts[1]
    if let n = Int(selector) {
      guard n >= 1 else { throw RegistryError("a version is a whole number from 1, not '\(selector)'") }
      return ModelReference(name: name, selector: .version(n))
    }
    try validateAlias(selector)
    return ModelReference(name: name, selector: .alias(selector))
  }

  /// Names are folder names in the registry: `[a-z0-9][a-z0-9._-]{0,63}`.
  public static func validateName(_ name: String) throws {
    let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789._-")
    let first = Set("abcdefghijklmnopqrstuvwxyz0123456789")
    guard let head = name.first, first.contains(head), name.count <= 64, name.allSatisfy({ allowed.contains($0) })
    else {
      throw RegistryError(
        "'\(name)' is not a model name: use 1–64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"
      )
    }
  }

  /// Aliases (`champion`, `challenger`, ...): `[a-z][a-z0-9_-]{0,31}`, so they never read as versions.
  public static func validateAlias(_ alias: String) throws {
    let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789_-")
    guard let head = alias.first, head.isASCII, head.isLowercase, alias.count <= 32,
      alias.allSatisfy({ allowed.contains($0) })
    else {
      throw RegistryError(
        "'\(alias)' is not an alias: use 1–32 characters of a-z, 0-9, '_' and '-', starting with a letter")
    }
  }
}

public struct RegistryError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
