import LabbookData
import LabbookRender
import LabbookValues

/// Spelling suggestions, shared by every "did you mean" message.
enum LabbookDataNames {
  static func closest(_ word: String, _ candidates: [String]) -> String? {
    closestName(to: word, among: candidates.sorted())
  }
}
