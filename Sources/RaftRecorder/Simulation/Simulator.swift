import DequeModule
import HeapModule
import TraceFormat

/// Counts a simulation keeps for its summary line.
public struct SimulationStatistics: Sendable, Equatable {
    public var events: UInt64 = 0
    public var elections: Int = 0
    public var leaderChanges: Int = 0
    public var messages: UInt64 = 0
    public var committedWrites: Int = 0
    /// Entries of the fault schedule that did nothing at their time: their node could not be
    /// named then (`follower3` of a cluster with two followers running, `restart: crashed` with
    /// none down), or there was nothing to do (restarting a running node, a transfer without a
    /// leader, a membership change that changes nothing).
    public var faultsIgnored: [Int] = []
}

/// A discrete-event simulation of a Raft cluster, its network, its clients and a fault schedule,
/// all on one virtual nanosecond clock and all derived from one seed. Single-threaded; the same
/// configuration always produces the same events in the same order.
///
/// The Raft rules live in `RaftNode`; this type only delivers messages and ticks to the nodes,
/// applies committed entries, models the network and clients, injects faults, and records every
/// step of that as a `TraceEvent`. A value type, so the hot loop pays no exclusivity checks.
///
/// Generic over its sink so that recording calls the sink directly, not through an existential.
/// Not copyable: it owns its nodes' and links' storage (see `FixedTable`).
public struct Simulator<Sink: TraceSink>: ~Copyable {
    public typealias Statistics = SimulationStatistics

    /// What a heap entry does when it comes due. Every case carries one small integer, so an
    /// action fits in the low bits of its heap entry (see `Scheduled`) and needs no storage of its
    /// own; messages in flight wait in `inFlight` and retried requests in `retries`, by slot.
    enum Action {
        /// Deliver the first message queued on link `linkQueues[link]` (see `LinkQueue`).
        case deliverNext(link: Int)
        /// Deliver a message that is not in its link's queue: one `reordering` held back, or the
        /// second copy of a duplicate.
        case deliver(slot: Int)
        case timer(Int)
        case clientArrival
        /// The next client read arrives (a Poisson process of its own).
        case readArrival
        /// Re-issue the request in `retries[slot]`.
        case clientRetry(slot: Int)
        case fault(Int)
        /// The next half-period of flapping link pair `flaps[index]`.
        case flap(Int)
        case resume(Int)
        case crashNode(Int)
        /// A node being stopped (`stopFor`) has waited an election timeout for its transferee to
        /// lead: it goes down unless it still leads (then it goes down when its transfer gives up).
        case stopWaitEnded(Int)

        static var payloadBits: UInt64 { 25 }
        static var bits: UInt64 { payloadBits + 4 }

        /// The kind in 4 bits above a payload of `payloadBits`.
        var encoded: UInt64 {
            let (kind, payload): (UInt64, Int)
            switch self {
            case .deliver(let slot): (kind, payload) = (0, slot)
            case .timer(let i): (kind, payload) = (1, i)
            case .clientArrival: (kind, payload) = (2, 0)
            case .clientRetry(let slot): (kind, payload) = (3, slot)
            case .fault(let i): (kind, payload) = (4, i)
            case .flap(let i): (kind, payload) = (5, i)
            case .resume(let i): (kind, payload) = (6, i)
            case .crashNode(let i): (kind, payload) = (7, i)
            case .deliverNext(let link): (kind, payload) = (8, link)
            case .stopWaitEnded(let i): (kind, payload) = (9, i)
            case .readArrival: (kind, payload) = (10, 0)
            }
            precondition(payload >= 0 && payload < 1 << Action.payloadBits, "simulation action payload out of range")
            return kind << Action.payloadBits | UInt64(payload)
        }

        init(encoded: UInt64) {
            let payload = Int(encoded & (1 << Action.payloadBits - 1))
            switch encoded >> Action.payloadBits & 15 {
            case 0: self = .deliver(slot: payload)
            case 1: self = .timer(payload)
            case 2: self = .clientArrival
            case 3: self = .clientRetry(slot: payload)
            case 4: self = .fault(payload)
            case 5: self = .flap(payload)
            case 6: self = .resume(payload)
            case 7: self = .crashNode(payload)
            case 9: self = .stopWaitEnded(payload)
            case 10: self = .readArrival
            default: self = .deliverNext(link: payload)
            }
        }
    }

