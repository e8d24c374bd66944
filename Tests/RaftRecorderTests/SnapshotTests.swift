import RaftRecorder
import Testing
import TraceFormat

/// Log compaction and InstallSnapshot (Raft §7), rule by rule.
@Suite struct SnapshotTests {
    /// A 3-node cluster led by n1 with `entries` client entries committed everywhere.
    func clusterWithCommittedEntries(_ entries: Int) -> TestCluster {
        var c = TestCluster(size: 3)
        c.fireTimer(1)
        c.stabilize()
        for r in 1...entries { _ = c.propose(1, request: UInt64(r)) }
        c.stabilize()
        c.fireTimer(1)  // a heartbeat carries the final commit index to the followers
        c.stabilize()
        return c
    }

    @Test func compactingDropsOnlyCommittedEntriesAndTheLogGoesOn() {
        var c = clusterWithCommittedEntries(10)
        let commit = c[1].commit
        #expect(commit == 11)  // the leader's no-op and ten entries
        for i in 0..<3 {
            c.nodes[i].compact(through: 8)
            c.collect(i)
        }
        #expect(c.takeLog().filter { $0.contains("snapshotTaken") }.count == 3)
        for n in 1...3 {
            #expect(c[n].log.snapshotIndex == 8)
            #expect(c[n].log.term(at: 8) == 1)
            #expect(c[n].log.term(at: 7) == nil)  // gone
            #expect(c[n].log.lastIndex == 11)
        }
        _ = c.propose(1, request: 11)
        c.stabilize()
        c.fireTimer(1)
        c.stabilize()
        #expect((1...3).allSatisfy { c[$0].commit == 12 && c[$0].log.lastIndex == 12 })
    }

