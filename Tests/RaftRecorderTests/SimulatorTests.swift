import Foundation
import TestSupport
import Testing
import TraceFormat
@testable import RaftRecorder

/// Facts about a simulated run that the scenario tests compare, read off its events.
struct RunFacts {
    var stepDowns = 0
    var maxTerm: UInt64 = 0
    var leadersElected = 0
    var preVoteRejections = 0
    var commitsAfter: [UInt64: Int] = [:]
    var events: [TraceEvent]

    init(_ events: [TraceEvent], commitsAfter marks: [UInt64] = []) {
        self.events = events
        for e in events {
            switch e.kind {
            case .leaderSteppedDown: stepDowns += 1
            case .termChanged(_, let to, _): maxTerm = max(maxTerm, to)
            case .becameLeader: leadersElected += 1
            case .voteRejected(_, _, true, _): preVoteRejections += 1
            case .clientResponse(_, .ok, _):
                for m in marks where e.time >= m { commitsAfter[m, default: 0] += 1 }
            default: break
            }
        }
    }
}

func run(_ scenario: Scenario, features: RaftFeatures? = nil, seed: UInt64 = 1, duration: UInt64? = nil) throws -> [TraceEvent] {
    var c = scenario.configuration
    if let features { c.features = features }
    c.seed = seed
    if let duration { c.duration = duration }
    return try Recorder.events(c)
}

/// Each catalog scenario shows what raft-reference.md section 3 says, without and with its fix.
@Suite struct ScenarioBehaviourTests {
    @Test func steadyClusterElectsOnceAndCommits() throws {
        let f = RunFacts(try run(ScenarioCatalog.steady), commitsAfter: [nsPerSecond])
        #expect(f.leadersElected == 1)
        #expect(f.stepDowns == 0)
        #expect(f.commitsAfter[nsPerSecond, default: 0] > 500)
    }

    @Test func rejoinWithoutPreVoteForcesOneStepDownAndPreVotePreventsIt() throws {
        let without = RunFacts(try run(ScenarioCatalog.rejoin))
        #expect(without.stepDowns == 1)
        #expect(without.maxTerm > 5)
        let with = RunFacts(try run(ScenarioCatalog.rejoin, features: ScenarioCatalog.rejoin.fix))
        #expect(with.stepDowns == 0)
        #expect(with.maxTerm == 1)
        #expect(with.preVoteRejections > 0)
    }

    /// A removed server that never learns it was removed campaigns again and again; leader
    /// stickiness (on with check-quorum) stops it. In an idle cluster its log is as long as
    /// anyone's, so pre-vote does not (thesis §4.2.3).
    @Test func removedServerDisruptsRepeatedlyUnlessStickiness() throws {
        let s = ScenarioCatalog.removedServer
        let without = RunFacts(try run(s))
        #expect(without.stepDowns >= 3)
        #expect(RunFacts(try run(s, features: s.fix)).stepDowns == 0)
        var idle = s
        idle.configuration.workload.writesPerSecond = 0
        #expect(RunFacts(try run(idle, features: RaftFeatures(preVote: true))).stepDowns >= 1)
        #expect(RunFacts(try run(idle, features: s.fix)).stepDowns == 0)
    }

    /// A replacement added as a voter before it starts takes the majority with it: 2 of 3
    /// running voters committed, 2 of 4 do not, until it starts and catches up. Added as a
    /// learner, it is promoted only once caught up, and the writes go on.
    @Test func replacingAMemberStallsUnlessTheNewOneJoinsAsALearner() throws {
        let s = ScenarioCatalog.replaceMember
        let (added, started) = (5 * nsPerSecond + 100 * nsPerMillisecond, 8 * nsPerSecond)
        func okBetween(_ f: RunFacts) -> Int {
            f.events.filter { e in if case .clientResponse(_, .ok, _) = e.kind { e.time >= added && e.time < started } else { false } }.count
        }
        let without = RunFacts(try run(s))
        #expect(okBetween(without) == 0)
        #expect(without.events.contains { if case .membershipChangeApplied(.addVoter, NodeID(4), _) = $0.kind { $0.time < added } else { false } })
        #expect(!without.events.contains { if case .membershipChangeApplied(.addLearner, _, _) = $0.kind { true } else { false } })
        let with = RunFacts(try run(s, features: s.fix))
        #expect(okBetween(with) > 200)
        let learner = try #require(with.events.first { if case .membershipChangeApplied(.addLearner, NodeID(4), _) = $0.kind { true } else { false } })
        let promoted = try #require(with.events.first { if case .membershipChangeApplied(.addVoter, NodeID(4), _) = $0.kind { true } else { false } })
        #expect(learner.time < started && promoted.time > started)
        #expect(with.stepDowns == 0 && without.stepDowns == 0)
    }

    @Test func partialConnectivityAHasNoStableLeaderWithoutPreVote() throws {
        let s = ScenarioCatalog.partialConnectivityA
        let without = RunFacts(try run(s))
        #expect(without.stepDowns >= 3)
        let with = RunFacts(try run(s, features: s.fix))
        #expect(with.stepDowns == 0)
        #expect(with.leadersElected == 1)
    }

