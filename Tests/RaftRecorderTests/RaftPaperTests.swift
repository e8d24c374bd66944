import Testing
import TraceFormat
@testable import RaftRecorder

/// The rules of Figure 2 of the Raft paper, one by one, in the manner of etcd's raft_paper_test.go.
@Suite struct RaftPaperTests {
    /// §5.2: "To begin an election, a follower increments its current term and transitions to
    /// candidate state. It then votes for itself and issues RequestVote RPCs to each of the other servers."
    @Test func followerWhoseTimerFiresBecomesCandidateAndRequestsVotes() {
        var c = TestCluster(size: 3)
        c.fireTimer(1)
        #expect(c[1].role == .candidate)
        #expect(c[1].term == 1)
        #expect(c[1].vote == NodeID(1))
        #expect(c.mailbox.filter { $0.type == .vote }.map(\.to.rawValue).sorted() == [2, 3])
    }

    /// §5.2: "A candidate wins an election if it receives votes from a majority of the servers."
    @Test func candidateWithMajorityBecomesLeader() {
        var c = TestCluster(size: 5)
        c.fireTimer(1)
        c.stabilize()
        #expect(c.leaders == [1])
        #expect((2...5).allSatisfy { c[$0].lead == NodeID(1) && c[$0].term == 1 })
    }

    /// §5.2: "Each server will vote for at most one candidate in a given term, on a first-come-first-served basis."
    @Test func serverVotesAtMostOncePerTerm() {
        var c = TestCluster(size: 3)
        c.fireTimer(1)
        c.fireTimer(2)  // both candidates in term 1
        c.stabilize()
        let log = c.takeLog()
        #expect(log.contains("n3: voteGranted to=n1 term=1"))
        #expect(log.contains("n3: voteRejected to=n2 term=1 alreadyVoted"))
        #expect(c.leaders == [1])
    }

    /// A voter that never voted in the term but already follows its leader refuses too (etcd's
    /// canVote), and the trace says so rather than "already voted".
    @Test func voterFollowingALeaderOfTheTermRefusesAndSaysWhy() {
        var c = TestCluster(size: 5)
        c.fireTimer(1)
        c.fireTimer(2)  // both candidates in term 1
        // n3 hears neither request: n2's is held back until n3 follows n1.
        let held = c.mailbox.first { $0.from == NodeID(2) && $0.to == NodeID(3) }!
        c.mailbox.removeAll { $0.to == NodeID(3) }
        c.stabilize()
        #expect(c.leaders == [1])
        #expect(c[3].lead == NodeID(1) && c[3].vote == nil && c[3].term == 1)
        _ = c.takeLog()
        c.mailbox.append(held)
        c.stabilize()
        #expect(c.takeLog().contains("n3: voteRejected to=n2 term=1 leaderKnown"))
    }

    /// §5.1: "If a server receives a request with a stale term number, it rejects the request";
    /// "if one server's current term is smaller than the other's, then it updates its current term".
    @Test func higherTermMakesALeaderStepDown() {
        var c = TestCluster(size: 3)
        c.fireTimer(1)
        c.stabilize()
        c.isolate(3)
        c.fireTimer(3)
        c.fireTimer(3)  // term 3, alone
        c.heal()
        c.mailbox.removeAll()
        c.fireTimer(3)  // term 4 vote requests reach the leader
        c.stabilize()
        let log = c.takeLog()
        #expect(log.contains("n1: leaderSteppedDown term=1 higherTermSeen"))
        #expect(c[1].term >= 4)
    }

    /// §5.4.1: the voter denies its vote if its own log is more up to date than the candidate's.
    @Test func voterRejectsCandidateWithStaleLog() {
        var c = TestCluster.ledByN1(3, leaving: 3)
        #expect(c[2].log.lastIndex == 2)
        #expect(c[3].log.lastIndex == 1)
        c.fireTimer(3)
        c.stabilize()
        let log = c.takeLog()
        #expect(log.contains("n2: voteRejected to=n3 term=2 logNotUpToDate"))
        #expect(!c.leaders.contains(3))
    }

    /// A candidate goes back to follower once so many have refused that the rest cannot make a
    /// majority (etcd's `VoteLost`): in a configuration of four, two refusals, not a majority of three.
    @Test func candidateRefusedByHalfOfAnEvenConfigurationStepsBack() {
        var c = TestCluster.ledByN1(4, leaving: 4)
        c.cutLink(1, 4)  // only n2 and n3 hear n4's campaign
        c.fireTimer(4)
        c.stabilize()
        let log = c.takeLog()
        #expect(log.contains("n2: voteRejected to=n4 term=2 logNotUpToDate"))
        #expect(log.contains("n3: voteRejected to=n4 term=2 logNotUpToDate"))
        #expect(c[4].role == .follower && c[4].term == 2)
    }

