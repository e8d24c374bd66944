import Foundation
import RaftRecorder
import TestSupport
import Testing
@testable import TraceAnalyzer
import TraceFormat

/// A report focused on a stretch (`--from`/`--to`): its timeline covers the stretch and its lists
/// hold what overlaps it, while every count, total and figure is the whole run's. Checked against
/// the unfocused report of the same trace, which lists everything in a minute of the random
/// scenario (no list reaches its limit there).
@Suite struct FocusTests {
    static let run = try! analyzeScenario("random", seed: 5, duration: 60 * nsPerSecond)

    static func overlaps(_ start: UInt64, _ end: UInt64, _ focus: ClosedRange<UInt64>) -> Bool {
        start <= focus.upperBound && end >= focus.lowerBound
    }

    static func focused(_ focus: ClosedRange<UInt64>) throws -> AnalysisReport {
        try TraceAnalysis.analyze(try TraceFile.open(run.path), options: .init(focus: focus))
    }

    /// The JSON report without the lists a focus filters: what must not change.
    static func figures(_ r: AnalysisReport) throws -> NSDictionary {
        var json = try #require(try JSONSerialization.jsonObject(with: JSONReport.render(r)) as? [String: Any])
        for key in ["timeline", "disruptions", "termInflation", "advice"] { json[key] = nil }
        func drop(_ section: String, _ keys: [String]) {
            guard var s = json[section] as? [String: Any] else { return }
            for k in keys { s[k] = nil }
            json[section] = s
        }
        drop("elections", ["list", "truncated"])
        drop("availability", ["leaderless", "stalls", "longestWindows", "windowsTruncated"])
        drop("safety", ["violations"])
        drop("snapshots", ["installs"])
        drop("trace", ["focus"])
        return json as NSDictionary
    }

