import RaftRecorder
import Testing
import TraceFormat

/// Membership changes, one server at a time (thesis §4.1; etcd's ConfChange, applied when
/// committed), rule by rule.
@Suite struct MembershipTests {
    func ledByN1(_ size: Int) -> TestCluster {
        let c = TestCluster.ledByN1(size)
        #expect(c.leaders == [1])
        return c
    }

    mutating func change(_ c: inout TestCluster, _ kind: MembershipChange, _ id: Int) -> UInt64? {
        let index = c.nodes[0].proposeMembershipChange(ConfigurationChange(kind, NodeID(UInt32(id))))
        c.collect(0)
        return index
    }

    /// A removal takes effect on the leader once committed: heartbeats and appends no longer go to
    /// the removed server, which holds the entry but never learns that it committed, so it still
    /// counts itself a voter (the removed server of thesis §4.2.3).
    @Test mutating func removalTakesEffectWhenCommittedAndTheRemovedServerIsNotTold() throws {
        var c = ledByN1(3)
        let index = try #require(change(&c, .remove, 3))
        c.stabilize()
        #expect(c[1].commit >= index)
        #expect(c.takeLog().contains("n1: membershipChangeApplied(change: remove, target: n3, index: \(index))"))
        #expect(c[3].log.lastIndex >= index)  // it holds the entry...
        #expect(c[3].commit < index && c[3].isVoter)  // ...but does not know it committed
        c.fireTimer(1)
        #expect(c.mailbox.map(\.to) == [NodeID(2)])  // heartbeats to the members only
        _ = c.propose(1, request: 1)
        #expect(!c.mailbox.contains { $0.to == NodeID(3) })
    }

    /// One change at a time: a second one waits until the first is committed; a change that
    /// changes nothing is refused.
    @Test mutating func oneChangeAtATime() {
        var c = ledByN1(5)
        #expect(change(&c, .remove, 5) != nil)
        #expect(change(&c, .remove, 4) == nil)
        c.stabilize()
        #expect(change(&c, .remove, 5) == nil)  // already removed
        #expect(change(&c, .addVoter, 4) == nil)  // already a voter
        #expect(change(&c, .remove, 4) != nil)
    }

    /// The majority is of the members: with n4 and n5 removed, n1 and n2 commit without n3, which
    /// two of five could not.
    @Test mutating func theMajorityIsOfTheMembers() {
        var c = ledByN1(5)
        _ = change(&c, .remove, 5)
        c.stabilize()
        _ = change(&c, .remove, 4)
        c.stabilize()
        c.isolate(3)
        let r = c.propose(1, request: 7)
        c.stabilize()
        guard case .accepted(let index, _) = r else { Issue.record("refused: \(r)"); return }
        #expect(c[1].commit == index)
    }

    /// A leader that removes itself steps down once the removal commits, and then, no longer a
    /// voter, never campaigns (etcd's StepDownOnRemoval and promotable).
    @Test mutating func aLeaderRemovingItselfStepsDownAndNeverCampaigns() {
        var c = ledByN1(3)
        _ = change(&c, .remove, 1)
        c.stabilize()
        #expect(c.takeLog().contains("n1: leaderSteppedDown term=1 removed"))
        #expect(c[1].role == .follower && !c[1].isVoter)
        for _ in 0..<5 { c.fireTimer(1) }
        #expect(!c.takeLog().contains { $0.hasPrefix("n1: electionTimerFired") })
        #expect(c.mailbox.isEmpty)
    }

    /// A server added back is probed from the leader's log end and catches up.
    @Test mutating func aServerAddedBackCatchesUp() {
        var c = ledByN1(3)
        _ = change(&c, .remove, 3)
        c.stabilize()
        for r in 1...4 { _ = c.propose(1, request: UInt64(r)) }
        c.stabilize()
        #expect(c[3].log.lastIndex < c[1].log.lastIndex)
        _ = change(&c, .addVoter, 3)
        c.stabilize()
        c.fireTimer(1)
        c.stabilize()
        #expect(c[3].log.lastIndex == c[1].log.lastIndex)
        #expect(c[3].commit == c[1].commit && c[3].isVoter)
    }

    /// The membership is part of a snapshot: a node restarting from one that covers a removal
    /// starts without the removed server; a compaction before the removal keeps it in the
    /// snapshot (the membership the node applied, kept beside it, is what a restart uses).
    @Test mutating func snapshotsCarryTheMembership() throws {
        var c = ledByN1(3)
        let before = c[1].commit
        let index = try #require(change(&c, .remove, 3))
        c.stabilize()
        c.fireTimer(1)
        c.stabilize()
        var early = c.nodes[1]
        early.compact(through: before)
        c.nodes[1].compact(through: index)
        let config = c[2].config
        let restarted = RaftNode(config: config, persistent: c[2].persistentState, rng: SplitMix64(seed: 1), now: c.now)
        #expect(restarted.members == 0b011)
        var snapshotOnly = early.persistentState
        snapshotOnly.membership = nil
        let restartedEarly = RaftNode(config: config, persistent: snapshotOnly, rng: SplitMix64(seed: 1), now: c.now)
        #expect(restartedEarly.members == 0b111)
        #expect(RaftNode(config: config, persistent: early.persistentState, rng: SplitMix64(seed: 1), now: c.now).members == 0b011)
    }

