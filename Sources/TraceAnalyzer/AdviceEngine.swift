import TraceFormat

/// Decides, for each disruption and each long stall, which feature would have prevented or
/// shortened it, by evaluating that feature's rule on the state recorded at that moment. Never
/// advises a feature that was on.
enum AdviceEngine {
    /// When a node last heard from a majority of the voters, and the delivery that completed it.
    struct MajorityContact {
        var time: UInt64
        var evidence: EventRef
    }

    /// Stale reads served on a leader's lease (safety violations `staleRead` of mode `lease`):
    /// ReadIndex would have refused each, as a deposed leader cannot get a majority's heartbeat
    /// answers. One advice per node and leadership term that served them, citing the newer leader
    /// in place and why the lease outlasted the leadership: when the leader last heard from a
    /// majority (`contacts`, one per violation), when the newer leader was elected and when the
    /// old one stopped leading; a slow clock on the old leader, a fast one on the new, or a pause
    /// of the old one in between.
    static func adviseReads(violations: [SafetyViolation], contacts: [MajorityContact?], leaders: [TermLeader],
                            faults: [FaultInterval], features: RaftFeatures, timing: RaftTiming, end: UInt64) -> [Advice] {
        guard RaftRules.servesLeaseReads(features) else { return [] }
        var groups: [(node: UInt32, term: UInt64, reads: [SafetyViolation], contact: MajorityContact?)] = []
        for (k, v) in violations.enumerated() where v.rule == .staleRead {
            guard let node = v.nodes.first, v.detail["mode"] == "\(ReadMode.lease)" else { continue }
            let term = leaders.last { $0.leader == node && $0.start <= v.time }?.term ?? 0
            if let g = groups.firstIndex(where: { $0.node == node && $0.term == term }) { groups[g].reads.append(v) } else {
                groups.append((node, term, [v], k < contacts.count ? contacts[k] : nil))
            }
        }
        return groups.map { g in
            let first = g.reads[0], last = g.reads[g.reads.count - 1]
            let newer = leaders.first { $0.term > g.term && $0.start <= first.time && $0.end >= first.time }
            let own = leaders.last { $0.leader == g.node && $0.term == g.term }
            let from = g.contact?.time ?? first.time
            /// A drift of `node`'s clock, slow or fast, in force over `during`, and its rate.
            func drift(of node: UInt32, slow: Bool, during: ClosedRange<UInt64>) -> (fault: FaultInterval, ppm: Int, node: UInt32)? {
                for f in faults.reversed() where f.kind == .drift && f.nodes == [node]
                    && f.start <= during.upperBound && f.end > during.lowerBound {
                    guard let ppm = f.evidence.first?.fields["ppm"].flatMap({ Int($0) }), slow ? ppm < 0 : ppm > 0 else { continue }
                    return (f, ppm, node)
                }
                return nil
            }
            // A slow clock on the serving leader between its last majority and its first stale read
            // (its check-quorum ran late), else a fast one on the newer leader before it was elected
            // (it campaigned early).
            let drifted = drift(of: g.node, slow: true, during: min(from, first.time)...first.time)
                ?? newer.flatMap { n in drift(of: n.leader, slow: false, during: min(from, n.start)...n.start) }
            let pause = faults.last { $0.kind == .pause && $0.nodes == [g.node] && $0.start < first.time && $0.end > from }
            var evidence: [EventRef] = []
            if let d = drifted { evidence += d.fault.evidence.prefix(1) }
            if let p = pause { evidence += p.evidence.prefix(1) }
            if let c = g.contact { evidence.append(c.evidence) }
            evidence += first.evidence
            var a = Advice(feature: .readIndex, disruptions: [], window: Window(start: first.time, end: last.time),
                           windowKind: "staleReads", leader: g.node, prevents: true, candidate: nil,
                           candidateLastIndex: nil, candidateLastTerm: nil, quorum: nil, preVoteGrants: nil, voters: [],
                           unavailabilityAvoided: 0, termsAvoided: 0, staleReads: g.reads.count,
                           newerLeader: newer?.leader, newerTerm: newer?.term,
                           reference: "Ongaro thesis §6.4 (ReadIndex); §6.4.1 (a lease assumes bounded clock drift)",
                           evidence: evidence)
            a.driftPPM = drifted?.ppm
            a.driftNode = drifted?.node
            a.lastMajorityContact = g.contact?.time
            a.newerLeaderSince = newer?.start
            a.ledUntil = own.flatMap { $0.end < end ? $0.end : nil }
            a.leaderPause = pause.map { Window(start: $0.start, end: $0.end) }
            a.checkQuorumInterval = timing.electionTimeoutMin
            if drifted == nil, pause == nil {
                a.reference += "; etcd-io/raft#166 (check-quorum's lease can outlast leadership)"
            }
            return a
        }
    }

