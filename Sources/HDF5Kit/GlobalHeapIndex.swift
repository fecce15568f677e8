import Foundation

/// Every object of the global heap collections in a file, as libhdf5 1.10 would index them when it
/// loads a collection: by the collection's address and the object's index, with the object's size.
///
/// A variable-length string is stored as a descriptor (its length, a collection's address, an object
/// index), and libhdf5's `H5HG_read` trusts the index: an index the collection does not hold reads an
/// empty table slot or past the table (SIGSEGV), and an object longer than the descriptor's length is
/// copied into a buffer of the descriptor's length (heap overflow). `StringReferenceCheck` looks every
/// descriptor up here before libhdf5 reads it, and a dataset's strings are then read from the collections
/// kept here instead of through libhdf5 (`strings(in:count:)`).
///
/// Collections are walked (and checked, as `GlobalHeapCheck` walks them) when first needed: the one a
/// few descriptors point at (an attribute's) is read on its own; before the descriptors of a dataset,
/// or before libhdf5 reads variable-length data Labbook does not check descriptor by descriptor
/// (`checkWholeFile`), every collection in the file is found and walked at once, on all cores. A file
/// of numbers with a string attribute so costs one collection's read, not a pass over the whole file.
public final class GlobalHeapIndex: @unchecked Sendable {
  /// Where the superblock starts: libhdf5 counts every address in the file from it.
  public let base: Int
  /// Bytes in a file address.
  public let addressSize: Int
  private let lengthSize: Int
  /// The file, for collections walked on demand (nil when every collection was walked at the start).
  private let file: (any ByteSource)?
  private let lock = NSLock()
  /// Walked collections by file offset; nil where no collection libhdf5 could load starts.
  private var collections: [Int: Collection?] = [:]
  /// The problem the whole-file walk met, if it met one.
  private var wholeFileProblem: HDF5Error?
  private var wholeFileWalked: Bool

  /// An index filled as collections are asked for, reading them from `file`.
  init(base: Int, addressSize: Int, lengthSize: Int, file: any ByteSource) {
    self.base = base
    self.addressSize = addressSize
    self.lengthSize = lengthSize
    self.file = file
    wholeFileWalked = false
  }

  /// An index of every collection, walked already.
  init(base: Int, addressSize: Int, lengthSize: Int, collections: [Int: Collection]) {
    self.base = base
    self.addressSize = addressSize
    self.lengthSize = lengthSize
    self.file = nil
    self.collections = collections.mapValues { Optional($0) }
    wholeFileWalked = true
  }

  /// Finds and walks every collection in the file (once), as `GlobalHeapCheck.check` does; throws the
  /// first problem. Called before libhdf5 reads variable-length data whose descriptors Labbook has not
  /// checked (strings inside compounds, objects copied by `H5Ocopy`), and before a dataset's strings.
  public func checkWholeFile() throws {
    lock.lock()
    defer { lock.unlock() }
    if !wholeFileWalked, let file {
      wholeFileWalked = true
      for (start, walked) in GlobalHeapCheck.scan(file, lengthSize: lengthSize) {
        switch walked ?? GlobalHeapCheck.checkCollection(in: file, at: start, lengthSize: lengthSize) {
        case .failure(let problem):
          wholeFileProblem = HDF5Error("the global heap collection at byte \(start) \(problem.message)")
        case .success(let collection): collections[start] = collection
        }
        if wholeFileProblem != nil { break }
      }
    }
    if let wholeFileProblem { throw wholeFileProblem }
  }

  /// An object met walking a collection: its index, where its data starts in the collection (after its
  /// 16-byte header) and its size.
  struct Object: Sendable {
    let index: UInt16
    let start: Int
    let size: UInt64
  }

  /// One collection: its bytes as read, and its objects by index. Dense (an entry per index up to the
  /// largest, `absent` where there is none) when the indexes are mostly used, as in every collection
  /// libhdf5 writes; else a dictionary, so a collection declaring only object 65,535 does not cost a
  /// megabyte. A later object with an index met before replaces it, as in libhdf5's table; index 0
  /// (free space) is not an object.
  struct Collection: Sendable {
    let bytes: [UInt8]
    private let table: Table

    private enum Table: Sendable {
      case dense([Object])
      case sparse([UInt16: Object])
    }

    private static let absent = Object(index: 0, start: 0, size: .max)

    init(bytes: [UInt8], objects: [Object]) {
      self.bytes = bytes
      var largest = 0
      var used = 0
      for object in objects where object.index > 0 {
        largest = max(largest, Int(object.index))
        used += 1
      }
      if largest < 4 * used + 64 {
        var entries = [Object](repeating: Self.absent, count: largest + 1)
        for object in objects where object.index > 0 { entries[Int(object.index)] = object }
        table = .dense(entries)
      } else {
        var entries: [UInt16: Object] = [:]
        for object in objects where object.index > 0 { entries[object.index] = object }
        table = .sparse(entries)
      }
    }

