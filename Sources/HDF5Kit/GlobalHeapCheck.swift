import CHDF5
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Checks a file's global heap collections before libhdf5 sees them.
///
/// Variable-length strings (the `columns` attribute, category columns) live in "global heap
/// collections": a `GCOL` header followed by objects, each with an index and a size. libhdf5 1.10
/// walks a collection with `next = start + size`, trusting both: an object 0 of size 0 never advances
/// (the read spins forever, as the hdf5 fuzz target found in 67 files), and an object whose size runs
/// past the collection's end is later copied out of bounds (the SIGSEGV in `H5HG_read`). Neither can
/// happen in a collection libhdf5 wrote, where the objects tile the collection exactly. So every byte
/// sequence that libhdf5 would accept as a collection header (`GCOL`, version 1) is walked here the way
/// libhdf5 walks it, and a file where that walk would stall or overrun is refused: before it is opened to
/// be written (`check`), or, read-only, before libhdf5 reads the collection (`index`, `GlobalHeapIndex`).
public enum GlobalHeapCheck {
  static let signature: [UInt8] = Array("GCOL".utf8)

  /// Throws when a collection in the file at `path` would make libhdf5 loop or read out of bounds;
  /// else returns every collection's objects (nil when the file's addresses or lengths are not 8 bytes,
  /// which is not walked). The file is read with `pread` in blocks (not mapped: a file truncated
  /// meanwhile would be SIGBUS).
  @discardableResult
  public static func check(path: String) throws -> GlobalHeapIndex? {
    guard let file = OpenFile(path: path) else { return nil }  // libhdf5's own open reports the error
    return try examine(file).get()
  }

  /// For a file opened read-only: an index that walks collections as they are needed (see
  /// `GlobalHeapIndex`). A file whose addresses are not 8 bytes is checked whole now and has no index;
  /// one whose lengths are not 8 bytes is not walked (as `check`).
  public static func index(path: String) throws -> GlobalHeapIndex? {
    guard let file = OpenFile(path: path), let superblock = superblock(in: file), superblock.lengthSize == 8 else {
      return nil
    }
    guard superblock.addressSize == 8 else {
      _ = try examine(file).get()
      return nil
    }
    return GlobalHeapIndex(base: superblock.offset, addressSize: 8, lengthSize: 8, file: file)
  }

  /// The first collection in a whole file held in memory that libhdf5 could not walk safely.
  public static func firstProblem(in bytes: [UInt8]) -> String? {
    if case .failure(let error) = examine(MemoryBytes(bytes: bytes)) { return error.message }
    return nil
  }

  /// The index of a whole file held in memory (nil when it is not walked), or the first problem.
  static func index(of bytes: [UInt8]) -> Result<GlobalHeapIndex?, HDF5Error> {
    examine(MemoryBytes(bytes: bytes))
  }

  static func examine(_ file: some ByteSource) -> Result<GlobalHeapIndex?, HDF5Error> {
    guard let superblock = superblock(in: file), superblock.lengthSize == 8 else { return .success(nil) }
    var collections: [Int: GlobalHeapIndex.Collection] = [:]
    for (start, walked) in scan(file, lengthSize: superblock.lengthSize) {
      switch walked ?? checkCollection(in: file, at: start, lengthSize: superblock.lengthSize) {
      case .failure(let problem):
        return .failure(HDF5Error("the global heap collection at byte \(start) \(problem.message)"))
      case .success(let collection?): collections[start] = collection
      case .success(nil): break
      }
    }
    guard superblock.addressSize == 8 else { return .success(nil) }
    return .success(
      GlobalHeapIndex(base: superblock.offset, addressSize: 8, lengthSize: 8, collections: collections))
  }

  /// What walking one collection gave: its bytes and objects, nil when libhdf5 would not load it, or a
  /// problem.
  typealias Walked = Result<GlobalHeapIndex.Collection?, HDF5Error>

  /// Every offset where "GCOL" starts, in order.
  static func signatureOffsets(in file: some ByteSource) -> [Int] { scan(file, lengthSize: 8).map(\.offset) }

