import CHDF5

/// What one element of a dataset or attribute is, as far as Labbook needs to know.
public indirect enum ElementType: Equatable, Sendable, CustomStringConvertible {
  case integer(bytes: Int, signed: Bool, bigEndian: Bool)
  case float(bytes: Int, bigEndian: Bool)
  /// A fixed-length (`size` bytes) or variable-length string.
  case string(fixedSize: Int?)
  /// An enumeration: member names with their integer values (HDF5 and h5py store bool this way).
  case enumeration(base: ElementType, members: [EnumMember])
  case compound(fields: [CompoundField])
  case unsupported(String)

  public var description: String {
    switch self {
    case .integer(let bytes, let signed, let big):
      return "\(signed ? "int" : "uint")\(bytes * 8)\(big ? " (big-endian)" : "")"
    case .float(let bytes, let big): return "float\(bytes * 8)\(big ? " (big-endian)" : "")"
    case .string(let fixed): return fixed.map { "fixed-length string (\($0) bytes)" } ?? "variable-length string"
    case .enumeration(let base, let members): return "enum of \(base) with \(members.count) members"
    case .compound(let fields): return "compound of \(fields.count) fields"
    case .unsupported(let what): return what
    }
  }

  public var isNumeric: Bool {
    switch self {
    case .integer, .float: return true
    default: return false
    }
  }
}

public struct EnumMember: Equatable, Sendable {
  public let name: String
  public let value: Int64
}

public struct CompoundField: Equatable, Sendable {
  public let name: String
  public let type: ElementType
}

extension ElementType {
  /// Describes an HDF5 datatype identifier.
  static func describe(_ type: hid_t) -> ElementType {
    let size = Int(H5Tget_size(type))
    switch H5Tget_class(type) {
    case H5T_INTEGER:
      return .integer(
        bytes: size, signed: H5Tget_sign(type) == H5T_SGN_2, bigEndian: H5Tget_order(type) == H5T_ORDER_BE)
    case H5T_FLOAT:
      return .float(bytes: size, bigEndian: H5Tget_order(type) == H5T_ORDER_BE)
    case H5T_STRING:
      return .string(fixedSize: H5Tis_variable_str(type) > 0 ? nil : size)
    case H5T_ENUM:
      let superType = H5Tget_super(type)
      defer { H5Tclose(superType) }
      guard superType >= 0, (1...8).contains(H5Tget_size(superType)), H5Tget_nmembers(type) <= 1 << 20 else {
        return .unsupported("enum with a malformed base type")
      }
      var members: [EnumMember] = []
      let count = H5Tget_nmembers(type)
      for index in 0..<max(count, 0) {
        guard let cName = H5Tget_member_name(type, UInt32(index)) else { continue }
        let name = String(cString: cName)
        H5free_memory(cName)
        var value: Int64 = 0
        // Convert the member's value to a native int64 for a uniform view.
        var raw = [UInt8](repeating: 0, count: max(Int(H5Tget_size(superType)), 8))
        H5Tget_member_value(type, UInt32(index), &raw)
        raw.withUnsafeMutableBytes { buffer in
          _ = H5Tconvert(superType, lb_h5t_native_int64(), 1, buffer.baseAddress, nil, lb_h5p_default())
          value = buffer.load(as: Int64.self)
        }
        members.append(EnumMember(name: name, value: value))
      }
      return .enumeration(base: describe(superType), members: members)
    case H5T_COMPOUND:
      var fields: [CompoundField] = []
      let count = H5Tget_nmembers(type)
      if count > 1 << 16 { return .unsupported("compound with \(count) fields") }
      for index in 0..<max(count, 0) {
        guard let cName = H5Tget_member_name(type, UInt32(index)) else { continue }
        let name = String(cString: cName)
        H5free_memory(cName)
        let memberType = H5Tget_member_type(type, UInt32(index))
        defer { H5Tclose(memberType) }
        fields.append(CompoundField(name: name, type: describe(memberType)))
      }
      return .compound(fields: fields)
    case H5T_BITFIELD: return .unsupported("bitfield")
    case H5T_OPAQUE: return .unsupported("opaque")
    case H5T_REFERENCE: return .unsupported("reference")
    case H5T_VLEN: return .unsupported("variable-length sequence")
    case H5T_ARRAY: return .unsupported("array")
    case H5T_TIME: return .unsupported("time")
    default: return .unsupported("unknown datatype class")
    }
  }
}
