import TraceFormat

/// Finds stable leaders losing leadership and classifies why; records, at every campaign, what
/// each voter's state was (the evidence the advice is computed from); finds term inflation; and
/// counts what the features that were on did.
struct DisruptionDetector {
    struct CampaignSnapshot {
        var term: UInt64
        var candidateLastIndex: UInt64
        var candidateLastTerm: UInt64
        /// The voters of the candidate's own configuration besides itself, and the majority of
        /// that configuration: the votes it needed, its own included.
        var voters: [VoterAssessment]
        var quorum: Int
        var ref: EventRef
        /// The running nodes in the leader role when the candidate campaigned.
        var leaders: [LeaderState] = []
        /// The events that cut the candidate off from the running nodes it could not reach, and
        /// the heal of its link to a leader if that came less than an election timeout before.
        var cutOff: [EventRef] = []
        /// The leader whose handover the candidate campaigned on (`ClusterView.transferCampaign`).
        var transferFrom: NodeID?

        /// The votes the candidate's pre-vote would have collected, its own included.
        var preVoteGrants: Int { 1 + voters.filter(\.grantsPreVote).count }
        /// The same with leader stickiness: voters that heard from a leader lately refuse.
        var stickyGrants: Int { 1 + voters.filter(\.grantsWithStickiness).count }
        /// The candidate could exchange messages with none of the voters: its campaign reached
        /// nobody, so it started nothing (until it rejoins, carrying its term).
        var reachedNobody: Bool { !voters.isEmpty && !voters.contains(where: \.reachable) }
    }

    /// A leader as a candidate campaigned against it.
    struct LeaderState {
        var leader: NodeID
        var term: UInt64
        /// It reached fewer than a quorum of voters (itself included): the cuts of its links to
        /// the running voters it did not reach. Nil when it reached a quorum.
        var withoutQuorum: [EventRef]?
        /// It was paused (stalled): the `nodePaused`.
        var pausedBy: EventRef?
    }

    /// A term-inflation episode no disruption was rooted in (its node deposed no leader while
    /// it lasted), with what pre-vote would have answered its campaigns: the advice about it is
    /// evaluated on these.
    struct InflationAssessment {
        var episode: TermInflation
        var campaigns: Int
        /// Campaigns whose pre-vote would have reached fewer than a majority (the candidate
        /// counting itself): term increments pre-vote would have stopped.
        var preVoteWouldFail: Int
        /// The episode's last campaign.
        var last: CampaignSnapshot
        /// When the episode lasted to the end of the trace and leader stickiness was off: the
        /// leader a majority followed then, if its term was below the node's (any message
        /// between them would depose it), and its election.
        var leader: (id: NodeID, term: UInt64, elected: EventRef?)?
    }

    /// A node's campaigns since a leader was last elected anywhere.
    private struct Inflating {
        var from: UInt64
        var to: UInt64
        var start: UInt64
        /// Its first and latest campaigns.
        var refs: [EventRef] = []
        var campaigns = 0
        var preVoteWouldFail = 0
        var last: CampaignSnapshot
    }

    private struct Pending {
        var term: UInt64
        var ref: EventRef
    }

    private struct Isolation {
        var start: UInt64
        var end: UInt64?
        var startRef: EventRef
        var endRef: EventRef?
        var campaigns: [EventRef] = []
    }

    /// A disruption whose figures may still change: it waits for the next acknowledged leader
    /// (`leaderlessFor`) and, when its root's links had just changed, for the flap watch to end.
    struct Open {
        var disruption: Disruption
        /// The campaign its advice is evaluated at.
        var snapshot: CampaignSnapshot?
        /// When the first node campaigned (a pre-vote or a vote round) in its time without a
        /// leader, and the event: what a leader's handover would have made immediate.
        var firstCampaign: EventRef?
    }