    /// A follower that missed entries the leader has compacted away is sent the snapshot, installs
    /// it (its commit index jumps to the snapshot's end) and takes the entries after it.
    @Test func followerBehindTheLeadersSnapshotInstallsItAndCatchesUp() {
        var c = clusterWithCommittedEntries(2)
        c.isolate(3)
        for r in 3...20 { _ = c.propose(1, request: UInt64(r)) }
        c.stabilize()
        #expect(c[1].commit == 21 && c[3].log.lastIndex == 3)
        c.nodes[0].compact(through: 15)
        c.collect(0)
        c.heal()
        _ = c.takeLog()
        c.fireTimer(1)
        c.stabilize()
        let log = c.takeLog()
        #expect(log.contains { $0.hasPrefix("n1: snapshotSent") && $0.contains("index: 15") })
        #expect(log.contains { $0.hasPrefix("n3: snapshotInstalled") && $0.contains("index: 15") })
        #expect(c[3].log.snapshotIndex == 15)
        #expect(c[3].log.lastIndex == c[1].log.lastIndex)
        for index in 16...c[1].log.lastIndex { #expect(c[3].log.entry(at: index) == c[1].log.entry(at: index)) }
        c.fireTimer(1)
        c.stabilize()
        #expect(c[3].commit == c[1].commit)
    }

    /// n1 leads with n3 cut off while 18 more entries commit and the leader compacts through 15;
    /// then the link heals and the next heartbeat round makes n1 send n3 its snapshot. Returns the
    /// cluster with that snapshot held back, out of the mailbox.
    func snapshotOnItsWay() -> (TestCluster, Mail) {
        var c = clusterWithCommittedEntries(2)
        c.isolate(3)
        for r in 3...20 { _ = c.propose(1, request: UInt64(r)) }
        c.stabilize()
        c.nodes[0].compact(through: 15)
        c.collect(0)
        c.heal()
        c.fireTimer(1)
        while !c.mailbox.contains(where: { $0.type == .snapshot }), c.deliverNext() != nil {}
        let held = c.mailbox.remove(at: c.mailbox.firstIndex { $0.type == .snapshot }!)
        return (c, held)
    }

    /// etcd's StateSnapshot: while a snapshot is on its way the leader sends that follower nothing
    /// else, however many heartbeat answers come back; once it is delivered, appends follow.
    @Test func nothingElseIsSentWhileASnapshotIsOnItsWay() {
        var (c, held) = snapshotOnItsWay()
        _ = c.takeLog()
        var toN3: [MessageType] = []
        for _ in 0..<3 {
            c.fireTimer(1)
            while let m = c.deliverNext() {
                if m.to == NodeID(3) { toN3.append(m.type) }
            }
        }
        #expect(toN3.allSatisfy { $0 == .heartbeat }, "\(toN3)")
        #expect(!c.takeLog().contains { $0.hasPrefix("n1: snapshotSent") })
        #expect(c[3].log.lastIndex == 3)
        c.mailbox.append(held)
        c.stabilize()
        c.fireTimer(1)
        c.stabilize()
        let log = c.takeLog()
        #expect(log.filter { $0.hasPrefix("n3: snapshotInstalled") }.count == 1)
        #expect(c[3].log.lastIndex == c[1].log.lastIndex && c[3].commit == c[1].commit)
    }

    /// A snapshot reported lost (the transport's word, here a cut link) is sent again after the
    /// next heartbeat answer, and installed.
    @Test func aLostSnapshotIsSentAgain() {
        var (c, held) = snapshotOnItsWay()
        c.cutLink(1, 3)
        c.mailbox.insert(held, at: 0)
        c.deliverNext()  // dropped: n1 hears it was lost
        c.heal()
        _ = c.takeLog()
        c.fireTimer(1)
        c.stabilize()
        let log = c.takeLog()
        #expect(log.filter { $0.hasPrefix("n1: snapshotSent") }.count == 1)
        #expect(log.filter { $0.hasPrefix("n3: snapshotInstalled") }.count == 1)
        #expect(c[3].log.lastIndex == c[1].log.lastIndex)
    }

    /// A snapshot the follower does not need changes nothing, and one whose last entry it holds
    /// commits its own entries instead of replacing them.
    @Test func snapshotIsInstalledOnlyWhenTheLogCannotServe() {
        var c = clusterWithCommittedEntries(5)
        let term = c[2].term
        func snapshot(index: UInt64, logTerm: UInt64) -> RaftMessage {
            RaftMessage(type: .snapshot, from: NodeID(1), to: NodeID(2), term: term, index: index, logTerm: logTerm)
        }
        let before = c[2].log
        c.nodes[1].step(snapshot(index: 3, logTerm: 1), now: c.now)  // below its commit index (6)
        #expect(c.nodes[1].takeOutput().messages.first?.index == 6)
        #expect(c[2].log == before)

        // n2 holds entries 7...9 uncommitted; a snapshot ending at 8 with a matching term commits them.
        c.isolate(3)
        for r in 6...8 { _ = c.propose(1, request: UInt64(r)) }
        c.mailbox.removeAll { $0.type != .append || $0.to != NodeID(2) || $0.commit > 6 }
        c.stabilize()
        #expect(c[2].log.lastIndex == 9 && c[2].commit == 6)
        c.nodes[1].step(snapshot(index: 8, logTerm: 1), now: c.now)
        let out = c.nodes[1].takeOutput()
        #expect(c[2].commit == 8 && c[2].log.snapshotIndex == 0 && c[2].log.lastIndex == 9)
        #expect(out.committed.map(\.index) == [7, 8])
        #expect(out.messages.first?.index == 8)

        // A snapshot whose last entry n2 lacks replaces its whole log.
        c.nodes[1].step(snapshot(index: 12, logTerm: 1), now: c.now)
        let installed = c.nodes[1].takeOutput()
        #expect(c[2].commit == 12 && c[2].log.snapshotIndex == 12 && c[2].log.lastIndex == 12)
        #expect(installed.events.contains(.snapshotInstalled(index: 12, term: 1)))
        #expect(installed.committed.isEmpty)
    }

    /// After a crash a node starts from its snapshot: its commit index is the snapshot's end, and
    /// only entries after it are applied again.
    @Test func restartStartsFromTheSnapshot() {
        var c = clusterWithCommittedEntries(10)
        c.nodes[2].compact(through: 9)
        let persisted = c.nodes[2].persistentState
        var restarted = RaftNode(config: c[3].config, persistent: persisted, rng: SplitMix64(seed: 5), now: c.now)
        #expect(restarted.commit == 9)
        let out = restarted.takeOutput()
        #expect(out.events.first == .snapshotInstalled(index: 9, term: 1))
        restarted.step(RaftMessage(type: .heartbeat, from: NodeID(1), to: NodeID(3), term: c[1].term, commit: 11), now: c.now)
        #expect(restarted.takeOutput().committed.map(\.index) == [10, 11])
    }
}
