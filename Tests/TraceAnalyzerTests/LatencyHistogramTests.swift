import Histogram
import Testing
@testable import TraceAnalyzer
import TraceFormat

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

    /// The walk from the smallest value gives what the histogram's own `valueAtPercentile` gives
    /// (its bucket's highest value, at most the largest recorded), for spreads of latencies from
    /// none to minutes, zero included.
    @Test(arguments: [(0, 1), (1, 1_000), (0, 50_000), (8_000, 30_000), (100, 90_000_000)] as [(UInt64, UInt64)])
    func percentilesAreTheHistogramsOwn(lowMicros: UInt64, highMicros: UInt64) {
        var rng = SplitMix64(seed: lowMicros &* 31 &+ highMicros)
        var ours = LatencyHistogram()
        var theirs = Histogram<UInt64>(highestTrackableValue: 3_600 * 1_000_000, numberOfSignificantValueDigits: .three)
        var largest: UInt64 = 0
        for _ in 0..<2_000 {
            let ns = (lowMicros + rng.next() % (highMicros - lowMicros + 1)) * 1_000 + rng.next() % 1_000
            ours.record(ns)
            _ = theirs.record(ns / 1_000)
            largest = Swift.max(largest, ns)
        }
        func expected(_ p: Double) -> UInt64 {
            Swift.min(Swift.min(theirs.highestEquivalentForValue(theirs.valueAtPercentile(p)), theirs.max) * 1_000, largest)
        }
        #expect(ours.percentiles == Percentiles(count: 2_000, p50: expected(50), p90: expected(90), p99: expected(99), max: largest))
    }

    /// A histogram as long as the run gives the percentiles one up to an hour gives, for the
    /// latencies a run of that length can have.
    @Test(arguments: [1, 60, 3_600] as [UInt64])
    func aHistogramAsLongAsTheRunGivesTheSamePercentiles(seconds: UInt64) {
        var rng = SplitMix64(seed: seconds)
        var short = LatencyHistogram(longest: seconds * 1_000 * Self.ms)
        var hour = LatencyHistogram()
        for _ in 0..<5_000 {
            let ns = rng.next() % (seconds * 1_000 * Self.ms)
            short.record(ns)
            hour.record(ns)
        }
        #expect(short.percentiles == hour.percentiles)
    }
}