    let features: RaftFeatures
    let timing: RaftTiming
    /// Disruptions found so far (their ids run from 1 to `found`).
    private(set) var found = 0
    private var open: [Open] = []
    /// Disruptions whose figures are final, oldest first, for the caller to take (`takeSettled`).
    private var settled: [Open] = []
    /// Each recent campaign, by the term campaigned for: who campaigned (its `ref`) and what each
    /// voter would have answered.
    private var campaignByTerm: [UInt64: CampaignSnapshot] = [:]
    private var pending: [UInt32: Pending] = [:]
    private var isolation: [UInt32: Isolation] = [:]
    /// Disruptions (by id) put down to partial connectivity or a plain timeout whose root's links
    /// to the leader had just changed: if they keep changing (4 changes from `since` on, until
    /// `until`), it was a flapping link.
    private var flapWatch: [(disruption: Int, root: NodeID, leader: NodeID, since: UInt64, until: UInt64)] = []
    private(set) var inflation: [TermInflation] = []
    private(set) var inflationFound = 0
    private var inflating: [UInt32: Inflating] = [:]
    /// Term-inflation episodes to advise on, for the caller to take (`takeSettledInflation`).
    private var settledInflation: [InflationAssessment] = []
    /// By node: when the latest disruption it was the root of began.
    private var rootedAt: [UInt32: UInt64] = [:]
    /// By node: the event of its latest election as leader.
    private var becameLeader: [UInt32: EventRef] = [:]
    private(set) var preVoteRejections: [String: Int] = [:]
    private(set) var stickinessRejections = 0
    private(set) var lostQuorumStepDowns = 0
    private(set) var effectEvidence: [Advice.Feature: [EventRef]] = [:]
    /// The leader a majority follows now, if any.
    private var acknowledged: (leader: NodeID, term: UInt64)?
    /// By node: a leader whose majority stopped following it while it kept the role, the event
    /// after which it had lost them (a follower took a higher term, campaigned or crashed), and
    /// when a leader was next acknowledged (nil: none yet). A leader that steps down later had
    /// lost the cluster then; one acknowledged again in the same term had not.
    private var abandoned: [UInt32: (term: UInt64, ref: EventRef, until: UInt64?)] = [:]
    /// By node: the last proposal to remove it from the voters (its own, as leader, or another
    /// leader's), cited when a leader steps down because it was removed.
    private var removalProposed: [UInt32: EventRef] = [:]
    /// Term-inflation episodes kept; disruptions are counted and advised on all, and the report
    /// lists the first `AdviceCollector.disruptionLimit`.
    static let limit = 1_000

    init(features: RaftFeatures, timing: RaftTiming) {
        self.features = features
        self.timing = timing
    }

    private mutating func note(_ f: Advice.Feature, _ ref: EventRef) {
        if effectEvidence[f, default: []].count < 5 { effectEvidence[f, default: []].append(ref) }
    }

    /// What each voter of the candidate's own configuration would answer its pre-vote, from the
    /// view just before it campaigns. (The others' answers do not count towards its majority.)
    static func assess(_ candidate: NodeID, view: ClusterView, now: UInt64, timing: RaftTiming) -> [VoterAssessment] {
        let c = view[candidate]
        return view.ids.filter { $0 != candidate && view.counts($0, asVoterOf: candidate) }.map { v in
            let n = view[v]
            let connection = view.connection(from: candidate, to: v)
            let reachable = connection == .open
            let upToDate = RaftRules.logIsUpToDate(candidateLastIndex: c.lastIndex, candidateLastTerm: c.lastTerm,
                                                   voterLastIndex: n.lastIndex, voterLastTerm: n.lastTerm)
            // A leader is in contact with itself.
            let since = n.role == .leader ? 0 : n.lastLeaderContact.map { now - $0 }
            let recent = RaftRules.inLeaderLease(knowsLeader: n.leader != nil, isLeader: n.role == .leader,
                                                 sinceContact: since, minimumElectionTimeout: timing.electionTimeoutMin)
            return VoterAssessment(voter: v.rawValue, reachable: reachable, connection: connection, lastIndex: n.lastIndex, lastTerm: n.lastTerm,
                                   sinceLeaderContact: since, logUpToDate: upToDate, grantsPreVote: reachable && upToDate,
                                   grantsWithStickiness: reachable && upToDate && !recent, isLeader: n.role == .leader ? true : nil)
        }
    }

    /// `candidate`'s campaign for `term`, from the view just before it: what each voter would
    /// answer, the leaders in place, and what cut the candidate off from the nodes it could not reach.
    static func snapshot(of candidate: NodeID, term: UInt64, view: ClusterView, at now: UInt64, ref: EventRef,
                         timing: RaftTiming) -> CampaignSnapshot {
        CampaignSnapshot(
            term: term, candidateLastIndex: view[candidate].lastIndex, candidateLastTerm: view[candidate].lastTerm,
            voters: assess(candidate, view: view, now: now, timing: timing), quorum: view.quorum(of: candidate), ref: ref,
            leaders: view.ids.indices.compactMap { i in
                let n = view.nodes[i]
                guard n.up, n.role == .leader else { return nil }
                let reach = view.reach(of: view.ids[i])
                return LeaderState(leader: view.ids[i], term: n.term,
                                   withoutQuorum: reach.count < view.quorum ? reach.cuts : nil, pausedBy: n.pausedBy)
            },
            cutOff: view.ids.compactMap { v in
                guard view[v].up else { return nil }
                if let cut = view.cut(between: candidate, v) { return cut }
                // A link to a leader healed within an election timeout: the candidate's timer ran
                // while it could not hear that leader.
                guard view[v].role == .leader, let heal = view.healedBy[.init(candidate, v)],
                      now - heal.time <= timing.electionTimeoutMax else { return nil }
                return heal
            })
    }