    @Test func partialConnectivityBDeadlocksWithPreVoteAloneAndCheckQuorumFreesIt() throws {
        let s = ScenarioCatalog.partialConnectivityB
        let mark = 4 * nsPerSecond
        let without = RunFacts(try run(s), commitsAfter: [mark])
        #expect(without.commitsAfter[mark, default: 0] == 0)
        let with = RunFacts(try run(s, features: s.fix), commitsAfter: [mark])
        #expect(with.events.contains { if case .leaderSteppedDown(_, .lostQuorum) = $0.kind { true } else { false } })
        #expect(with.commitsAfter[mark, default: 0] > 100)
    }

    @Test func chainedCutDisruptsTheLeaderUnlessPreVoteAndStickiness() throws {
        let s = ScenarioCatalog.chained
        let without = RunFacts(try run(s))
        #expect(without.stepDowns >= 1)
        #expect(without.maxTerm > 1)
        let with = RunFacts(try run(s, features: s.fix))
        #expect(with.stepDowns == 0)
        #expect(with.maxTerm == 1)
    }

    @Test func quorumLossLeavesAStuckLeaderUnlessCheckQuorum() throws {
        let s = ScenarioCatalog.quorumLoss
        let mark = 3 * nsPerSecond
        let without = RunFacts(try run(s), commitsAfter: [mark])
        #expect(without.commitsAfter[mark, default: 0] == 0)
        #expect(without.stepDowns == 0)
        let with = RunFacts(try run(s, features: s.fix), commitsAfter: [mark])
        #expect(with.stepDowns >= 1)
        #expect(with.commitsAfter[mark, default: 0] > 100)
    }

    /// A leader stopped as etcd stops a member hands leadership to the follower with the longest
    /// log first, steps down for it (reason transfer) and goes down as soon as it follows the new
    /// leader; the cluster is without a leader for about a round trip, where leader-crash's crash
    /// costs an election timeout.
    @Test func plannedRestartHandsLeadershipOverBeforeStopping() throws {
        let events = try run(ScenarioCatalog.plannedRestart)
        let started = try #require(events.first { $0.kind.tag == .transferStarted })
        guard case .transferStarted(let target, let term) = started.kind, let old = started.node else { return }
        #expect(started.time == 3 * nsPerSecond)
        let finished = try #require(events.first { $0.kind.tag == .transferFinished })
        #expect(finished.kind == .transferFinished(target: target, term: term, succeeded: true))
        #expect(events.contains { $0.node == old && $0.kind == .leaderSteppedDown(term: term, reason: .transfer) })
        #expect(events.contains { $0.node == target && $0.kind == .becameLeader(term: term + 1) })
        let down = try #require(events.first { $0.node == old && $0.kind.tag == .nodeCrashed })
        #expect(down.time > finished.time)
        let follows = try #require(events.first { $0.node == old && $0.kind == .becameFollower(term: term + 1, leader: target) })
        #expect(down.time == follows.time)
        let newLeader = try #require(events.first { $0.node == target && $0.kind.tag == .becameLeader })
        #expect(newLeader.time - started.time < ScenarioCatalog.plannedRestart.configuration.timing.electionTimeoutMin / 2)
        // No node's election timer had to fire for it.
        #expect(!events.contains { $0.kind.tag == .electionTimerFired && $0.time > started.time && $0.time < newLeader.time })
    }

    /// A leader being stopped whose transferee never takes over (here every link of the leader is
    /// cut just before) goes down when the transfer gives up, a minimum election timeout later.
    @Test func stoppedLeaderWhoseTransferFailsGoesDownAfterAnElectionTimeout() throws {
        var s = ScenarioCatalog.plannedRestart
        s.configuration.faults = [ScheduledFault(at: 3 * nsPerSecond - 1_000, .isolate(.leader)),
                                  ScheduledFault(at: 3 * nsPerSecond, .stop(.leader))]
        let events = try run(s)
        let started = try #require(events.first { $0.kind.tag == .transferStarted })
        guard case .transferStarted(let target, let term) = started.kind, let old = started.node else { return }
        #expect(events.contains { $0.node == old && $0.kind == .transferFinished(target: target, term: term, succeeded: false) })
        let down = try #require(events.first { $0.node == old && $0.kind.tag == .nodeCrashed })
        #expect(down.time == started.time + s.configuration.timing.electionTimeoutMin)
    }

    /// A leader being stopped hands over to a voter: in an idle cluster a removed follower's log
    /// is as long as any (and it is the first follower), but it is not a candidate for the transfer.
    @Test func stoppedLeaderHandsOverToAVoterNotARemovedServer() throws {
        var s = ScenarioCatalog.plannedRestart
        s.configuration.workload.writesPerSecond = 0
        s.configuration.features = RaftFeatures(checkQuorum: true)  // so the removed server cannot take over
        s.configuration.faults = [ScheduledFault(at: 2 * nsPerSecond, .removeMember(.follower(0))),
                                  ScheduledFault(at: 3 * nsPerSecond, .stop(.leader))]
        let events = try run(s)
        let removal = try #require(events.first { $0.kind.tag == .membershipChangeApplied })
        guard case .membershipChangeApplied(.remove, let removed, _) = removal.kind else { Issue.record("\(removal)"); return }
        let started = try #require(events.first { $0.kind.tag == .transferStarted })
        guard case .transferStarted(let target, let term) = started.kind else { return }
        #expect(target != removed)
        #expect(events.contains { $0.node == target && $0.kind == .becameLeader(term: term + 1) })
    }

