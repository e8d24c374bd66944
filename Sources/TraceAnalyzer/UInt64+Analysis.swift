extension UInt64 {
    /// `self + x`, or `UInt64.max` where that would overflow: sums of figures read from a trace
    /// (term differences, index ranges, durations) and times plus a margin must not crash the
    /// analysis of a crafted or damaged trace, whose clock may run up to the largest value.
    @inline(__always) func addingSaturating(_ x: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(x)
        return overflow ? .max : sum
    }

    /// Adds `x` in place, saturating like `addingSaturating(_:)`.
    @inline(__always) mutating func addSaturating(_ x: UInt64) { self = addingSaturating(x) }
}

extension ClosedRange<UInt64> {
    /// Whether something from `start` to `end` shares a moment with this stretch (a report's
    /// focus). Unlike `overlaps(_:)` it takes the two ends as they come, so an item a damaged trace
    /// gave an end before its start cannot trap.
    func overlaps(from start: UInt64, to end: UInt64) -> Bool { start <= upperBound && end >= lowerBound }
}