    /// §5.4.2: "Raft never commits log entries from previous terms by counting replicas. Only log
    /// entries from the leader's current term are committed by counting replicas."
    @Test func leaderCommitsOnlyCurrentTermEntriesByMajority() {
        var c = TestCluster(size: 3)
        c.fireTimer(1)
        c.stabilize()
        c.isolate(2); c.isolate(3)
        _ = c.propose(1, request: 1)  // index 2, term 1, only on n1
        c.mailbox.removeAll()
        #expect(c[1].commit == 1)
        c.heal()
        // n1 loses leadership before replicating index 2; n2 wins term 2 without it.
        c.isolate(1)
        c.fireTimer(2)
        c.stabilize()
        #expect(c.leaders.contains(2))
        #expect(c[2].commit == 2)  // its own no-op of term 2 at index 2
        #expect(c[2].log.term(at: 2) == 2)
    }

    /// §5.3: a follower rejects an append whose previous entry does not match, and deletes a
    /// conflicting entry and all that follow it.
    @Test func followerRepairsAConflictingSuffix() {
        var c = TestCluster(size: 3)
        c.fireTimer(1)
        c.stabilize()
        c.isolate(1)
        _ = c.propose(1, request: 1)
        _ = c.propose(1, request: 2)  // n1 holds 2 uncommitted entries of term 1
        c.mailbox.removeAll()
        c.fireTimer(2)
        c.stabilize()  // n2 leads term 2
        _ = c.propose(2, request: 3)
        c.stabilize()
        c.heal()
        c.fireTimer(2)  // heartbeat reaches n1, which rejoins as follower
        c.stabilize()
        let log = c.takeLog()
        #expect(log.contains { $0.hasPrefix("n1: logTruncated from=2") })
        #expect(c[1].log == c[2].log)
        #expect(c[1].commit == c[2].commit)
    }