    /// Faults at one instant name the same nodes: `follower` and `follower2` are two followers
    /// even when the first fault crashes one. A fault that names no node, or has nothing to do,
    /// is reported, not silently dropped.
    @Test func faultsAtOneInstantNameTheSameNodesAndIdleOnesAreReported() throws {
        var c = ScenarioCatalog.steady.configuration
        c.clusterSize = 3
        c.duration = 4 * nsPerSecond
        c.faults = [ScheduledFault(at: 2 * nsPerSecond, .crash(.follower(0))),
                    ScheduledFault(at: 2 * nsPerSecond, .crash(.follower(1))),
                    ScheduledFault(at: 3 * nsPerSecond, .crash(.follower(2))),
                    ScheduledFault(at: 3 * nsPerSecond, .restart(.node(NodeID(UInt32(1))))),
                    ScheduledFault(at: 3 * nsPerSecond, .addMember(.follower(0)))]
        let sink = MemorySink()
        var sim = Simulator(configuration: c, sink: sink)
        try sim.run()
        let crashed = Set(sink.events.filter { $0.kind.tag == .nodeCrashed }.compactMap(\.node))
        let leader = try #require(sink.events.last { $0.kind.tag == .becameLeader }?.node)
        #expect(crashed.count == 2 && !crashed.contains(leader))
        // follower3 does not exist; n1 runs (unless it crashed, then it restarts); nobody leads to add
        // a voter that is one anyway.
        let expected = crashed.contains(NodeID(UInt32(1))) ? [2] : [2, 3]
        #expect(sim.statistics.faultsIgnored.filter { $0 != 4 } == expected)
        #expect(FaultAction.crash(.follower(1)).description == "crash: follower2")
        #expect(FaultAction.cut(.node(NodeID(UInt32(2))), .leader, oneWay: true).description == "cut-one-way: [n2, leader]")
    }

    /// A membership change asked for while no leader can take it (the leader is paused) is tried
    /// again every heartbeat interval, as an operator retries `etcdctl member remove`, and the
    /// next leader proposes it; one that would change nothing (adding a voter) is dropped.
    /// While no node leads, every request is redirected ("not leader") and sent again, over and
    /// over; the client still gives up once `giveUpAfter` has passed since it first sent it
    /// (it used to go on being redirected for as long as no node led).
    @Test func redirectedRequestsGiveUpToo() throws {
        var s = ScenarioCatalog.steady
        s.configuration.duration = 8 * nsPerSecond
        // Votes take longer than any election timeout to arrive: nobody is ever elected.
        s.configuration.network.latency = .uniform(min: nsPerSecond, max: 2 * nsPerSecond)
        let events = try run(s)
        #expect(!events.contains { $0.kind.tag == .becameLeader })
        let answers = events.compactMap { e -> (outcome: ClientOutcome, latency: UInt64)? in
            guard case .clientResponse(_, let outcome, let latency) = e.kind, outcome != .notLeader else { return nil }
            return (outcome, latency)
        }
        let w = s.configuration.workload, hb = s.configuration.timing.heartbeatInterval
        #expect(answers.count > 200 && answers.allSatisfy { $0.outcome == .timeout })
        #expect(answers.allSatisfy { $0.latency >= w.giveUpAfter && $0.latency <= w.giveUpAfter + hb })
    }

    @Test func membershipChangesWaitForALeader() throws {
        var s = ScenarioCatalog.steady
        s.configuration.duration = 5 * nsPerSecond
        let at = 2 * nsPerSecond, hb = s.configuration.timing.heartbeatInterval
        s.configuration.faults = [ScheduledFault(at: at, .pause(.leader, duration: 2 * nsPerSecond)),
                                  ScheduledFault(at: at, .removeMember(.node(NodeID(5)))),
                                  ScheduledFault(at: at, .addMember(.node(NodeID(4))))]
        let events = try run(s)
        let paused = try #require(events.first { $0.kind.tag == .nodePaused })
        let next = try #require(events.first { $0.time > at && $0.kind.tag == .becameLeader })
        let proposals = events.filter { $0.kind.tag == .membershipChangeProposed }
        #expect(proposals.count == 1)
        let p = try #require(proposals.first)
        guard case .membershipChangeProposed(.remove, NodeID(5), _) = p.kind else { Issue.record("\(p)"); return }
        #expect(p.node == next.node && p.node != paused.node)
        // At one of the first retries after the new leader took office (like etcd's, it takes no
        // change before it has committed an entry of its term).
        #expect(p.time > next.time && p.time <= next.time + 2 * hb && (p.time - at) % hb == 0)
    }