    /// A heap entry: 16 bytes, so the heap moves little memory. `order` holds the scheduling
    /// sequence number in its high bits (ties at the same time run in the order they were
    /// scheduled) and the encoded action in its low `Action.bits`.
    struct Scheduled: Comparable {
        var time: UInt64
        var order: UInt64
        var action: Action { Action(encoded: order & (1 << Action.bits - 1)) }
        var sequence: UInt64 { order >> Action.bits }
        static func < (a: Scheduled, b: Scheduled) -> Bool { a.time < b.time || (a.time == b.time && a.order < b.order) }
    }

    struct NodeHost {
        /// The node's Raft state; meaningful only while `up` (replaced on every start). Not an
        /// optional, so that stepping it never copies it.
        var raft: RaftNode
        var up = false
        var persisted = PersistentState()
        var pausedUntil: UInt64?
        var queued: [(message: RaftMessage, entries: LogEntries, id: UInt64)] = []
        var timerAt: UInt64?
        var clock = NodeClock()
        var rng: SplitMix64
        var lastRole: RaftRole?
        /// Being stopped (the `stop` fault): the leader this node handed over to. It goes down
        /// once it follows that node, or when its wait ends (`Action.stopWaitEnded`).
        var stopFor: NodeID?
    }

    /// A message on the wire; `copies` deliveries of it are still scheduled (2 when duplicated).
    /// Plain bytes, like the message.
    struct InFlight {
        var message: RaftMessage
        var id: UInt64
        var copies: Int
        var entries: WireEntries
        /// For a message in its link's queue: when it arrives, its place in the order of
        /// scheduling (`Scheduled.order`), and the slot of the message queued after it (-1: none).
        var arrival: UInt64 = 0
        var order: UInt64 = 0
        var next = -1
    }

    /// The in-order messages on one link, oldest first, threaded through `inFlight` by `next`.
    /// A link delivers in the order it sends (see `NetworkState.fate`), so only the first of them
    /// needs a place in the heap; the rest wait here with the time and order they were scheduled
    /// for, and each takes its place when the one before it is delivered. The heap stays as small
    /// as the number of busy links, and a message sent on a busy link costs no heap operation.
    struct LinkQueue {
        var head = -1
        var tail = -1
    }

    /// The entries an append on the wire carries: one is held inline, a longer run waits in
    /// `entryRuns` at this slot.
    enum WireEntries {
        case none
        case one(LogEntry)
        case run(slot: Int)
    }

    /// A pair of links cut and healed every half `period` until `until`.
    struct Flap {
        var links: (DirectedLink, DirectedLink)
        var cut: Bool
        var period: UInt64
        var until: UInt64
    }


    public let configuration: RunConfiguration
    /// Copies of the parts read on hot paths, so reading them never copies the whole configuration
    /// (and its fault list).
    let workload: Workload
    let timing: RaftTiming
    /// When nodes compact their logs: the committed entries past a snapshot that trigger the next
    /// one, and how many entries it leaves in the log (nil: never).
    let compaction: (trigger: UInt64, keep: UInt64)?
    let sink: Sink
    public private(set) var now: UInt64 = 0
    public internal(set) var statistics = Statistics()
    var queue = Heap<Scheduled>()
    /// The heap's minimum is the action being performed: taken, not yet removed (see `run`).
    var minTaken = false
    /// Requests waiting for a `clientRetry`, by slot.
    var retries = Slab<UInt64>()
    var inFlight = Slab<InFlight>()
    /// By `from * nodes + to` (0-based).
    var linkQueues: FixedTable<LinkQueue>
    var entryRuns = Slab<[LogEntry]>()
    var flaps: [Flap] = []
    /// Handed back and forth with the nodes' output buffers, so draining allocates nothing.
    var scratch = RaftOutput()
    var sequence: UInt64 = 0
    var nodes: FixedTable<NodeHost>
    var network: NetworkState
    var clientRNG: SplitMix64
    var nextMessageID: UInt64 = 0
    var nextRequestID: UInt64 = 0
    var pending = PendingRequests()
    /// Client timeouts, due in the order they were scheduled (the timeout is fixed), so they wait
    /// in a queue of their own instead of the heap: (time, sequence, request, attempt).
    var timeouts = Deque<(time: UInt64, sequence: UInt64, request: UInt64, attempt: Int)>()
    var knownLeader: Int?
    /// The node the reading client believes leads. Reads come from a client of their own, which
    /// learns of a new leader only from "not leader" hints and timeouts (the writing client also
    /// hears of each election at once), so it stays with a leader for as long as that one answers.
    var readerLeader: Int?
    /// Nodes in the order they crashed, for the `crashed` selector.
    var crashOrder: [Int] = []
    /// The running followers, by id, at the first fault of the current instant: faults at one
    /// time name the same nodes (`crash: follower` and `crash: follower2` crash two of them).
    var followersNow: (time: UInt64, nodes: [Int])?
    /// Set by `crashLeaderAfterHeartbeat` until the leader's next heartbeat broadcast.
    var crashAfterHeartbeat = false
    var faultRNG: SplitMix64
    let ids: [NodeID]

