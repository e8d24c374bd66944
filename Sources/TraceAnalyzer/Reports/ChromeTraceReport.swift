#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The report's timeline in the Chrome trace event format (its "JSON Object Format"), which
/// ui.perfetto.dev and chrome://tracing open: for a trace too rich for the HTML page's timeline,
/// or to look at it beside other traces in those tools.
///
/// One process for the run. One track per node with its role intervals as slices ("leader t3")
/// and its term as a counter; then tracks for the leader of each term, elections, faults,
/// windows without a leader or without commits, and disruptions (instant events whose arguments
/// give the report's explanation, advice and evidence), and the report's sampled messages as flow
/// arrows between node tracks. Everything comes from the `AnalysisReport`, so the file is as
/// bounded as the report: the exact role intervals up to `Timeline.intervalLimit(nodes:)` per node, then
/// the timeline's per-column summaries. Slices that overlap (two elections at once, a partition
/// during a crash) go on separate tracks of their group, as the format draws only nested slices.
public enum ChromeTraceReport {
    public static func render(_ report: AnalysisReport) -> Data {
        render(runs: [(nil, report)])
    }

    /// Several runs in one file, one process each (named by `label`), on a common time axis:
    /// what `traceanalyze compare --report chrome` writes.
    public static func render(runs: [(label: String?, report: AnalysisReport)]) -> Data {
        var events: [Event] = []
        for (k, run) in runs.enumerated() {
            var b = Builder(run.report, pid: k + 1, label: run.label)
            b.nodes()
            b.leaders()
            b.elections()
            b.faults()
            b.windows()
            b.unread()
            b.disruptions()
            b.violations()
            b.advice()
            b.messages()
            events += b.metadata + b.events
        }
        var other = ["generator": "traceanalyze \(TraceAnalyzerVersion.current)"]
        if runs.count == 1, let r = runs.first?.report {
            other["trace"] = r.trace.path
            other["scenario"] = r.trace.scenario
            other["seed"] = "\(r.trace.seed)"
        } else {
            other["traces"] = runs.map(\.report.trace.path).joined(separator: ", ")
        }
        let file = File(traceEvents: events, displayTimeUnit: "ms", otherData: other)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Only finite numbers and strings: encoding cannot fail.
        return try! encoder.encode(file)
    }

    /// Track numbers (`tid`s) of the groups after the node tracks (whose `tid` is the node id),
    /// far enough apart that a group's extra tracks (at most one per item the report lists)
    /// never reach the next group.
    enum Track {
        static let leaders = 100_000
        static let elections = 200_000
        static let faults = 300_000
        static let windows = 400_000
        static let disruptions = 500_000
        static let labels = 600_000
        static let safety = 700_000
        static let unread = 800_000
        static let advice = 900_000
    }

    /// Assigns each interval a lane (0, 1, ...) so that no two on a lane overlap; intervals that
    /// only touch share one. Greedy in order of start: as few lanes as the most intervals that
    /// overlap at one moment.
    static func lanes(_ intervals: [(start: UInt64, end: UInt64)]) -> [Int] {
        var laneEnds: [UInt64] = []
        var result = Array(repeating: 0, count: intervals.count)
        for i in intervals.indices.sorted(by: { (intervals[$0].start, $0) < (intervals[$1].start, $1) }) {
            let (start, end) = intervals[i]
            if let lane = laneEnds.firstIndex(where: { $0 <= start }) {
                result[i] = lane
                laneEnds[lane] = end
            } else {
                result[i] = laneEnds.count
                laneEnds.append(end)
            }
        }
        return result
    }

    struct File: Encodable {
        var traceEvents: [Event]
        var displayTimeUnit: String
        var otherData: [String: String]
    }