    /// The follower down for 10s misses about 1,000 entries, more than the 100 the leader keeps
    /// after its snapshot: on restart it is sent the snapshot once, installs it, and then holds
    /// the same entries as the leader. With compaction off it takes every entry by append.
    @Test func laggingFollowerInstallsTheLeadersSnapshotOnRestart() throws {
        let s = ScenarioCatalog.laggingFollower
        let events = try run(s)
        let restart = try #require(events.last { if case .nodeStarted(let r) = $0.kind { r.restart } else { false } })
        let node = try #require(restart.node)
        let installs = events.filter { $0.node == node && $0.time >= restart.time && $0.kind.tag == .snapshotInstalled }
        #expect(installs.count == 1)
        let sent = events.filter { if case .snapshotSent(let to, _, _) = $0.kind { to == node } else { false } }
        #expect(sent.count >= 1)
        // After the install it applies only entries past the snapshot, and catches up. (Before
        // it, it re-applies the entries of its own log that the leader's heartbeat says are
        // committed: it crashed before its first snapshot.)
        let at = try #require(events.firstIndex { $0.node == node && $0.time >= restart.time && $0.kind.tag == .snapshotInstalled })
        guard case .snapshotInstalled(let index, _) = events[at].kind else { return }
        let applied = events[(at + 1)...].filter { $0.node == node }.compactMap { e -> UInt64? in
            if case .entryApplied(let i, _, _) = e.kind { i } else { nil }
        }
        #expect(applied.first == index + 1)
        #expect(zip(applied, applied.dropFirst()).allSatisfy { $1 == $0 + 1 })
        let leaderApplied = events.compactMap { e -> UInt64? in
            if e.node != node, case .entryApplied(let i, _, _) = e.kind { i } else { nil }
        }.max() ?? 0
        #expect((applied.last ?? 0) + 50 >= leaderApplied)

        var off = s.configuration
        off.snapshots = nil
        let plain = try Recorder.events(off)
        #expect(!plain.contains { $0.kind.tag == .snapshotInstalled || $0.kind.tag == .snapshotSent })
    }

    @Test(arguments: ["leader-crash", "flapping-link", "slow-network", "random"])
    func otherScenariosRunAndRecover(_ name: String) throws {
        let s = try #require(ScenarioCatalog.named(name))
        let end = s.configuration.duration
        let f = RunFacts(try run(s), commitsAfter: [end - 2 * nsPerSecond])
        #expect(f.leadersElected >= 1)
        if name != "slow-network" { #expect(f.commitsAfter[end - 2 * nsPerSecond, default: 0] > 0) }
        let kinds = Set(f.events.map(\.kind.tag))
        switch name {
        case "leader-crash": #expect(kinds.isSuperset(of: [.nodeCrashed, .nodeStarted]))
        case "flapping-link": #expect(kinds.isSuperset(of: [.linkCut, .linkHealed]))
        default: break
        }
    }
}

/// A link is a stream: messages arrive in the order they were sent, though their latencies are
/// drawn independently, unless `reordering` holds some back.
@Suite struct NetworkOrderTests {
    /// Pairs of messages on the same link delivered in the opposite order to their sending.
    func overtakes(reordering: Double) throws -> (overtaken: Int, delivered: Int) {
        var c = ScenarioCatalog.steady.configuration
        c.duration = 3 * nsPerSecond
        c.network.reordering = reordering
        var link: [UInt64: DirectedLink] = [:]  // message id -> its link
        var lastDelivered: [DirectedLink: UInt64] = [:]  // the newest id delivered on each link
        var overtaken = 0, delivered = 0
        for e in try Recorder.events(c) {
            switch e.kind {
            case .messageSent(let m): link[m.id] = DirectedLink(from: try #require(e.node), to: m.to)
            case .messageDelivered(let id):
                let l = try #require(link[id])
                delivered += 1
                if let last = lastDelivered[l], last > id { overtaken += 1 }
                lastDelivered[l] = max(lastDelivered[l] ?? 0, id)
            default: break
            }
        }
        return (overtaken, delivered)
    }

    /// Two sites: links between them take 40 ms and lose a tenth of their messages; links within
    /// a site take 1 ms and lose none. A run without link settings draws the same latencies as
    /// before they existed (its trace is that of the network alone).
    @Test func linkSettingsGiveLinksTheirOwnLatencyAndLoss() throws {
        var c = ScenarioCatalog.steady.configuration
        c.duration = 5 * nsPerSecond
        c.network.latency = .fixed(nsPerMillisecond)
        let site = { (a: UInt32) in a <= 3 ? 0 : 1 }
        c.network.links = [LinkSettings(between: [1, 2, 3].map { NodeID($0) }, and: [4, 5].map { NodeID($0) },
                                        latency: .fixed(40 * nsPerMillisecond), loss: 0.1)]
        var sent: [UInt64: (time: UInt64, from: UInt32, to: UInt32)] = [:]
        var latencies: [Bool: [UInt64]] = [:]  // crossing sites -> delivery latencies
        var losses: [Bool: Int] = [:], sends: [Bool: Int] = [:]
        for e in try Recorder.events(c) {
            switch e.kind {
            case .messageSent(let m):
                let from = try #require(e.node).rawValue
                sent[m.id] = (e.time, from, m.to.rawValue)
                sends[site(from) != site(m.to.rawValue), default: 0] += 1
            case .messageDelivered(let id):
                let s = try #require(sent[id])
                latencies[site(s.from) != site(s.to), default: []].append(e.time - s.time)
            case .messageDropped(let id, .loss):
                let s = try #require(sent[id])
                losses[site(s.from) != site(s.to), default: 0] += 1
            default: break
            }
        }
        let local = try #require(latencies[false]), crossing = try #require(latencies[true])
        #expect(local.count > 1_000 && crossing.count > 500)
        #expect(local.allSatisfy { $0 >= nsPerMillisecond && $0 < 40 * nsPerMillisecond })
        #expect(crossing.allSatisfy { $0 >= 40 * nsPerMillisecond })
        #expect(losses[false] == nil)
        let share = Double(losses[true] ?? 0) / Double(sends[true] ?? 1)
        #expect(share > 0.05 && share < 0.15, "\(share)")

        // Without link settings, the run is the one recorded before they existed.
        var plain = ScenarioCatalog.steady.configuration
        plain.duration = 2 * nsPerSecond
        var same = plain
        same.network.links = [LinkSettings(between: [NodeID(1)], and: [NodeID(2)])]  // neither latency nor loss
        #expect(try Recorder.events(plain) == Recorder.events(same))
    }

    @Test func linksDeliverInOrderUnlessReordering() throws {
        let inOrder = try overtakes(reordering: 0)
        #expect(inOrder.delivered > 1_000)
        #expect(inOrder.overtaken == 0)
        let reordered = try overtakes(reordering: 0.2)
        #expect(reordered.overtaken > 0)
    }
}

/// The random scenario for `seed` over `duration`, on a network that also loses, duplicates and
/// reorders messages.
func randomScenario(seed: UInt64, duration: UInt64, loss: Double, duplication: Double = 0,
                    reordering: Double = 0) -> RunConfiguration {
    var c = ScenarioCatalog.random.configuration
    c.seed = seed
    c.duration = duration
    c.network.loss = loss
    c.network.duplication = duplication
    c.network.reordering = reordering
    return c
}

/// Every copy of a message lands once: delivered, or dropped with a reason. In-order messages wait
/// in per-link queues and the others (held back, duplicates' second copies) in the event heap;
/// this checks the two together, under loss, duplication and reordering on top of the random
/// scenario's partitions, crashes, pauses and flapping links.
@Suite struct MessageAccountingTests {
    /// Outcomes (deliveries and drops) per message id, and when each was sent.
    func outcomes(_ c: RunConfiguration) throws -> (sent: [UInt64: UInt64], landed: [UInt64: Int]) {
        var sent: [UInt64: UInt64] = [:]
        var landed: [UInt64: Int] = [:]
        for e in try Recorder.events(c) {
            switch e.kind {
            case .messageSent(let m): sent[m.id] = e.time
            case .messageDelivered(let id), .messageDropped(let id, _):
                let t = try #require(sent[id], "message \(id) landed before it was sent")
                #expect(e.time >= t)
                landed[id, default: 0] += 1
            default: break
            }
        }
        return (sent, landed)
    }