    public init(configuration: RunConfiguration, sink: Sink) {
        self.configuration = configuration
        self.sink = sink
        workload = configuration.workload
        timing = configuration.timing
        compaction = configuration.snapshots.flatMap { p in
            p.every > 0 ? (UInt64(p.every + max(p.keep, 0)), UInt64(max(p.keep, 0))) : nil
        }
        var seed = SplitMix64(seed: configuration.seed)
        ids = configuration.nodeIDs
        network = NetworkState(size: ids.count, model: configuration.network, rng: seed.split())
        clientRNG = seed.split()
        let placeholder = RaftNode(config: RaftConfiguration(id: ids[0], voters: ids, features: configuration.features,
                                                             timing: configuration.timing),
                                   persistent: PersistentState(), rng: SplitMix64(seed: 0), now: 0)
        var hosts = ids.map { _ in NodeHost(raft: placeholder, rng: seed.split()) }
        faultRNG = seed.split()
        if let lengths = configuration.initialLogLengths {
            // Prefixes of one log of term 1, so the logs agree but differ in length.
            let longest = lengths.max() ?? 0
            let log = (1...max(longest, 1)).map { LogEntry(term: 1, request: 0, hash: UInt64($0) &* 0x9E37_79B9_7F4A_7C15) }
            for i in hosts.indices where i < lengths.count {
                hosts[i].persisted = PersistentState(term: lengths[i] > 0 ? 1 : 0, vote: nil,
                                                     log: RaftLog(entries: Array(log.prefix(lengths[i]))))
            }
        }
        nodes = FixedTable(hosts)
        linkQueues = FixedTable(Array(repeating: LinkQueue(), count: ids.count * ids.count))
    }

    // MARK: Running

    /// Runs the whole configured duration.
    public mutating func run() throws {
        for i in nodes.indices { try start(i, restart: false) }
        for (i, f) in configuration.faults.enumerated() { schedule(at: f.at, .fault(i)) }
        if workload.writesPerSecond > 0 { schedule(at: nextArrival(after: 0), .clientArrival) }
        if workload.readsPerSecond > 0 { schedule(at: nextArrival(after: 0, rate: workload.readsPerSecond), .readArrival) }
        let duration = configuration.duration
        while true {
            // The earliest of the heap's next action and the next client timeout; ties go to the
            // one scheduled first, as if both were in one queue.
            if let t = timeouts.first, queue.min.map({ (t.time, t.sequence) < ($0.time, $0.sequence) }) ?? true {
                guard t.time <= duration else { break }
                timeouts.removeFirst()
                now = t.time
                try clientTimeout(t.request, attempt: t.attempt)
                continue
            }
            guard let item = queue.min, item.time <= duration else { break }
            now = item.time
            // The action stays at the top of the heap while it runs: the first action it schedules
            // takes its place (one sift instead of a removal and an insertion).
            minTaken = true
            try perform(item.action)
            if minTaken {
                queue.removeMin()
                minTaken = false
            }
        }
        now = configuration.duration
    }

    mutating func schedule(at time: UInt64, _ action: Action) {
        push(Scheduled(time: time, order: nextOrder(action)))
    }

    /// The order of an action scheduled now: the next sequence number, with the action.
    private mutating func nextOrder(_ action: Action) -> UInt64 {
        sequence += 1
        precondition(sequence < 1 << (64 - Action.bits), "too many simulation actions scheduled")
        return sequence << Action.bits | action.encoded
    }

    private mutating func push(_ entry: Scheduled) {
        if minTaken {
            queue.replaceMin(with: entry)
            minTaken = false
        } else {
            queue.insert(entry)
        }
    }

