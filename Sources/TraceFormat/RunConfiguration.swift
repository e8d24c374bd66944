/// Everything needed to re-run a recording exactly: cluster, Raft features and timing, network
/// model, workload and the fault schedule, plus the seed. Stored as JSON in the metadata frame, so
/// the analyzer can read what was turned on without depending on the recorder. All durations are
/// nanoseconds. The JSON schema is documented in `docs/trace-format.md`.
public struct RunConfiguration: Codable, Sendable, Equatable {
    public var scenario: String
    public var summary: String
    public var seed: UInt64
    public var duration: UInt64
    public var clusterSize: Int
    public var features: RaftFeatures
    public var timing: RaftTiming
    public var network: NetworkModel
    public var workload: Workload
    public var faults: [ScheduledFault]
    /// When nodes snapshot their state machine and compact their log (Raft §7); nil: never (so
    /// are traces written before compaction existed, whose metadata has no such key).
    public var snapshots: SnapshotPolicy?
    /// Log lengths the nodes start with (prefixes of one log of term 1), as in the Raft paper's
    /// section 9.3 experiment where some servers cannot win; nil: all logs start empty.
    public var initialLogLengths: [Int]?

    public init(scenario: String, summary: String = "", seed: UInt64 = 1, duration: UInt64 = 10 * nsPerSecond,
                clusterSize: Int = 5, features: RaftFeatures = .init(), timing: RaftTiming = .init(),
                network: NetworkModel = .init(), workload: Workload = .init(), faults: [ScheduledFault] = [],
                snapshots: SnapshotPolicy? = .init()) {
        self.scenario = scenario
        self.summary = summary
        self.seed = seed
        self.duration = duration
        self.clusterSize = clusterSize
        self.features = features
        self.timing = timing
        self.network = network
        self.workload = workload
        self.faults = faults
        self.snapshots = snapshots
    }

    public var nodeIDs: [NodeID] { (1...UInt32(max(clusterSize, 1))).map(NodeID.init(rawValue:)) }
}

public let nsPerMillisecond: UInt64 = 1_000_000
public let nsPerSecond: UInt64 = 1_000_000_000

/// The optional Raft features (raft-reference.md section 1). All off by default.
public struct RaftFeatures: Codable, Sendable, Equatable {
    public var preVote: Bool
    public var checkQuorum: Bool
    /// Reject votes within the minimum election timeout of hearing from a leader. Defaults to the
    /// value of `checkQuorum`, as in etcd-io/raft.
    public var leaderStickiness: Bool
    /// Reads served by the leader on its lease (etcd's `ReadOnlyLeaseBased`: no round of
    /// heartbeats, trusting check-quorum to depose it in time, which assumes bounded clock drift)
    /// instead of ReadIndex (etcd's `ReadOnlySafe`). Takes effect only with check-quorum, as etcd
    /// requires. Since 1.3.
    public var leaseReads: Bool
    /// New members join as learners (thesis §4.2.1; etcd's `member add --learner`): each `add`
    /// of a server that is not a voter adds it as a learner, which is replicated to but neither
    /// votes nor counts towards a majority, and promotes it once it holds 90% of the leader's log
    /// (etcd's `member promote` refuses before then). Since 1.5 (absent from the metadata when
    /// off, as in earlier traces).
    public var learners: Bool

    public init(preVote: Bool = false, checkQuorum: Bool = false, leaderStickiness: Bool? = nil, leaseReads: Bool = false,
                learners: Bool = false) {
        self.preVote = preVote
        self.checkQuorum = checkQuorum
        self.leaderStickiness = leaderStickiness ?? checkQuorum
        self.leaseReads = leaseReads
        self.learners = learners
    }

    private enum CodingKeys: String, CodingKey { case preVote, checkQuorum, leaderStickiness, leaseReads, learners }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        preVote = try c.decode(Bool.self, forKey: .preVote)
        checkQuorum = try c.decode(Bool.self, forKey: .checkQuorum)
        leaderStickiness = try c.decode(Bool.self, forKey: .leaderStickiness)
        leaseReads = try c.decodeIfPresent(Bool.self, forKey: .leaseReads) ?? false  // before 1.3
        learners = try c.decodeIfPresent(Bool.self, forKey: .learners) ?? false  // before 1.5
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(preVote, forKey: .preVote)
        try c.encode(checkQuorum, forKey: .checkQuorum)
        try c.encode(leaderStickiness, forKey: .leaderStickiness)
        try c.encode(leaseReads, forKey: .leaseReads)
        if learners { try c.encode(learners, forKey: .learners) }
    }
}