    /// The advice about one disruption, from the campaign snapshot taken when it began.
    /// `roundTrip`: twice the mean delivery latency seen so far (leadership transfer's cost).
    /// `firstCampaign`: the first campaign in the disruption's time without a leader.
    static func advise(_ d: Disruption, snapshot: DisruptionDetector.CampaignSnapshot?, features: RaftFeatures,
                       timing: RaftTiming, quorum: Int, roundTrip: UInt64, firstCampaign: EventRef? = nil) -> [Advice] {
        func handOver(window: UInt64, kind: String, prevents: Bool, reference: String) -> Advice {
            Self.handOver(d, window: window, kind: kind, prevents: prevents, quorum: quorum, roundTrip: roundTrip,
                          firstCampaign: firstCampaign, timing: timing, reference: reference)
        }
        switch d.cause {
        case .removedServer where d.origin == nil:
            // The leader removed itself: it stepped down on applying its removal, and nobody
            // campaigned before an election timeout. Handing leadership over first costs a round
            // trip. (A removed server that won an election before learning of its removal, then
            // stepped down, was not the leader when its removal was planned.)
            guard d.ownRemovalProposal != nil, let window = d.leaderlessFor else { return [] }
            return [handOver(window: window, kind: Advice.removedLeader, prevents: true,
                             reference: "Ongaro thesis §3.10 (leadership transfer); §4.2.2 (removing the current leader)")]
        case .rejoin, .partialConnectivity, .flappingLink, .degradedLink, .electionTimeout, .removedServer, .lostQuorum, .leaderPaused:
            // (A leader that stepped down by check-quorum has no campaign behind it. A campaign on
            // a leader's TimeoutNow skips pre-vote and no voter ignores it, stickiness or not
            // (`RaftRules.ignoresVoteRequest`): neither feature applies.)
            guard let s = snapshot, let origin = d.origin, s.transferFrom == nil else { return [] }
            // Judged by the candidate's own configuration: the votes it needed and whose count.
            let preVoteGrants = s.preVoteGrants, stickyGrants = s.stickyGrants, quorum = s.quorum
            // No leader before the trace ended: the time to the end is the least it would have saved.
            let avoided = d.leaderlessFor ?? d.leaderlessAtEnd ?? 0
            let atLeast: Bool? = d.leaderlessFor == nil && avoided > 0 ? true : nil
            let terms = d.termInflation ?? 0
            func advice(_ f: Advice.Feature, prevents: Bool, grants: Int, reference: String) -> Advice {
                Advice(feature: f, disruptions: [d.id], window: nil, windowKind: nil, leader: d.leader, prevents: prevents, candidate: origin,
                       candidateLastIndex: s.candidateLastIndex, candidateLastTerm: s.candidateLastTerm,
                       quorum: quorum, preVoteGrants: grants, voters: s.voters,
                       unavailabilityAvoided: prevents ? avoided : 0, termsAvoided: prevents ? terms : 0,
                       unavailabilityAvoidedAtLeast: prevents ? atLeast : nil, reference: reference, evidence: d.evidence)
            }
            let stickiness = { advice(.leaderStickiness, prevents: stickyGrants < quorum, grants: stickyGrants,
                                      reference: "Ongaro thesis §4.2.3 (leader stickiness; etcd enables it with CheckQuorum)") }
            if !features.preVote {
                let a = advice(.preVote, prevents: preVoteGrants < quorum, grants: preVoteGrants,
                               reference: "Ongaro thesis §9.6 (pre-vote)")
                return !a.prevents && !features.leaderStickiness ? [a, stickiness()] : [a]
            }
            return features.leaderStickiness ? [] : [stickiness()]
        case .crash:
            guard let window = d.leaderlessFor else { return [] }
            return [handOver(window: window, kind: "leaderless", prevents: false,
                             reference: "Ongaro thesis §3.10 (leadership transfer, for planned restarts only)")]
        }
    }

