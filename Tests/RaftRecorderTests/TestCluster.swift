import RaftRecorder
import TraceFormat

/// An in-memory cluster of `RaftNode`s for rule-level tests, in the manner of etcd's `network`:
/// messages wait in a mailbox until delivered, links can be cut, and one clock, moved by the test,
/// is shared by all nodes. Records every event as a readable line. Tests name nodes by position
/// (1-based), which is also their id unless the cluster was made with other ids.
struct TestCluster {
    var nodes: [RaftNode]
    var mailbox: [Mail] = []
    var cut: Set<[UInt32]> = []
    var now: UInt64 = 0
    var log: [String] = []
    let ids: [NodeID]

    init(size: Int, features: RaftFeatures = .init(), seed: UInt64 = 1, maxInflight: Int = 256) {
        self.init(ids: (1...size).map { NodeID(UInt32($0)) }, features: features, seed: seed, maxInflight: maxInflight)
    }

    /// A cluster whose voters are `ids`, listed in that order in every node's configuration.
    init(ids: [NodeID], features: RaftFeatures = .init(), seed: UInt64 = 1, maxInflight: Int = 256) {
        self.ids = ids
        var rng = SplitMix64(seed: seed)
        let timing = RaftTiming(electionTimeoutMin: 150 * nsPerMillisecond, electionTimeoutMax: 300 * nsPerMillisecond,
                                heartbeatInterval: 50 * nsPerMillisecond, maxInflightAppends: maxInflight)
        nodes = ids.map { id in
            RaftNode(config: RaftConfiguration(id: id, voters: ids, features: features, timing: timing),
                     persistent: PersistentState(), rng: rng.split(), now: 0)
        }
        for i in nodes.indices { collect(i) }
        log.removeAll()
    }

    /// A cluster of `size` led by n1 (its election timer fired first), everything delivered and
    /// the log cleared.
    static func ledByN1(_ size: Int, features: RaftFeatures = .init()) -> TestCluster {
        var c = TestCluster(size: size, features: features)
        c.fireTimer(1)
        c.stabilize()
        _ = c.takeLog()
        return c
    }

    /// Led by n1, which appended an entry while node `behind` was cut off: everything delivered,
    /// the links healed, and `behind`'s log one entry short of the others'.
    static func ledByN1(_ size: Int, leaving behind: Int) -> TestCluster {
        var c = ledByN1(size)
        c.isolate(behind)
        _ = c.propose(1, request: 7)
        c.stabilize()
        c.heal()
        return c
    }

    subscript(_ id: Int) -> RaftNode { nodes[id - 1] }

    mutating func collect(_ i: Int) {
        let out = nodes[i].takeOutput()
        for e in out.events { log.append("n\(i + 1): \(describe(e))") }
        out.forEachMessage { m, entries in mailbox.append(Mail(message: m, entries: LogEntries(entries))) }
    }

    /// Moves the clock to node `id`'s next deadline (if that is later) and ticks that node only.
    mutating func fireTimer(_ id: Int) {
        let i = id - 1
        now = max(now, nodes[i].nextDeadline)
        nodes[i].tick(now: now)
        collect(i)
    }

    mutating func isolate(_ id: Int) {
        let me = ids[id - 1].rawValue
        for other in ids where other.rawValue != me {
            cut.insert([me, other.rawValue]); cut.insert([other.rawValue, me])
        }
    }

    mutating func cutLink(_ a: Int, _ b: Int) {
        let (a, b) = (ids[a - 1].rawValue, ids[b - 1].rawValue)
        cut.insert([a, b]); cut.insert([b, a])
    }

    mutating func heal() { cut.removeAll() }

    /// Delivers messages (and the messages they cause) until none are left; cut links drop them.
    mutating func stabilize(maxRounds: Int = 10_000) {
        var rounds = 0
        while !mailbox.isEmpty && rounds < maxRounds {
            rounds += 1
            deliverNext()
        }
    }

    /// Delivers the oldest message in the mailbox (drops it if its link is cut) and returns it.
    @discardableResult
    mutating func deliverNext() -> Mail? {
        guard !mailbox.isEmpty else { return nil }
        let m = mailbox.removeFirst()
        let delivered = !cut.contains([m.from.rawValue, m.to.rawValue])
        if m.type == .snapshot, let sender = ids.firstIndex(of: m.from) {
            // As etcd's transport would: the sender learns whether its snapshot got through.
            nodes[sender].reportSnapshot(to: m.to, delivered: delivered)
        }
        guard delivered else { return m }
        let i = ids.firstIndex(of: m.to)!
        nodes[i].step(m.message, entries: m.entries, now: now)
        collect(i)
        return m
    }

    mutating func propose(_ id: Int, request: UInt64) -> RaftNode.Proposal {
        let r = nodes[id - 1].propose(request: request, hash: request &* 0x9E37_79B9)
        collect(id - 1)
        return r
    }

    mutating func takeLog() -> [String] {
        defer { log.removeAll() }
        return log
    }

    var leaders: [Int] { nodes.indices.filter { nodes[$0].role == .leader }.map { $0 + 1 } }

    var status: [String] {
        nodes.enumerated().map { i, n in
            "n\(i + 1): \(n.role) term=\(n.term) lead=\(n.lead.map(\.description) ?? "none") commit=\(n.commit) last=\(n.log.lastIndex)"
        }
    }
}

func describe(_ k: TraceEvent.Kind) -> String {
    switch k {
    case .becameFollower(let t, let l): "becameFollower term=\(t) leader=\(l.map(\.description) ?? "none")"
    case .becamePreCandidate(let t): "becamePreCandidate term=\(t)"
    case .becameCandidate(let t): "becameCandidate term=\(t)"
    case .becameLeader(let t): "becameLeader term=\(t)"
    case .termChanged(let f, let t, let c): "termChanged \(f)->\(t) \(c)"
    case .leaderSteppedDown(let t, let r): "leaderSteppedDown term=\(t) \(r)"
    case .electionTimerFired(let t): "electionTimerFired term=\(t)"
    case .voteRequested(let v): "\(v.preVote ? "preVote" : "vote")Requested to=\(v.to) term=\(v.term) last=\(v.lastIndex)/\(v.lastTerm)"
    case .voteGranted(let c, let t, let p): "\(p ? "preVote" : "vote")Granted to=\(c) term=\(t)"
    case .voteRejected(let c, let t, let p, let r): "\(p ? "preVote" : "vote")Rejected to=\(c) term=\(t) \(r)"
    case .entryProposed(let r, let i, let t): "entryProposed request=\(r) index=\(i) term=\(t)"
    case .entriesAppended(let f, let l, let t): "entriesAppended \(f)...\(l) term=\(t)"
    case .logTruncated(let f): "logTruncated from=\(f)"
    case .commitAdvanced(let f, let t): "commitAdvanced \(f)->\(t)"
    default: "\(k)"
    }
}

/// A message waiting in the mailbox with the entries it carries; reads like the message.
@dynamicMemberLookup
struct Mail {
    var message: RaftMessage
    var entries: LogEntries

    subscript<T>(dynamicMember path: KeyPath<RaftMessage, T>) -> T { message[keyPath: path] }
}