    enum Arg: Encodable, Equatable {
        case text(String), number(UInt64)
        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .text(let s): try c.encode(s)
            case .number(let n): try c.encode(n)
            }
        }
    }

    struct Event: Encodable {
        var name: String
        var cat: String?
        var ph: String
        /// Microseconds (the format's unit) since the run's start.
        var ts: Double
        var dur: Double?
        var pid: Int
        var tid: Int
        var id: UInt64?
        /// "e": a flow's end binds to the slice it lands in.
        var bp: String?
        /// An instant event's scope: "t", its track.
        var s: String?
        var args: [String: Arg]?
    }

    struct Builder {
        let report: AnalysisReport
        let pid: Int
        var metadata: [Event] = []
        var events: [Event] = []

        init(_ report: AnalysisReport, pid: Int, label: String?) {
            self.report = report
            self.pid = pid
            let run = "\(report.trace.scenario) (seed \(report.trace.seed))"
            metadata.append(Event(name: "process_name", ph: "M", ts: 0, pid: pid, tid: 0,
                                  args: ["name": .text(label.map { "\($0): \(run)" } ?? run)]))
            metadata.append(Event(name: "process_sort_index", ph: "M", ts: 0, pid: pid, tid: 0,
                                  args: ["sort_index": .number(UInt64(pid))]))
        }

        static func micros(_ ns: UInt64) -> Double { Double(ns) / 1_000 }

        mutating func track(_ tid: Int, _ name: String) {
            metadata.append(Event(name: "thread_name", ph: "M", ts: 0, pid: pid, tid: tid, args: ["name": .text(name)]))
            metadata.append(Event(name: "thread_sort_index", ph: "M", ts: 0, pid: pid, tid: tid, args: ["sort_index": .number(UInt64(tid))]))
        }

        mutating func slice(_ name: String, _ cat: String, _ start: UInt64, _ end: UInt64, tid: Int, _ args: [String: Arg]) {
            events.append(Event(name: name, cat: cat, ph: "X", ts: Self.micros(start), dur: Self.micros(max(end, start) - start), pid: pid,
                                tid: tid, args: args))
        }

        /// `items` on as many tracks of group `base` as their overlaps need, named `name`, `name 2`, ...
        mutating func laned<T>(_ items: [T], base: Int, name: String, span: (T) -> (start: UInt64, end: UInt64),
                               _ emit: (inout Builder, T, Int) -> Void) {
            let lanes = ChromeTraceReport.lanes(items.map(span))
            for lane in 0..<(lanes.max().map { $0 + 1 } ?? 0) { track(base + lane, lane == 0 ? name : "\(name) \(lane + 1)") }
            for (item, lane) in zip(items, lanes) { emit(&self, item, base + lane) }
        }

        func nodeName(_ id: UInt32) -> String {
            let i = Int(id) - 1
            return report.trace.nodes.indices.contains(i) ? report.trace.nodes[i] : ReportText.node(id)
        }

        func refs(_ evidence: [EventRef]) -> Arg {
            .text(evidence.map(ReportText.event).joined(separator: "; "))
        }

        /// A point of node `node`'s term counter, when the term differs from the `last` one.
        mutating func counter(_ node: UInt32, term: UInt64, at time: UInt64, last: inout UInt64?) {
            guard term != last else { return }
            last = term
            events.append(Event(name: "term \(nodeName(node))", ph: "C", ts: Self.micros(time), pid: pid, tid: Int(node),
                                args: ["term": .number(term)]))
        }

        /// Role slices and a term counter per node: exact intervals, then, past the last exact
        /// one when the timeline was truncated, runs of columns with the same main role.
        mutating func nodes() {
            let tl = report.timeline
            for n in tl.nodes {
                let tid = Int(n.node)
                track(tid, nodeName(n.node))
                var lastTerm: UInt64?
                for i in n.intervals {
                    let name = i.role == .down ? "down" : "\(i.role.rawValue) t\(i.term)"
                    slice(name, "role", i.start, i.end, tid: tid, ["role": .text(i.role.rawValue), "term": .number(i.term)])
                    if i.role != .down { counter(n.node, term: i.term, at: i.start, last: &lastTerm) }
                }
                guard n.truncated, tl.columnWidth > 0 else { continue }
                let from = n.intervals.last?.end ?? tl.start
                // Saturating: a trace whose times end near the largest value must not overflow.
                func columnStart(_ c: Int) -> UInt64 {
                    let (offset, o1) = UInt64(c).multipliedReportingOverflow(by: tl.columnWidth)
                    let (sum, o2) = tl.start.addingReportingOverflow(offset)
                    return o1 || o2 ? UInt64.max : sum
                }
                var k = Int((from - min(from, tl.start)) / tl.columnWidth)
                while k < n.columns.count {
                    var j = k
                    var changes = 0
                    var maxTerm: UInt64 = 0
                    while j < n.columns.count, n.columns[j].role == n.columns[k].role {
                        changes += n.columns[j].changes
                        maxTerm = max(maxTerm, n.columns[j].maxTerm)
                        j += 1
                    }
                    let start = max(from, columnStart(k))
                    let end = min(tl.end, columnStart(j))
                    let role = n.columns[k].role
                    slice("mostly \(role.rawValue) (summary)", "role", start, end, tid: tid,
                          ["role": .text(role.rawValue), "roleChanges": .number(UInt64(changes)), "highestTerm": .number(maxTerm),
                           "note": .text("past \(n.intervals.count) role intervals the report keeps one summary per column of \(ReportText.time(tl.columnWidth))")])
                    counter(n.node, term: maxTerm, at: start, last: &lastTerm)
                    k = j
                }
            }
        }

        mutating func leaders() {
            let list = report.timeline.leaders
            guard !list.isEmpty else { return }
            laned(list, base: Track.leaders, name: "leader", span: { ($0.start, $0.end) }) { b, l, tid in
                b.slice("\(b.nodeName(l.leader)) leads t\(l.term)", "leader", l.start, l.end, tid: tid,
                        ["leader": .text(b.nodeName(l.leader)), "term": .number(l.term)])
            }
        }

        mutating func elections() {
            let list = report.elections.list
            guard !list.isEmpty else { return }
            laned(list, base: Track.elections, name: "elections", span: { ($0.start, $0.end) }) { b, e, tid in
                func votes(_ vs: [VoteRecord]) -> Arg {
                    if vs.isEmpty { return .text("no answers") }
                    return .text(vs.map { "\(b.nodeName($0.voter)) " + ($0.granted ? "granted" : "refused (\(ReportText.voteRefusal($0.reason ?? "")))") }
                        .joined(separator: ", "))
                }
                var args: [String: Arg] = ["candidate": .text(b.nodeName(e.node)), "trigger": .text(e.trigger),
                                           "fromTerm": .number(e.fromTerm), "term": .number(e.term),
                                           "outcome": .text(ReportText.outcome(e.outcome)), "votes": votes(e.votes)]
                if let pre = e.preVote { args["preVotes"] = votes(pre) }
                b.slice("#\(e.id) \(b.nodeName(e.node)): \(ReportText.outcome(e.outcome))", "election", e.start, e.end, tid: tid, args)
            }
        }

        mutating func faults() {
            let list = report.timeline.faults
            guard !list.isEmpty else { return }
            laned(list, base: Track.faults, name: "faults", span: { ($0.start, $0.end) }) { b, f, tid in
                let nodes = f.nodes.map(b.nodeName).joined(separator: " ")
                var args: [String: Arg] = ["kind": .text(f.kind.rawValue), "nodes": .text(nodes), "evidence": b.refs(f.evidence)]
                if !f.links.isEmpty {
                    args["cut"] = .text(f.links.map { $0.map(b.nodeName).joined(separator: "->") }.joined(separator: ", "))
                }
                // A partition's nodes are the ends of its cut links: name it by the links instead.
                let name = f.kind == .partition ? "partition (\(ReportText.count(f.links.count, "one-way link")) cut)" : "\(f.kind.rawValue) \(nodes)"
                b.slice(name, "fault", f.start, f.end, tid: tid, args)
            }
        }

        mutating func windows() {
            let a = report.availability
            let list = a.leaderless.map { ($0, "no leader") } + a.stalls.map { ($0, "leader, no commits") }
            guard !list.isEmpty else { return }
            laned(list, base: Track.windows, name: "unavailable", span: { ($0.0.start, $0.0.end) }) { b, w, tid in
                b.slice(w.1, "availability", w.0.start, w.0.end, tid: tid, ["duration": .text(ReportText.time(w.0.duration))])
            }
        }

        /// The stretches of corrupt frames skipped (`--skip-corrupt`): nothing is known of them.
        mutating func unread() {
            guard !report.trace.unread.isEmpty else { return }
            track(Track.unread, "unread")
            for w in report.trace.unread {
                slice("unread: a corrupt frame was skipped", "integrity", w.start, w.end, tid: Track.unread,
                      ["duration": .text(ReportText.time(w.duration))])
            }
        }

        /// Each disruption as an instant event carrying the report's sentence, the advice that
        /// names it, and its evidence; trace labels beside them.
        mutating func disruptions() {
            if !report.disruptions.isEmpty { track(Track.disruptions, "disruptions") }
            for d in report.disruptions {
                var args: [String: Arg] = ["what": .text(ReportText.disruption(d)), "cause": .text(d.cause.rawValue),
                                           "term": .number(d.term), "evidence": refs(d.evidence)]
                let advice = report.advice.filter { $0.disruptions.contains(d.id) }
                if !advice.isEmpty { args["advice"] = .text(advice.map(ReportText.advice).joined(separator: " ")) }
                events.append(Event(name: "disruption #\(d.id): \(ReportText.cause(d.cause))", cat: "disruption", ph: "i",
                                    ts: Self.micros(d.time), pid: pid, tid: Track.disruptions, s: "t", args: args))
            }
            let labels = report.timeline.labels
            if !labels.isEmpty { track(Track.labels, "labels") }
            for l in labels {
                events.append(Event(name: l.fields["text"] ?? l.event, cat: "label", ph: "i", ts: Self.micros(l.time),
                                    pid: pid, tid: Track.labels, s: "t", args: ["event": .text(ReportText.event(l))]))
            }
        }

        /// Each advice item about a stretch of time (a check-quorum window, a term-inflation
        /// episode, stale reads, a crash's time without a leader) as a slice over it, with the
        /// report's sentence and its evidence; advice about a disruption rides on the disruption.
        mutating func advice() {
            let list = report.advice.compactMap { a in a.window.map { (advice: a, window: $0) } }
            guard !list.isEmpty else { return }
            laned(list, base: Track.advice, name: "advice", span: { ($0.window.start, $0.window.end) }) { b, item, tid in
                let a = item.advice
                b.slice("\(ReportText.featureName(a.feature))\(a.prevents ? "" : " (would not help)")", "advice",
                        item.window.start, item.window.end, tid: tid,
                        ["advice": .text(ReportText.advice(a)), "evidence": b.refs(a.evidence)])
            }
        }

        /// Each safety violation (at most the report's 1,000) as an instant event with its detail
        /// and evidence, and the advice about the window it falls in (ReadIndex for stale reads).
        mutating func violations() {
            let list = report.safety.violations
            if !list.isEmpty { track(Track.safety, "safety violations") }
            for v in list {
                var args: [String: Arg] = ["rule": .text(v.rule.rawValue),
                                           "nodes": .text(v.nodes.map(nodeName).joined(separator: ", ")),
                                           "evidence": refs(v.evidence)]
                for (k, x) in v.detail { args[k] = .text(x) }
                let advice = report.advice.filter { a in a.disruptions.isEmpty && a.window.map { $0.start <= v.time && v.time <= $0.end } == true && a.feature == .readIndex }
                if !advice.isEmpty { args["advice"] = .text(advice.map(ReportText.advice).joined(separator: " ")) }
                events.append(Event(name: "\(v.rule.rawValue) on \(v.nodes.map(nodeName).joined(separator: ", "))", cat: "safety", ph: "i",
                                    ts: Self.micros(v.time), pid: pid, tid: Track.safety, s: "t", args: args))
            }
        }

        /// The report's sampled messages: a flow arrow from the sender's track to the receiver's
        /// for each delivered one; an instant event on the sender's track for each dropped one.
        mutating func messages() {
            for m in report.timeline.messages {
                let args: [String: Arg] = ["id": .number(m.id), "from": .text(nodeName(m.from)), "to": .text(nodeName(m.to)),
                                           "term": .number(m.term)]
                if let received = m.received {
                    // Flow ids are global in the format: the run's number goes in the top bits.
                    let id = UInt64(pid) << 48 | m.id
                    events.append(Event(name: m.type, cat: "message", ph: "s", ts: Self.micros(m.sent), pid: pid, tid: Int(m.from), id: id, args: args))
                    events.append(Event(name: m.type, cat: "message", ph: "f", ts: Self.micros(received), pid: pid, tid: Int(m.to), id: id, bp: "e", args: args))
                } else {
                    var a = args
                    a["dropped"] = .text(m.dropped ?? "in flight at the end")
                    events.append(Event(name: "\(m.type) to \(nodeName(m.to)) dropped", cat: "message", ph: "i",
                                        ts: Self.micros(m.sent), pid: pid, tid: Int(m.from), s: "t", args: a))
                }
            }
        }
    }
}
