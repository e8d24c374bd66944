import TraceFormat

/// Builds per-node role intervals, the leader of each term, fault intervals and labels between
/// `start` and `end`: the whole trace, or the stretch a report focuses on (then intervals are cut
/// at its edges and what lies wholly outside it is left out). Exact intervals are kept up to a
/// limit; a fixed number of columns summarises the stretch so a report stays small for any trace
/// length.
struct TimelineBuilder {
    private struct Open {
        var role: RoleName = .down
        var term: UInt64 = 0
        var since: UInt64
    }

    /// The stretch drawn: the whole trace, or a report's focus.
    let start: UInt64
    let end: UInt64
    /// The end of the trace: leaders and faults still in force then end there.
    let runEnd: UInt64
    let columnWidth: UInt64
    private var open: [Open]
    private var intervals: [[RoleInterval]]
    private var truncated: [Bool]
    private let intervalLimit: Int
    /// Per node, per column (flat, at `cell(node, column)`): nanoseconds spent in each role (at
    /// `cell * roles + role`), role changes, highest term. Flat arrays: nested ones cost a
    /// uniqueness check per level on every update.
    private var occupancy: [UInt64]
    private var changes: [Int]
    private var maxTerm: [UInt64]
    private static let roles = RoleName.allCases.count
    /// The run's leaders and faults (the first `Timeline.listLimit` of each).
    private var run: LeadersAndFaults
    /// For a focused report, the stretch's, kept apart: a stretch late in a long run still has
    /// its own when the run's lists filled up long before it.
    private var stretch: LeadersAndFaults?
    /// A label event's text, from the trace's metadata (`RunConfiguration.labelText`).
    private let labelText: (UInt32) -> String?
    private var labels: [EventRef] = []

    /// Over `start...end`, or over `focus` (within it) when a report focuses on a stretch.
    init(nodes: Int, start: UInt64, end: UInt64, focus: ClosedRange<UInt64>? = nil,
         labelText: @escaping (UInt32) -> String? = { _ in nil }) {
        self.labelText = labelText
        // At least a nanosecond long (saturating: a trace or stretch may sit at the end of the clock).
        runEnd = max(end, start.addingSaturating(1))
        let start = focus?.lowerBound ?? start, end = focus?.upperBound ?? end
        self.start = start
        self.end = max(end, start.addingSaturating(1))
        columnWidth = (self.end - start) / UInt64(Timeline.columnCount) + 1
        open = Array(repeating: Open(since: start), count: nodes)
        intervals = Array(repeating: [], count: nodes)
        intervalLimit = Timeline.intervalLimit(nodes: nodes)
        truncated = Array(repeating: false, count: nodes)
        occupancy = Array(repeating: 0, count: nodes * Timeline.columnCount * Self.roles)
        changes = Array(repeating: 0, count: nodes * Timeline.columnCount)
        maxTerm = Array(repeating: 0, count: nodes * Timeline.columnCount)
        run = LeadersAndFaults(runEnd: runEnd)
        if focus != nil { stretch = LeadersAndFaults(runEnd: runEnd, within: self.start...self.end) }
    }

    private func cell(_ node: Int, _ column: Int) -> Int { node * Timeline.columnCount + column }

    /// Saturating, so a trace ending near the largest time cannot overflow.
    private func columnStart(_ c: Int) -> UInt64 {
        let (offset, o1) = UInt64(c).multipliedReportingOverflow(by: columnWidth)
        let (sum, o2) = start.addingReportingOverflow(offset)
        return o1 || o2 ? UInt64.max : sum
    }

    private func column(_ t: UInt64) -> Int { min(Timeline.columnCount - 1, Int((t - min(t, start)) / columnWidth)) }

