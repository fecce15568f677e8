import LabbookCore
import Testing

@testable import LabbookML

/// The radix sort used by binning must agree with the standard library's comparison sort.
@Test func radixSortMatchesComparisonSort() {
  var generator = SeededGenerator(seed: 11)
  var values: [Double] = []
  for _ in 0..<5_000 {
    switch generator.next() % 6 {
    case 0: values.append(Double(generator.next() % 7) - 3)  // many duplicates, negatives and zero
    case 1: values.append(Double(bitPattern: generator.next() & ~(0x7FF << 52)))  // subnormals of either sign
    case 2: values.append([.infinity, -.infinity, -0.0, 0.0, .greatestFiniteMagnitude][Int(generator.next() % 5)])
    default: values.append((Double(generator.next() % 2_000_001) - 1_000_000) / 977)
    }
  }
  let expected = values.sorted()
  let actual = radixSorted(values)
  #expect(actual.count == expected.count)
  // == treats −0.0 and +0.0 as equal, which is the only way the two orders may differ.
  #expect(zip(actual, expected).allSatisfy { $0 == $1 })
  #expect(radixSorted([3, -1, 2]) == [-1, 2, 3])
  #expect(radixSorted([]) == [])
}
