import RaftRecorder
import Testing
import TraceFormat

/// Linearizable reads (thesis §6.4): ReadIndex and lease reads, rule by rule.
@Suite struct ReadTests {
    func ledByN1(_ size: Int = 3, features: RaftFeatures = .init()) -> TestCluster {
        let c = TestCluster.ledByN1(size, features: features)
        #expect(c.leaders == [1])
        return c
    }

    mutating func read(_ c: inout TestCluster, _ request: UInt64) -> RaftNode.ReadStart {
        let r = c.nodes[0].read(request: request)
        c.collect(0)
        return r
    }

    func served(_ log: [String]) -> [String] { log.filter { $0.hasPrefix("n1: readServed") } }

    /// ReadIndex: the leader notes its commit index and sends a heartbeat round; the read is
    /// served at that index once a majority (itself and two of four followers) has answered.
    @Test mutating func readIndexWaitsForAMajoritysHeartbeatAnswers() {
        var c = ledByN1(5)
        let commit = c[1].commit
        #expect(read(&c, 7) == .started)
        #expect(c.mailbox.map(\.type) == [.heartbeat, .heartbeat, .heartbeat, .heartbeat])
        #expect(c.mailbox.allSatisfy { $0.index == 1 })  // the round travels in the heartbeat
        #expect(served(c.takeLog()).isEmpty)
        for _ in 0..<5 { c.deliverNext() }  // four followers take it, n2's answer arrives
        #expect(c.mailbox.first?.type == .heartbeatResponse)
        #expect(served(c.takeLog()).isEmpty)
        c.deliverNext()  // n3's answer: a majority
        #expect(!served(c.log).isEmpty)
        c.stabilize()
        #expect(served(c.takeLog()) == ["n1: readServed(request: 7, index: \(commit), mode: readIndex)"])
    }

    /// An answer confirms its round and every earlier one, and a round is served once a majority
    /// (the leader, with every round it started, among them) has confirmed it. Three reads, three
    /// rounds: with n2 answering the third round's heartbeat and n3 only the first's, the first
    /// read is served and the others wait; n4's answer to the second serves the second; n5's to
    /// the third, the third.
    @Test mutating func eachAnswerConfirmsItsRoundAndTheEarlierOnes() {
        var c = ledByN1(5)
        for request in 7...9 { _ = read(&c, UInt64(request)) }
        let heartbeats = c.mailbox
        #expect(heartbeats.count == 12 && heartbeats.allSatisfy { $0.type == .heartbeat })
        func heartbeat(to id: UInt32, round: UInt64) -> Mail {
            heartbeats.first { $0.to == NodeID(id) && $0.index == round }!
        }
        func servedRequests() -> [String] {
            served(c.takeLog()).map { String($0.split(separator: ",")[0].dropFirst("n1: readServed(".count)) }
        }
        c.mailbox = [heartbeat(to: 2, round: 3), heartbeat(to: 3, round: 1)]
        c.stabilize()
        #expect(servedRequests() == ["request: 7"])
        c.mailbox = [heartbeat(to: 4, round: 2)]
        c.stabilize()
        #expect(servedRequests() == ["request: 8"])
        c.mailbox = [heartbeat(to: 5, round: 3)]
        c.stabilize()
        #expect(servedRequests() == ["request: 9"])
    }

    /// A leader cut off from the others serves no ReadIndex read: no majority answers.
    @Test mutating func aCutOffLeaderServesNoReadIndexRead() {
        var c = ledByN1()
        c.isolate(1)
        _ = read(&c, 7)
        c.stabilize()
        for _ in 0..<3 { c.fireTimer(1); c.stabilize() }  // heartbeats carry the round again
        #expect(served(c.takeLog()).isEmpty)
    }

    /// With lease reads (and check-quorum) the leader serves at once, even cut off: the lease is
    /// all it trusts. Without check-quorum lease reads are not allowed, and ReadIndex is used.
    @Test mutating func leaseReadsServeAtOnceOnlyWithCheckQuorum() {
        var lease = ledByN1(features: RaftFeatures(checkQuorum: true, leaseReads: true))
        lease.isolate(1)
        _ = read(&lease, 7)
        #expect(lease.mailbox.isEmpty)
        #expect(served(lease.takeLog()).first?.contains("mode: lease") == true)
        var noCheckQuorum = ledByN1(features: RaftFeatures(leaseReads: true))
        _ = read(&noCheckQuorum, 7)
        #expect(served(noCheckQuorum.takeLog()).isEmpty)
        #expect(noCheckQuorum.mailbox.map(\.type) == [.heartbeat, .heartbeat])
    }

    /// A new leader whose commit index may lag the last leader's waits until it has committed an
    /// entry of its own term before it starts a read; followers refuse reads with a hint.
    @Test mutating func aNewLeaderDefersReadsUntilItCommitsInItsTerm() {
        var c = TestCluster(size: 3)
        c.fireTimer(1)
        while c[1].role != .leader, c.deliverNext() != nil {}
        _ = c.takeLog()
        #expect(c[1].log.term(at: c[1].commit) != c[1].term)
        #expect(read(&c, 7) == .started)
        #expect(!c.takeLog().contains { $0.hasPrefix("n1: readIndexStarted") })
        c.stabilize()
        let log = c.takeLog()
        #expect(log.contains { $0.hasPrefix("n1: readIndexStarted(request: 7, index: \(c[1].commit)") })
        #expect(served(log).count == 1)
        #expect(c.nodes[1].read(request: 8) == .notLeader(hint: NodeID(1)))
    }

    /// A leader that steps down drops the reads it had not served; their clients retry.
    @Test mutating func steppingDownDropsPendingReads() {
        var c = ledByN1()
        _ = read(&c, 7)
        c.mailbox.removeAll()
        c.fireTimer(2)  // n2 campaigns; n1 steps down on its vote request
        c.stabilize()
        #expect(c[1].role == .follower)
        for _ in 0..<3 { c.fireTimer(2); c.stabilize() }
        #expect(served(c.takeLog()).isEmpty)
    }
}