    /// Leadership-transfer advice: handing leadership over before the leader leaves would have
    /// replaced the disruption's `window` without a leader by about one round trip. It prevents a
    /// removal's disruption (planned by whoever removed the leader), not a crash's (planned only
    /// if the crash stood for a restart).
    private static func handOver(_ d: Disruption, window: UInt64, kind: String, prevents: Bool, quorum: Int,
                                 roundTrip: UInt64, firstCampaign: EventRef?, timing: RaftTiming, reference: String) -> Advice {
        var a = Advice(feature: .leadershipTransfer, disruptions: [d.id], window: Window(start: d.leaderlessStart, end: d.leaderlessStart + window),
                       windowKind: kind, leader: d.leader, prevents: prevents, candidate: nil, candidateLastIndex: nil,
                       candidateLastTerm: nil, quorum: quorum, preVoteGrants: nil, voters: [],
                       unavailabilityAvoided: window > roundTrip ? window - roundTrip : 0, termsAvoided: 0,
                       reference: reference, evidence: d.evidence)
        a.roundTrip = roundTrip
        // Without a leader for longer than two maximum election timeouts: more than the wait for
        // a follower's timer and an election went wrong (elections that gave no majority a
        // leader, for faults of their own), which a handover's target may have met as well. It is
        // credited only with the wait before the first campaign, which it makes immediate.
        if window > 2 * timing.electionTimeoutMax, let c = firstCampaign, c.time >= d.leaderlessStart {
            let wait = min(c.time - d.leaderlessStart, window)
            a.campaignWait = wait
            a.unavailabilityAvoided = wait
            a.evidence = DisruptionDetector.inFileOrder(a.evidence + [c])
        }
        return a
    }

    /// Pre-vote advice about a term-inflation episode no disruption was rooted in: each of the
    /// node's campaigns was evaluated by pre-vote's rule on the state recorded at that moment;
    /// the item describes the last one. Nil when pre-vote would have stopped none of them (the
    /// node could reach a majority that would grant it: its campaigns came from the cluster having
    /// no leader, which the trace's other items account for). Only made with pre-vote off (see
    /// `DisruptionDetector`).
    static func advise(_ i: DisruptionDetector.InflationAssessment) -> Advice? {
        guard i.preVoteWouldFail > 0 else { return nil }
        let s = i.last, quorum = s.quorum
        return Advice(feature: .preVote, disruptions: [], window: Window(start: i.episode.start, end: i.episode.end),
                      windowKind: Advice.termInflation, leader: i.leader?.id.rawValue, prevents: i.preVoteWouldFail > 0,
                      candidate: i.episode.node, candidateLastIndex: s.candidateLastIndex,
                      candidateLastTerm: s.candidateLastTerm, quorum: quorum,
                      preVoteGrants: s.preVoteGrants, voters: s.voters,
                      unavailabilityAvoided: 0, termsAvoided: UInt64(i.preVoteWouldFail),
                      campaigns: i.campaigns, fromTerm: i.episode.fromTerm, toTerm: i.episode.toTerm,
                      leaderTerm: i.leader?.term, reference: "Ongaro thesis §9.6 (pre-vote)",
                      evidence: DisruptionDetector.inFileOrder(i.episode.evidence + s.cutOff.prefix(4)
                                                                   + [i.leader?.elected].compactMap { $0 }))
    }