    @inline(__always) mutating func record(_ node: Int?, _ kind: TraceEvent.Kind) throws {
        statistics.events += 1
        // `ids` numbers the nodes n1... by position: computed, not looked up, per event.
        try sink.record(TraceEvent(time: now, node: node.map { NodeID(position: $0) }, kind))
    }

    @inline(__always) private mutating func perform(_ action: Action) throws {
        switch action {
        case .deliverNext(let link):
            try deliverNext(link: link)
        case .deliver(let slot):
            try deliver(slot: slot)
        case .timer(let i):
            guard nodes[i].timerAt == now, nodes[i].up, nodes[i].pausedUntil == nil else { return }
            nodes[i].timerAt = nil
            let local = nodes[i].clock.local(now)
            nodes[i].raft.tick(now: local)
            try drain(i)
        case .clientArrival:
            try clientArrival()
        case .readArrival:
            try readArrival()
        case .clientRetry(let slot):
            let request = retries[slot]
            retries.free(slot)
            try clientRetry(request)
        case .fault(let index):
            try apply(fault: index)
        case .flap(let index):
            try flap(index)
        case .resume(let i):
            try resume(i)
        case .crashNode(let i):
            try crash(i)
        case .stopWaitEnded(let i):
            // A leader still waiting gives the transfer up at its own next tick, and goes down then.
            if nodes[i].stopFor != nil, nodes[i].raft.role != .leader { try crash(i) }
        }
    }

    // MARK: Nodes

    mutating func start(_ i: Int, restart: Bool) throws {
        let p = nodes[i].persisted
        try record(i, .nodeStarted(NodeRecovery(term: p.term, vote: p.vote, lastIndex: p.log.lastIndex,
                                                lastTerm: p.log.lastTerm, restart: restart)))
        let config = RaftConfiguration(id: ids[i], voters: ids, features: configuration.features, timing: timing)
        nodes[i].raft = RaftNode(config: config, persistent: p, rng: nodes[i].rng.split(),
                                 now: nodes[i].clock.local(now))
        nodes[i].up = true
        nodes[i].timerAt = nil
        try drain(i)
    }

    /// Records and carries out what node `i` produced, then makes sure its next timer is scheduled.
    mutating func drain(_ i: Int) throws {
        guard nodes[i].up else { return }
        // List by list: swapping the whole output at once goes through the stack.
        swap(&scratch.messages, &nodes[i].raft.output.messages)
        swap(&scratch.entries, &nodes[i].raft.output.entries)
        swap(&scratch.events, &nodes[i].raft.output.events)
        swap(&scratch.committed, &nodes[i].raft.output.committed)
        let isLeader = nodes[i].raft.role == .leader
        defer {
            scratch.messages.removeAll()
            scratch.entries.removeAll()
            scratch.events.removeAll()
            scratch.committed.removeAll()
        }
        // Indexed loops read `scratch` in place (a for-in would copy its lists) while `record` and
        // `send` mutate `self`.
        for k in scratch.events.indices {
            let e = scratch.events[k]
            try record(i, e)
            switch e {
            case .becameCandidate: statistics.elections += 1
            case .becameLeader:
                statistics.leaderChanges += 1
                knownLeader = i
            case .readServed(let request, _, _):
                try readServed(request, by: i)
            default: break
            }
        }
        // Each append's entries follow those of the appends before it (`RaftOutput.forEachMessage`
        // pairs them the same way, but its closure would hold `scratch` while `send` mutates `self`).
        var entries = 0  // where the next message's entries start in `scratch.entries`
        for k in scratch.messages.indices {
            let m = scratch.messages[k]
            try send(m, from: i, entriesAt: entries)
            entries += Int(m.entryCount)
        }
        if crashAfterHeartbeat, scratch.messages.contains(where: { $0.type == .heartbeat }) {
            crashAfterHeartbeat = false
            let interval = max(timing.heartbeatInterval / 1_000, 1)
            schedule(at: now + (faultRNG.next() % interval) * 1_000, .crashNode(i))
        }
        for k in scratch.committed.indices {
            let (index, entry) = scratch.committed[k]
            try record(i, .entryApplied(index: index, term: entry.term, hash: entry.hash))
            if isLeader, entry.request != 0, let p = pending[entry.request], p.node == i {
                pending[entry.request] = nil
                statistics.committedWrites += 1
                try record(i, .clientResponse(id: entry.request, outcome: .ok, latency: now - p.firstIssued))
            }
        }
        if !scratch.committed.isEmpty, let (trigger, keep) = compaction,
           nodes[i].raft.commit >= nodes[i].raft.log.snapshotIndex + trigger {
            // The state machine has applied everything committed: snapshot it, keeping `keep`
            // entries for followers slightly behind. The node records the snapshot.
            nodes[i].raft.compact(through: nodes[i].raft.commit - keep)
            let taken = nodes[i].raft.output.events
            nodes[i].raft.output.events.removeAll()
            for e in taken { try record(i, e) }
        }
        let next = nodes[i].raft.nextDeadline
        let deadline = max(nodes[i].clock.global(next), now)
        if nodes[i].pausedUntil == nil, nodes[i].timerAt.map({ deadline < $0 }) ?? true {
            nodes[i].timerAt = deadline
            schedule(at: deadline, .timer(i))
        }
        // A node being stopped goes down as soon as it follows the node it handed over to, or as
        // soon as it gave the transfer up while still leading (etcd's server waits for the new
        // leader, up to a timeout, before it stops).
        if let target = nodes[i].stopFor,
           nodes[i].raft.role == .leader ? nodes[i].raft.transferee != target : nodes[i].raft.lead == target {
            try crash(i)
        }
    }

