extension UInt64 {
    /// Adds `x`, stopping at `UInt64.max` instead of trapping: sums of figures read from a trace
    /// (term differences, index ranges, durations) must not crash the analysis of a crafted or
    /// damaged one.
    @inline(__always) mutating func addSaturating(_ x: UInt64) {
        let (sum, overflow) = addingReportingOverflow(x)
        self = overflow ? .max : sum
    }
}

extension UInt64 {
    /// `self + x`, or `UInt64.max` where that would overflow: a time plus a margin near the end of
    /// a crafted trace's clock.
    @inline(__always) func addingSaturating(_ x: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(x)
        return overflow ? .max : sum
    }
}
