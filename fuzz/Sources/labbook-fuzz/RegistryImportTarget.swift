import Foundation
import LabbookCore
import LabbookData
import LabbookML
import LabbookRegistry

/// `registry import` of an export whose manifest is the input. The harness lays out the folder the
/// manifest describes (up to four versions, each with a valid model file) so that imports get past
/// the sha256 check; `@SHA@` in the input stands for that model file's sha256.
enum RegistryImportTarget {
  static let model: (path: String, sha256: String) = {
    let iris = try! HDF5TableReader.load(path: Scratch.repository + "/datasets/iris.h5", name: "iris")
    let trained = try! Trainer.train(
      .tree, on: iris, target: "target", parameters: [("depth", .number(2))], seed: 1, threads: 1)
    let path = Scratch.folder + "/source-model.h5"
    try! ModelArchive.write(trained, to: path)
    return (path, try! SHA256Digest.hex(fileAt: path))
  }()

  /// The registry imported into, made again only after an import changed it (most inputs are refused
  /// before the database is touched, and making one costs milliseconds).
  nonisolated(unsafe) static var registry: Registry?

  static func run(_ data: Data) {
    let text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "@SHA@", with: model.sha256)
    let export = Scratch.folder + "/export"
    let target = Scratch.folder + "/registry"
    try? FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true)
    FileManager.default.createFile(atPath: export + "/" + Registry.exportManifest, contents: Data(text.utf8))
    if let manifest = try? JSONValue.parse(text) {
      for version in (manifest["versions"]?.arrayValue ?? []).prefix(4) {
        guard let name = version["name"]?.stringValue, let number = version["version"]?.intValue(in: 1...1000),
          (try? ModelReference.validateName(name)) != nil
        else { continue }
        let folder = "\(export)/\(name)/\(number)"
        if FileManager.default.fileExists(atPath: folder + "/card.json") { continue }
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try? FileManager.default.copyItem(atPath: model.path, toPath: folder + "/model.h5")
        FileManager.default.createFile(atPath: folder + "/card.json", contents: Data("{}".utf8))
      }
    }
    if registry == nil {
      try? FileManager.default.removeItem(atPath: target)
      registry = try? Registry(folder: target, create: true)
    }
    guard let registry else { return }
    if let added = try? registry.importExport(from: export), !added.isEmpty {
      for name in (try? registry.names()) ?? [] { _ = try? registry.versions(of: name).map(\.json.compactString) }
      Self.registry = nil
    }
  }
}
