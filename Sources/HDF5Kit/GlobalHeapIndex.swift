/// Every object of every global heap collection in a file, as libhdf5 1.10 would index them when it
/// loads the collection: by the collection's address and the object's index, with the object's size.
///
/// A variable-length string is stored as a descriptor (its length, a collection's address, an object
/// index), and libhdf5's `H5HG_read` trusts the index: an index the collection does not hold reads an
/// empty table slot or past the table (SIGSEGV), and an object longer than the descriptor's length is
/// copied into a buffer of the descriptor's length (heap overflow). `StringReferenceCheck` looks every
/// descriptor up here before libhdf5 reads it. Built by `GlobalHeapCheck` from the same walk that
/// checks the collections, before the file is opened.
public struct GlobalHeapIndex: Sendable {
  /// Where the superblock starts: libhdf5 counts every address in the file from it.
  public let base: Int
  /// Bytes in a file address.
  public let addressSize: Int
  private var collections: [Int: Objects] = [:]

  init(base: Int, addressSize: Int) {
    self.base = base
    self.addressSize = addressSize
  }

  /// One collection's objects. Dense (a size per index up to the largest, `absent` where there is
  /// none) when the indexes are mostly used, as in every collection libhdf5 writes; else a dictionary,
  /// so a collection declaring only object 65,535 does not cost half a megabyte.
  enum Objects: Sendable {
    case dense([UInt64])
    case sparse([UInt16: UInt64])

    static let absent = UInt64.max

    func size(of index: UInt32) -> UInt64? {
      guard index >= 1, index <= UInt32(UInt16.max) else { return nil }
      switch self {
      case .dense(let sizes):
        guard Int(index) < sizes.count, sizes[Int(index)] != Self.absent else { return nil }
        return sizes[Int(index)]
      case .sparse(let sizes):
        return sizes[UInt16(index)]
      }
    }
  }

  /// Records a walked collection at file offset `offset`: its objects (index, size) in the order met;
  /// a later object with the same index replaces an earlier one, as in libhdf5's table. Index 0 (free
  /// space) is not an object.
  mutating func record(collectionAt offset: Int, objects: [(index: UInt16, size: UInt64)]) {
    var largest = 0
    var used = 0
    for object in objects where object.index > 0 {
      largest = max(largest, Int(object.index))
      used += 1
    }
    if largest < 4 * used + 64 {
      var sizes = [UInt64](repeating: Objects.absent, count: largest + 1)
      for object in objects where object.index > 0 { sizes[Int(object.index)] = object.size }
      collections[offset] = .dense(sizes)
    } else {
      var sizes: [UInt16: UInt64] = [:]
      for object in objects where object.index > 0 { sizes[object.index] = object.size }
      collections[offset] = .sparse(sizes)
    }
  }

  /// The objects of the collection that heap address `address` (counted from the base) names, or nil
  /// when no collection libhdf5 could load starts there.
  func collection(at address: UInt64) -> Objects? {
    guard address <= UInt64(Int.max - base) else { return nil }
    return collections[base + Int(address)]
  }

  /// The first of `count` variable-length string descriptors in `bytes` (a 4-byte length, an 8-byte
  /// collection address, a 4-byte object index) that libhdf5 could not follow safely: its row (from 0)
  /// and what is wrong with it. A null descriptor (address 0) is an empty string.
  func firstBadReference(in bytes: UnsafeRawBufferPointer, count: Int) -> (row: Int, reason: String)? {
    let descriptorSize = HDF5Dataset.descriptorSize
    precondition(bytes.count >= count * descriptorSize)
    var lastAddress: UInt64 = 0
    var lastObjects: Objects?
    for row in 0..<count {
      let at = row * descriptorSize
      let length = UInt64(bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
      let address = bytes.loadUnaligned(fromByteOffset: at + 4, as: UInt64.self).littleEndian
      let index = bytes.loadUnaligned(fromByteOffset: at + 12, as: UInt32.self).littleEndian
      if address == 0 { continue }  // a null string
      if address != lastAddress || lastObjects == nil {
        lastObjects = collection(at: address)
        lastAddress = address
      }
      guard let objects = lastObjects else {
        return (row, "points at byte \(address), where no global heap collection starts")
      }
      guard let size = objects.size(of: index) else {
        return (row, "points at object \(index) of the global heap collection at byte \(address), which holds none")
      }
      guard size == length else {
        return (row, "declares \(length) bytes but its heap object holds \(size)")
      }
    }
    return nil
  }
}