  /// Every offset where "GCOL" starts, in order, each with its collection walked when the collection
  /// lies in the block that found it (nil: it runs past the block, and is read on its own). The file is
  /// searched in blocks of 1 MB on all cores, each core reusing one buffer (so the copies from the page
  /// cache land in memory that is already mapped and in cache); each block reads three bytes past its
  /// end so that a signature across a boundary is found, and only by the block it starts in. Walking the
  /// collections from the blocks already read halves the reading (a file of small strings has a 4 KB
  /// collection every few hundred strings).
  static func scan(_ file: some ByteSource, lengthSize: Int) -> [(offset: Int, walked: Walked?)] {
    let block = 1 << 20
    let blocks = (file.size + block - 1) / block
    let workers = max(1, min(blocks, ProcessInfo.processInfo.activeProcessorCount))
    let found = FoundCollections(blocks: blocks)
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: block + signature.count - 1, alignment: 16)
      defer { buffer.deallocate() }
      for index in stride(from: worker, to: blocks, by: workers) {
        let start = index * block
        let wanted = min(block + signature.count - 1, file.size - start)
        let count = file.read(at: start, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]))
        guard let base = buffer.baseAddress else { return }
        var hits: [(offset: Int, walked: Walked?)] = []
        var offset = 0
        while offset < min(count, block) {
          guard let hit = lb_find_bytes(base + offset, count - offset, signature, signature.count) else { break }
          let local = base.distance(to: UnsafeMutableRawPointer(mutating: hit))
          if local >= block { break }
          let held = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[local..<count])
          hits.append(
            (start + local, walkHeld(held, fileRemaining: file.size - start - local, lengthSize: lengthSize)))
          offset = local + 1
        }
        found.set(index, hits)
      }
    }
    return found.all
  }

  /// Walks the collection at the start of `held` if `held` holds all of it (as `checkCollection` would);
  /// nil when it does not.
  static func walkHeld(_ held: UnsafeRawBufferPointer, fileRemaining: Int, lengthSize: Int) -> Walked? {
    guard held.count >= 8 + lengthSize else { return nil }
    guard held[4] == 1 else { return .success(nil) }  // libhdf5 refuses other versions
    let declared = littleEndian(held, at: 8, count: lengthSize)
    guard declared <= UInt64(fileRemaining), declared <= UInt64(ReadLimits.maximumBytes) else { return .success(nil) }
    guard declared <= UInt64(held.count) else { return nil }
    var objects: [GlobalHeapIndex.Object] = []
    objects.reserveCapacity(Int(declared) / 24)  // an object takes at least 24 bytes (16 of header)
    let collection = UnsafeRawBufferPointer(rebasing: held[0..<Int(declared)])
    if let problem = walk(collection, lengthSize: lengthSize, objects: &objects) { return .failure(HDF5Error(problem)) }
    return .success(GlobalHeapIndex.Collection(bytes: [UInt8](collection), objects: objects))
  }

  /// Reads the collection whose header starts at `start` (as much as libhdf5 would read) and walks it:
  /// its objects, nil when libhdf5 would not load it (another version, or past the file's end).
  static func checkCollection(in file: some ByteSource, at start: Int, lengthSize: Int) -> Walked {
    let header = file.read(at: start, count: 8 + lengthSize)
    // libhdf5 refuses other versions
    guard header.count == 8 + lengthSize, header[4] == 1 else { return .success(nil) }
    let declared = header.withUnsafeBytes { littleEndian($0, at: 8, count: lengthSize) }
    // libhdf5 reads the whole collection or fails with an error; only what it can read is walked.
    guard declared <= UInt64(file.size - start), declared <= UInt64(ReadLimits.maximumBytes) else {
      return .success(nil)
    }
    let collection = file.read(at: start, count: Int(declared))
    guard collection.count == Int(declared) else { return .success(nil) }
    var objects: [GlobalHeapIndex.Object] = []
    objects.reserveCapacity(collection.count / 24)  // an object takes at least 24 bytes (16 of header)
    if let problem = collection.withUnsafeBytes({ walk($0, lengthSize: lengthSize, objects: &objects) }) {
      return .failure(HDF5Error(problem))
    }
    return .success(GlobalHeapIndex.Collection(bytes: collection, objects: objects))
  }

  /// Where libhdf5 finds the superblock (at byte 0, 512, 1024, 2048, ...) and the sizes in bytes of
  /// addresses and lengths it declares; nil when there is none libhdf5 would accept.
  static func superblock(in file: some ByteSource) -> (offset: Int, addressSize: Int, lengthSize: Int)? {
    let magic: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
    var position = 0
    while position + 16 <= file.size {
      let bytes = file.read(at: position, count: 16)
      guard bytes.count == 16 else { return nil }
      if Array(bytes[0..<8]) == magic {
        switch bytes[8] {
        case 0, 1: return (position, Int(bytes[13]), Int(bytes[14]))
        case 2, 3: return (position, Int(bytes[9]), Int(bytes[10]))
        default: return nil
        }
      }
      position = position == 0 ? 512 : position * 2
    }
    return nil
  }

  /// Walks one collection the way `H5HG__cache_heap_deserialize` does (HDF5 1.10.8): a 8 + L byte
  /// header, then objects of a 2-byte index, 2-byte reference count, 4 reserved bytes and an L-byte
  /// size; object 0 is free space whose size includes its header; other objects are padded to 8 bytes.
  /// Only 8-byte lengths (libhdf5's and h5py's default, and every file seen) are walked: with 8 the
  /// collection and object headers are 16 bytes whichever way libhdf5 rounds them. Appends every object
  /// met (index, where its data starts, size) to `objects`.
  static func walk(_ bytes: UnsafeRawBufferPointer, lengthSize: Int, objects: inout [GlobalHeapIndex.Object])
    -> String?
  {
    let end = bytes.count
    let objectHeaderSize = 8 + lengthSize
    var position = 8 + lengthSize
    while position < end {
      if position + objectHeaderSize > end { return nil }  // a tail too small for a header is free space
      let index = Int(bytes[position]) | Int(bytes[position + 1]) << 8
      let size = littleEndian(bytes, at: position + 8, count: lengthSize)
      let remaining = UInt64(end - position)
      let need: UInt64
      if index == 0 {
        guard size > 0 else { return "holds a free-space object of size 0, which HDF5 would read forever" }
        need = size
      } else {
        guard size <= remaining - UInt64(objectHeaderSize) else {
          return "holds object \(index) of \(size) bytes, past the collection's end"
        }
        need = UInt64(objectHeaderSize) + (size + 7) / 8 * 8
      }
      guard need <= remaining else { return "holds object \(index) of \(size) bytes, past the collection's end" }
      objects.append(GlobalHeapIndex.Object(index: UInt16(index), start: position + objectHeaderSize, size: size))
      position += Int(need)
    }
    return nil
  }

  static func littleEndian(_ bytes: UnsafeRawBufferPointer, at offset: Int, count: Int) -> UInt64 {
    var value: UInt64 = 0
    for index in stride(from: count - 1, through: 0, by: -1) { value = value << 8 | UInt64(bytes[offset + index]) }
    return value
  }
}

