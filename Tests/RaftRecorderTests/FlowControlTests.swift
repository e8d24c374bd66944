import RaftRecorder
import Testing
import TraceFormat

/// How a leader paces appends to each follower (etcd's Progress states, tracker/progress.go):
/// probing one append at a time until the follower accepts one, then replicating up to the
/// in-flight window, rule by rule.
@Suite struct FlowControlTests {
    /// n1 elected in a 3-node cluster; its first appends (with the no-op entry) still in the mailbox.
    func n1JustElected(maxInflight: Int = 256) -> TestCluster {
        var c = TestCluster(size: 3, maxInflight: maxInflight)
        c.fireTimer(1)
        while c[1].role != .leader, c.deliverNext() != nil {}
        #expect(c.leaders == [1])
        return c
    }

    /// n1 leading, everything so far delivered and answered: both followers are replicating.
    func n1Replicating(maxInflight: Int) -> TestCluster {
        var c = n1JustElected(maxInflight: maxInflight)
        c.stabilize()
        _ = c.takeLog()
        return c
    }

    func appends(_ c: TestCluster, to id: Int) -> [Mail] {
        c.mailbox.filter { $0.type == .append && $0.to == NodeID(UInt32(id)) }
    }

    /// Removes the messages to `id` from the mailbox, as if lost.
    func lose(_ c: inout TestCluster, to id: Int) {
        c.mailbox.removeAll { $0.to == NodeID(UInt32(id)) }
    }

    /// A new leader does not know where a follower's log ends, so it probes: while its first
    /// append to n3 is unanswered, proposals send n3 nothing (n2, which answered, gets each at once).
    /// A heartbeat answer from n3 lets one probe go again, from the same place, with everything since.
    @Test func newLeaderProbesOneAppendAtATime() {
        var c = n1JustElected()
        let first = appends(c, to: 3)
        #expect(first.count == 1)
        lose(&c, to: 3)
        c.stabilize()  // n2 takes its first append and answers
        for r in 1...3 { _ = c.propose(1, request: UInt64(r)) }
        #expect(appends(c, to: 3).isEmpty)
        #expect(appends(c, to: 2).count == 3)  // replicating: one append per proposal, unanswered
        lose(&c, to: 2)
        c.fireTimer(1)  // heartbeats
        while let m = c.mailbox.first, m.type == .heartbeat || m.type == .heartbeatResponse { c.deliverNext() }
        let probe = appends(c, to: 3)
        #expect(probe.count == 1)
        #expect(probe.first?.index == first.first?.index)  // from the same place
        #expect(probe.first?.entries.count == 4)  // the no-op and the three entries
        c.stabilize()
        #expect(c[3].log.lastIndex == c[1].log.lastIndex)
    }

    /// Replicating, at most `maxInflight` appends are unanswered; an answer frees every append it
    /// covers, and the leader sends what waited in one append.
    @Test func replicatingStopsAtTheWindowAndAnAnswerReopensIt() {
        var c = n1Replicating(maxInflight: 2)
        for r in 1...5 { _ = c.propose(1, request: UInt64(r)) }
        #expect(appends(c, to: 2).map(\.entries.count) == [1, 1])
        #expect(appends(c, to: 3).map(\.entries.count) == [1, 1])
        lose(&c, to: 3)
        // n2 takes its two appends; the answer to the first frees its slot, and the three
        // entries that waited go in one append.
        c.deliverNext(); c.deliverNext(); c.deliverNext()
        #expect(appends(c, to: 2).map(\.entries.count) == [3])
        c.stabilize()
        #expect(c[2].log.lastIndex == c[1].log.lastIndex)
        #expect(c[3].log.lastIndex < c[1].log.lastIndex)
    }

    /// A follower whose appends in flight were all lost, window full: the heartbeat answer frees
    /// one (etcd's FreeFirstOne), the leader's next append is rejected (entries are missing), and
    /// the leader probes back from the follower's match, which catches it up. Without the freed
    /// slot the window would stay shut while the follower answers heartbeats.
    @Test func fullWindowOfLostAppendsReopensOnAHeartbeatAnswer() {
        var c = n1Replicating(maxInflight: 2)
        for r in 1...5 { _ = c.propose(1, request: UInt64(r)) }
        lose(&c, to: 3)
        c.stabilize()
        #expect(c[3].log.lastIndex < c[1].log.lastIndex)
        c.fireTimer(1)
        c.stabilize()
        #expect(c[3].log.lastIndex == c[1].log.lastIndex)
    }

    /// Answers that do not answer the append the leader waits on change nothing: probing, a
    /// rejection of another index; replicating, a rejection at or below the follower's match.
    @Test func staleRejectionsAreIgnored() {
        var c = n1JustElected()
        lose(&c, to: 3)
        let term = c[1].term
        let probeIndex = c[1].log.lastIndex - 1  // the entry before the no-op the probe carried
        // Probing n3: a rejection of an index other than the probe's sends nothing.
        c.nodes[0].step(RaftMessage(type: .appendResponse, from: NodeID(3), to: NodeID(1), term: term,
                                    index: probeIndex + 5, reject: true, rejectHint: 0),
                        entries: LogEntries([]), now: c.now)
        c.collect(0)
        #expect(appends(c, to: 3).isEmpty)
        // Replicating n2 (everything answered): a rejection of index 0, below its match, sends nothing.
        c.stabilize()
        let before = c.mailbox.count
        c.nodes[0].step(RaftMessage(type: .appendResponse, from: NodeID(2), to: NodeID(1), term: term,
                                    index: 0, reject: true, rejectHint: 0),
                        entries: LogEntries([]), now: c.now)
        c.collect(0)
        #expect(c.mailbox.count == before)
        // The probe's own rejection is acted on: n1 probes again.
        c.nodes[0].step(RaftMessage(type: .appendResponse, from: NodeID(3), to: NodeID(1), term: term,
                                    index: probeIndex, reject: true, rejectHint: 0),
                        entries: LogEntries([]), now: c.now)
        c.collect(0)
        #expect(appends(c, to: 3).count == 1)
    }
}
