import DequeModule
import Histogram
import TraceFormat

/// Leaderless windows, stalls (a leader but no commits while clients wait), client outcomes and
/// latencies, commit latency and throughput.
struct AvailabilityTracker {
    static let windowLimit = 5_000
    /// The windows listed are those that overlap `focus` (all counts and totals are of the run).
    var focus: ClosedRange<UInt64> = 0...UInt64.max
    private let stallThreshold: UInt64
    private(set) var leaderless: [Window] = []
    private(set) var stalls: [Window] = []
    private(set) var truncated = false
    private var leaderlessCount = 0
    private(set) var leaderlessTotal: UInt64 = 0
    private var stallCount = 0
    private var longest: [LongWindow] = []
    static let longestKept = 50
    private(set) var leaderlessLongest: UInt64 = 0
    private var stallTotal: UInt64 = 0
    private var stallLongest: UInt64 = 0
    /// Start of the current leaderless window, if there is no acknowledged leader now.
    private(set) var leaderlessSince: UInt64?
    private var ackedLeader: NodeID?
    /// A running node in the leader role while no leader is acknowledged (a leader the others
    /// stopped following, for example one cut off from the majority), seen during this window.
    private var strandedLeader: NodeID?
    private var lastCommit: UInt64
    private var waitingSince: UInt64?
    private var writes: ClientTally
    private var reads: ClientTally

    /// Outcomes and latencies of one kind of client request.
    private struct ClientTally {
        /// Requests not yet answered: when each was first seen.
        var outstanding = DirectMappedTable<UInt64>()
        var requests: UInt64 = 0
        var succeeded: UInt64 = 0
        var timedOut: UInt64 = 0
        var redirects: UInt64 = 0
        var latency: LatencyHistogram

        /// Request `id` was issued (again, if it is a retry); returns whether it is new.
        @inline(__always) mutating func issued(_ id: UInt64, at t: UInt64) -> Bool {
            guard outstanding[id] == nil else { return false }
            outstanding[id] = t
            requests += 1
            return true
        }

        /// An answer to request `id`; returns whether it ended the request (a redirect does not).
        @inline(__always) mutating func answered(_ id: UInt64, _ outcome: ClientOutcome, latency: UInt64) -> Bool {
            switch outcome {
            case .notLeader:
                redirects += 1
                return false
            case .ok:
                succeeded += 1
                self.latency.record(latency)
            case .timeout, .dropped:
                timedOut += 1
            }
            outstanding[id] = nil
            return true
        }

        var stats: ClientStats {
            let finished = succeeded + timedOut
            return ClientStats(requests: requests, succeeded: succeeded, timedOut: timedOut,
                               unanswered: UInt64(outstanding.count), redirects: redirects,
                               successRate: finished == 0 ? 1 : Double(succeeded) / Double(finished),
                               latency: latency.percentiles)
        }
    }
    private var commitLatency: LatencyHistogram
    /// The current proposer's uncommitted proposals, by increasing index: (index, time).
    private var proposed = Deque<(index: UInt64, time: UInt64)>()
    private var proposer: NodeID?
    /// Windows closed since the caller last took them (`takeAssessments`), with what their
    /// leader could reach, for the check-quorum advice.
    private(set) var stallAssessments: [StallAssessment] = []
    /// A server added as a voter while it was down or far behind, which cost the leader its
    /// majority: the next window to close that it began before is put down to it.
    private var lateVoter: AddedVoter?
    /// What the leader could reach, after each topology change (newest last, a few kept).
    private var reach: [Reach] = []
    private struct Reach {
        var time: UInt64
        var leader: NodeID
        /// The nodes the leader reached (itself included), and the majority of the voters then.
        var reach: Int
        var quorum: Int
        /// The running voters that reached a majority, any of which could lead.
        var couldLead: [UInt32]
        var ref: EventRef?
        /// A node besides the leader that could have led, if any.
        var alternative: UInt32? { couldLead.first { $0 != leader.rawValue } }
    }
    private(set) var committedEntries: UInt64 = 0
    private(set) var messages: UInt64 = 0
    /// Since the acknowledged leader last committed (or was acknowledged): whether a client
    /// request reached it, and the requests a deposed leader received before one did.
    private var leaderReached = false
    /// Whether `deposed` is set: a plain flag, so the reset after every commit costs no more
    /// than a test.
    private var deposedSeen = false
    private var deposed: DeposedRequests?
    /// The deposed leaders there are now (most of the time none), kept up to date on the rare
    /// events that change roles, terms, links or running nodes, so that a client request only
    /// looks its node up here.
    private var deposedLeaders: [(node: NodeID, reach: Int, cuts: [EventRef], leaderTerm: UInt64)] = []