    @Test(arguments: [3, 4, 5] as [UInt64])
    func everyCopyOfAMessageLandsOnce(seed: UInt64) throws {
        let c = randomScenario(seed: seed, duration: 10 * nsPerSecond, loss: 0.02, duplication: 0.05, reordering: 0.1)
        let (sent, landed) = try outcomes(c)
        #expect(sent.count > 5_000)
        #expect(landed.values.allSatisfy { $0 <= 2 })
        #expect(landed.values.contains(2))  // duplicates were delivered twice
        // The random scenario ends with 3 quiet seconds: whatever was sent before the last
        // second has landed.
        let lost = sent.filter { $0.value < c.duration - nsPerSecond && landed[$0.key] == nil }
        #expect(lost.isEmpty, "\(lost.count) messages sent before the last second never landed")
    }

    /// Messages that reach a paused node wait for it to resume; if it crashes first, they are
    /// dropped (receiver down), not forgotten.
    @Test func messagesQueuedAtAPausedNodeThatCrashesAreDropped() throws {
        var c = ScenarioCatalog.steady.configuration
        c.duration = 4 * nsPerSecond
        c.faults = [ScheduledFault(at: 1 * nsPerSecond, .pause(.node(NodeID(2)), duration: 2 * nsPerSecond)),
                    ScheduledFault(at: 2 * nsPerSecond, .crash(.node(NodeID(2)))),
                    ScheduledFault(at: 3 * nsPerSecond, .restart(.crashed))]
        let (sent, landed) = try outcomes(c)
        let lost = sent.filter { $0.value < c.duration - nsPerSecond && landed[$0.key] == nil }
        #expect(lost.isEmpty, "\(lost.count) messages sent before the last second never landed")
    }
}

/// Every client write ends once: acknowledged (ok) or given up on (timeout), whatever happened to
/// the nodes it was sent to; "not leader" answers are only steps along the way. Without faults,
/// every one is acknowledged.
@Test(arguments: [(3, true), (4, true), (5, true), (1, false)] as [(UInt64, Bool)])
func everyClientWriteEndsOnce(seed: UInt64, faults: Bool) throws {
    var c = ScenarioCatalog.steady.configuration
    c.duration = 12 * nsPerSecond
    if faults { c = randomScenario(seed: seed, duration: c.duration, loss: 0.02) }
    var firstIssued: [UInt64: UInt64] = [:]
    var endings: [UInt64: [ClientOutcome]] = [:]
    for e in try Recorder.events(c) {
        switch e.kind {
        case .clientRequest(let id, _):
            if firstIssued[id] == nil { firstIssued[id] = e.time }
        case .clientResponse(let id, let outcome, _) where outcome == .ok || outcome == .timeout:
            #expect(firstIssued[id] != nil, "request \(id) answered before it was issued")
            endings[id, default: []].append(outcome)
        default: break
        }
    }
    #expect(firstIssued.count > 500)
    #expect(endings.values.allSatisfy { $0.count == 1 }, "a write answered twice")
    // Whatever was first issued early enough to be either acknowledged or given up on has ended.
    let settled = c.duration - c.workload.giveUpAfter - c.workload.requestTimeout
    let open = firstIssued.filter { $0.value < settled && endings[$0.key] == nil }
    #expect(open.isEmpty, "\(open.count) writes issued before \(settled) ns never ended")
    if !faults {
        let acknowledged = endings.values.filter { $0 == [.ok] }.count
        #expect(acknowledged == endings.count, "\(endings.count - acknowledged) writes given up on without faults")
    }
}

/// A crashed node does nothing until it restarts, and a paused one nothing until it resumes: the
/// only events at them are requests clients send them and drops of messages addressed to them.
@Test func downAndPausedNodesDoNothing() throws {
    var crashes = 0, pauses = 0
    for seed in 1...10 as ClosedRange<UInt64> {
        let c = randomScenario(seed: seed, duration: 12 * nsPerSecond, loss: 0.02, duplication: 0.02, reordering: 0.05)
        var down = Set<NodeID>(), paused = Set<NodeID>()
        var wrong: [String] = []
        for e in try Recorder.events(c) {
            guard let n = e.node else { continue }
            switch e.kind {
            case .nodeCrashed: down.insert(n); paused.remove(n); crashes += 1
            case .nodeStarted: down.remove(n)
            case .nodePaused: paused.insert(n); pauses += 1
            case .nodeResumed: paused.remove(n)
            case .clientRequest, .messageDropped: break
            default:
                if down.contains(n) || paused.contains(n) { wrong.append("\(e.time) ns: \(n) \(e.kind.tag)") }
            }
        }
        #expect(wrong.isEmpty, "seed \(seed): \(wrong.prefix(5))")
    }
    #expect(crashes > 0 && pauses > 0)  // the seeds do exercise both
}

/// Timings the simulator cannot run are refused with the reason, before anything runs.
@Test(arguments: [
    (RaftTiming(heartbeatInterval: 0), "the heartbeat interval must be at least 1ms, not 0s"),
    (RaftTiming(electionTimeoutMin: 50 * nsPerMillisecond, electionTimeoutMax: 60 * nsPerMillisecond, heartbeatInterval: 50 * nsPerMillisecond),
     "the minimum election timeout (50ms) must be longer than the heartbeat interval (50ms), as etcd requires: followers would time out between heartbeats"),
    (RaftTiming(electionTimeoutMin: 150 * nsPerMillisecond, electionTimeoutMax: 150 * nsPerMillisecond), "the election timeout range must not be empty"),
])
func timingsThatCannotRunAreRefused(timing: RaftTiming, problem: String) throws {
    #expect(timing.problem == problem)
    var c = ScenarioCatalog.steady.configuration
    c.timing = timing
    #expect(throws: Recorder.InvalidConfiguration.self) { _ = try Recorder.events(c) }
    #expect(throws: Recorder.InvalidConfiguration.self) { _ = try Recorder.record(c, to: nil) }
    #expect(ScenarioCatalog.all.allSatisfy { $0.configuration.timing.problem == nil })
}

@Suite struct DeterminismTests {
    @Test func sameSeedAndOptionsGiveAByteIdenticalTrace() throws {
        var c = ScenarioCatalog.random.configuration
        c.seed = 7
        c.duration = 8 * nsPerSecond
        let a = Scratch.path("det-a.trace")
        let b = Scratch.path("det-b.trace")
        _ = try Recorder.record(c, to: a)
        _ = try Recorder.record(c, to: b)
        let da = try Data(contentsOf: URL(fileURLWithPath: a))
        #expect(da == (try Data(contentsOf: URL(fileURLWithPath: b))))
        c.seed = 8
        _ = try Recorder.record(c, to: b)
        #expect(da != (try Data(contentsOf: URL(fileURLWithPath: b))))
    }