    /// An append's entries travel beside the message: `entryCount` of them, paired with their
    /// append by `RaftOutput.forEachMessage`; a follower that missed several gets them in one append.
    @Test func appendEntriesTravelBesideTheMessage() throws {
        var c = TestCluster(size: 3)
        c.fireTimer(1)
        c.stabilize()
        c.isolate(3)
        for r in 1...3 { _ = c.propose(1, request: UInt64(r)) }
        c.stabilize()
        c.heal()
        c.fireTimer(1)  // a heartbeat; n3's answer shows the leader what n3 lacks
        var runs: [Mail] = []
        while let m = c.deliverNext() {
            #expect(m.entries.count == Int(m.entryCount))
            if m.type != .append { #expect(m.entryCount == 0) }
            if m.type == .append && m.to == NodeID(3) && m.entryCount > 1 { runs.append(m) }
        }
        let run = try #require(runs.first)
        #expect(Array(run.entries) == (1...UInt64(run.entryCount)).map { c[1].log.entry(at: run.index + $0) })
        #expect(run.entries.map(\.request).contains(3))
        #expect(c[3].log == c[1].log)
    }

    /// A heartbeat response from a follower behind the leader makes the leader send from its
    /// `next`, as etcd does: an empty append while the entries are still on their way (so nothing
    /// is sent twice), and when they were lost, the follower rejects that append and the leader
    /// backs off to the follower's hint and resends them.
    @Test(arguments: [false, true])
    func heartbeatResponseSendsFromNextAndALostAppendIsRepaired(appendLost: Bool) {
        var c = TestCluster(size: 3)
        c.fireTimer(1)
        c.stabilize()
        _ = c.propose(1, request: 1)
        let held = c.mailbox.filter { $0.type == .append }
        #expect(held.count == 2 && held.allSatisfy { $0.entryCount == 1 })
        c.mailbox.removeAll { $0.type == .append }  // still on the wire (or lost)
        c.fireTimer(1)  // heartbeats; their responses reach the leader before the appends' do
        var appends: [Mail] = []
        while c.mailbox.contains(where: { $0.type != .append }) {
            let m = c.deliverNext()!
            if m.type == .append { appends.append(m) }
        }
        if !appendLost {
            c.mailbox.insert(contentsOf: held, at: 0)
            for _ in held { c.deliverNext() }  // they arrive ahead of the probes sent after them
        }
        while let m = c.deliverNext() { if m.type == .append { appends.append(m) } }
        let probes = appends.filter { $0.entryCount == 0 }
        #expect(probes.count == 2)
        #expect(probes.allSatisfy { $0.index == 2 })  // prevIndex: the entry already sent
        let resent = appends.filter { $0.entryCount > 0 }
        #expect(resent.count == (appendLost ? 2 : 0))
        #expect(c[2].log == c[1].log && c[3].log == c[1].log)
        #expect(c[1].commit == 2)
    }

    /// Pre-vote (thesis 9.6): the pre-candidate does not increment its term, and a follower that
    /// rejoins with a stale log cannot disturb the leader.
    @Test func preVoteKeepsTheTermAndTheLeader() {
        var c = TestCluster(size: 3, features: RaftFeatures(preVote: true))
        c.fireTimer(1)
        c.stabilize()
        c.isolate(3)
        _ = c.propose(1, request: 1)
        c.stabilize()
        for _ in 0..<5 { c.fireTimer(3) }
        #expect(c[3].term == 1)
        #expect(c[3].role == .preCandidate)
        c.heal()
        c.fireTimer(3)
        c.stabilize()
        #expect(c.leaders == [1])
        #expect(c[1].term == 1)
    }

    /// Check-quorum (thesis 6.2): a leader that hears from no majority for an election timeout steps down.
    @Test func checkQuorumMakesAnIsolatedLeaderStepDown() {
        var c = TestCluster(size: 3, features: RaftFeatures(checkQuorum: true))
        c.fireTimer(1)
        c.stabilize()
        c.isolate(1)
        let isolatedAt = c.now
        while c[1].role == .leader, c.now < 10 * nsPerSecond { c.fireTimer(1); c.stabilize() }
        #expect(c[1].role == .follower)
        // At most two check-quorum rounds: the one in progress when the leader was cut off, and the next.
        #expect(c.now - isolatedAt <= 2 * 150 * nsPerMillisecond)
        #expect(c.takeLog().contains("n1: leaderSteppedDown term=1 lostQuorum"))
    }

    /// Leader stickiness (thesis 4.2.3): a vote request within the minimum election timeout of
    /// hearing from the leader is rejected without adopting its term.
    @Test func stickyFollowerIgnoresDisruptiveVoteRequests() {
        var c = TestCluster(size: 3, features: RaftFeatures(checkQuorum: true))
        c.fireTimer(1)
        c.stabilize()
        c.cutLink(1, 3)  // n3 stops hearing the leader; n2 keeps hearing it
        while c[3].role == .follower {
            if c[1].nextDeadline < c[3].nextDeadline { c.fireTimer(1); c.stabilize() } else { c.fireTimer(3) }
        }
        c.stabilize()
        #expect(c[2].term == 1)
        #expect(c.leaders == [1])
        #expect(c.takeLog().contains("n2: voteRejected to=n3 term=2 leaderRecentlyHeard"))
    }

    /// §5.3: the commit rule's arithmetic, the highest index a majority has matched, for one to
    /// seven voters (against sorting the matches), including indices near the top of the range.
    @Test func committedIndexIsTheHighestIndexAMajorityMatched() {
        var rng = SplitMix64(seed: 9)
        for _ in 0..<2_000 {
            let n = Int(rng.next() % 7) + 1
            let base: UInt64 = rng.next() % 2 == 0 ? 0 : 1 << 62
            let matches = (0..<n).map { _ in base + rng.next() % 8 }
            let progress = matches.map { match in
                var p = Progress(next: match + 1, maxInflight: 1)
                p.match = match
                return p
            }
            let expected = matches.sorted(by: >)[Quorum.size(voters: n) - 1]
            #expect(Quorum.committedIndex(progress) == expected, "matches \(matches)")
            // Among a subset of the voters (after membership changes): the same rule over them.
            let members = rng.next() & ((1 << UInt64(n)) - 1) | 1
            let voting = matches.indices.filter { members >> UInt64($0) & 1 == 1 }.map { matches[$0] }
            #expect(Quorum.committedIndex(progress, members: members)
                    == voting.sorted(by: >)[Quorum.size(voters: voting.count) - 1], "matches \(matches) members \(members)")
        }
    }

    /// Voters listed out of the order of their ids, with an id that is not a position: the leader
    /// credits each acknowledgement to the right follower. Here n30 is cut off, so the entry
    /// commits only if n2's acknowledgement is counted as n2's (it sits where n1 would be
    /// guessed from its id).
    @Test func votersInAnyOrderAndWithAnyIDs() {
        var c = TestCluster(ids: [NodeID(2), NodeID(1), NodeID(30)])
        c.fireTimer(2)  // n1
        c.stabilize()
        #expect(c.leaders == [2])
        c.isolate(3)
        _ = c.propose(2, request: 7)
        c.stabilize()
        #expect(c[2].commit == 2)
        #expect(c[1].log.lastIndex == 2)
        #expect(c[3].log.lastIndex == 1)
    }
}
