extension Array where Element: BitwiseCopyable {
  /// An array of `count` elements for a caller that writes every one of them before any is read (a
  /// column filled band by band from a file or a pipe). It skips the zero-filling that
  /// `Array(repeating:count:)` does, a pass over memory that the fill repeats. The elements are plain
  /// bits (`BitwiseCopyable`), so an element not yet written is garbage, never an invalid object;
  /// callers that may stop part-way (an error) discard the array.
  ///
  /// Not done here: asking for transparent huge pages (`madvise(MADV_HUGEPAGE)`, as NumPy does for
  /// large arrays). On this project's virtual machine it made a 64 MB matrix load 0.048 s → 0.029 s
  /// in a loop that frees and reallocates, but a session's first loads 0.29–0.84 s against a steady
  /// 0.39 s: a huge page the host has not backed yet took 670–830 ms per 64 MB to fault in, against
  /// 45 ms for ordinary pages.
  public static func unfilled(count: Int) -> [Element] {
    [Element](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
  }
}
