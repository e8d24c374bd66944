import TraceFormat

/// A named run: its default configuration and the feature set that fixes what it shows.
public struct Scenario: Sendable {
    public var name: String
    public var summary: String
    public var configuration: RunConfiguration
    /// The features that prevent the disruption this scenario shows (used by tests, sample traces
    /// and the advice verification).
    public var fix: RaftFeatures

    public init(name: String, summary: String, configuration: RunConfiguration, fix: RaftFeatures) {
        self.name = name
        self.summary = summary
        self.configuration = configuration
        self.fix = fix
    }
}

private let ms = nsPerMillisecond
private let s = nsPerSecond

/// The built-in scenarios of raft-reference.md section 3 and a few more.
public enum ScenarioCatalog {
    public static let all: [Scenario] = [
        steady, leaderCrash, rejoin, partialConnectivityA, partialConnectivityB, chained, quorumLoss,
        flappingLink, slowNetwork, random, paperElection, laggingFollower, plannedRestart, removedServer,
        leaseReadDrift, replaceMember,
    ]

    public static func named(_ name: String) -> Scenario? { all.first { $0.name == name } }

    private static func make(_ name: String, _ summary: String, nodes: Int = 5, duration: UInt64 = 12 * s,
                             features: RaftFeatures = .init(), fix: RaftFeatures,
                             network: NetworkModel = .init(), faults: [ScheduledFault]) -> Scenario {
        Scenario(name: name, summary: summary,
                 configuration: RunConfiguration(scenario: name, summary: summary, seed: 1, duration: duration,
                                                 clusterSize: nodes, features: features, network: network,
                                                 faults: faults),
                 fix: fix)
    }

    private static let preVoteAndCheckQuorum = RaftFeatures(preVote: true, checkQuorum: true)

    public static let steady = make(
        "steady", "no faults: one election at start, then a stable leader", duration: 10 * s,
        fix: .init(), faults: [])

    public static let leaderCrash = make(
        "leader-crash", "the leader crashes at 3s and restarts at 6s; measures time without a leader",
        fix: preVoteAndCheckQuorum,
        faults: [ScheduledFault(at: 3 * s, .crash(.leader)), ScheduledFault(at: 6 * s, .restart(.crashed))])

    public static let rejoin = make(
        "rejoin", "a follower is cut off for 4s (many election timeouts), then rejoins with an inflated term",
        fix: RaftFeatures(preVote: true),
        faults: [ScheduledFault(at: 2 * s, .label("isolate a follower")), ScheduledFault(at: 2 * s, .isolate(.follower(0))),
                 ScheduledFault(at: 6 * s, .healAll)])

    /// {1,2,3} fully connected, 4 reaches only 2, 5 reaches only 3 (Howard & Abraham 2020).
    public static let partialConnectivityA = make(
        "partial-connectivity-a", "n1-n3 fully connected, n4 reaches only n2, n5 reaches only n3: no stable leader without pre-vote",
        fix: RaftFeatures(preVote: true),
        faults: [(4, 1), (4, 3), (4, 5), (5, 1), (5, 2)].map { a, b in
            ScheduledFault(at: 0, .cut(.node(NodeID(UInt32(a))), .node(NodeID(UInt32(b))), oneWay: false))
        })

    /// n4 leads and then reaches only n2; n5 is down. Pre-vote with stickiness deadlocks; check-quorum frees it.
    public static let partialConnectivityB = make(
        "partial-connectivity-b", "n4 leads, then reaches only n2 while n5 is down: with pre-vote alone nothing commits",
        duration: 10 * s, features: RaftFeatures(preVote: true, checkQuorum: false, leaderStickiness: true),
        fix: preVoteAndCheckQuorum,
        faults: [(1, 2), (1, 3), (1, 5), (2, 3), (2, 5), (3, 5)].map { a, b in
            ScheduledFault(at: 0, .cut(.node(NodeID(UInt32(a))), .node(NodeID(UInt32(b))), oneWay: false))
        } + [
            ScheduledFault(at: 3 * s, .healAll),
            ScheduledFault(at: 3 * s, .crash(.node(NodeID(5)))),
            ScheduledFault(at: 3 * s, .cut(.node(NodeID(4)), .node(NodeID(1)), oneWay: false)),
            ScheduledFault(at: 3 * s, .cut(.node(NodeID(4)), .node(NodeID(3)), oneWay: false)),
        ])