public struct RaftTiming: Codable, Sendable, Equatable {
    /// Election timeouts are drawn uniformly from `electionTimeoutMin..<electionTimeoutMax`.
    public var electionTimeoutMin: UInt64
    public var electionTimeoutMax: UInt64
    public var heartbeatInterval: UInt64
    public var maxEntriesPerAppend: Int
    /// Appends a leader has on their way to one follower before it waits for answers (etcd's
    /// `MaxInflightMsgs`; 256 as in etcd-io/raft's own example configuration).
    public var maxInflightAppends: Int

    public init(electionTimeoutMin: UInt64 = 150 * nsPerMillisecond, electionTimeoutMax: UInt64 = 300 * nsPerMillisecond,
                heartbeatInterval: UInt64 = 50 * nsPerMillisecond, maxEntriesPerAppend: Int = 64,
                maxInflightAppends: Int = 256) {
        self.electionTimeoutMin = electionTimeoutMin
        self.electionTimeoutMax = electionTimeoutMax
        self.heartbeatInterval = heartbeatInterval
        self.maxEntriesPerAppend = maxEntriesPerAppend
        self.maxInflightAppends = maxInflightAppends
    }

    /// The width of the range election timeouts are drawn from: what separates candidates' timers.
    public var electionTimeoutSpread: UInt64 { electionTimeoutMax &- electionTimeoutMin }

    /// Why these timings cannot be simulated, or nil: a heartbeat interval under a millisecond
    /// (at none, a leader would send heartbeats forever without time moving on), an election
    /// timeout no longer than the heartbeat interval (followers would time out between heartbeats;
    /// etcd-io/raft refuses an election tick not above the heartbeat tick), an empty range, or
    /// any of them longer than a day.
    public var problem: String? {
        let hb = DurationText.format(heartbeatInterval), lowest = DurationText.format(electionTimeoutMin)
        if heartbeatInterval < nsPerMillisecond { return "the heartbeat interval must be at least 1ms, not \(hb)" }
        if electionTimeoutMin <= heartbeatInterval {
            return "the minimum election timeout (\(lowest)) must be longer than the heartbeat interval (\(hb)), as etcd requires: followers would time out between heartbeats"
        }
        if electionTimeoutMax <= electionTimeoutMin { return "the election timeout range must not be empty" }
        if electionTimeoutMax > Self.longest { return "the election timeout must be at most a day" }
        return nil
    }

    /// The longest timeout or interval a trace may declare: a day. Longer ones are damage or a
    /// crafted file, and the analysis multiplies these (10 election timeouts, for example).
    public static let longest: UInt64 = 86_400 * nsPerSecond

    private enum CodingKeys: String, CodingKey {
        case electionTimeoutMin, electionTimeoutMax, heartbeatInterval, maxEntriesPerAppend, maxInflightAppends
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(electionTimeoutMin: try c.decode(UInt64.self, forKey: .electionTimeoutMin),
                  electionTimeoutMax: try c.decode(UInt64.self, forKey: .electionTimeoutMax),
                  heartbeatInterval: try c.decode(UInt64.self, forKey: .heartbeatInterval),
                  maxEntriesPerAppend: try c.decode(Int.self, forKey: .maxEntriesPerAppend),
                  maxInflightAppends: try c.decode(Int.self, forKey: .maxInflightAppends))
        for (key, value) in [(CodingKeys.electionTimeoutMin, electionTimeoutMin), (.electionTimeoutMax, electionTimeoutMax),
                             (.heartbeatInterval, heartbeatInterval)] where value > Self.longest {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(value) ns is longer than a day")
        }
    }
}

/// Log compaction, as etcd's server does it (`SnapshotCount`, `SnapshotCatchUpEntries`): once
/// `every` entries beyond `keep` have been applied since its last snapshot, a node snapshots its
/// state machine through its commit index minus `keep` and drops those entries from its log. The
/// `keep` entries after the snapshot let a follower that is slightly behind catch up with
/// appends; one further behind is sent the snapshot.
public struct SnapshotPolicy: Codable, Sendable, Equatable {
    public var every: Int
    public var keep: Int

    public init(every: Int = 10_000, keep: Int = 1_000) {
        self.every = every
        self.keep = keep
    }
}

