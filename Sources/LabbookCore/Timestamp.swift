import Foundation

/// The current time as ISO 8601 in UTC (a notebook's `created`, a registry record's time).
public func isoTimestampNow() -> String {
  let formatter = ISO8601DateFormatter()
  formatter.timeZone = TimeZone(identifier: "UTC")
  return formatter.string(from: Date())
}