    private mutating func close(_ i: Int, at closing: UInt64) {
        let o = open[i]
        // Cut at the stretch's edges (a no-op over the whole trace).
        guard closing >= start, o.since <= end else { return }
        let since = max(o.since, start), t = min(closing, end)
        guard t > since || intervals[i].isEmpty else { return }
        if intervals[i].count < intervalLimit {
            intervals[i].append(RoleInterval(start: since, end: t, role: o.role, term: o.term))
        } else {
            truncated[i] = true
        }
        let roleIndex = RoleName.allCases.firstIndex(of: o.role)!
        var c = column(since)
        let last = column(max(t, since))
        while c <= last {
            let lo = max(since, columnStart(c))
            let hi = min(t, columnStart(c + 1))
            let k = cell(i, c)
            if hi > lo { occupancy[k * Self.roles + roleIndex] += hi - lo }
            maxTerm[k] = max(maxTerm[k], o.term)
            c += 1
        }
    }

    /// Call after the cluster view has applied `e`, with the node's new state.
    mutating func nodeChanged(_ i: Int, role: RoleName, term: UInt64, at t: UInt64) {
        guard role != open[i].role || term != open[i].term else { return }
        close(i, at: t)
        if t >= start, t <= end { changes[cell(i, column(t))] += 1 }
        open[i] = Open(role: role, term: term, since: t)
    }

    /// Takes the events that are not frequent (the analysis sends it only those): leaders and
    /// faults go to `LeadersAndFaults`, which picks its own; labels are kept here.
    mutating func observe(_ e: TraceEvent, ordinal: UInt64, view: ClusterView) {
        if case .label(let fault) = e.kind {
            if labels.count < 1_000, e.time >= start, e.time <= end {
                var r = EventRef(e, ordinal: ordinal)
                r.fields["text"] = labelText(fault) ?? ""
                labels.append(r)
            }
            return
        }
        run.observe(e, ordinal: ordinal, view: view)
        stretch?.observe(e, ordinal: ordinal, view: view)
    }

    /// The run's leaders and faults, not only the stretch's (the stale-read advice looks at the whole run).
    var runLeaders: [TermLeader] { run.leaders }
    var runFaults: [FaultInterval] { run.faults }

    mutating func finish(ids: [NodeID], messages: [MessageArrow], messagesTruncated: Bool = false) -> Timeline {
        var nodes: [NodeTimeline] = []
        for i in open.indices {
            close(i, at: end)
            let columns = (0..<Timeline.columnCount).map { c -> RoleColumn in
                let k = cell(i, c)
                let occ = occupancy[(k * Self.roles)..<((k + 1) * Self.roles)]
                let best = occ.indices.max { occ[$0] < occ[$1] }!
                return RoleColumn(role: occ[best] == 0 ? .down : RoleName.allCases[best - occ.startIndex], changes: changes[k],
                                  maxTerm: maxTerm[k])
            }
            nodes.append(NodeTimeline(node: ids[i].rawValue, intervals: intervals[i], truncated: truncated[i], columns: columns))
        }
        // Those in force during the stretch (all of them over the whole trace).
        let kept = stretch ?? run
        return Timeline(start: start, end: end, columnWidth: columnWidth, nodes: nodes,
                        leaders: kept.leaders.filter { (start...end).overlaps(from: $0.start, to: $0.end) },
                        leadersTruncated: kept.leadersTruncated,
                        faults: kept.faults.filter { (start...end).overlaps(from: $0.start, to: $0.end) },
                        faultsTruncated: kept.faultsTruncated,
                        labels: labels, messages: messages, messagesTruncated: messagesTruncated)
    }
}