    /// Client requests sent to a deposed leader: a running node still in the leader role of an
    /// older term than the acknowledged leader's, reaching fewer than a majority (itself included).
    private struct DeposedRequests {
        var node: NodeID
        var reach: Int
        /// The events that cut it off from the voters it did not reach, as at its first request.
        var cuts: [EventRef]
        var leader: NodeID
        var leaderTerm: UInt64
        var first: EventRef
        var last: EventRef
    }

    /// `longest`: the longest a latency can be, the run's length (see `LatencyHistogram`).
    init(start: UInt64, stallThreshold: UInt64, longest: UInt64) {
        self.stallThreshold = stallThreshold
        writes = ClientTally(latency: LatencyHistogram(longest: longest))
        reads = ClientTally(latency: LatencyHistogram(longest: longest))
        commitLatency = LatencyHistogram(longest: longest)
        leaderlessSince = start
        lastCommit = start
    }

    private mutating func addWindow(_ w: Window, stall: Bool) {
        defer { if let v = lateVoter, w.end > v.at { lateVoter = nil } }
        if w.duration > 0, longest.count < Self.longestKept || w.duration > longest[longest.count - 1].window.duration {
            let at = longest.firstIndex { $0.window.duration < w.duration } ?? longest.count
            longest.insert(LongWindow(kind: stall ? .stall : .leaderless, window: w), at: at)
            if longest.count > Self.longestKept { longest.removeLast() }
        }
        if stall {
            stallCount += 1
            stallTotal += w.duration
            stallLongest = max(stallLongest, w.duration)
            if focus.overlaps(from: w.start, to: w.end) {
                if stalls.count < Self.windowLimit { stalls.append(w) } else { truncated = true }
            }
            // The first `windowLimit` stalls of the run are assessed for advice, focused or not.
            if stallCount <= Self.windowLimit {
                if let d = deposed {
                    // The clients went to a deposed leader before any reached the acknowledged one.
                    stallAssessments.append(StallAssessment(window: w, kind: "deposedLeader", leader: d.node.rawValue,
                                                            leaderReach: d.reach, alternative: d.leader.rawValue,
                                                            alternativeTerm: d.leaderTerm,
                                                            evidence: d.cuts + (d.first == d.last ? [d.first] : [d.first, d.last])))
                } else if let leader = ackedLeader {
                    assess(w, leader: leader, kind: "stall")
                } else {
                    assessLateVoter(w, kind: "stall")
                }
            }
        } else {
            leaderlessCount += 1
            leaderlessTotal += w.duration
            leaderlessLongest = max(leaderlessLongest, w.duration)
            if let leader = strandedLeader { assess(w, leader: leader, kind: "leaderless") } else { assessLateVoter(w, kind: "leaderless") }
            strandedLeader = nil
            if focus.overlaps(from: w.start, to: w.end) {
                if leaderless.count < Self.windowLimit { leaderless.append(w) } else { truncated = true }
            }
        }
    }

    mutating func takeAssessments() -> [StallAssessment] {
        defer { stallAssessments.removeAll(keepingCapacity: true) }
        return stallAssessments
    }

    /// Records what `leader` could reach during `w`, for the check-quorum advice: what it reached
    /// when the window began, or, if it lost its majority partway through (a stall measured from
    /// the last commit begins before the cut that causes it), from then on.
    private mutating func assess(_ w: Window, leader: NodeID, kind: String) {
        let mine = reach.filter { $0.leader == leader }
        guard var r = mine.last(where: { $0.time <= w.start }) ?? mine.first else { return }
        var lostAt: UInt64?
        if r.reach >= r.quorum, let lost = mine.first(where: { $0.time > w.start && $0.time < w.end && $0.reach < $0.quorum }) {
            r = lost
            lostAt = lost.time
        }
        let added = lateVoter(began: w).flatMap { $0.leader == leader.rawValue ? $0 : nil }
        // The alternative counts while there is one: a later change in the window that left no
        // node besides the leader reaching a majority ends what check-quorum could have saved
        // (whoever held the leader role then: the changes are judged as the view had them).
        let from = lostAt ?? w.start
        let gone = r.alternative == nil ? nil
            : reach.first { $0.time > from && $0.time < w.end && !$0.couldLead.contains { $0 != leader.rawValue } }
        stallAssessments.append(StallAssessment(window: w, kind: kind, leader: leader.rawValue, leaderReach: r.reach,
                                                quorum: r.quorum, lostMajorityAt: lostAt, alternative: r.alternative,
                                                alternativeUntil: gone?.time, evidence: (r.ref.map { [$0] } ?? []) + (gone?.ref.map { [$0] } ?? []),
                                                addedVoter: added))
    }