    /// A learner (thesis §4.2.1, etcd's learners) is replicated to but neither votes nor counts
    /// towards a majority, and never campaigns; promoted, it counts at once.
    @Test mutating func aLearnerIsReplicatedToButDoesNotCount() throws {
        var c = ledByN1(3)
        _ = change(&c, .remove, 3)
        c.stabilize()
        #expect(change(&c, .addLearner, 3) != nil)
        c.stabilize()
        #expect(c[1].learners == 0b100 && c[1].members == 0b011)
        #expect(c.takeLog().contains { $0.hasPrefix("n1: membershipChangeApplied(change: addLearner, target: n3") })
        // Replicated to: it catches up, heartbeats included.
        for r in 1...3 { _ = c.propose(1, request: UInt64(r)) }
        c.stabilize()
        #expect(c[3].log.lastIndex == c[1].log.lastIndex)
        #expect(c[1].learnerIsReady(NodeID(3)))
        // Not counted: with n2 cut off, n1 and the learner n3 commit nothing.
        c.isolate(2)
        let r = c.propose(1, request: 9)
        c.stabilize()
        guard case .accepted(let index, _) = r else { Issue.record("refused: \(r)"); return }
        #expect(c[1].commit < index)
        #expect(c[3].log.lastIndex == index)
        // Never campaigns, and is not asked for votes.
        c.fireTimer(3)
        #expect(!c.takeLog().contains { $0.hasPrefix("n3: electionTimerFired") })
        // Promoted (the change commits with n2 back), it counts: n1 and n3 commit without n2.
        c.heal()
        c.stabilize()
        #expect(change(&c, .addVoter, 3) != nil)
        c.stabilize()
        #expect(c[1].learners == 0 && c[1].members == 0b111)
        c.isolate(2)
        let after = c.propose(1, request: 10)
        c.stabilize()
        guard case .accepted(let last, _) = after else { Issue.record("refused: \(after)"); return }
        #expect(c[1].commit == last)
    }

    /// Who can be added as what: a learner is neither a voter nor a learner already; a voter is
    /// not one; a learner can be removed.
    @Test mutating func learnerChangesThatChangeNothingAreRefused() {
        var c = ledByN1(3)
        #expect(change(&c, .addLearner, 2) == nil)  // a voter (demotion is not modelled)
        _ = change(&c, .remove, 3)
        c.stabilize()
        #expect(change(&c, .addLearner, 3) != nil)
        c.stabilize()
        #expect(change(&c, .addLearner, 3) == nil)  // already one
        #expect(change(&c, .remove, 3) != nil)
        c.stabilize()
        #expect(c[1].learners == 0 && c[1].members == 0b011)
    }

    /// Learners are part of a snapshot, compacted and sent: a node restarting from a compacted
    /// log, and a follower that installs the leader's snapshot, know the learner.
    @Test mutating func snapshotsCarryTheLearners() throws {
        var c = ledByN1(4)
        _ = change(&c, .remove, 4)
        c.stabilize()
        _ = try #require(change(&c, .addLearner, 4))
        c.stabilize()
        c.fireTimer(1)
        c.stabilize()
        c.nodes[1].compact(through: c[2].commit)
        let restarted = RaftNode(config: c[2].config, persistent: c[2].persistentState, rng: SplitMix64(seed: 1), now: c.now)
        #expect(restarted.members == 0b0111 && restarted.learners == 0b1000)
        // n3, cut off, misses entries the leader then compacts: it is sent the snapshot.
        c.isolate(3)
        for r in 1...5 { _ = c.propose(1, request: UInt64(r)) }
        c.stabilize()
        c.nodes[0].compact(through: c[1].commit)
        c.collect(0)
        c.heal()
        _ = c.takeLog()
        c.fireTimer(1)
        c.stabilize()
        #expect(c.takeLog().contains { $0.hasPrefix("n3: snapshotInstalled") })
        #expect(c[3].learners == 0b1000 && c[3].members == 0b0111)
    }

    /// A node restarts with the membership it last applied, not its snapshot's (which may be
    /// several changes old), and does not apply again the changes it had applied.
    @Test mutating func aRestartKeepsTheAppliedMembership() throws {
        var c = ledByN1(5)
        c.nodes[1].compact(through: c[2].commit)  // n2's snapshot: all five voters
        let removal = try #require(change(&c, .remove, 5))
        c.stabilize()
        _ = try #require(change(&c, .remove, 4))
        c.stabilize()
        c.fireTimer(1)
        c.stabilize()
        #expect(c[2].commit > removal && c[2].members == 0b00111)
        let restarted = RaftNode(config: c[2].config, persistent: c[2].persistentState, rng: SplitMix64(seed: 1), now: c.now)
        #expect(restarted.members == 0b00111 && restarted.log.snapshotMembers & 0b11111 == 0b11111)
        // Without it (as before), the snapshot's five voters: a majority of three of them.
        var stale = c[2].persistentState
        stale.membership = nil
        #expect(RaftNode(config: c[2].config, persistent: stale, rng: SplitMix64(seed: 1), now: c.now).members == 0b11111)
        // Learning the commit index again applies the entries, not the changes already in effect.
        c.nodes[1] = restarted
        _ = c.takeLog()
        c.fireTimer(1)
        c.stabilize()
        #expect(!c.takeLog().contains { $0.hasPrefix("n2: membershipChangeApplied") })
        #expect(c[2].members == 0b00111 && c[2].commit == c[1].commit)
    }
}
