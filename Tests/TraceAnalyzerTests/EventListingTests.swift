import Foundation
import TestSupport
import Testing
import RaftRecorder
import TraceFormat
@testable import TraceAnalyzer

@Suite struct EventListingTests {
    /// A 20 s run of the chained scenario (several frames: one per 5 s of trace time at most).
    static let trace: (path: String, events: [TraceEvent]) = {
        var c = ScenarioCatalog.chained.configuration
        c.duration = 20 * nsPerSecond
        let path = Scratch.path("listing-chained.trace")
        _ = try! Recorder.record(c, to: path)
        return (path, try! eventsByOrdinal(path))
    }()

    func list(_ selection: EventListing.Selection, _ filter: EventFilter = .init(), limit: Int? = nil,
              path: String = Self.trace.path, skip: Bool = false) throws -> (items: [ListedEvent], summary: EventListing.Summary) {
        var items: [ListedEvent] = []
        let summary = try EventListing(file: try TraceFile.open(path), selection: selection, filter: filter, limit: limit,
                                       skipCorruptFrames: skip).run { items.append($0) }
        return (items, summary)
    }

    /// A stretch of time across a frame boundary lists exactly the events of the file in it, each
    /// at its position in the file.
    @Test func aStretchOfTimeIsTheFilesEventsInIt() throws {
        let all = Self.trace.events
        #expect(try TraceFile.open(Self.trace.path).frames.count >= 4)
        let range = 4_900 * nsPerMillisecond...5_100 * nsPerMillisecond
        let (items, summary) = try list(.time(range))
        let expected = all.indices.filter { range.contains(all[$0].time) }
        #expect(!expected.isEmpty)
        #expect(items.map(\.event.ordinal) == expected.map(UInt64.init))
        #expect(zip(items, expected).allSatisfy { $0.event == EventRef(all[$1], ordinal: UInt64($1)) })
        #expect(summary.listed == expected.count && summary.stoppedAt == nil)
    }

    /// Deliveries and drops name their send: the `messageSent` with the same id, earlier in the file.
    @Test func deliveriesNameTheirSend() throws {
        let all = Self.trace.events
        let (items, _) = try list(.time(3 * nsPerSecond...4 * nsPerSecond), EventFilter(kinds: [.messageDelivered, .messageDropped]))
        #expect(items.count > 100)
        for x in items {
            let sent = try #require(x.sent, "#\(x.event.ordinal) has no send")
            guard case .messageSent(let m) = all[Int(sent.ordinal)].kind else {
                Issue.record("#\(sent.ordinal) is not a send"); continue
            }
            #expect(sent.ordinal < x.event.ordinal)
            #expect(x.event.fields["id"] == "\(m.id)")
            // The receiver is the node the message was sent to.
            #expect(x.event.node == m.to.rawValue)
        }
        let line = ReportText.listed(try #require(items.first))
        #expect(line.contains(" <- #\(items[0].sent!.ordinal) n"))
    }

    /// Around an event: that many matching events before and after it, itself marked, even when
    /// it does not match the filter; the filter sees only some nodes and kinds.
    @Test func aroundAnEventWithAFilter() throws {
        let all = Self.trace.events
        let target = try #require(all.indices.first { if case .leaderSteppedDown = all[$0].kind { true } else { false } })
        let filter = EventFilter(nodes: [1], excludedKinds: EventFilter.messageKinds)
        let (items, summary) = try list(.around(ordinal: UInt64(target), before: 5, after: 3), filter)
        #expect(summary.targetFound)
        let matching = all.indices.filter { $0 != target && filter.matches(all[$0]) }
        let before = matching.filter { $0 < target }.suffix(5), after = matching.filter { $0 > target }.prefix(3)
        #expect(items.map(\.event.ordinal) == (Array(before) + [target] + Array(after)).map(UInt64.init))
        #expect(items.filter(\.isTarget).map(\.event.ordinal) == [UInt64(target)])
        #expect(items.allSatisfy { $0.isTarget || ($0.event.node == 1 && !$0.event.event.hasPrefix("message")) })

        // The node filter keeps the network events that concern the node: the cut of n1's link.
        let cuts = try list(.time(0...UInt64.max), EventFilter(nodes: [1], kinds: [.linkCut])).items
        #expect(!cuts.isEmpty && cuts.allSatisfy { $0.event.node == nil && $0.event.fields["link"]!.contains("1") })
        #expect(try list(.time(0...UInt64.max), EventFilter(nodes: [3], kinds: [.linkCut])).items.isEmpty)
    }

    /// Listed times read back as `--from` values: to the microsecond.
    @Test func listedTimesAreValidFromValues() {
        #expect(ReportText.preciseTime(2_940_123_456) == "2.940123s")
        #expect(ReportText.preciseTime(1_805_591_541_999) == "30m05.591541s")
        #expect(ReportText.preciseTime(3_602_500_000_000) == "1h00m02.500000s")
        for t: UInt64 in [0, 999, 1_000, 59_999_999_999, 60_000_000_000, 61_000_001_000, 3_599_999_999_999, 36_000_123_456_789] {
            #expect(DurationText.parse(ReportText.preciseTime(t)) == t / 1_000 * 1_000, "\(t)")
        }
    }

    @Test func theLimitStopsTheListingAndSaysWhere() throws {
        let all = Self.trace.events
        let (items, summary) = try list(.time(0...UInt64.max), EventFilter(kinds: [.termChanged]), limit: 3)
        let changes = all.indices.filter { all[$0].kind.tag == .termChanged }
        #expect(items.map(\.event.ordinal) == changes.prefix(3).map(UInt64.init))
        #expect(summary.stoppedAt == all[changes[3]].time)
    }

    /// A corrupt frame skipped: the first event listed after it says events were lost before it;
    /// an event inside it cannot be listed around.
    @Test func aSkippedFrameIsMarkedAndItsEventsCannotBeFound() throws {
        let path = Scratch.path("listing-damaged.trace")
        var data = try Data(contentsOf: URL(fileURLWithPath: Self.trace.path))
        let frames = try TraceFile.open(Self.trace.path).frames
        let lost = frames[1]
        data[Int(lost.offset) + lost.compressedSize / 2] ^= 0x5A
        try data.write(to: URL(fileURLWithPath: path))

        #expect(throws: TraceFormatError.self) { try list(.time(0...UInt64.max), path: path) }
        let (items, summary) = try list(.time(0...UInt64.max), EventFilter(kinds: [.commitAdvanced]), path: path, skip: true)
        #expect(summary.skipped.count == 1)
        let resumed = lost.firstOrdinal + UInt64(lost.eventCount)
        #expect(items.filter(\.followsGap).map(\.event.ordinal) == [try #require(items.first { $0.event.ordinal >= resumed }).event.ordinal])
        #expect(!items.contains { $0.event.ordinal >= lost.firstOrdinal && $0.event.ordinal < resumed })
        let inside = try list(.around(ordinal: lost.firstOrdinal + 5, before: 2, after: 2), path: path, skip: true)
        #expect(!inside.summary.targetFound && inside.items.isEmpty)
    }
}