/// How long one message takes on a link.
public enum LatencyModel: Codable, Sendable, Equatable {
    case fixed(UInt64)
    case uniform(min: UInt64, max: UInt64)
    case normal(mean: UInt64, stddev: UInt64, floor: UInt64)
}

/// The links between two groups of nodes, both ways (for example two sites), with a latency
/// model and a loss rate of their own instead of the network's. Since 1.4.
public struct LinkSettings: Codable, Sendable, Equatable {
    public var between: [NodeID]
    public var and: [NodeID]
    /// Nil: the network's.
    public var latency: LatencyModel?
    /// Nil: the network's.
    public var loss: Double?

    public init(between: [NodeID], and: [NodeID], latency: LatencyModel? = nil, loss: Double? = nil) {
        self.between = between
        self.and = and
        self.latency = latency
        self.loss = loss
    }
}

public struct NetworkModel: Codable, Sendable, Equatable {
    public var latency: LatencyModel
    /// Probability that a message is lost, 0...1.
    public var loss: Double
    /// Probability that a message is delivered twice.
    public var duplication: Double
    /// Probability that a message gets extra delay of up to one latency maximum, so later messages
    /// may overtake it.
    public var reordering: Double
    /// Links with settings of their own; where two entries cover a link, the later one wins.
    /// Since 1.4 (absent from the metadata when empty, as in earlier traces).
    public var links: [LinkSettings]

    public init(latency: LatencyModel = .uniform(min: 10 * nsPerMillisecond, max: 15 * nsPerMillisecond),
                loss: Double = 0, duplication: Double = 0, reordering: Double = 0, links: [LinkSettings] = []) {
        self.latency = latency
        self.loss = loss
        self.duplication = duplication
        self.reordering = reordering
        self.links = links
    }

    private enum CodingKeys: String, CodingKey { case latency, loss, duplication, reordering, links }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        latency = try c.decode(LatencyModel.self, forKey: .latency)
        loss = try c.decode(Double.self, forKey: .loss)
        duplication = try c.decode(Double.self, forKey: .duplication)
        reordering = try c.decode(Double.self, forKey: .reordering)
        links = try c.decodeIfPresent([LinkSettings].self, forKey: .links) ?? []  // before 1.4
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(latency, forKey: .latency)
        try c.encode(loss, forKey: .loss)
        try c.encode(duplication, forKey: .duplication)
        try c.encode(reordering, forKey: .reordering)
        if !links.isEmpty { try c.encode(links, forKey: .links) }
    }
}

public struct Workload: Codable, Sendable, Equatable {
    /// Mean client writes per second (Poisson arrivals); 0 disables writes.
    public var writesPerSecond: Double
    /// Mean client reads per second (Poisson arrivals, linearizable reads served by the leader);
    /// 0, the default, disables reads. Since 1.3.
    public var readsPerSecond: Double
    /// A request not answered within this time is retried (at another node) until `giveUpAfter`.
    public var requestTimeout: UInt64
    public var giveUpAfter: UInt64

    public init(writesPerSecond: Double = 100, readsPerSecond: Double = 0, requestTimeout: UInt64 = 500 * nsPerMillisecond,
                giveUpAfter: UInt64 = 5 * nsPerSecond) {
        self.writesPerSecond = writesPerSecond
        self.readsPerSecond = readsPerSecond
        self.requestTimeout = requestTimeout
        self.giveUpAfter = giveUpAfter
    }

    private enum CodingKeys: String, CodingKey { case writesPerSecond, readsPerSecond, requestTimeout, giveUpAfter }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        writesPerSecond = try c.decode(Double.self, forKey: .writesPerSecond)
        readsPerSecond = try c.decodeIfPresent(Double.self, forKey: .readsPerSecond) ?? 0  // before 1.3
        requestTimeout = try c.decode(UInt64.self, forKey: .requestTimeout)
        giveUpAfter = try c.decode(UInt64.self, forKey: .giveUpAfter)
    }
}

/// Which node a fault applies to. All but `node` resolve when the fault fires.
public enum NodeSelector: Codable, Sendable, Equatable, CustomStringConvertible {
    case node(NodeID)
    /// The node leading the highest term.
    case leader
    /// The k-th (from 0) running node, by id, that is not the leader.
    case follower(Int)
    /// The node crashed most recently that is still down.
    case crashed

