import Testing
@testable import TraceAnalyzer

/// Latency percentiles: three significant digits (a value's bucket is at most 0.1% wide), the
/// maximum exact, and nothing for a kind of latency the trace never recorded.
@Suite struct LatencyHistogramTests {
    static let ms: UInt64 = 1_000_000

    @Test func percentilesAreWithinATenthOfAPercentAndTheMaximumIsExact() {
        var h = LatencyHistogram()
        // 1 ms, 2 ms, ..., 100 ms, shuffled the same way every run.
        for k in (1...100).map({ ($0 * 37) % 100 + 1 }) { h.record(UInt64(k) * Self.ms + 123) }
        let p = h.percentiles
        #expect(p.count == 100)
        #expect(p.max == 100 * Self.ms + 123)
        for (value, rank) in [(p.p50, 50), (p.p90, 90), (p.p99, 99)] {
            let exact = UInt64(rank) * Self.ms + 123
            #expect(value >= exact - 1_000 && value <= exact + exact / 1_000, "p\(rank): \(value) against \(exact)")
        }
    }

    @Test func aLatencyNeverRecordedHasNoPercentiles() {
        #expect(LatencyHistogram().percentiles == Percentiles(count: 0, p50: 0, p90: 0, p99: 0, max: 0))
        #expect(LatencyHistogram(coarse: true).percentiles == Percentiles(count: 0, p50: 0, p90: 0, p99: 0, max: 0))
    }

    @Test func valuesBeyondTheRangeCountAtItsTopAndKeepTheirMaximum() {
        var h = LatencyHistogram(coarse: true)  // up to a minute
        h.record(5 * Self.ms)
        h.record(2 * 60_000 * Self.ms)
        let p = h.percentiles
        #expect(p.count == 2)
        #expect(p.p50 >= 5 * Self.ms && p.p50 <= 5 * Self.ms + 5 * Self.ms / 100)
        #expect(p.max == 2 * 60_000 * Self.ms)
        #expect(p.p99 <= p.max && p.p99 >= 60_000 * Self.ms)
    }
}