    /// Cloudflare 2020-11-02: one link between the leader and one follower fails.
    public static let chained = make(
        "chained", "three nodes; only the link between the leader and one follower is cut: without pre-vote, leadership flips",
        nodes: 3, fix: preVoteAndCheckQuorum,
        faults: [ScheduledFault(at: 2 * s, .cut(.leader, .follower(0), oneWay: false))])

    /// The leader reaches only one follower, which the other followers reach too (OmniPaxos paper).
    public static let quorumLoss = make(
        "quorum-loss", "the leader reaches only one follower: without check-quorum it stays leader and nothing commits",
        features: RaftFeatures(preVote: true, checkQuorum: false, leaderStickiness: true),
        fix: preVoteAndCheckQuorum,
        faults: [(NodeSelector.leader, NodeSelector.follower(1)), (.leader, .follower(2)), (.leader, .follower(3)),
                 (.follower(1), .follower(2)), (.follower(1), .follower(3)), (.follower(2), .follower(3))].map { a, b in
            ScheduledFault(at: 2 * s, .cut(a, b, oneWay: false))
        })

    public static let flappingLink = make(
        "flapping-link", "the link between the leader and a follower goes down and up every 400ms for 8s",
        fix: preVoteAndCheckQuorum,
        faults: [ScheduledFault(at: 2 * s, .flap(.leader, .follower(0), period: 400 * ms, until: 10 * s))])

    public static let slowNetwork = make(
        "slow-network", "message latency near the election timeout (normal, mean 70ms, sd 40ms): spurious elections",
        // No feature fixes this: check-quorum even steps down leaders whose acknowledgements come
        // late. A longer election timeout does (compare runs with --election-timeout).
        fix: .init(),
        network: NetworkModel(latency: .normal(mean: 70 * ms, stddev: 40 * ms, floor: 5 * ms)), faults: [])

    /// The Raft paper's section 9.3 experiment: no client load, logs of different lengths, heartbeat
    /// half the minimum election timeout, the leader crashed within a heartbeat interval of a
    /// broadcast. The measure is the time without a leader after the crash.
    public static let paperElection: Scenario = {
        var s = make("paper-9.3", "Raft paper 9.3: the leader crashes within a heartbeat interval of a broadcast; logs differ in length",
                     duration: 12 * s, fix: .init(),
                     faults: [ScheduledFault(at: 1_500 * ms, .crashLeaderAfterHeartbeat)])
        s.configuration.timing.heartbeatInterval = 75 * ms
        s.configuration.workload.writesPerSecond = 0
        s.configuration.initialLogLengths = [6, 6, 5, 4, 3]
        return s
    }()

    /// Log compaction (Raft §7): a follower is down while the others commit more entries than the
    /// leader keeps after its snapshot, so on its restart it is sent the snapshot.
    public static let laggingFollower: Scenario = {
        var s = make("lagging-follower", "a follower is down 2s-12s while logs are compacted every 300 entries: on restart it installs the leader's snapshot",
                     duration: 16 * s, fix: .init(),
                     faults: [ScheduledFault(at: 2 * s, .crash(.follower(0))), ScheduledFault(at: 12 * s, .restart(.crashed))])
        s.configuration.snapshots = SnapshotPolicy(every: 300, keep: 100)
        return s
    }()

    /// leader-crash as a planned restart: the leader is stopped the way etcd stops a member, handing
    /// leadership over first (thesis §3.10), so the cluster is without a leader for about a round
    /// trip instead of an election timeout.
    public static let plannedRestart = make(
        "planned-restart", "the leader is stopped at 3s as etcd stops a member (leadership handed over first) and restarts at 6s",
        fix: .init(),
        faults: [ScheduledFault(at: 3 * s, .stop(.leader)), ScheduledFault(at: 6 * s, .restart(.crashed))])

    /// A removed server (thesis §4.2.3): once the removal commits the leader stops sending to the
    /// server, which never learns it was removed, so its election timer keeps firing and each of
    /// its campaigns raises the term. Leader stickiness (with check-quorum) fixes it; pre-vote only
    /// while writes keep its log behind (in an idle cluster its log is as long as anyone's).
    public static let removedServer = make(
        "removed-server", "a follower is removed from the voters at 3s; it never learns it, and campaigns again and again",
        fix: .init(checkQuorum: true),
        faults: [ScheduledFault(at: 3 * s, .removeMember(.follower(0)))])