/// The leader of each term and the fault intervals, as the events open and close them: at most
/// `Timeline.listLimit` of each, in the order they began; those still open end at the end of the
/// run.
///
/// With `within` (a focused report's stretch) only what overlaps the stretch is wanted: nothing
/// that begins after it is kept, and a full list first drops what ended before the stretch, so
/// `leadersTruncated` and `faultsTruncated` say whether any of the stretch's own were left out.
struct LeadersAndFaults {
    private(set) var leaders: [TermLeader] = []
    private(set) var leadersTruncated = false
    private(set) var faults: [FaultInterval] = []
    private(set) var faultsTruncated = false
    private let runEnd: UInt64
    private let within: ClosedRange<UInt64>?
    private var openLeader: [UInt32: Int] = [:]
    /// Open partition faults and, for each, its links not yet healed.
    private var openPartitions: [(fault: Int, cut: Set<[UInt32]>)] = []
    /// The partition fault that the last `linkCut` opened, and when: links cut at the same time
    /// belong to one partition.
    private var lastCut: (fault: Int, time: UInt64)?
    /// Open faults of a node or a link, by key ("crash-3", "pause-3", "removed-5", "degraded-5-1").
    private var openFaults: [String: Int] = [:]
    /// Leaders and faults kept that ended before the stretch since they were last dropped: a full
    /// list is sifted only when this says there is something to drop (once the run is past the
    /// stretch's start nothing more ends before it, and a stretch holding the whole list's worth
    /// must not sift it for every new fault).
    private var endedBeforeStretch = 0

    init(runEnd: UInt64, within: ClosedRange<UInt64>? = nil) {
        self.runEnd = runEnd
        self.within = within
    }

    /// Whether a leader (or a fault) beginning at `t` is wanted and has room.
    private mutating func keeps(leader: Bool, at t: UInt64) -> Bool {
        if let within, t > within.upperBound { return false }
        func full() -> Bool { (leader ? leaders.count : faults.count) >= Timeline.listLimit }
        if endedBeforeStretch > 0, full() { dropEndedBeforeStretch() }
        guard !full() else {
            if leader { leadersTruncated = true } else { faultsTruncated = true }
            return false
        }
        return true
    }

    /// Drops the leaders and faults that ended before the stretch, renumbering the open ones (which
    /// end at the end of the run, so none of them is dropped).
    private mutating func dropEndedBeforeStretch() {
        guard let from = within?.lowerBound else { return }
        func sift<T>(_ list: [T], end: (T) -> UInt64) -> (kept: [T], index: [Int?]) {
            var kept: [T] = []
            var index: [Int?] = []
            for x in list {
                if end(x) < from { index.append(nil) } else { index.append(kept.count); kept.append(x) }
            }
            return (kept, index)
        }
        let l = sift(leaders) { $0.end }
        leaders = l.kept
        openLeader = openLeader.compactMapValues { l.index[$0] }
        let f = sift(faults) { $0.end }
        faults = f.kept
        openPartitions = openPartitions.compactMap { p in f.index[p.fault].map { (fault: $0, cut: p.cut) } }
        openFaults = openFaults.compactMapValues { f.index[$0] }
        lastCut = lastCut.flatMap { c in f.index[c.fault].map { (fault: $0, time: c.time) } }
        endedBeforeStretch = 0
    }

    /// Counts an interval ending at `t` if that is before the stretch.
    private mutating func ended(at t: UInt64) {
        if let within, t < within.lowerBound { endedBeforeStretch += 1 }
    }

    /// Ends fault `k` at `t`, the time of the event `ref` (its evidence).
    private mutating func endFault(_ k: Int, at t: UInt64, _ ref: EventRef) {
        faults[k].end = t
        faults[k].evidence.append(ref)
        ended(at: t)
    }

    /// Keeps `f` if it is wanted and there is room; returns where it went.
    @discardableResult
    private mutating func addFault(_ f: FaultInterval) -> Int? {
        guard keeps(leader: false, at: f.start) else { return nil }
        faults.append(f)
        return faults.count - 1
    }

    private mutating func endLeadership(of node: NodeID?, at t: UInt64) {
        if let n = node, let k = openLeader.removeValue(forKey: n.rawValue) {
            leaders[k].end = t
            ended(at: t)
        }
    }

