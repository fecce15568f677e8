/// How many terminal columns text takes: East Asian wide and fullwidth characters (and most emoji)
/// take two, combining marks and zero-width characters none, everything else one — what `wcwidth`
/// gives, without depending on the process's locale.
public enum DisplayWidth {
  public static func of(_ text: String) -> Int {
    text.unicodeScalars.reduce(0) { $0 + width($1) }
  }

  public static func width(_ scalar: Unicode.Scalar) -> Int {
    let value = scalar.value
    if value == 0 { return 0 }
    if value < 0x20 || (0x7F..<0xA0).contains(value) { return 0 }
    switch scalar.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return 0
    default: break
    }
    if value == 0x200B { return 0 }
    for range in wideRanges where range.contains(value) { return 2 }
    return 1
  }

  /// East Asian Wide (W) and Fullwidth (F) blocks, and the emoji blocks terminals draw two columns wide.
  static let wideRanges: [ClosedRange<UInt32>] = [
    0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
    0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
    0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
  ]

  /// The text cut to at most `width` columns, ending in "…" when cut.
  public static func truncate(_ text: String, to width: Int) -> String {
    guard of(text) > width else { return text }
    guard width > 1 else { return width == 1 ? "…" : "" }
    var out = ""
    var used = 0
    for character in text {
      let w = of(String(character))
      if used + w > width - 1 { break }
      out.append(character)
      used += w
    }
    return out + "…"
  }

  /// `text` padded with spaces to `width` columns, on the left (`right`: for numbers) or the right.
  public static func pad(_ text: String, to width: Int, right: Bool) -> String {
    let gap = String(repeating: " ", count: max(0, width - of(text)))
    return right ? gap + text : text + gap
  }

  /// Words of `text` in lines of at most `width` columns (a longer word stands alone), the first line
  /// starting with `first` and the rest with `rest` (hanging indents).
  public static func wrap(_ text: String, width: Int, first: String = "", rest: String = "") -> [String] {
    var lines: [String] = []
    var line = first
    var lineHasWord = false
    for word in text.split(separator: " ", omittingEmptySubsequences: true) {
      let candidate = lineHasWord ? line + " " + word : line + word
      if lineHasWord, of(candidate) > width {
        lines.append(line)
        line = rest + word
      } else {
        line = candidate
      }
      lineHasWord = true
    }
    lines.append(line)
    return lines
  }
}