    /// Replacing a failed member as etcd's runbook does it, `member add` before the new member
    /// starts (thesis §4.2.1, etcd's learners): n4, a spare, is down and out of the voters; at 3s
    /// a voter fails, leaving 2 of 3 running, still a majority; at 5s n4 is added as a voter, so
    /// 3 of 4 are needed, and nothing commits until n4 starts (at 8s) and catches up. Added as a
    /// learner and promoted once caught up (`--learners`), it never counts before it can answer.
    public static let replaceMember = make(
        "replace-member", "a voter fails at 3s; its replacement n4 is added as a voter at 5s, before it starts at 8s",
        nodes: 4, fix: .init(learners: true),
        faults: [ScheduledFault(at: 1 * ms, .label("n4, a spare, is down and not a voter")),
                 ScheduledFault(at: 1 * ms, .crash(.node(NodeID(4)))),
                 ScheduledFault(at: 500 * ms, .removeMember(.node(NodeID(4)))),
                 ScheduledFault(at: 3 * s, .crash(.follower(0))),
                 ScheduledFault(at: 5 * s, .addMember(.node(NodeID(4)))),
                 ScheduledFault(at: 8 * s, .restart(.node(NodeID(4))))])

    /// Lease reads (etcd's ReadOnlyLeaseBased) assume bounded clock drift (thesis §6.4.1): the
    /// leader's clock runs at half speed from 2s, and at 3s it is cut off from the other servers
    /// (not from clients). The majority elects a new leader and commits writes while the old one,
    /// whose check-quorum timer now takes twice as long, still serves reads on its lease: stale
    /// reads. ReadIndex (lease reads off) serves none.
    public static let leaseReadDrift: Scenario = {
        var s = make("lease-read-drift", "lease reads with the leader's clock at half speed; the leader is cut off at 3s and serves stale reads",
                     duration: 8 * s, features: .init(checkQuorum: true, leaseReads: true), fix: .init(checkQuorum: true),
                     faults: [ScheduledFault(at: 2 * s, .drift(.leader, ppm: -500_000)), ScheduledFault(at: 3 * s, .isolate(.leader)),
                              ScheduledFault(at: 6 * s, .healAll)])
        s.configuration.workload.readsPerSecond = 100
        return s
    }()

    public static let random = make(
        "random", "seeded random faults: partitions, cuts, crashes, pauses and flapping links, healed every few seconds",
        duration: 30 * s, fix: preVoteAndCheckQuorum, faults: [])

    /// The `random` scenario's faults for a seed and duration: a fault every 1-3s, each undone
    /// 0.5-2.5s later, then a quiet last 3s so the cluster can recover (a liveness phase).
    public static func randomFaults(seed: UInt64, nodes: Int, duration: UInt64) -> [ScheduledFault] {
        var rng = SplitMix64(seed: seed ^ 0x5EED_FA17)
        var faults: [ScheduledFault] = []
        var t = 1 * s
        func node() -> NodeSelector { .node(NodeID(UInt32(1 + rng.next() % UInt64(nodes)))) }
        while t + 3 * s < duration {
            let undo = t + 500 * ms + (rng.next() % 2_000) * ms
            switch rng.next() % 6 {
            case 0:
                faults.append(ScheduledFault(at: t, .isolate(.leader)))
                faults.append(ScheduledFault(at: undo, .healAll))
            case 1:
                faults.append(ScheduledFault(at: t, .crash(.leader)))
                faults.append(ScheduledFault(at: undo, .restart(.crashed)))
            case 2:
                faults.append(ScheduledFault(at: t, .cut(.leader, .follower(Int(rng.next() % 2)), oneWay: false)))
                faults.append(ScheduledFault(at: undo, .healAll))
            case 3:
                faults.append(ScheduledFault(at: t, .pause(node(), duration: undo - t)))
            case 4:
                faults.append(ScheduledFault(at: t, .flap(node(), node(), period: 200 * ms + (rng.next() % 400) * ms, until: undo)))
            default:
                let split = 1 + Int(rng.next() % UInt64(nodes - 1))
                let ids = (1...nodes).map { NodeSelector.node(NodeID(UInt32($0))) }
                faults.append(ScheduledFault(at: t, .partition(groups: [Array(ids[..<split]), Array(ids[split...])])))
                faults.append(ScheduledFault(at: undo, .healAll))
            }
            t = undo + 500 * ms + (rng.next() % 1_500) * ms
        }
        faults.append(ScheduledFault(at: t, .healAll))
        faults.append(ScheduledFault(at: t, .restart(.crashed)))
        return faults.sorted { $0.at < $1.at }
    }
}
