import Testing

@testable import HDF5Kit

/// `UTF8Text.validated` reads eight bytes at a time for ASCII: a byte with its high bit set at any
/// offset, in strings of every length around the word size, must still send the bytes through
/// validation. Expected values from the standard library's own `String(validating:as:)`.
@Suite struct UTF8TextTests {
  @Test func everyOffsetOfEveryShortLength() {
    for length in 0..<20 {
      let ascii = (0..<length).map { UInt8(0x41 + $0) }
      #expect(ascii.withUnsafeBufferPointer { UTF8Text.validated($0) } == String(decoding: ascii, as: UTF8.self))
      for offset in 0..<length {
        for high: UInt8 in [0x80, 0xE9, 0xFF, 0xC3] {
          var bytes = ascii
          bytes[offset] = high
          let expected = String(validating: bytes, as: UTF8.self)
          #expect(bytes.withUnsafeBufferPointer { UTF8Text.validated($0) } == expected, "\(bytes)")
        }
      }
    }
    let valid = Array("männlich 女性".utf8)
    #expect(valid.withUnsafeBufferPointer { UTF8Text.validated($0) } == "männlich 女性")
  }
}