    /// Check-quorum advice about one stall or leaderless window, when check-quorum was off and the
    /// window was long enough for it to matter. For a stall in which the clients waited on a
    /// deposed leader (`deposedLeader`), the leader assessed is that one: check-quorum would have
    /// stepped it down, and the clients would have found the acknowledged leader.
    static func advise(_ s: StallAssessment, features: RaftFeatures, timing: RaftTiming, quorum: Int) -> Advice? {
        let quorum = s.quorum ?? quorum
        guard !features.checkQuorum, s.addedVoter == nil else { return nil }
        // Check-quorum steps a leader down after one election timeout without a majority's
        // answers; a new leader then needs about one more randomized timeout.
        let cost = 2 * timing.electionTimeoutMin + (timing.electionTimeoutMin + timing.electionTimeoutMax) / 2
        // Windows shorter than that could not have been shortened; they are not listed. Check-quorum
        // counts from when the leader lost its majority.
        let from = s.lostMajorityAt ?? s.window.start
        let cutOff = s.window.end - from
        guard s.leaderReach < quorum, cutOff > cost else { return nil }
        // Only while another node reached a majority could a new leader have committed.
        let usable = (s.alternativeUntil ?? s.window.end) - from
        let helps = s.alternative != nil && usable > cost
        var a = Advice(feature: .checkQuorum, disruptions: [], window: s.window, windowKind: s.kind,
                       leader: s.leader, prevents: helps,
                       candidate: s.alternative, candidateLastIndex: nil, candidateLastTerm: nil, quorum: quorum,
                       preVoteGrants: s.leaderReach, voters: [], unavailabilityAvoided: helps ? usable - cost : 0,
                       termsAvoided: 0, newerLeader: s.alternativeTerm == nil ? nil : s.alternative, newerTerm: s.alternativeTerm,
                       reference: "Ongaro thesis §6.2 (check-quorum)", evidence: s.evidence)
        if let until = s.alternativeUntil {  // (only ever set with an alternative)
            a.alternativeUntil = until
            a.takeOverCost = cost
        }
        return a
    }
}

extension AdviceEngine {
    /// Learners advice about a window that began as a voter was added while down or behind:
    /// added as a learner, it would not have counted towards a majority until promoted once
    /// caught up, so the leader, which reached a majority of the voters without it, would have
    /// gone on committing (thesis §4.2.1). The window is what that avoids; windows shorter than
    /// the minimum election timeout (a server a round trip behind) are not advised on, as a
    /// stall that short is not one.
    static func adviseLearners(_ s: StallAssessment, features: RaftFeatures, timing: RaftTiming) -> Advice? {
        guard !features.learners, let v = s.addedVoter else { return nil }
        let avoided = s.window.end - max(s.window.start, v.at)
        guard avoided >= timing.electionTimeoutMin else { return nil }
        return Advice(feature: .learners, disruptions: [], window: s.window, windowKind: s.kind, leader: v.leader, prevents: true,
                      candidate: nil, candidateLastIndex: nil, candidateLastTerm: nil, quorum: v.quorum, preVoteGrants: nil,
                      voters: [], unavailabilityAvoided: avoided, termsAvoided: 0, member: v.node, memberDown: v.down,
                      memberLastIndex: v.lastIndex, leaderLastIndex: v.leaderLastIndex, votersReached: v.reachWithout,
                      quorumBefore: v.quorumWithout, reference: "Ongaro thesis §4.2.1 (catching up new servers)",
                      evidence: v.evidence)
    }
}

/// Gathers the advice as disruptions and windows settle: every item is counted in the summary per
/// feature, and the items are kept for the disruptions with the first `disruptionLimit` ids and
/// the first `windowLimit` windows, so a long trace's report (and the memory behind it) stays bounded.
/// A report focused on a stretch of the run keeps the first of those that overlap it instead.
struct AdviceCollector {
    static let disruptionLimit = 1_000
    static let windowLimit = 1_000
    private(set) var disruptions: [Disruption] = []
    private(set) var disruptionTotals = DisruptionTotals()
    private var disruptionAdvice: [Advice] = []
    private var windowAdvice: [Advice] = []
    private var tallies: [Advice.Feature: AdviceSummary] = [:]
    let disruptionLimit: Int
    let focus: ClosedRange<UInt64>?

    init(disruptionLimit: Int = Self.disruptionLimit, focus: ClosedRange<UInt64>? = nil) {
        self.disruptionLimit = disruptionLimit
        self.focus = focus
    }

    /// Whether disruption `d` is one the report lists.
    func lists(_ d: Disruption) -> Bool {
        guard let focus else { return d.id <= disruptionLimit }
        let leaderless = d.leaderlessFor.map { (d.leaderlessFrom ?? d.time).addingSaturating($0) } ?? d.time
        return disruptions.count < disruptionLimit && focus.overlaps(from: d.time, to: max(d.time, leaderless))
    }

    /// A settled disruption and the advice about it.
    mutating func add(_ d: Disruption, advice: [Advice]) {
        disruptionTotals.count += 1
        disruptionTotals.byCause[d.cause.rawValue, default: 0] += 1
        disruptionTotals.leaderlessTotal.addSaturating(d.leaderlessFor ?? 0)
        if advice.isEmpty { disruptionTotals.unadvisedByCause[d.cause.rawValue, default: 0] += 1 }
        if lists(d) {
            disruptions.append(d)
            disruptionAdvice += advice
        }
        advice.forEach { tally($0) }
    }