    /// Call before the view applies `e`.
    mutating func observe(_ e: TraceEvent, ordinal: UInt64, view: ClusterView) {
        func ref() -> EventRef { EventRef(e, ordinal: ordinal) }
        switch e.kind {
        case .becamePreCandidate, .becameCandidate:
            for k in open.indices where open[k].firstCampaign == nil && open[k].disruption.leaderlessFor == nil
                && e.time >= open[k].disruption.leaderlessStart {
                open[k].firstCampaign = ref()
            }
        case .termChanged(let from, let to, let cause):
            guard let node = e.node else { return }
            if cause == .campaign {
                var snapshot = Self.snapshot(of: node, term: to, view: view, at: e.time, ref: ref(), timing: timing)
                snapshot.transferFrom = view.transferCampaign(of: node, at: e.time)?.leader
                // The first campaign for a term is the one kept: a second node campaigning for the
                // same term (both timed out) came later, so it was not what started the election.
                // Unless the first reached nobody (cut off from every voter) and this one does
                // reach some: then this one raised the term the others saw.
                if campaignByTerm[to].map({ $0.reachedNobody && !snapshot.reachedNobody && $0.ref.node != node.rawValue }) ?? true {
                    campaignByTerm[to] = snapshot
                    // Terms far below the newest cannot be asked about again.
                    if campaignByTerm.count > 4_096 { campaignByTerm = campaignByTerm.filter { $0.key &+ 1_024 > to } }
                }
                if isolation[node.rawValue]?.end == nil, isolation[node.rawValue] != nil,
                   isolation[node.rawValue]!.campaigns.count < 3 {
                    isolation[node.rawValue]!.campaigns.append(ref())
                }
                var inf = inflating[node.rawValue] ?? Inflating(from: from, to: to, start: e.time, last: snapshot)
                inf.to = to
                inf.campaigns += 1
                if snapshot.preVoteGrants < snapshot.quorum { inf.preVoteWouldFail += 1 }
                inf.last = snapshot
                if inf.refs.count < 2 { inf.refs.append(ref()) } else { inf.refs[1] = ref() }
                inflating[node.rawValue] = inf
            } else if let p = pending.removeValue(forKey: node.rawValue) {
                resolve(leader: node, pending: p, newTerm: to, fromTerm: from, ref: ref(), view: view, now: e.time)
            }
        case .leaderSteppedDown(let term, let reason):
            guard let node = e.node, view[node].committedAsLeader else {
                if case .lostQuorum = reason { lostQuorumStepDowns += 1; note(.checkQuorum, ref()) }
                return
            }
            switch reason {
            case .higherTermSeen:
                pending[node.rawValue] = Pending(term: term, ref: ref())
            case .lostQuorum:
                lostQuorumStepDowns += 1
                note(.checkQuorum, ref())
                add(Disruption(id: 0, time: e.time, leader: node.rawValue, term: term, newTerm: nil, cause: .lostQuorum,
                               origin: nil, termInflation: nil, leaderlessFor: nil, evidence: [ref()]))
            case .removed:
                let proposal = removalProposed.removeValue(forKey: node.rawValue)
                add(Disruption(id: 0, time: e.time, leader: node.rawValue, term: term, newTerm: nil, cause: .removedServer,
                               origin: nil, termInflation: nil, leaderlessFor: nil, evidence: [proposal, ref()].compactMap { $0 }))
            case .transfer:
                break
            }
        case .nodeCrashed:
            guard let node = e.node, view[node].role == .leader, view[node].committedAsLeader else { return }
            add(Disruption(id: 0, time: e.time, leader: node.rawValue, term: view[node].term, newTerm: nil, cause: .crash,
                           origin: nil, termInflation: nil, leaderlessFor: nil, evidence: [ref()]))
        case .membershipChangeProposed(.remove, let target, _):
            removalProposed[target.rawValue] = ref()
        case .becameLeader:
            endInflation(at: e.time)
            if let node = e.node { becameLeader[node.rawValue] = ref() }
        case .voteRejected(_, _, let pre, let reason):
            if pre { preVoteRejections["\(reason)", default: 0] += 1; note(.preVote, ref()) }
            if reason == .leaderRecentlyHeard { stickinessRejections += 1; note(.leaderStickiness, ref()) }
        default:
            break
        }
    }