    /// Sends `m`, whose entries (if any) start at `scratch.entries[first]`.
    private mutating func send(_ m: RaftMessage, from i: Int, entriesAt first: Int) throws {
        nextMessageID += 1
        let id = nextMessageID
        statistics.messages += 1
        try record(i, .messageSent(MessageSend(id: id, to: m.to, type: m.type, term: m.term,
                                               entries: m.entryCount, bytes: m.approximateBytes)))
        let link = DirectedLink(from: m.from, to: m.to)
        if network.isCut(link) {
            try record(Int(m.to.rawValue - 1), .messageDropped(id: id, reason: .partition))
            reportSnapshot(m, delivered: false)
            return
        }
        // The link's last queued in-order message, if any, arrives before this one can.
        let queueIndex = Int(m.from.rawValue - 1) * ids.count + Int(m.to.rawValue - 1)
        let queuedTail = linkQueues[queueIndex].tail
        let notBefore = queuedTail < 0 ? 0 : inFlight[queuedTail].arrival
        switch network.fate(link, at: now, notBefore: notBefore) {
        case .lost:
            try record(Int(m.to.rawValue - 1), .messageDropped(id: id, reason: .loss))
            reportSnapshot(m, delivered: false)
        case .delivered(let after, let inOrder, let duplicate):
            let entries: WireEntries = switch m.entryCount {
            case 0: .none
            case 1: .one(scratch.entries[first])
            default: .run(slot: entryRuns.insert(Array(scratch.entries[first..<(first + Int(m.entryCount))])))
            }
            var wire = InFlight(message: m, id: id, copies: duplicate == nil ? 1 : 2, entries: entries)
            if inOrder {
                // Queued on its link, ordered among all actions exactly as if it were in the heap.
                wire.arrival = now + after
                wire.order = nextOrder(.deliverNext(link: queueIndex))
                let slot = inFlight.insert(wire)
                if queuedTail < 0 {
                    linkQueues[queueIndex].head = slot
                    push(Scheduled(time: wire.arrival, order: wire.order))
                } else {
                    inFlight[queuedTail].next = slot
                }
                linkQueues[queueIndex].tail = slot
                if let duplicate { schedule(at: now + duplicate, .deliver(slot: slot)) }
            } else {
                let slot = inFlight.insert(wire)
                schedule(at: now + after, .deliver(slot: slot))
                if let duplicate { schedule(at: now + duplicate, .deliver(slot: slot)) }
            }
        }
    }

    /// Delivers the first message queued on `link`, after giving the heap the one behind it.
    private mutating func deliverNext(link: Int) throws {
        let slot = linkQueues[link].head
        let next = inFlight[slot].next
        linkQueues[link].head = next
        if next < 0 {
            linkQueues[link].tail = -1
        } else {
            push(Scheduled(time: inFlight[next].arrival, order: inFlight[next].order))
        }
        try deliver(slot: slot)
    }

