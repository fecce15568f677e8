import LabbookCore
import LabbookNotebook
import LabbookRegistry

/// `labbook verify NB --registry DIR`: every version this notebook registered recorded, in its lineage,
/// the chain hash of the cells before its `register` cell. A notebook rewritten after registration, even
/// with its whole chain re-hashed, no longer has that hash there.
public enum RegistryLineageCheck {
  public struct Finding: Sendable {
    /// The register cell's position in the notebook.
    public var position: Int
    public var reference: String
    /// nil when the cell matches the registry; else what differs.
    public var problem: String?
  }

  public static func check(_ notebook: RecordedNotebook, against registry: Registry) -> [Finding] {
    var findings: [Finding] = []
    var previous = notebook.format >= 2 ? HashChain.genesis(header: notebook.header) : HashChain.genesis
    for cell in notebook.cells {
      defer { previous = cell.hash ?? previous }
      guard let entry = cell.labbook?["registry"], let name = entry["name"]?.stringValue,
        let version = entry["version"]?.intValue(in: RegistryLimits.versions)
      else { continue }
      let reference = "\(name)@\(version)"
      // A registration that found the same model already registered kept that version's own lineage.
      if entry["created"] == .bool(false) { continue }
      guard let record = try? registry.resolve(ModelReference(name: name, selector: .version(version))) else {
        findings.append(Finding(position: cell.position, reference: reference, problem: "is not in this registry"))
        continue
      }
      guard let recorded = record.lineage.notebookSHA256 else {
        findings.append(Finding(position: cell.position, reference: reference, problem: nil))
        continue
      }
      findings.append(
        Finding(
          position: cell.position, reference: reference,
          problem: recorded == previous
            ? nil
            : "was registered after cells whose chain hash was \(recorded.prefix(16))…, but here the cells before it hash to \(previous.prefix(16))…: the notebook was rewritten after registration"
        ))
    }
    return findings
  }
}