    /// The late voter whose addition `w` began with (at or after its start, before its end).
    private func lateVoter(began w: Window) -> AddedVoter? {
        lateVoter.flatMap { w.start <= $0.at && w.end > $0.at ? $0 : nil }
    }

    /// A window with no leader to assess for check-quorum, put down to a late voter if it began
    /// with that voter's addition.
    private mutating func assessLateVoter(_ w: Window, kind: String) {
        guard let v = lateVoter(began: w) else { return }
        stallAssessments.append(StallAssessment(window: w, kind: kind, leader: v.leader, leaderReach: v.reachWithout,
                                                alternative: nil, evidence: [], addedVoter: v))
    }

    /// `target` was just added as a voter (`ref`, the first node to apply it, as the view has):
    /// notes it if it was down or had not caught up with the leader (`RaftRules.hasCaughtUp`,
    /// what etcd requires to promote a learner) and the leader had a majority of the voters
    /// without it, not with it.
    mutating func voterAdded(_ target: NodeID, _ view: ClusterView, ref: EventRef) {
        guard let leader = view.acknowledgedLeader ?? ackedLeader ?? Self.leaderRole(view), leader != target else { return }
        let t = view[target], l = view[leader]
        guard !t.up || !RaftRules.hasCaughtUp(lastIndex: t.lastIndex, leaderLastIndex: l.lastIndex) else { return }
        let reached = view.reach(of: leader).count - (view.reachable(leader, target) ? 1 : 0)
        let quorumWithout = RaftRules.quorum(voters: view.ids.filter { view.removed[$0.rawValue] == nil }.count - 1)
        // (Until it catches up it answers no append with a match the commit needs, reached or not.)
        guard reached >= quorumWithout, reached < view.quorum else { return }
        lateVoter = AddedVoter(node: target.rawValue, at: ref.time, leader: leader.rawValue, down: !t.up, lastIndex: t.lastIndex,
                               leaderLastIndex: l.lastIndex, reachWithout: reached, quorumWithout: quorumWithout,
                               quorum: view.quorum, evidence: [t.crashedBy, ref].compactMap { $0 })
    }

    /// The acknowledged leader committed, or another was acknowledged: requests count afresh.
    private mutating func committed(at t: UInt64) {
        lastCommit = t
        leaderReached = false
        if deposedSeen {
            deposed = nil
            deposedSeen = false
        }
    }

    /// Finds the deposed leaders: running nodes in the leader role of an older term than the
    /// acknowledged leader's, reaching fewer than a majority (itself included).
    private mutating func refreshDeposedLeaders(_ view: ClusterView) {
        if !deposedLeaders.isEmpty { deposedLeaders.removeAll() }
        guard let leader = ackedLeader else { return }
        let leaderTerm = view[leader].term
        for (i, n) in view.nodes.enumerated() where n.up && n.role == .leader && n.term < leaderTerm {
            let reach = view.reach(of: view.ids[i])
            if reach.count < view.quorum { deposedLeaders.append((view.ids[i], reach.count, reach.cuts, leaderTerm)) }
        }
    }

    /// A client request reached `node` (the `clientRequest` `e`, at `ordinal`): notes whether it
    /// went to the acknowledged leader or to a deposed one, for the check-quorum advice about stalls.
    @inline(__always) private mutating func requestArrived(at node: NodeID, _ e: TraceEvent, ordinal: UInt64) {
        guard let leader = ackedLeader else { return }
        if node == leader {
            leaderReached = true
        } else if deposedSeen || (!leaderReached && !deposedLeaders.isEmpty) {
            requestMissedLeader(at: node, EventRef(e, ordinal: ordinal), leader: leader)
        }
    }

    /// A request went to another node than the acknowledged leader before any reached it, while
    /// there was a deposed leader.
    @inline(never) private mutating func requestMissedLeader(at node: NodeID, _ ref: EventRef, leader: NodeID) {
        if let d = deposed {
            if d.node == node { deposed!.last = ref }
            return
        }
        guard !leaderReached, let d = deposedLeaders.first(where: { $0.node == node }) else { return }
        deposed = DeposedRequests(node: node, reach: d.reach, cuts: d.cuts, leader: leader, leaderTerm: d.leaderTerm,
                                  first: ref, last: ref)
        deposedSeen = true
    }

    /// Ends a stall that has lasted long enough to count.
    private mutating func closeStall(at t: UInt64) {
        let from = max(lastCommit, waitingSince ?? t)
        if ackedLeader != nil, waitingSince != nil, t > from, t - from >= stallThreshold {
            addWindow(Window(start: from, end: t), stall: true)
        }
    }

