/// Sorts finite-or-infinite doubles (no NaN) ascending with a least-significant-byte radix sort on
/// order-preserving 64-bit keys: several times faster than a comparison sort on the large columns that
/// binning sorts. −0.0 sorts before +0.0 (they compare equal, so callers that compare values see no
/// difference).
func radixSorted(_ values: [Double]) -> [Double] {
  let count = values.count
  if count < 256 { return values.sorted() }
  // Flip the sign bit of positives and every bit of negatives: unsigned order is then numeric order.
  var keys = values.map { value -> UInt64 in
    let bits = value.bitPattern
    return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
  }
  var spare = [UInt64](repeating: 0, count: count)
  keys.withUnsafeMutableBufferPointer { source in
    spare.withUnsafeMutableBufferPointer { target in
      var from = source
      var to = target
      var histogram = [Int](repeating: 0, count: 256)
      for pass in 0..<8 {
        let shift = UInt64(pass * 8)
        for i in 0..<256 { histogram[i] = 0 }
        for i in 0..<count { histogram[Int((from[i] >> shift) & 0xFF)] += 1 }
        // A byte that is the same in every key leaves the order as it is.
        if histogram[Int((from[0] >> shift) & 0xFF)] == count { continue }
        var offset = 0
        for i in 0..<256 {
          let n = histogram[i]
          histogram[i] = offset
          offset += n
        }
        for i in 0..<count {
          let key = from[i]
          let bucket = Int((key >> shift) & 0xFF)
          to[histogram[bucket]] = key
          histogram[bucket] += 1
        }
        swap(&from, &to)
      }
      if from.baseAddress != source.baseAddress {
        for i in 0..<count { source[i] = from[i] }
      }
    }
  }
  return keys.map { key in
    Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
  }
}
