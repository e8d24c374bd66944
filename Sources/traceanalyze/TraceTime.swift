import ArgumentParser
import TraceFormat

/// The trace time an option gives (`--from 2.9s`, `--to 1m30s`), or nil when it is not given.
func traceTime(_ text: String?, option: String) throws -> UInt64? {
    guard let text else { return nil }
    guard let v = DurationText.parse(text) else {
        throw ValidationError("--\(option): '\(text)' is not a time (write it like 2.9s, 150ms, 1m30s)")
    }
    return v
}

/// The stretch `--from` and `--to` give (either may be left out), or nil when neither is given.
func traceTimeRange(from: String?, to: String?) throws -> ClosedRange<UInt64>? {
    guard from != nil || to != nil else { return nil }
    let start = try traceTime(from, option: "from") ?? 0, end = try traceTime(to, option: "to") ?? .max
    guard start <= end else { throw ValidationError("--from \(from ?? "") is after --to \(to ?? "")") }
    return start...end
}