    /// Call after the view applied a partition change: tracks which nodes are cut off from a
    /// majority of the voters (themselves included): alone, or in a minority partition.
    mutating func linksChanged(_ e: TraceEvent, ordinal: UInt64, view: ClusterView) {
        switch e.kind {
        case .linkCut(let l) where !flapWatch.isEmpty, .linkHealed(let l) where !flapWatch.isEmpty:
            watchFlaps(l, now: e.time, view: view)
        default:
            break
        }
        for id in view.ids {
            let connected = view.ids.filter { v in
                v == id || (view.removed[v.rawValue] == nil && !view.cut.contains(DirectedLink(from: id, to: v))
                            && !view.cut.contains(DirectedLink(from: v, to: id)))
            }.count
            let cutOff = connected < view.quorum
            let open = isolation[id.rawValue].map { $0.end == nil } ?? false
            if cutOff && !open {
                isolation[id.rawValue] = Isolation(start: e.time, startRef: EventRef(e, ordinal: ordinal))
            } else if !cutOff && open {
                isolation[id.rawValue]!.end = e.time
                isolation[id.rawValue]!.endRef = EventRef(e, ordinal: ordinal)
            }
        }
    }

    private mutating func watchFlaps(_ link: DirectedLink, now: UInt64, view: ClusterView) {
        flapWatch.removeAll { $0.until < now }
        for k in flapWatch.indices where ClusterView.Pair(link.from, link.to) == ClusterView.Pair(flapWatch[k].root, flapWatch[k].leader) {
            let changes = view.linkChanges(between: flapWatch[k].root, flapWatch[k].leader, since: flapWatch[k].since)
            guard changes.count >= Self.flapChanges,
                  let d = open.firstIndex(where: { $0.disruption.id == flapWatch[k].disruption }) else { continue }
            open[d].disruption.cause = .flappingLink
            open[d].disruption.evidence = Self.inFileOrder(open[d].disruption.evidence + changes.suffix(Self.flapChanges))
            flapWatch[k].until = 0
        }
    }

    /// Evidence in file order, each event once.
    static func inFileOrder(_ refs: [EventRef]) -> [EventRef] {
        var seen = Set<UInt64>()
        return refs.sorted { $0.ordinal < $1.ordinal }.filter { seen.insert($0.ordinal).inserted }
    }

    /// How many times one pair of links must change state (cut or healed; the links of a pair
    /// changed at one instant count once) around a disruption to call it a flapping link.
    static var flapChanges: Int { 4 }

    private mutating func add(_ d: Disruption, snapshot: CampaignSnapshot? = nil) {
        found += 1
        var d = d
        d.id = found
        if let u = abandoned.removeValue(forKey: d.leader), u.term == d.term, u.ref.time < d.time {
            d.leaderlessFrom = u.ref.time
            // Another leader may have been acknowledged before this one stepped down.
            d.leaderlessFor = u.until.map { $0 - u.ref.time }
            d.evidence = Self.inFileOrder(d.evidence + [u.ref])
        }
        if let root = d.origin { rootedAt[root] = d.time }
        open.append(Open(disruption: d, snapshot: snapshot))
    }

    /// The disruption found last, while it is still open (the caller samples messages around it).
    var latest: Disruption? { open.last.flatMap { $0.disruption.id == found ? $0.disruption : nil } }

    var hasSettled: Bool { !settled.isEmpty || !settledInflation.isEmpty }

    /// Term-inflation episodes to advise on that ended since the last call.
    mutating func takeSettledInflation() -> [InflationAssessment] {
        defer { settledInflation.removeAll(keepingCapacity: true) }
        return settledInflation
    }

    /// Disruptions whose figures became final since the last call, in the order they settled.
    mutating func takeSettled() -> [Open] {
        defer { settled.removeAll(keepingCapacity: true) }
        return settled
    }