    mutating func observe(_ e: TraceEvent, ordinal: UInt64, view: ClusterView) {
        func ref() -> EventRef { EventRef(e, ordinal: ordinal) }
        switch e.kind {
        case .becameLeader(let term):
            if let n = e.node, keeps(leader: true, at: e.time) {
                openLeader[n.rawValue] = leaders.count
                leaders.append(TermLeader(term: term, leader: n.rawValue, start: e.time, end: runEnd))
            }
        case .leaderSteppedDown:
            endLeadership(of: e.node, at: e.time)
        case .linkCut(let l):
            let pair = [l.from.rawValue, l.to.rawValue]
            if let last = lastCut, last.time == e.time, let k = openPartitions.firstIndex(where: { $0.fault == last.fault }) {
                faults[last.fault].links.append(pair)
                faults[last.fault].nodes = Set(faults[last.fault].nodes + pair).sorted()
                openPartitions[k].cut.insert(pair)
            } else {
                if let k = addFault(FaultInterval(kind: .partition, start: e.time, end: runEnd, nodes: Set(pair).sorted(),
                                                  links: [pair], evidence: [ref()])) {
                    openPartitions.append((k, [pair]))
                    lastCut = (k, e.time)
                }
            }
        case .linkHealed(let l):
            let pair = [l.from.rawValue, l.to.rawValue]
            var k = 0
            while k < openPartitions.count {
                if openPartitions[k].cut.remove(pair) != nil, openPartitions[k].cut.isEmpty {
                    endFault(openPartitions[k].fault, at: e.time, ref())
                    openPartitions.remove(at: k)
                } else {
                    k += 1
                }
            }
        case .nodeCrashed, .nodePaused:
            if e.kind.tag == .nodeCrashed { endLeadership(of: e.node, at: e.time) }
            if let n = e.node {
                let kind: FaultInterval.Kind = e.kind.tag == .nodeCrashed ? .crash : .pause
                if let k = addFault(FaultInterval(kind: kind, start: e.time, end: runEnd, nodes: [n.rawValue], links: [],
                                                  evidence: [ref()])) {
                    openFaults["\(kind)-\(n.rawValue)"] = k
                }
            }
        case .nodeStarted, .nodeResumed:
            if let n = e.node {
                let key = e.kind.tag == .nodeStarted ? "crash-\(n.rawValue)" : "pause-\(n.rawValue)"
                if let k = openFaults.removeValue(forKey: key) { endFault(k, at: e.time, ref()) }
            }
        case .clockDriftSet(let target, _):
            addFault(FaultInterval(kind: .drift, start: e.time, end: runEnd, nodes: [target.rawValue], links: [], evidence: [ref()]))
        case .linkDegraded(let link, let loss, let extra):
            // A new degradation replaces the one in force; none (no loss, no extra latency) ends it.
            let key = "degraded-\(link.from.rawValue)-\(link.to.rawValue)"
            if let k = openFaults.removeValue(forKey: key) { endFault(k, at: e.time, ref()) }
            if loss > 0 || extra > 0,
               let k = addFault(FaultInterval(kind: .degraded, start: e.time, end: runEnd, nodes: [link.from.rawValue, link.to.rawValue],
                                              links: [[link.from.rawValue, link.to.rawValue]], evidence: [ref()])) {
                openFaults[key] = k
            }
        case .membershipChangeApplied(let change, let target, let index) where view.appliesFirst(changeAt: index):
            // The first node to apply a change applies a committed one (the view, updated after
            // this, has not counted it yet): a removal opens an interval on the removed node's lane
            // until it is added back, as a voter or as a learner (which opens one of its own, until
            // it is promoted or removed).
            let t = target.rawValue
            let voter = view.removed[t] == nil, learner = view.learners[t] != nil
            func open(_ kind: FaultInterval.Kind) {
                if let k = addFault(FaultInterval(kind: kind, start: e.time, end: runEnd, nodes: [t], links: [], evidence: [ref()])) {
                    openFaults["\(kind.rawValue)-\(t)"] = k
                }
            }
            func close(_ kind: FaultInterval.Kind) {
                if let k = openFaults.removeValue(forKey: "\(kind.rawValue)-\(t)") { endFault(k, at: e.time, ref()) }
            }
            switch change {
            case .remove where voter || learner:
                close(.learner)
                open(.removed)
            case .addLearner where !voter && !learner:
                close(.removed)
                open(.learner)
            case .addVoter where !voter:
                close(.removed)
                close(.learner)
            default:
                break
            }
        default:
            break
        }
    }
}
