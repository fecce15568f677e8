import Foundation

/// Script text as the lexer reads it: a leading byte-order mark dropped (Notepad and PowerShell write
/// one) and Windows line ends (CR LF) made LF. Swift reads "\r\n" as one `Character`, which is not "\n",
/// so without this a script saved with Windows line ends lexed as one long line and failed at its first
/// line end ("unexpected character").
public enum ScriptText {
  public static func normalized(_ text: String) -> String {
    var text = text
    if text.first == "\u{FEFF}" { text.removeFirst() }
    guard text.contains("\r\n") else { return text }
    return text.replacingOccurrences(of: "\r\n", with: "\n")
  }
}