    /// Moves to `settled` the open disruptions that know their leaderless time and are no longer
    /// watched for a flapping link (every one, at the end of the trace).
    private mutating func settle(now: UInt64, all: Bool = false) {
        guard !open.isEmpty else { return }
        flapWatch.removeAll { $0.until < now }
        open.removeAll { o in
            let done = all || (o.disruption.leaderlessFor != nil && !flapWatch.contains { $0.disruption == o.disruption.id })
            if done { settled.append(o) }
            return done
        }
    }

    private mutating func resolve(leader: NodeID, pending p: Pending, newTerm: UInt64, fromTerm: UInt64, ref: EventRef,
                                  view: ClusterView, now: UInt64) {
        var evidence = [p.ref, ref]
        // The root of the disruption is the first node that campaigned past the leader's term; later
        // campaigns (up to `newTerm`) may come from nodes whose term it had already raised.
        func origin(_ term: UInt64) -> NodeID? { campaignByTerm[term]?.ref.node.map { NodeID(rawValue: $0) } }
        // The first campaign for the next term was the target's of this leader's handover (on its
        // TimeoutNow), and that term deposed it: the transfer worked, though the term may have
        // reached the leader in another node's message (a voter's answer), or after it gave up
        // waiting (an election timeout), so its `transferFinished` says not.
        if newTerm == p.term &+ 1, campaignByTerm[newTerm]?.transferFrom == leader { return }
        guard let root = origin(p.term &+ 1) ?? origin(newTerm) else {
            add(Disruption(id: 0, time: p.ref.time, leader: leader.rawValue, term: p.term, newTerm: newTerm,
                           cause: .electionTimeout, origin: nil, termInflation: nil, leaderlessFor: nil, evidence: evidence))
            return
        }
        let finalOrigin = origin(newTerm)
        // The campaign whose pre-vote decides the advice: the one that reached the voters if the root
        // itself brought the final term (a rejoin), otherwise the root's first campaign. (Not a
        // later transfer campaign of the root's: a leader's handover, which neither pre-vote nor
        // stickiness stops.)
        let final = campaignByTerm[newTerm]
        let snapshot = finalOrigin == root && final?.transferFrom == nil ? final : campaignByTerm[p.term &+ 1]
        if let s = campaignByTerm[p.term &+ 1], s.term != snapshot?.term { evidence.insert(s.ref, at: 0) }
        if let snapshot { evidence.insert(snapshot.ref, at: 0) }
        let cause: Disruption.Cause
        let rootCampaign = campaignByTerm[p.term &+ 1]
        // The leader as the root found it when it campaigned.
        let leaderAtCampaign = rootCampaign?.leaders.first { $0.leader == leader && $0.term == p.term }
        let unreachable = view.ids.filter { $0 != root && !view.reachable(root, $0) && view[$0].up }
        let flapWindow = 10 * timing.electionTimeoutMax
        let flapSince = now >= flapWindow ? now - flapWindow : 0
        // Only the link to the leader matters: the root campaigned because it stopped hearing it.
        let recentChanges = view.linkChanges(between: root, leader, since: flapSince)
        let slowed = view.degradation(between: root, leader, by: rootCampaign?.ref.time ?? p.ref.time)
        // A rejoin: the root was cut off from everyone and came back within a few election timeouts
        // of this step-down, carrying the term its lonely campaigns inflated.
        if let removal = view.removed[root.rawValue] {
            // A server removed from the voters that never learned it (the leader stopped sending
            // to it once the removal committed): its timer fires and it campaigns (thesis §4.2.3).
            cause = .removedServer
            evidence.insert(removal, at: 0)
        } else if let iso = isolation[root.rawValue], let end = iso.end, now - end <= 3 * timing.electionTimeoutMax {
            cause = .rejoin
            evidence.insert(contentsOf: [iso.startRef] + iso.campaigns + [iso.endRef].compactMap { $0 }, at: 0)
        } else if let pause = leaderAtCampaign?.pausedBy {
            // The leader was stalled when the root campaigned: its followers rightly stopped
            // waiting for it, and it learned of the new term once it resumed.
            cause = .leaderPaused
            evidence.append(pause)
        } else if let cuts = leaderAtCampaign?.withoutQuorum {
            // The leader itself could not reach a majority when the root campaigned: the others
            // rightly elected another, and it learned of that only later (a partition of the leader).
            cause = .lostQuorum
            evidence += cuts
        } else if recentChanges.count >= Self.flapChanges {
            cause = .flappingLink
            evidence += recentChanges.suffix(Self.flapChanges)
        } else if let cuts = rootCampaign?.cutOff, !cuts.isEmpty {
            // Judged when the root first campaigned: the cut may have healed by the step-down.
            cause = .partialConnectivity
            evidence += cuts
        } else if !slowed.isEmpty {
            // Its link with the leader lost or delayed messages since before it campaigned: the
            // leader's heartbeats stopped arriving in time.
            cause = .degradedLink
            evidence += slowed
        } else if !unreachable.isEmpty {
            cause = .partialConnectivity
        } else {
            cause = .electionTimeout
        }
        add(Disruption(id: 0, time: p.ref.time, leader: leader.rawValue, term: p.term, newTerm: newTerm, cause: cause,
                       origin: root.rawValue, termInflation: newTerm > p.term ? newTerm - p.term : 0, leaderlessFor: nil,
                       evidence: Self.inFileOrder(evidence)),
            snapshot: snapshot)
        // Links of the root changed lately but not yet often: later changes may show that the
        // connectivity it lacked came and went. A cause that says more (the leader lost its
        // majority or was paused, the root rejoined) stands whatever the links do next.
        if !recentChanges.isEmpty && [.partialConnectivity, .degradedLink, .electionTimeout].contains(cause) {
            flapWatch.append((found, root, leader, flapSince, now.addingSaturating(flapWindow)))
        }
    }