    /// Call after the view applied a change of links, of running nodes or of leadership.
    mutating func topologyChanged(_ view: ClusterView, at t: UInt64, ref: EventRef?) {
        defer { refreshDeposedLeaders(view) }
        guard let leader = view.acknowledgedLeader ?? ackedLeader ?? Self.leaderRole(view) else { return }
        let count = { (x: NodeID) in view.reach(of: x).count }
        // The running voters that reach a majority, any of which could lead. (A stalled node can
        // take over nothing until it resumes.)
        let couldLead = view.ids.filter {
            view[$0].up && view[$0].pausedBy == nil && view.removed[$0.rawValue] == nil && count($0) >= view.quorum
        }.map(\.rawValue)
        // Links cut or healed at the same time are one change: keep the state after the last.
        if let last = reach.last, last.time == t { reach.removeLast() }
        reach.append(Reach(time: t, leader: leader, reach: count(leader), quorum: view.quorum, couldLead: couldLead, ref: ref))
        if reach.count > 16 { reach.removeFirst() }
    }

    /// Call after the cluster view has applied an event that may change leadership.
    static func leaderRole(_ view: ClusterView) -> NodeID? {
        view.ids.filter { view[$0].up && view[$0].role == .leader }.max { view[$0].term < view[$1].term }
    }

    mutating func leadershipMayHaveChanged(_ view: ClusterView, at t: UInt64) {
        defer { refreshDeposedLeaders(view) }
        let now = view.acknowledgedLeader
        if now == nil, leaderlessSince != nil, let stranded = Self.leaderRole(view) { strandedLeader = stranded }
        guard now != ackedLeader else { return }
        closeStall(at: t)
        if now == nil {
            leaderlessSince = t
        } else if let since = leaderlessSince {
            addWindow(Window(start: since, end: t), stall: false)
            leaderlessSince = nil
        }
        ackedLeader = now
        committed(at: t)
        proposed.removeAll()
    }

    /// Events are missing between `lastSeen` and `nextSeen` (a skipped frame). Windows end where
    /// the gap begins and, if nothing acknowledged a leader before it, start again after it: no
    /// unavailability is claimed for time whose events went unread. Clients waiting before the gap
    /// may have been answered in it, and proposals committed, so they are forgotten.
    mutating func eventsLost(lastSeen: UInt64, nextSeen: UInt64) {
        closeStall(at: lastSeen)
        if let since = leaderlessSince {
            if lastSeen > since { addWindow(Window(start: since, end: lastSeen), stall: false) }
            leaderlessSince = nextSeen
        }
        waitingSince = nil
        writes.outstanding = DirectMappedTable()
        reads.outstanding = DirectMappedTable()
        proposed.removeAll()
        committed(at: nextSeen)
    }

    @inline(__always) mutating func countMessage() { messages += 1 }

    private var noneWaiting: Bool { writes.outstanding.isEmpty && reads.outstanding.isEmpty }

    /// Client requests and responses, proposals and commits (messages are counted by `countMessage`).
    /// `ordinal` is the event's position.
    mutating func observe(_ e: TraceEvent, ordinal: UInt64) {
        switch e.kind {
        case .clientRequest(let id, let kind):
            let new = kind == .read ? reads.issued(id, at: e.time) : writes.issued(id, at: e.time)
            if new, waitingSince == nil { waitingSince = e.time }
            if let node = e.node { requestArrived(at: node, e, ordinal: ordinal) }
        case .clientResponse(let id, let outcome, let latency):
            let isRead = reads.requests > 0 && reads.outstanding[id] != nil
            let ended = isRead ? reads.answered(id, outcome, latency: latency) : writes.answered(id, outcome, latency: latency)
            guard ended else { return }
            if noneWaiting {
                closeStall(at: e.time)
                waitingSince = nil
            }
        case .entryProposed(_, let index, _):
            if e.node != proposer { proposed.removeAll(); proposer = e.node }
            // A proposal at an index already proposed replaces it and everything after it.
            while let last = proposed.last, last.index >= index { proposed.removeLast() }
            proposed.append((index, e.time))
        case .commitAdvanced(let from, let to):
            guard e.node == ackedLeader, e.node != nil, to > from else { return }
            closeStall(at: e.time)
            committed(at: e.time)
            committedEntries.addSaturating(to - from)
            if e.node == proposer {
                // Visits only what is pending: the range comes from the trace and may be huge.
                while let first = proposed.first, first.index <= to {
                    if first.index > from { commitLatency.record(e.time - first.time) }
                    proposed.removeFirst()
                }
            }
            waitingSince = noneWaiting ? nil : e.time
        default:
            break
        }
    }

