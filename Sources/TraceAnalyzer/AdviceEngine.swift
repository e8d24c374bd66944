import TraceFormat

/// Decides, for each disruption and each long stall, which feature would have prevented or
/// shortened it, by evaluating that feature's rule on the state recorded at that moment. Never
/// advises a feature that was on.
enum AdviceEngine {
    /// Stale reads served on a leader's lease (safety violations `staleRead` of mode `lease`):
    /// ReadIndex would have refused each, as a deposed leader cannot get a majority's heartbeat
    /// answers. One advice per node and leadership term that served them, citing the newer
    /// leader in place and the node's clock drift.
    static func adviseReads(violations: [SafetyViolation], leaders: [TermLeader], faults: [FaultInterval],
                            features: RaftFeatures) -> [Advice] {
        guard RaftRules.servesLeaseReads(features) else { return [] }
        var groups: [(node: UInt32, term: UInt64, reads: [SafetyViolation])] = []
        for v in violations where v.rule == .staleRead {
            guard let node = v.nodes.first, v.detail["mode"] == "\(ReadMode.lease)" else { continue }
            let term = leaders.last { $0.leader == node && $0.start <= v.time }?.term ?? 0
            if let k = groups.firstIndex(where: { $0.node == node && $0.term == term }) { groups[k].reads.append(v) } else {
                groups.append((node, term, [v]))
            }
        }
        return groups.map { g in
            let first = g.reads[0], last = g.reads[g.reads.count - 1]
            let newer = leaders.first { $0.term > g.term && $0.start <= first.time && $0.end >= first.time }
            let drift = faults.last { $0.kind == .drift && $0.nodes == [g.node] && $0.start <= first.time }
            var evidence = first.evidence
            if let d = drift { evidence.insert(contentsOf: d.evidence.prefix(1), at: 0) }
            return Advice(feature: .readIndex, disruptions: [], window: Window(start: first.time, end: last.time),
                          windowKind: "staleReads", leader: g.node, prevents: true, candidate: nil,
                          candidateLastIndex: nil, candidateLastTerm: nil, quorum: nil, preVoteGrants: nil, voters: [],
                          unavailabilityAvoided: 0, termsAvoided: 0, staleReads: g.reads.count,
                          newerLeader: newer?.leader, newerTerm: newer?.term,
                          driftPPM: drift.flatMap { $0.evidence.first?.fields["ppm"] }.flatMap { Int($0) },
                          reference: "Ongaro thesis §6.4 (ReadIndex); §6.4.1 (a lease assumes bounded clock drift)",
                          evidence: evidence)
        }
    }

    static func advise(disruptions: [Disruption], snapshots: [Int: DisruptionDetector.CampaignSnapshot],
                       stalls: [StallAssessment], features: RaftFeatures, timing: RaftTiming, quorum: Int,
                       roundTrip: UInt64) -> [Advice] {
        var out: [Advice] = []
        for d in disruptions {
            switch d.cause {
            case .rejoin, .partialConnectivity, .flappingLink, .electionTimeout, .removedServer:
                // (A leader that stepped down because it was itself removed has no campaign behind it.)
                guard let s = snapshots[d.id], let origin = d.origin else { continue }
                let preVoteGrants = 1 + s.voters.filter(\.grantsPreVote).count
                let stickyGrants = 1 + s.voters.filter(\.grantsWithStickiness).count
                let avoided = d.leaderlessFor ?? 0
                let terms = d.termInflation ?? 0
                func advice(_ f: Advice.Feature, prevents: Bool, grants: Int, reference: String) -> Advice {
                    Advice(feature: f, disruptions: [d.id], window: nil, windowKind: nil, leader: d.leader, prevents: prevents, candidate: origin,
                           candidateLastIndex: s.candidateLastIndex, candidateLastTerm: s.candidateLastTerm,
                           quorum: quorum, preVoteGrants: grants, voters: s.voters,
                           unavailabilityAvoided: prevents ? avoided : 0, termsAvoided: prevents ? terms : 0,
                           reference: reference, evidence: d.evidence)
                }
                if !features.preVote {
                    let a = advice(.preVote, prevents: preVoteGrants < quorum, grants: preVoteGrants,
                                   reference: "Ongaro thesis §9.6 (pre-vote)")
                    out.append(a)
                    if !a.prevents, !features.leaderStickiness {
                        out.append(advice(.leaderStickiness, prevents: stickyGrants < quorum, grants: stickyGrants,
                                          reference: "Ongaro thesis §4.2.3 (leader stickiness; etcd enables it with CheckQuorum)"))
                    }
                } else if !features.leaderStickiness {
                    out.append(advice(.leaderStickiness, prevents: stickyGrants < quorum, grants: stickyGrants,
                                      reference: "Ongaro thesis §4.2.3 (leader stickiness; etcd enables it with CheckQuorum)"))
                }
            case .crash:
                guard let window = d.leaderlessFor else { continue }
                out.append(Advice(feature: .leadershipTransfer, disruptions: [d.id], window: Window(start: d.time, end: d.time + window),
                                  windowKind: "leaderless", leader: d.leader, prevents: false, candidate: nil, candidateLastIndex: nil, candidateLastTerm: nil, quorum: quorum,
                                  preVoteGrants: nil, voters: [], unavailabilityAvoided: window > roundTrip ? window - roundTrip : 0,
                                  termsAvoided: 0, reference: "Ongaro thesis §3.10 (leadership transfer, for planned restarts only)",
                                  evidence: d.evidence))
            case .lostQuorum:
                continue
            }
        }
        if !features.checkQuorum {
            // Check-quorum steps a leader down after one election timeout without a majority's
            // answers; a new leader then needs about one more randomized timeout.
            let cost = 2 * timing.electionTimeoutMin + (timing.electionTimeoutMin + timing.electionTimeoutMax) / 2
            // Windows shorter than that could not have been shortened; they are not listed.
            for s in stalls where s.leaderReach < quorum && s.window.duration > cost {
                let helps = s.alternative != nil
                out.append(Advice(feature: .checkQuorum, disruptions: [], window: s.window, windowKind: s.kind,
                                  leader: s.leader, prevents: helps,
                                  candidate: s.alternative, candidateLastIndex: nil, candidateLastTerm: nil, quorum: quorum,
                                  preVoteGrants: s.leaderReach, voters: [], unavailabilityAvoided: helps ? s.window.duration - cost : 0,
                                  termsAvoided: 0, reference: "Ongaro thesis §6.2 (check-quorum)", evidence: s.evidence))
            }
        }
        return out
    }
}

/// A stall with what the leader could reach when it began.
struct StallAssessment {
    var window: Window
    /// "stall" or "leaderless", as in `Advice.windowKind`.
    var kind: String
    var leader: UInt32
    /// Nodes (the leader included) reachable both ways from the leader.
    var leaderReach: Int
    /// A running node that reaches a majority and could have led instead, if any.
    var alternative: UInt32?
    var evidence: [EventRef]
}