    /// Delivers one scheduled copy of the message in `inFlight[slot]`.
    private mutating func deliver(slot: Int) throws {
        inFlight[slot].copies -= 1
        // Read field by field: a copy of the whole value would be a call to memcpy.
        let last = inFlight[slot].copies == 0
        let message = inFlight[slot].message, id = inFlight[slot].id, wireEntries = inFlight[slot].entries
        if last { inFlight.free(slot) }
        let entries: LogEntries
        switch wireEntries {
        case .none: entries = LogEntries()
        case .one(let entry): entries = LogEntries(entry)
        case .run(let run):
            entries = LogEntries(entryRuns[run])
            // Release the run's slot now (the entries hold the array), not when it is next used.
            if last {
                entryRuns[run] = []
                entryRuns.free(run)
            }
        }
        let from = message.from, to = message.to
        let i = Int(to.rawValue - 1)
        if network.isCut(DirectedLink(from: from, to: to)) {
            try record(i, .messageDropped(id: id, reason: .partition))
            reportSnapshot(message, delivered: false)
            return
        }
        guard nodes[i].up else {
            try record(i, .messageDropped(id: id, reason: .receiverDown))
            reportSnapshot(message, delivered: false)
            return
        }
        if nodes[i].pausedUntil != nil {
            nodes[i].queued.append((message, entries, id))
            return
        }
        try record(i, .messageDelivered(id: id))
        reportSnapshot(message, delivered: true)
        let local = nodes[i].clock.local(now)
        nodes[i].raft.step(message, entries: entries, now: local)
        try drain(i)
    }

    /// Tells the leader that sent a snapshot whether it arrived, as etcd's transport reports a
    /// snapshot's fate (`ReportSnapshot`); until then the leader sends that follower nothing else.
    /// A message that arrives at a paused node counts when the node takes it (or drops it, crashing).
    @inline(__always) private mutating func reportSnapshot(_ m: RaftMessage, delivered: Bool) {
        if m.type == .snapshot { reportSnapshot(from: m.from, to: m.to, delivered: delivered) }
    }

    @inline(never) private mutating func reportSnapshot(from: NodeID, to: NodeID, delivered: Bool) {
        let sender = Int(from.rawValue - 1)
        guard nodes[sender].up else { return }
        nodes[sender].raft.reportSnapshot(to: to, delivered: delivered)
    }

    mutating func crash(_ i: Int) throws {
        guard nodes[i].up else { return }
        nodes[i].persisted = nodes[i].raft.persistentState
        nodes[i].up = false
        nodes[i].pausedUntil = nil
        nodes[i].stopFor = nil
        let queued = nodes[i].queued
        nodes[i].queued.removeAll()
        nodes[i].timerAt = nil
        crashOrder.append(i)
        try record(i, .nodeCrashed)
        // Messages that reached it while it was paused were never taken: they die with it.
        for (m, _, id) in queued {
            try record(i, .messageDropped(id: id, reason: .receiverDown))
            reportSnapshot(m, delivered: false)
        }
    }

    mutating func pause(_ i: Int, for duration: UInt64) throws {
        guard nodes[i].up, nodes[i].pausedUntil == nil else { return }
        nodes[i].pausedUntil = now + duration
        nodes[i].timerAt = nil
        try record(i, .nodePaused)
        schedule(at: now + duration, .resume(i))
    }

    private mutating func resume(_ i: Int) throws {
        guard nodes[i].pausedUntil == now else { return }
        nodes[i].pausedUntil = nil
        try record(i, .nodeResumed)
        let queued = nodes[i].queued
        nodes[i].queued.removeAll()
        for (m, entries, id) in queued {
            guard nodes[i].up else { break }
            try record(i, .messageDelivered(id: id))
            reportSnapshot(m, delivered: true)
            let local = nodes[i].clock.local(now)
            nodes[i].raft.step(m, entries: entries, now: local)
            try drain(i)
        }
        let local = nodes[i].clock.local(now)
        if nodes[i].up { nodes[i].raft.tick(now: local) }
        try drain(i)
    }

    /// The node that currently leads the highest term, if any node is up and leading.
    var currentLeader: Int? {
        var best: (Int, UInt64)?
        for i in nodes.indices {
            let (up, role, term) = (nodes[i].up, nodes[i].raft.role, nodes[i].raft.term)
            if up, role == .leader, best.map({ term > $0.1 }) ?? true { best = (i, term) }
        }
        return best?.0
    }
}