    @Test func metadataHoldsTheExactFaultScheduleToReRun() throws {
        var c = ScenarioCatalog.random.configuration
        c.seed = 11
        let path = Scratch.path("meta.trace")
        _ = try Recorder.record(c, to: path)
        let meta = try TraceFile.open(path).metadata
        #expect(!meta.run.faults.isEmpty)
        #expect(meta.run == Recorder.resolved(c))
        #expect(meta.writer.name == "raftrecord")
    }
}

/// Election safety, state machine safety and commit monotonicity, checked over many seeds of the
/// random scenario. The checker lives here, apart from the code it checks.
struct SafetyChecker {
    var leaderOfTerm: [UInt64: NodeID] = [:]
    var applied: [UInt64: (term: UInt64, hash: UInt64)] = [:]
    var commit: [NodeID: UInt64] = [:]
    var violations: [String] = []

    mutating func check(_ e: TraceEvent) {
        guard let n = e.node else { return }
        switch e.kind {
        case .becameLeader(let term):
            if let other = leaderOfTerm[term], other != n { violations.append("two leaders in term \(term): \(other), \(n)") }
            leaderOfTerm[term] = n
        case .entryApplied(let index, let term, let hash):
            if let a = applied[index], a != (term, hash) {
                violations.append("index \(index) applied as \(a) and as \((term, hash)) on \(n)")
            }
            applied[index] = (term, hash)
        case .commitAdvanced(let from, let to):
            if from != commit[n, default: 0] || to < from { violations.append("\(n) commit moved \(from)->\(to)") }
            commit[n] = to
        case .nodeStarted:
            commit[n] = 0  // the commit index is volatile
        case .snapshotInstalled(let index, _):
            if index < commit[n, default: 0] { violations.append("\(n) installed snapshot \(index) below its commit") }
            commit[n] = index  // the snapshot's entries are applied
        default:
            break
        }
    }
}

@Test(arguments: 1...200)
func randomFaultsNeverViolateSafety(seed: Int) throws {
    var c = ScenarioCatalog.random.configuration
    c.seed = UInt64(seed)
    c.duration = 10 * nsPerSecond
    // Logs compacted every few dozen entries, so snapshots are taken, sent and installed
    // (by nodes that were down or cut off) all through the run.
    c.snapshots = SnapshotPolicy(every: 30 + seed % 50, keep: seed % 20)
    // And leadership handed over now and then, amid the faults (to a follower that may be cut
    // off, crashed or behind).
    var rng = SplitMix64(seed: UInt64(seed) &* 31)
    for _ in 0..<3 {
        c.faults.append(ScheduledFault(at: 1 * nsPerSecond + rng.next() % (8 * nsPerSecond), .transfer(.follower(Int(rng.next() % 3)))))
    }
    // And membership changes: a node (the leader, at times) removed and added back, twice: in
    // odd seeds added back as a learner and promoted once caught up; in every fourth, added as a
    // learner explicitly before it is added back as a voter (promoted).
    c.features.learners = seed % 2 == 1
    for _ in 0..<2 {
        let node = NodeSelector.node(NodeID(UInt32(1 + rng.next() % 5)))
        let at = 1 * nsPerSecond + rng.next() % (6 * nsPerSecond)
        c.faults.append(ScheduledFault(at: at, .removeMember(node)))
        if seed % 4 == 2 { c.faults.append(ScheduledFault(at: at + 200 * nsPerMillisecond, .addLearner(node))) }
        c.faults.append(ScheduledFault(at: at + 500 * nsPerMillisecond + rng.next() % (2 * nsPerSecond), .addMember(node)))
    }
    c.faults.sort { $0.at < $1.at }
    var checker = SafetyChecker()
    for e in try Recorder.events(c) { checker.check(e) }
    #expect(checker.violations.isEmpty,
            "seed \(seed): random scenario, 10s, snapshots every \(30 + seed % 50) keeping \(seed % 20), transfers and membership changes: \(c.faults.filter { switch $0.action { case .transfer, .removeMember, .addMember, .addLearner: true; default: false } })")
    #expect(!checker.applied.isEmpty, "seed \(seed): nothing was ever applied")
}

/// Membership changes amid crashes, restarts and isolations: five rounds of removing a node
/// (crashed and restarted in some), adding it back (as a learner first in some, or with
/// learners on), with the leader isolated or crashed in between, and logs compacted every few
/// dozen entries; pre-vote, check-quorum and learners at random. A restarted node once counted
/// votes by its snapshot's old membership here (3 of these seeds broke state machine safety).
@Test(arguments: 1...100)
func membershipChangesAmidRestartsNeverViolateSafety(seed: Int) throws {
    var draw = Draws(seed: UInt64(seed) &* 0x9E37_79B9)
    let n = [3, 4, 5, 7][Int(draw.next() % 4)]
    var c = RunConfiguration(scenario: "membership-restarts", clusterSize: n)
    c.seed = UInt64(seed)
    c.duration = 10 * nsPerSecond
    c.features = RaftFeatures(preVote: draw.chance(50), checkQuorum: draw.chance(50), learners: draw.chance(50))
    c.snapshots = SnapshotPolicy(every: 30 + seed % 50, keep: seed % 20)
    let ms = nsPerMillisecond
    var t = 500 * ms
    for _ in 0..<5 {
        let node = NodeSelector.node(NodeID(UInt32(1 + draw.next() % UInt64(n))))
        t += draw.within(200, 1_200) * ms
        c.faults.append(ScheduledFault(at: t, .removeMember(node)))
        if draw.chance(50) {
            c.faults.append(ScheduledFault(at: t + 50 * ms, .crash(node)))
            c.faults.append(ScheduledFault(at: t + draw.within(200, 2_000) * ms, .restart(node)))
        }
        if draw.chance(50) { c.faults.append(ScheduledFault(at: t + draw.within(100, 800) * ms, .addLearner(node))) }
        c.faults.append(ScheduledFault(at: t + draw.within(300, 2_500) * ms, .addMember(node)))
        if draw.chance(40) {
            c.faults.append(ScheduledFault(at: t + draw.within(0, 1_000) * ms, .isolate(.leader)))
            c.faults.append(ScheduledFault(at: t + draw.within(1_000, 2_500) * ms, .healAll))
        }
        if draw.chance(30) {
            c.faults.append(ScheduledFault(at: t + draw.within(0, 1_000) * ms, .crash(.leader)))
            c.faults.append(ScheduledFault(at: t + draw.within(1_000, 2_500) * ms, .restart(.crashed)))
        }
    }
    c.faults.sort { $0.at < $1.at }
    var checker = SafetyChecker()
    for e in try Recorder.events(c) { checker.check(e) }
    #expect(checker.violations.isEmpty, "seed \(seed), \(n) nodes, \(c.features): \(checker.violations.prefix(3))")
    #expect(!checker.applied.isEmpty, "seed \(seed): nothing was ever applied")
}

/// Every fault action at once, at random: crashes, restarts, partitions, isolations, cuts both
/// ways and one way, pauses, flapping and degraded links, clock drift, transfers, stops, removals
/// and additions (as learners too), on 3-7 nodes with random features (no lease reads, whose
/// stale reads under drift are the analyzer's to find), timings, a lossy, duplicating and
/// reordering network, reads and compaction. 2,400 such schedules, written as scenario files, ran
/// through `traceanalyze check` while its advice was being checked against replays.
@Test(arguments: 1...100)
func everyFaultKindTogetherNeverViolatesSafety(seed: Int) throws {
    var draw = Draws(seed: UInt64(seed) &* 0xD1B5_4A32_D192_ED03)
    let ms = nsPerMillisecond
    let n = draw.pick([3, 3, 4, 5, 5, 7])
    var c = RunConfiguration(scenario: "every-fault", clusterSize: n)
    c.seed = UInt64(seed)
    c.duration = draw.pick([8, 12]) * nsPerSecond
    c.features = RaftFeatures(preVote: draw.chance(50), checkQuorum: draw.chance(50), learners: draw.chance(50))
    let low = draw.pick([100, 150, 300] as [UInt64])
    c.timing = RaftTiming(electionTimeoutMin: low * ms, electionTimeoutMax: low * draw.pick([2, 3]) * ms,
                          heartbeatInterval: max(10, low / draw.pick([3, 5, 10])) * ms,
                          maxEntriesPerAppend: draw.pick([1, 8, 64]), maxInflightAppends: draw.pick([1, 4, 256]))
    if draw.chance(50) { c.snapshots = SnapshotPolicy(every: Int(draw.within(20, 300)), keep: Int(draw.within(0, 50))) }
    c.network = NetworkModel(latency: draw.pick([.fixed(5 * ms), .uniform(min: 10 * ms, max: 15 * ms),
                                            .normal(mean: 20 * ms, stddev: 10 * ms, floor: 2 * ms), .uniform(min: 1 * ms, max: 40 * ms)]),
                             loss: draw.pick([0, 0, 0.01, 0.05]), duplication: draw.pick([0, 0, 0.01, 0.05]), reordering: draw.pick([0, 0, 0.02, 0.1]))
    c.workload = Workload(writesPerSecond: draw.pick([0, 20, 100, 300]), readsPerSecond: draw.pick([0, 0, 50, 200]),
                          requestTimeout: 500 * ms, giveUpAfter: 3 * nsPerSecond)
    let nodes = (1...n).map { NodeSelector.node(NodeID(UInt32($0))) }
    func two() -> (NodeSelector, NodeSelector) {
        let a = Int(draw.next() % UInt64(n)), b = (a + 1 + Int(draw.next() % UInt64(n - 1))) % n
        return (nodes[a], nodes[b])
    }
    var t = 300 * ms
    while t < c.duration - 3 * nsPerSecond {
        t += draw.within(100, 1_500) * ms
        let target = draw.pick(nodes + [.leader, .follower(0)])
        let action: FaultAction
        switch draw.next() % 16 {
        case 0, 1: action = .crash(target)
        case 2: action = .restart(.crashed)
        case 3:
            var shuffled = nodes
            for i in stride(from: n - 1, to: 0, by: -1) { shuffled.swapAt(i, Int(draw.next() % UInt64(i + 1))) }
            let k = 1 + Int(draw.next() % UInt64(n - 1))
            action = .partition(groups: [Array(shuffled[..<k]), Array(shuffled[k...])])
        case 4: action = .healAll
        case 5: action = .isolate(target)
        case 6: let (a, b) = two(); action = .cut(a, b, oneWay: draw.chance(40))
        case 7: action = .pause(target, duration: draw.within(50, 1_500) * ms)
        case 8: let (a, b) = two(); action = .flap(a, b, period: draw.within(100, 800) * ms, until: t + draw.within(500, 4_000) * ms)
        case 9: action = .drift(target, ppm: draw.pick([-500_000, -100_000, 50_000, 200_000, 500_000]))
        case 10: let (a, b) = two(); action = .degrade(a, b, loss: Double(draw.within(0, 60)) / 100, extraLatency: draw.within(0, 200) * ms)
        case 11: action = .transfer(draw.pick(nodes + [.follower(0)]))
        case 12: action = .stop(target)
        case 13: action = .removeMember(draw.pick(nodes))
        case 14: action = .addLearner(draw.pick(nodes))
        default: action = .addMember(draw.pick(nodes))
        }
        c.faults.append(ScheduledFault(at: t, action))
    }
    c.faults += [ScheduledFault(at: c.duration - 3 * nsPerSecond, .healAll), ScheduledFault(at: c.duration - 3 * nsPerSecond + 1, .restart(.crashed))]
    var checker = SafetyChecker()
    for e in try Recorder.events(c) { checker.check(e) }
    #expect(checker.violations.isEmpty, "seed \(seed), \(n) nodes, \(c.features): \(checker.violations.prefix(3))")
}

/// A test schedule's random choices, all from one seeded generator.
struct Draws {
    private var rng: SplitMix64
    init(seed: UInt64) { rng = SplitMix64(seed: seed) }
    mutating func next() -> UInt64 { rng.next() }
    /// True `percent` times in a hundred.
    mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }
    /// A number in `lo..<hi`.
    mutating func within(_ lo: UInt64, _ hi: UInt64) -> UInt64 { lo + next() % (hi - lo) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[Int(next() % UInt64(xs.count))] }
}