    mutating func finish(at end: UInt64, duration: UInt64) -> Availability {
        closeStall(at: end)
        if let since = leaderlessSince, end > since { addWindow(Window(start: since, end: end), stall: false) }
        return Availability(
            leaderless: leaderless, leaderlessCount: leaderlessCount, leaderlessTotal: leaderlessTotal,
            leaderlessLongest: leaderlessLongest, stalls: stalls, stallCount: stallCount, stallTotal: stallTotal,
            stallLongest: stallLongest, windowsTruncated: truncated, longestWindows: longest,
            client: writes.stats, reads: reads.requests == 0 ? nil : reads.stats,
            commitLatency: commitLatency.percentiles, committedEntries: committedEntries,
            throughputPerSecond: Double(committedEntries) / max(Double(duration) / 1e9, 1e-9),
            messagesPerCommit: committedEntries == 0 ? 0 : Double(messages) / Double(committedEntries))
    }
}

/// Latencies in an HdrHistogram with three significant digits, kept in microseconds (reported in
/// nanoseconds; the maximum exactly). The three percentiles come from one walk over the buckets
/// from the smallest value recorded (the histogram's own look-up walks all buckets from zero for
/// each percentile, through unspecialised generic code: ten times the instructions of this walk).
struct LatencyHistogram {
    /// An empty stand-in until the first value: the real one's counters (23,552 of them up to an
    /// hour, 184 KiB to fault in and zero, 0.1 ms) are set up only for a kind of value the trace
    /// has (many traces have no reads). A flag, not an optional: recording through an optional
    /// histogram went through its value witnesses and cost the analysis of a 10 min trace 5% more
    /// instructions.
    private var histogram = Histogram<UInt64>(highestTrackableValue: 2, numberOfSignificantValueDigits: .zero)
    private var started = false
    private let highest: UInt64
    private let digits: SignificantDigits
    private var max: UInt64 = 0
    private static let hourMicros: UInt64 = 3_600 * 1_000_000

    /// Up to `longest` nanoseconds, the run's length (at least a second, at most an hour: longer
    /// latencies count as an hour) at three significant digits: a bucket's place does not depend
    /// on the range, which only sets how many buckets there are to set up, so a latency, which the
    /// run's length bounds, lands where it would in a histogram up to an hour (the counters of a
    /// minute's run are 139 KB, not 184). `coarse`: up to a minute at two digits, a tenth of the
    /// buckets to set up and walk, for figures only compared with others (vote request delays).
    init(longest: UInt64 = hourMicros * 1_000) {
        highest = Swift.min(Swift.max(longest / 1_000 + 1, 1_000_000), Self.hourMicros)
        digits = .three
    }

    init(coarse: Bool) {
        highest = coarse ? 60 * 1_000_000 : Self.hourMicros
        digits = coarse ? .two : .three
    }

    mutating func record(_ nanoseconds: UInt64) {
        if _slowPath(!started) {
            histogram = Histogram(highestTrackableValue: highest, numberOfSignificantValueDigits: digits)
            started = true
        }
        _ = histogram.record(Swift.min(nanoseconds / 1_000, highest))
        max = Swift.max(max, nanoseconds)
    }

    var percentiles: Percentiles {
        let total = histogram.totalCount
        guard total > 0 else { return Percentiles(count: 0, p50: 0, p90: 0, p99: 0, max: 0) }
        // As `valueAtPercentile`: the smallest bucket whose cumulative count reaches the rank. The
        // walk starts at the smallest value recorded, not at zero as the histogram's own
        // iterators do: latencies of milliseconds start thousands of empty buckets up.
        let ranks = [50.0, 90.0, 99.0].map { Swift.max(1, UInt64(($0.nextDown * Double(total) / 100).rounded(.up))) }
        var values: [UInt64] = []
        var cumulative: UInt64 = 0
        var value = histogram.lowestEquivalentForValue(histogram.min)
        while values.count < ranks.count, value <= histogram.max {
            cumulative += histogram.countForValue(value)
            while values.count < ranks.count, cumulative >= ranks[values.count] {
                let micros = Swift.min(histogram.highestEquivalentForValue(value), histogram.max)
                values.append(Swift.min(micros * 1_000, max))
            }
            value = histogram.nextNonEquivalentForValue(value)
        }
        while values.count < ranks.count { values.append(max) }
        return Percentiles(count: total, p50: values[0], p90: values[1], p99: values[2], max: max)
    }
}
