import Testing
import TraceFormat

@Suite struct DurationTextTests {
    @Test func durationsAsPeopleWriteThem() {
        #expect(DurationText.parse("150ms") == 150_000_000)
        #expect(DurationText.parse(" 2s ") == 2_000_000_000)
        #expect(DurationText.parse("1.5s") == 1_500_000_000)
        #expect(DurationText.parse("500us") == 500_000 && DurationText.parse("500µs") == 500_000)
        #expect(DurationText.parse("1m") == 60_000_000_000 && DurationText.parse("1h") == 3_600_000_000_000)
        // Compound forms, largest unit first, as `format` and the event listing print them.
        #expect(DurationText.parse("1m30s") == 90_000_000_000)
        #expect(DurationText.parse("30m05.591541s") == 1_805_591_541_000)
        #expect(DurationText.parse("1h00m02.5s") == 3_602_500_000_000)
        #expect(DurationText.parse("2s150ms") == 2_150_000_000)
        #expect(DurationText.parse(DurationText.format(125_000_000_000)) == 125_000_000_000)  // "2m05s"
    }

    @Test func anythingElseIsRefused() {
        for bad in ["", "s", "2", "2x", "-1s", "1.2.3s", "30s1m", "1s1s", "1m 30s", "ms5", "1e3s", "2s-"] {
            #expect(DurationText.parse(bad) == nil, "\(bad)")
        }
        #expect(DurationText.parseRange("150ms-300ms") == 150_000_000...300_000_000)
        #expect(DurationText.parseRange("300ms-150ms") == nil)
    }
}
