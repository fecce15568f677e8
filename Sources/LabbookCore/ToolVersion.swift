/// The version printed by `labbook --version` and recorded in every notebook and registry entry.
public enum Labbook {
  public static let version = "0.1.0"
}