    @Test(arguments: [(0, 3), (22, 26), (45, 70), (31, 31)])
    func aFocusListsWhatOverlapsItsStretchAndKeepsTheRunsFigures(seconds: (UInt64, UInt64)) throws {
        let full = Self.run.report
        let r = try Self.focused(seconds.0 * nsPerSecond...seconds.1 * nsPerSecond)
        // Cut to the trace's time range (a minute, less the time after the last event).
        let focus = seconds.0 * nsPerSecond...min(seconds.1 * nsPerSecond, full.trace.end)
        #expect(r.trace.focus == Window(start: focus.lowerBound, end: focus.upperBound))
        #expect(r.timeline.start == focus.lowerBound && r.timeline.end == max(focus.upperBound, focus.lowerBound + 1))
        #expect(try Self.figures(r) == Self.figures(full))

        #expect(!full.elections.truncated && !full.availability.windowsTruncated)
        #expect(r.elections.list == full.elections.list.filter { Self.overlaps($0.start, $0.end, focus) })
        #expect(r.availability.leaderless == full.availability.leaderless.filter { Self.overlaps($0.start, $0.end, focus) })
        #expect(r.availability.stalls == full.availability.stalls.filter { Self.overlaps($0.start, $0.end, focus) })
        #expect(r.termInflation == full.termInflation.filter { Self.overlaps($0.start, $0.end, focus) })
        let disruptions = full.disruptions.filter {
            Self.overlaps($0.time, max($0.time, ($0.leaderlessFrom ?? $0.time) + ($0.leaderlessFor ?? 0)), focus)
        }
        #expect(r.disruptions == disruptions)
        let ids = Set(disruptions.map(\.id))
        #expect(r.advice == full.advice.filter { a in
            a.disruptions.isEmpty ? a.window.map { Self.overlaps($0.start, $0.end, focus) } ?? true : a.disruptions.allSatisfy(ids.contains)
        })
        // The stretch has something in it, or the comparisons above prove little.
        if seconds.0 != seconds.1 { #expect(!r.elections.list.isEmpty && r.elections.list.count < full.elections.list.count) }
    }

    /// The timeline covers exactly the stretch: each lane's intervals are those of the whole run cut
    /// at its edges, and the leaders and faults are those in force during it.
    @Test func theTimelineIsTheRunsCutAtTheStretch() throws {
        let full = Self.run.report.timeline
        let focus = 20 * nsPerSecond...26 * nsPerSecond
        let t = try Self.focused(focus).timeline
        #expect(t.start == focus.lowerBound && t.end == focus.upperBound)
        for (lane, whole) in zip(t.nodes, full.nodes) {
            #expect(!lane.truncated && !whole.truncated)
            let cut = whole.intervals.filter { Self.overlaps($0.start, $0.end, focus) && $0.end > focus.lowerBound }
                .map { RoleInterval(start: max($0.start, focus.lowerBound), end: min($0.end, focus.upperBound), role: $0.role, term: $0.term) }
                .filter { $0.end > $0.start }
            #expect(lane.intervals == cut, "n\(lane.node)")
            #expect(lane.intervals.first?.start == focus.lowerBound && lane.intervals.last?.end == focus.upperBound)
        }
        #expect(t.leaders == full.leaders.filter { Self.overlaps($0.start, $0.end, focus) })
        #expect(t.faults == full.faults.filter { Self.overlaps($0.start, $0.end, focus) })
        #expect(!t.leaders.isEmpty && !t.faults.isEmpty)
    }

    /// Every message sent in the stretch is drawn, with its delivery or drop, and no other.
    @Test func everyMessageSentInTheStretchIsAnArrow() throws {
        let focus = 40 * nsPerSecond...41_500 * nsPerMillisecond
        let arrows = try Self.focused(focus).timeline.messages
        var sent: [UInt64: UInt64] = [:], received: [UInt64: UInt64] = [:], dropped: Set<UInt64> = []
        try TraceFile.open(Self.run.path).forEachEvent { e in
            switch e.kind {
            case .messageSent(let m) where focus.contains(e.time): sent[m.id] = e.time
            case .messageDelivered(let id) where sent[id] != nil: received[id] = e.time
            case .messageDropped(let id, _) where sent[id] != nil: dropped.insert(id)
            default: break
            }
        }
        #expect(sent.count > 500 && sent.count <= 4_000)
        #expect(Set(arrows.map(\.id)) == Set(sent.keys))
        for a in arrows {
            #expect(a.sent == sent[a.id] && a.received == received[a.id] && (a.dropped != nil) == dropped.contains(a.id), "message \(a.id)")
        }
    }

    /// A stretch with more messages than the arrow limit keeps the first ones sent and says so;
    /// so does a whole run whose disruptions fill the sampler, pointing at --from and --to.
    @Test func arrowsLeftOutAreSaid() throws {
        let r = try Self.focused(40 * nsPerSecond...46 * nsPerSecond)
        var sent: [UInt64] = []
        try TraceFile.open(Self.run.path).forEachEvent { e in
            if case .messageSent(let m) = e.kind, (40 * nsPerSecond...46 * nsPerSecond).contains(e.time) { sent.append(m.id) }
        }
        #expect(sent.count > 4_000)
        #expect(r.timeline.messagesTruncated && r.timeline.messages.map(\.id) == Array(sent.prefix(4_000)))
        #expect(ReportText.timelineDetail(r)?.contains("message arrows to ") == true)

        let whole = Self.run.report
        #expect(whole.timeline.messagesTruncated && whole.timeline.messages.count == 4_000)
        #expect(ReportText.timelineDetail(whole)?.contains("--from and --to draw every message of a stretch") == true)
        let quiet = try Self.focused(40 * nsPerSecond...41_500 * nsPerMillisecond)
        #expect(!quiet.timeline.messagesTruncated && ReportText.timelineDetail(quiet) == nil)
    }

    /// Reports say what they cover: the text and the page name the stretch; the page's links stay in it.
    /// A stretch late in a run with more leaders and faults than a timeline keeps (4,000 of
    /// each): the whole run's timeline holds the first 4,000, the focused one every leader and
    /// fault in force during its stretch, among them a partition and a crash that began near the
    /// start of the run and end inside the stretch.
    @Test func aLateStretchOfALongRunKeepsItsLeadersAndFaults() throws {
        let ms: UInt64 = 1_000_000
        func n(_ k: UInt32) -> NodeID { NodeID(rawValue: k) }
        let stretch = 51_000 * ms...51_500 * ms
        let ends = 51_208 * ms  // the partition heals and the crashed node restarts (between other events)
        var events = [TraceEvent(time: 1_000 * ms, node: nil, .linkCut(DirectedLink(from: n(1), to: n(2)))),
                      TraceEvent(time: 1_000 * ms, node: n(5), .nodeCrashed)]
        // Faults as [start, end, node] (0 for the partition), leaders as [start, end, term].
        var expectedFaults: Set<[UInt64]> = [[1_000 * ms, ends, 0], [1_000 * ms, ends, 5]]
        var expectedLeaders: Set<[UInt64]> = []
        var ended = false
        for k in 0..<UInt64(Timeline.listLimit + 1_000) {
            let t = 2_000 * ms + k * 10 * ms
            if !ended, t > ends {
                events += [TraceEvent(time: ends, node: nil, .linkHealed(DirectedLink(from: n(1), to: n(2)))),
                           TraceEvent(time: ends, node: n(5), .nodeStarted(NodeRecovery(term: 0, vote: nil, lastIndex: 0,
                                                                                        lastTerm: 0, restart: true)))]
                ended = true
            }
            events += [TraceEvent(time: t, node: n(4), .becameLeader(term: k + 1)),
                       TraceEvent(time: t, node: n(3), .nodePaused),
                       TraceEvent(time: t + 5 * ms, node: n(4), .leaderSteppedDown(term: k + 1, reason: .higherTermSeen)),
                       TraceEvent(time: t + 5 * ms, node: n(3), .nodeResumed)]
            if Self.overlaps(t, t + 5 * ms, stretch) {
                expectedFaults.insert([t, t + 5 * ms, 3])
                expectedLeaders.insert([t, t + 5 * ms, k + 1])
            }
        }
        let metadata = Recorder.metadata(for: ScenarioCatalog.named("steady")!.configuration)
        let range = UInt64(0)...(60_000 * ms)
        let whole = TraceAnalysis.analyze(events: events, metadata: metadata, timeRange: range)
        #expect(whole.timeline.faults.count == Timeline.listLimit && whole.timeline.faultsTruncated)
        #expect(whole.timeline.leaders.count == Timeline.listLimit && whole.timeline.leadersTruncated)

        let focused = TraceAnalysis.analyze(events: events, metadata: metadata, timeRange: range, focus: stretch).timeline
        let faults = Set(focused.faults.map { f in [f.start, f.end, f.kind == .partition ? 0 : UInt64(f.nodes[0])] })
        #expect(faults == expectedFaults)
        #expect(!focused.faultsTruncated)
        let partition = try #require(focused.faults.first { $0.kind == .partition })
        #expect(partition.links == [[1, 2]] && partition.evidence.count == 2)
        #expect(focused.faults.contains { $0.kind == .crash && $0.nodes == [5] && $0.end == ends })
        #expect(Set(focused.leaders.map { [$0.start, $0.end, $0.term] }) == expectedLeaders)
        #expect(focused.leaders.allSatisfy { $0.leader == 4 } && !focused.leadersTruncated)
        #expect(expectedLeaders.count == 51)

        // A stretch from before the first fault on: as many of its own as the run's, the first 4,000.
        let early = TraceAnalysis.analyze(events: events, metadata: metadata, timeRange: range, focus: 500 * ms...range.upperBound)
        #expect(early.timeline.faults == whole.timeline.faults && early.timeline.faultsTruncated)
        #expect(early.timeline.leaders == whole.timeline.leaders && early.timeline.leadersTruncated)
    }

    @Test func reportsSayTheyAreFocused() throws {
        let r = try Self.focused(20 * nsPerSecond...22 * nsPerSecond)
        let note = "Focused on 20s to 22s of 60s"
        #expect(TextReport.render(r, color: false).contains(note))
        let html = HTMLReport.render(r)
        #expect(html.contains(note) && html.contains(">whole stretch<") && !html.contains("the report keeps disruptions"))
        for t in html.matches(of: /data-t[01]="(\d+)"/).map({ UInt64($0.1)! }) {
            #expect((20 * nsPerSecond...22 * nsPerSecond).contains(t))
        }
        #expect(!TextReport.render(Self.run.report, color: false).contains("Focused on"))
        // A stretch with no advice of its own does not claim there is nothing to advise in the run.
        let quiet = try Self.focused(15 * nsPerSecond...20 * nsPerSecond)
        #expect(quiet.advice.isEmpty && !quiet.adviceSummary.isEmpty)
        #expect(!TextReport.render(quiet, color: false).contains("nothing to advise"))
        #expect(!HTMLReport.render(quiet).contains("Nothing to advise"))
        // Past a minute a bound keeps its fraction of a second.
        #expect(ReportText.boundTime(36 * 60 * nsPerSecond + 25_500 * nsPerMillisecond) == "36m25.5s")
        #expect(ReportText.boundTime(61 * nsPerSecond + 7 * nsPerMillisecond) == "1m01.007s")
        #expect(ReportText.boundTime(2 * 60 * nsPerSecond) == "2m00s")
    }
}
