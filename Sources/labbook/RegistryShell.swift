import ArgumentParser
import Foundation
import LabbookCore
import LabbookData
import LabbookLang
import LabbookNotebook
import LabbookONNX
import LabbookRegistry
import LabbookRender

/// `labbook registry list | show | export | import`: the registry from the shell.
struct RegistryShell: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "registry",
    abstract: "List, inspect, export and import registered models.",
    discussion: reflowed(
      """
      The registry is a folder (--registry DIR, else $LABBOOK_REGISTRY, else ./registry) holding registry.sqlite
      and one immutable folder per version, models/NAME/N/ with model.h5 (plain HDF5 data, readable with h5py)
      and card.json (the model card). Models get there with `register` in a Labbook session.

      Examples:
        labbook registry list
        labbook registry show credit-risk@champion
        labbook registry export credit-risk credit-risk-export
            every version, with lineage and history, to a new folder
        labbook registry import credit-risk-export --registry other/registry
            into another registry
      """),
    subcommands: [List.self, Show.self, Export.self, Import.self])

  static func open(_ global: RegistryOption, create: Bool = false) throws -> Registry {
    global.display.apply()
    do {
      return try Registry(location: Registry.defaultFolder(global.registry), create: create)
    } catch let error as RegistryError {
      throw ShellError(error.message)
    }
  }

  static func run<T>(_ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as RegistryError {
      throw ShellError(error.message)
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Every version of every model, with aliases.")
    @Flag(help: "Print the records as JSON (one object with a `versions` list).")
    var json = false
    @OptionGroup var global: RegistryOption

    func run() throws {
      let registry = try RegistryShell.open(global)
      let records = try RegistryShell.run { try registry.names().flatMap { try registry.versions(of: $0) } }
      if json {
        print(JSONValue.object([("versions", .array(records.map(\.json)))]).compactString)
      } else {
        print(Value.registryListing(records).text)
      }
    }
  }

  struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "One version in full: lineage, metrics, fairness, parameters, tags, and the name's event log.")
    @Argument(
      help: ArgumentHelp("NAME, NAME@VERSION or NAME@ALIAS (NAME alone: champion, else latest).", valueName: "model"))
    var model: String
    @Flag(help: "Print the record (and the event log, as `events`) as JSON.")
    var json = false
    @OptionGroup var global: RegistryOption

    func run() throws {
      let registry = try RegistryShell.open(global)
      let (record, events) = try RegistryShell.run {
        let record = try registry.resolve(try ModelReference.parse(model))
        return (record, try registry.events(of: record.name))
      }
      if json {
        guard case .object(var pairs) = record.json else { return }
        pairs.append(("events", .array(events.map(\.json))))
        print(JSONValue.object(pairs).compactString)
        return
      }
      print(Self.text(record, events: events, files: registry.store.filesDescription(of: record)))
    }

    static func text(_ record: VersionRecord, events: [RegistryEvent], files: String) -> String {
      var lines = [
        "\(record.reference)  \(record.learner) \(record.task) of '\(record.target)'"
          + (record.aliases.isEmpty ? "" : "  aliases: " + record.aliases.joined(separator: ", ")),
        "sha256 \(record.sha256)",
        "files  \(files)",
        "by \(record.creator) at \(record.created) with labbook \(record.toolVersion)",
      ]
      if !record.description.isEmpty { lines.append("description: \(record.description)") }
      if !record.tags.isEmpty {
        lines.append("tags: " + record.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))
      }
      lines.append("params: " + record.params.compactString)
      lines.append("lineage:")
      lines.append(
        "  notebook \(record.lineage.notebook ?? "(none)"), cell \(record.lineage.cell.map(String.init) ?? "-")")
      if let hash = record.lineage.notebookSHA256 { lines.append("  chain before the cell \(hash)") }
      for input in record.lineage.inputs { lines.append("  input \(input.path)  sha256 \(input.sha256)") }
      lines.append(
        "metrics: " + (record.metrics == .null ? "(none evaluated in the session)" : record.metrics.compactString))
      lines.append(
        "fairness: " + (record.fairness == .null ? "(none computed in the session)" : record.fairness.compactString))
      lines.append("events:")
      for event in events { lines.append("  " + event.summary) }
      return lines.joined(separator: "\n")
    }
  }

  struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Write NAME (every version) or NAME@VERSION, with lineage and history, to a new folder; or one version as ONNX.",
      discussion: reflowed(
        """
        With --onnx FILE, the version NAME@VERSION, NAME@ALIAS or NAME (its champion, else its latest) is written as an
        ONNX model of the whole fitted model, pipeline and learner, as `export M to FILE` does in a session (`labbook
        help export` describes the inputs and outputs). The file's metadata carries NAME@VERSION, the sha256 of the
        registered model file, the recorded training inputs with their sha256, and the Labbook version.

        Examples:
          labbook registry export credit-risk credit-risk-export
          labbook registry export credit-risk@champion --onnx credit-risk.onnx
        """))
    @Argument(help: ArgumentHelp("NAME or NAME@VERSION (with --onnx, also NAME@ALIAS).", valueName: "model"))
    var model: String
    @Argument(
      help: ArgumentHelp("The folder to create (it must not exist); not with --onnx.", valueName: "path"),
      completion: .directory)
    var path: String?
    @Option(
      help: ArgumentHelp("Write this one version as an ONNX file instead.", valueName: "file"),
      completion: .file(extensions: ["onnx"]))
    var onnx: String?
    @OptionGroup var global: RegistryOption

    func validate() throws {
      switch (path, onnx) {
      case (nil, nil): throw ValidationError("give a folder to export to, or --onnx FILE")
      case (.some, .some): throw ValidationError("give a folder or --onnx FILE, not both")
      default: break
      }
    }

    func run() throws {
      let registry = try RegistryShell.open(global)
      if let onnx {
        let summary = try RegistryShell.run { try Self.exportONNX(model, registry: registry, to: onnx) }
        print(Value.exported(summary).text)
        return
      }
      guard let path else { return }
      let records = try RegistryShell.run { try registry.export(try ModelReference.parse(model), to: path) }
      print("exported \(records.map(\.reference).joined(separator: ", ")) to \(path)")
    }

    static func exportONNX(_ model: String, registry: Registry, to file: String) throws -> ONNXExport.Summary {
      let record = try registry.resolve(try ModelReference.parse(model))
      // The model file is read in a child process first: a damaged file fails there, not here.
      let reader = IsolatedReader.ownExecutable
      let (trained, _) = try registry.load(ModelReference(name: record.name, selector: .version(record.version))) {
        path in
        do {
          try reader?.check("model", path: path)
        } catch {
          throw ShellError("\(record.reference): \(error)")
        }
      }
      let provenance = ONNXExport.Provenance(
        name: record.name, version: record.version, modelSHA256: record.sha256,
        trainingData: record.lineage.inputs.map { (path: $0.path, sha256: $0.sha256) })
      var (data, summary): (Data, ONNXExport.Summary)
      do {
        (data, summary) = try ONNXExport.serialize(trained, provenance: provenance)
      } catch let error as ExportError {
        throw ShellError("cannot export \(record.reference) to ONNX: \(error.message)")
      }
      do {
        try AtomicFile.write(data, to: file)
      } catch let error as FileWriteError {
        throw ShellError(error.localizedDescription)
      }
      summary.path = file
      return summary
    }
  }

  struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Add the versions of an export folder to this registry (created if missing), with their lineage.")
    @Argument(
      help: ArgumentHelp("A folder made by `labbook registry export`.", valueName: "path"), completion: .directory)
    var path: String
    @OptionGroup var global: RegistryOption

    func run() throws {
      let registry = try RegistryShell.open(global, create: true)
      let reader = IsolatedReader.ownExecutable
      let added = try RegistryShell.run {
        try registry.importExport(from: path) { file in try reader?.check("model", path: file) }
      }
      if added.isEmpty {
        print("nothing to import: every version in \(path) is already here")
      } else {
        print("imported \(added.map(\.reference).joined(separator: ", "))")
      }
    }
  }
}

/// A shell command's failure: `error: MESSAGE` on stderr, exit status 1.
struct ShellError: Error, CustomStringConvertible {
  let description: String
  init(_ message: String) { description = message }
}

/// The registry folder and display options, all the registry subcommands take (no threads or seed:
/// they compute nothing).
struct RegistryOption: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Model registry: a folder, or postgresql://USER:PASSWORD@HOST:PORT/DB (default ./registry, or $LABBOOK_REGISTRY).",
      valueName: "dir|url"),
    completion: .directory)
  var registry: String?

  @OptionGroup var display: DisplayOptions
}