    /// The object with index `index`, nil when the collection holds none.
    func object(_ index: UInt32) -> Object? {
      guard index >= 1, index <= UInt32(UInt16.max) else { return nil }
      switch table {
      case .dense(let entries):
        guard Int(index) < entries.count, entries[Int(index)].size != Self.absent.size else { return nil }
        return entries[Int(index)]
      case .sparse(let entries):
        return entries[UInt16(index)]
      }
    }

    func size(of index: UInt32) -> UInt64? { object(index)?.size }
  }

  /// The collection that heap address `address` (counted from the base) names, walked now if it was not
  /// yet; nil when no collection libhdf5 could load starts there. Throws what the walk found wrong.
  func collection(at address: UInt64) throws -> Collection? {
    guard address <= UInt64(Int.max - base) else { return nil }
    let offset = base + Int(address)
    lock.lock()
    defer { lock.unlock() }
    if let known = collections[offset] { return known }
    guard let file, !wholeFileWalked else { return nil }
    let signature = file.read(at: offset, count: GlobalHeapCheck.signature.count)
    guard signature == GlobalHeapCheck.signature else {
      collections[offset] = .some(nil)
      return nil
    }
    switch GlobalHeapCheck.checkCollection(in: file, at: offset, lengthSize: lengthSize) {
    case .failure(let problem):
      throw HDF5Error("the global heap collection at byte \(offset) \(problem.message)")
    case .success(let collection):
      collections[offset] = .some(collection)
      return collection
    }
  }

  /// A collection already walked (the strings of checked descriptors are read from these).
  private func walkedCollection(at address: UInt64) -> Collection? {
    guard address <= UInt64(Int.max - base) else { return nil }
    lock.lock()
    defer { lock.unlock() }
    return collections[base + Int(address)] ?? nil
  }

  /// The strings of `count` descriptors that `firstBadReference` passed, read from the collections as
  /// libhdf5 would give them to Labbook: the object's bytes up to the first NUL (libhdf5 hands over a
  /// C string), text as `StoredText` reads it; a null descriptor is empty.
  func strings(in bytes: UnsafeRawBufferPointer, count: Int) -> [String]? {
    let descriptorSize = HDF5Dataset.descriptorSize
    guard bytes.count >= count * descriptorSize else { return nil }
    var strings: [String] = []
    strings.reserveCapacity(count)
    var lastAddress: UInt64 = 0
    var lastCollection: Collection?
    for row in 0..<count {
      let at = row * descriptorSize
      let address = bytes.loadUnaligned(fromByteOffset: at + 4, as: UInt64.self).littleEndian
      let index = bytes.loadUnaligned(fromByteOffset: at + 12, as: UInt32.self).littleEndian
      if address == 0 {
        strings.append("")
        continue
      }
      if address != lastAddress || lastCollection == nil {
        lastCollection = walkedCollection(at: address)
        lastAddress = address
      }
      guard let collection = lastCollection, let object = collection.object(index),
        object.start >= 0, UInt64(object.start) + object.size <= UInt64(collection.bytes.count)
      else { return nil }
      let string = collection.bytes.withUnsafeBufferPointer { all in
        let data = UnsafeBufferPointer(rebasing: all[object.start..<(object.start + Int(object.size))])
        let end = data.firstIndex(of: 0) ?? data.count
        return StoredText.string(UnsafeBufferPointer(rebasing: data[0..<end]))
      }
      strings.append(string)
    }
    return strings
  }

  /// The first of `count` variable-length string descriptors in `bytes` (a 4-byte length, an 8-byte
  /// collection address, a 4-byte object index) that libhdf5 could not follow safely: its row (from 0)
  /// and what is wrong with it. A null descriptor (address 0) is an empty string. More than a few
  /// descriptors (a dataset's) walk the whole file first, on all cores, rather than collection by
  /// collection; throws what a walk found wrong.
  func firstBadReference(in bytes: UnsafeRawBufferPointer, count: Int) throws -> (row: Int, reason: String)? {
    let descriptorSize = HDF5Dataset.descriptorSize
    precondition(bytes.count >= count * descriptorSize)
    if count > 64 { try checkWholeFile() }
    var lastAddress: UInt64 = 0
    var lastObjects: Collection?
    for row in 0..<count {
      let at = row * descriptorSize
      let length = UInt64(bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
      let address = bytes.loadUnaligned(fromByteOffset: at + 4, as: UInt64.self).littleEndian
      let index = bytes.loadUnaligned(fromByteOffset: at + 12, as: UInt32.self).littleEndian
      if address == 0 { continue }  // a null string
      if address != lastAddress || lastObjects == nil {
        lastObjects = try collection(at: address)
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