    public var description: String {
        switch self {
        case .node(let n): n.description
        case .leader: "leader"
        case .follower(let k): k == 0 ? "follower" : "follower\(k + 1)"
        case .crashed: "crashed"
        }
    }
}

public struct ScheduledFault: Codable, Sendable, Equatable {
    public var at: UInt64
    public var action: FaultAction

    public init(at: UInt64, _ action: FaultAction) {
        self.at = at
        self.action = action
    }
}

public enum FaultAction: Codable, Sendable, Equatable {
    /// Cut every link between the groups (nodes in no group keep all their links).
    case partition(groups: [[NodeSelector]])
    /// Cut all links to and from one node.
    case isolate(NodeSelector)
    /// Cut the link between two nodes, both directions (or one way).
    case cut(NodeSelector, NodeSelector, oneWay: Bool)
    /// Restore every cut link.
    case healAll
    /// Cut and restore the link between two nodes every `period` until `until`.
    case flap(NodeSelector, NodeSelector, period: UInt64, until: UInt64)
    case crash(NodeSelector)
    /// Crash the leader at a uniformly random moment within its heartbeat interval, right after
    /// its next heartbeat broadcast (the Raft paper's section 9.3 experiment).
    case crashLeaderAfterHeartbeat
    case restart(NodeSelector)
    /// Stop processing for `duration`, as a long GC pause would.
    case pause(NodeSelector, duration: UInt64)
    case drift(NodeSelector, ppm: Int32)
    case degrade(NodeSelector, NodeSelector, loss: Double, extraLatency: UInt64)
    case label(String)
    /// The leader hands leadership to the node (leadership transfer, thesis §3.10). Since 1.2.
    case transfer(NodeSelector)
    /// The node shuts down as etcd stops a member: a leader first hands leadership to the
    /// follower with the longest log and goes down once it follows that node, or a minimum
    /// election timeout later if it never does (when the transfer gives up); any other node goes
    /// down at once. Since 1.2.
    case stop(NodeSelector)
    /// The leader proposes removing the node from the voters (a membership change, thesis §4.1);
    /// it takes effect on each node as that node applies it. Since 1.3.
    case removeMember(NodeSelector)
    /// The leader proposes adding a removed node back to the voters (or, when the node is a
    /// learner, promoting it once it has caught up). Since 1.3.
    case addMember(NodeSelector)
    /// The leader proposes adding a node that is not a member as a learner: replicated to, but
    /// neither voting nor counted towards a majority (thesis §4.2.1). Since 1.5.
    case addLearner(NodeSelector)
}

extension FaultAction: CustomStringConvertible {
    /// As a scenario file writes it ("crash: follower2", "cut-one-way: [n2, n1]").
    public var description: String {
        func pair(_ a: NodeSelector, _ b: NodeSelector) -> String { "[\(a), \(b)]" }
        switch self {
        case .partition(let groups): return "partition: [" + groups.map { "[" + $0.map(\.description).joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
        case .isolate(let n): return "isolate: \(n)"
        case .cut(let a, let b, let oneWay): return "\(oneWay ? "cut-one-way" : "cut"): \(pair(a, b))"
        case .healAll: return "heal: all"
        case .flap(let a, let b, let period, let until):
            return "flap: \(pair(a, b)) every \(DurationText.format(period)) until \(DurationText.format(until))"
        case .crash(let n): return "crash: \(n)"
        case .crashLeaderAfterHeartbeat: return "crash: leader after its next heartbeat"
        case .restart(let n): return "restart: \(n)"
        case .pause(let n, let d): return "pause: \(n) for \(DurationText.format(d))"
        case .drift(let n, let ppm): return "drift: \(n) \(ppm) ppm"
        case .degrade(let a, let b, let loss, let extra):
            return "degrade: \(pair(a, b)) loss \(loss), latency +\(DurationText.format(extra))"
        case .label(let text): return "label: \(text)"
        case .transfer(let n): return "transfer: \(n)"
        case .stop(let n): return "stop: \(n)"
        case .removeMember(let n): return "remove: \(n)"
        case .addMember(let n): return "add: \(n)"
        case .addLearner(let n): return "add-learner: \(n)"
        }
    }
}

extension RunConfiguration {
    /// The text of entry `fault` of the fault schedule if it is a label: what a `label` event names.
    public func labelText(_ fault: UInt32) -> String? {
        guard faults.indices.contains(Int(fault)), case .label(let text) = faults[Int(fault)].action else { return nil }
        return text
    }
}