    /// Advice about a window (check-quorum) or a run of stale reads.
    mutating func add(window a: Advice) {
        tally(a)
        guard windowAdvice.count < Self.windowLimit else { return }
        if let focus, let w = a.window, !focus.overlaps(from: w.start, to: w.end) { return }
        windowAdvice.append(a)
    }

    private mutating func tally(_ a: Advice) {
        var t = tallies[a.feature] ?? AdviceSummary(feature: a.feature)
        t.evaluated += 1
        if a.prevents { t.helps += 1 }
        t.unavailabilityAvoided.addSaturating(a.unavailabilityAvoided)
        if a.unavailabilityAvoidedAtLeast == true { t.unavailabilityAvoidedAtLeast = true }
        t.termsAvoided.addSaturating(a.termsAvoided)
        t.staleReads += a.staleReads ?? 0
        if a.isAboutTermInflation {
            t.episodes = (t.episodes ?? 0) + 1
            t.episodeTermsAvoided = (t.episodeTermsAvoided ?? 0).addingSaturating(a.termsAvoided)
        }
        if a.isAboutRemovedLeader {
            t.removedLeaders = (t.removedLeaders ?? 0) + 1
            t.removedLeaderUnavailabilityAvoided = (t.removedLeaderUnavailabilityAvoided ?? 0).addingSaturating(a.unavailabilityAvoided)
        }
        tallies[a.feature] = t
    }

    /// The kept items: disruption advice in disruption order, then window advice in the order
    /// the windows ended.
    var advice: [Advice] {
        disruptionAdvice.enumerated().sorted { ($0.element.disruptions.first ?? 0, $0.offset) < ($1.element.disruptions.first ?? 0, $1.offset) }
            .map(\.element) + windowAdvice
    }

    /// One line per feature evaluated: those that would have helped first, the most
    /// unavailability avoided first.
    var summary: [AdviceSummary] {
        tallies.values.sorted {
            ($0.helps > 0 ? 0 : 1, UInt64.max - $0.unavailabilityAvoided, -$0.helps, $0.feature.rawValue)
                < ($1.helps > 0 ? 0 : 1, UInt64.max - $1.unavailabilityAvoided, -$1.helps, $1.feature.rawValue)
        }
    }

    var sortedDisruptions: [Disruption] { disruptions.sorted { $0.id < $1.id } }
}

/// A stall with what the leader could reach when it began.
struct StallAssessment {
    var window: Window
    /// "stall", "deposedLeader" or "leaderless", as in `Advice.windowKind`.
    var kind: String
    var leader: UInt32
    /// Nodes (the leader included) reachable both ways from the leader.
    var leaderReach: Int
    /// The majority of the voters then (nil: the one at the end of the analysis).
    var quorum: Int? = nil
    /// When the leader lost its majority, if it was partway through (strictly inside) the window.
    var lostMajorityAt: UInt64? = nil
    /// A running node that reaches a majority and could have led instead, if any; for a
    /// `deposedLeader` stall, the acknowledged leader the clients did not find, and its term.
    var alternative: UInt32?
    var alternativeTerm: UInt64? = nil
    /// When, within the window, a change (cited last in `evidence`) left no node besides the
    /// leader reaching a majority, if one did after `alternative` had.
    var alternativeUntil: UInt64? = nil
    var evidence: [EventRef]
    /// The voter whose addition cost the leader its majority as the window began, if one did.
    var addedVoter: AddedVoter? = nil
}

/// A server added as a voter while it was down or behind, so that the leader, which reached a
/// majority of the voters without it, no longer reached one of the voters with it.
struct AddedVoter {
    var node: UInt32
    var at: UInt64
    var leader: UInt32
    var down: Bool
    var lastIndex: UInt64
    var leaderLastIndex: UInt64
    /// The voters the leader reached (itself included) besides the added one, and the majority
    /// of the voters before the addition and after it.
    var reachWithout: Int
    var quorumWithout: Int
    var quorum: Int
    /// Its crash, if it was down, and its addition.
    var evidence: [EventRef]
}