/// Random access to a file's bytes; a short read means the end (or an error, which libhdf5 will report).
protocol ByteSource: Sendable {
  var size: Int { get }
  /// Fills `buffer` from `offset` on, as far as the file goes; the number of bytes read.
  func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int
}

extension ByteSource {
  func read(at offset: Int, count: Int) -> [UInt8] {
    guard offset >= 0, count > 0, offset < size else { return [] }
    return [UInt8](unsafeUninitializedCapacity: min(count, size - offset)) { buffer, initialized in
      initialized = read(at: offset, into: UnsafeMutableRawBufferPointer(buffer))
    }
  }
}

struct BlockReader: ByteSource {
  let descriptor: Int32
  let size: Int

  func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int {
    guard offset >= 0, offset < size, let base = buffer.baseAddress else { return 0 }
    let wanted = min(buffer.count, size - offset)
    var filled = 0
    while filled < wanted {
      let got = pread(descriptor, base + filled, wanted - filled, off_t(offset + filled))
      if got < 0 && errno == EINTR { continue }
      if got <= 0 { break }
      filled += got
    }
    return filled
  }
}

/// A regular file kept open for reading (closed when the last reference goes), its size when opened.
final class OpenFile: ByteSource, @unchecked Sendable {
  private let reader: BlockReader
  var size: Int { reader.size }

  /// Nil when `path` cannot be opened or is not a non-empty regular file.
  init?(path: String) {
    let descriptor = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    var status = stat()
    guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size > 0 else {
      close(descriptor)
      return nil
    }
    reader = BlockReader(descriptor: descriptor, size: Int(status.st_size))
  }

  deinit { close(reader.descriptor) }

  func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int {
    reader.read(at: offset, into: buffer)
  }
}

struct MemoryBytes: ByteSource {
  let bytes: [UInt8]
  var size: Int { bytes.count }

  func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) -> Int {
    guard offset >= 0, offset < bytes.count else { return 0 }
    let count = min(buffer.count, bytes.count - offset)
    bytes.withUnsafeBytes { source in
      buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<(offset + count)]))
    }
    return count
  }
}

/// The signatures each block found, with their collections where walked, written from the blocks' threads.
private final class FoundCollections: @unchecked Sendable {
  private let lock = NSLock()
  private var perBlock: [[(offset: Int, walked: GlobalHeapCheck.Walked?)]]

  init(blocks: Int) { perBlock = Array(repeating: [], count: blocks) }

  func set(_ block: Int, _ found: [(offset: Int, walked: GlobalHeapCheck.Walked?)]) {
    lock.withLock { perBlock[block] = found }
  }

  var all: [(offset: Int, walked: GlobalHeapCheck.Walked?)] { lock.withLock { perBlock.flatMap { $0 } } }
}