    /// Call after the view applied an event that may change who leads: `leader` is the leader a
    /// majority follows now (`ClusterView.acknowledgedLeader`) and `term` its term.
    mutating func acknowledgement(_ leader: NodeID?, term: UInt64, after e: EventRef) {
        guard let leader else {
            if let a = acknowledged { abandoned[a.leader.rawValue] = (a.term, e, nil) }
            acknowledged = nil
            return
        }
        if acknowledged == nil {
            if abandoned[leader.rawValue]?.term == term { abandoned[leader.rawValue] = nil }
            for (k, u) in abandoned where u.until == nil { abandoned[k]!.until = e.time }
        }
        acknowledged = (leader, term)
        guard !open.isEmpty else { return }
        for k in open.indices where open[k].disruption.leaderlessFor == nil {
            open[k].disruption.leaderlessFor = e.time - open[k].disruption.leaderlessStart
        }
        settle(now: e.time)
    }

    /// Events were lost: who led across the gap is unknown.
    mutating func eventsLost() {
        acknowledged = nil
        abandoned.removeAll()
    }

    /// A leader was elected (or the trace ended): each node that campaigned at least 3 times
    /// since the last one inflated its term. Counted all; the first `limit` kept, node by node.
    /// With pre-vote off, an episode in which the node deposed no leader is kept to be advised on
    /// (one in which it did is advised on with that disruption). `atEnd`: the trace ended it.
    private mutating func endInflation(at t: UInt64, atEnd: Bool = false) {
        for (node, inf) in inflating.sorted(by: { $0.key < $1.key }) where inf.campaigns >= 3 {
            inflationFound += 1
            let episode = TermInflation(node: node, fromTerm: inf.from, toTerm: inf.to, start: inf.start, end: t,
                                        evidence: inf.refs)
            if inflation.count < Self.limit { inflation.append(episode) }
            guard !features.preVote, rootedAt[node].map({ $0 < inf.start }) ?? true else { continue }
            // Named only when any message of the higher term would depose it: with leader
            // stickiness a vote request would not, and what would is not the trace's to say.
            let deposable = !RaftRules.ignoresVoteRequest(features, transferCampaign: false, knowsLeader: true, isLeader: true,
                                                          sinceContact: 0, minimumElectionTimeout: timing.electionTimeoutMin)
            let leader = acknowledged.flatMap { atEnd && deposable && $0.term < inf.to
                ? (id: $0.leader, term: $0.term, elected: becameLeader[$0.leader.rawValue]) : nil }
            settledInflation.append(InflationAssessment(episode: episode, campaigns: inf.campaigns,
                                                        preVoteWouldFail: inf.preVoteWouldFail, last: inf.last,
                                                        leader: leader))
        }
        inflating.removeAll()
    }

    mutating func finish(at end: UInt64) {
        for k in open.indices where open[k].disruption.leaderlessFor == nil {
            open[k].disruption.leaderlessAtEnd = end - min(end, open[k].disruption.leaderlessStart)
        }
        settle(now: end, all: true)
        endInflation(at: end, atEnd: true)
        inflation.sort { $0.start < $1.start }
    }
}
