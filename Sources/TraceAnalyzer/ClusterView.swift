import TraceFormat

/// The cluster as the events describe it at the current point of the stream: each node's role,
/// term, known leader, log end and last leader contact; messages in flight; cut links.
/// Memory grows with nodes and messages in flight, not with trace length.
struct ClusterView {
    struct Node {
        var up = false
        var role: RoleName = .down
        var term: UInt64 = 0
        var leader: NodeID?
        var lastIndex: UInt64 = 0
        var lastTerm: UInt64 = 0
        var lastLeaderContact: UInt64?
        /// When this node last committed while leader of its current term.
        var committedAsLeader = false
        /// When it last started: a snapshot it installs then is its own, already in its log.
        var startedAt: UInt64?
        /// The `nodePaused` of a node stalled now.
        var pausedBy: EventRef?
        /// The `nodeCrashed` of a node down now.
        var crashedBy: EventRef?
        /// The last TimeoutNow it received (a leader handing leadership to it): the sender and when.
        var timeoutNow: (from: NodeID, at: UInt64)?

        /// A `snapshotInstalled` at `t` is the node's own snapshot, loaded as it (re)started, not
        /// a leader's replacing its log.
        func loadsOwnSnapshot(at t: UInt64) -> Bool { startedAt == t }
    }

    let ids: [NodeID]
    var nodes: [Node]
    var messages = RecentMessages()
    var cut: Set<DirectedLink> = []
    /// The event that cut each link in `cut`.
    var cutBy: [DirectedLink: EventRef] = [:]
    /// The last `linkHealed` between each node pair.
    var healedBy: [Pair: EventRef] = [:]
    /// The `linkDegraded` in force on each link that loses messages or delays them now.
    var degradedBy: [DirectedLink: EventRef] = [:]
    /// The recent changes of each unordered node pair's links (a cut or heal, newest last, at most
    /// 8): links of a pair cut or healed at the same instant count as one change, the first event.
    var linkChanges: [Pair: [EventRef]] = [:]
    var highestTerm: UInt64 = 0
    /// Servers removed from the voters as the cluster committed it, each with the event that
    /// removed it: the first node to apply a membership change applies a committed one, so the
    /// first `membershipChangeApplied` of each index counts (`lastChangeIndex` is the highest seen).
    var removed: [UInt32: EventRef] = [:]
    /// Of those, the learners (replicated to, not voting), each with the event that added it.
    var learners: [UInt32: EventRef] = [:]
    private var lastChangeIndex: UInt64 = 0
    /// By node index: the servers its own configuration does not count as voters (removed, or
    /// learners), as of the membership changes it applied itself. A candidate counts votes by its
    /// own configuration (a removed server that has not applied its removal still counts the
    /// others and itself). A snapshot from a leader replaces it with the cluster's as of the
    /// snapshot's index (`changes`).
    private var ownNonVoters: [Set<UInt32>]
    /// Every membership change the cluster committed, in index order (the first application of
    /// each): as few as the trace's membership faults, kept to know the configuration a snapshot
    /// carries.
    private var changes: [(index: UInt64, change: MembershipChange, target: UInt32)] = []
    /// Leadership transfers in progress, by leader: the target and the `transferStarted`.
    private var transfers: [UInt32: (target: NodeID, started: EventRef)] = [:]
    /// The last `transferStarted` naming each node, finished or not.
    private var lastTransferTo: [UInt32: EventRef] = [:]
    /// The last message each node received from each other in the receiver's term:
    /// `heard[receiver * ids.count + sender]` (time 0: none yet). Kept only if `tracksHeard`: only
    /// a leader's lease needs it (it costs a tenth of a delivery's analysis).
    private var heard: [Delivery]
    let tracksHeard: Bool

    /// A delivery, enough to cite it: its time, its position in the trace and the message's id.
    struct Delivery: BitwiseCopyable {
        var time: UInt64 = 0
        var ordinal: UInt64 = 0
        var id: UInt64 = 0
    }

    /// A membership change to a configuration's non-voters (`RaftRules.membership(after:)`).
    private static func apply(_ change: MembershipChange, to target: UInt32, nonVoters: inout Set<UInt32>) {
        if RaftRules.membership(after: change, isVoter: !nonVoters.contains(target), isLearner: false).voter {
            nonVoters.remove(target)
        } else {
            nonVoters.insert(target)
        }
    }

    /// Whether a `membershipChangeApplied` of the change at `index` is its first application,
    /// the one that counts (a node that catches up applies old changes again), before the view
    /// applies it.
    func appliesFirst(changeAt index: UInt64) -> Bool { index > lastChangeIndex }

    struct Pair: Hashable {
        var a: UInt32, b: UInt32
        init(_ x: NodeID, _ y: NodeID) { (a, b) = x.rawValue < y.rawValue ? (x.rawValue, y.rawValue) : (y.rawValue, x.rawValue) }
    }

    init(ids: [NodeID], tracksHeard: Bool = false) {
        self.ids = ids
        self.tracksHeard = tracksHeard
        nodes = Array(repeating: Node(), count: ids.count)
        ownNonVoters = Array(repeating: [], count: ids.count)
        heard = Array(repeating: Delivery(), count: tracksHeard ? ids.count * ids.count : 0)
    }

    /// The cluster's voters, as committed.
    var voterCount: Int { ids.count - removed.count }

    var quorum: Int { RaftRules.quorum(voters: voterCount) }

    /// Whether `node`'s own configuration counts `voter` as a voter.
    func counts(_ voter: NodeID, asVoterOf node: NodeID) -> Bool {
        guard let i = index(node) else { return removed[voter.rawValue] == nil }
        return !ownNonVoters[i].contains(voter.rawValue)
    }

    /// The voters in `node`'s own configuration, itself included if it is one.
    func voterCount(of node: NodeID) -> Int {
        guard let i = index(node) else { return voterCount }
        return ids.count - ownNonVoters[i].count
    }

    /// The majority of the voters in `node`'s own configuration: the votes it needs to win.
    func quorum(of node: NodeID) -> Int { RaftRules.quorum(voters: voterCount(of: node)) }

    func index(_ id: NodeID) -> Int? {
        let i = Int(id.rawValue) - 1
        return nodes.indices.contains(i) ? i : nil
    }

    /// A node the metadata does not list reads as a node that never started.
    subscript(_ id: NodeID) -> Node { index(id).map { nodes[$0] } ?? Node() }

    /// Both directions open and the other end running.
    func reachable(_ a: NodeID, _ b: NodeID) -> Bool {
        a == b || (!cut.contains(DirectedLink(from: a, to: b)) && !cut.contains(DirectedLink(from: b, to: a)) && self[b].up)
    }

    /// Whether `candidate`'s messages reach the running `voter` and its answers come back (a
    /// paused voter answers only when it resumes, too late for the campaign).
    func connection(from candidate: NodeID, to voter: NodeID) -> VoterAssessment.Connection {
        if !self[voter].up { return .down }
        if self[voter].pausedBy != nil { return .paused }
        if cut.contains(DirectedLink(from: candidate, to: voter)) { return .requestsCut }
        return cut.contains(DirectedLink(from: voter, to: candidate)) ? .answersCut : .open
    }

    /// How many voters `node` reaches (itself included), and the events that cut it off from
    /// the running voters it does not reach (one per voter: the cut, or the `nodePaused` of one
    /// stalled, which answers nothing until it resumes).
    func reach(of node: NodeID) -> (count: Int, cuts: [EventRef]) {
        var count = 0
        var cuts: [EventRef] = []
        for v in ids where removed[v.rawValue] == nil {
            if reachable(node, v) {
                guard v != node, let pause = self[v].pausedBy else { count += 1; continue }
                cuts.append(pause)
                continue
            }
            if let ref = cut(between: node, v) { cuts.append(ref) }
        }
        return (count, cuts)
    }

    /// The event that cut a link between `a` and `b` (either way), if one is cut.
    func cut(between a: NodeID, _ b: NodeID) -> EventRef? {
        cutBy[DirectedLink(from: a, to: b)] ?? cutBy[DirectedLink(from: b, to: a)]
    }

    /// The `linkDegraded` events in force between two nodes, either way, that came by `t`, in file
    /// order.
    func degradation(between a: NodeID, _ b: NodeID, by t: UInt64) -> [EventRef] {
        [degradedBy[DirectedLink(from: a, to: b)], degradedBy[DirectedLink(from: b, to: a)]]
            .compactMap { $0 }.filter { $0.time <= t }.sorted { $0.ordinal < $1.ordinal }
    }

    /// The leader whose handover `node` campaigns on at `t`, and its `transferStarted`: one that is
    /// handing leadership to it, or whose TimeoutNow it received at `t` (that leader may have given
    /// up waiting since it sent it). Such a campaign skips pre-vote and overrides stickiness.
    func transferCampaign(of node: NodeID, at t: UInt64) -> (leader: NodeID, started: EventRef?)? {
        if let (leader, transfer) = transfers.first(where: { $0.value.target == node }) {
            return (NodeID(rawValue: leader), transfer.started)
        }
        if let received = self[node].timeoutNow, received.at == t { return (received.from, lastTransferTo[node.rawValue]) }
        return nil
    }

    /// The node leading the highest term among running nodes, if a majority (itself included)
    /// currently follows it in that term.
    var acknowledgedLeader: NodeID? {
        for (i, n) in nodes.enumerated() where n.up && n.role == .leader {
            let id = ids[i]
            let followers = nodes.indices.filter {
                nodes[$0].up && nodes[$0].term == n.term && nodes[$0].leader == id && removed[ids[$0].rawValue] == nil
            }.count
            if followers >= quorum { return id }
        }
        return nil
    }

    /// Applies an event of the cluster's shape: links, node lifecycle, roles and terms. The
    /// frequent events (messages, appends, commits) have methods of their own below.
    mutating func apply(_ e: TraceEvent, ordinal: UInt64) {
        if case .membershipChangeApplied(let change, let target, _) = e.kind, let n = e.node, let i = index(n) {
            // Every node applies each change to its own configuration.
            Self.apply(change, to: target.rawValue, nonVoters: &ownNonVoters[i])
        }
        switch e.kind {
        case .linkCut(let l):
            cut.insert(l)
            cutBy[l] = EventRef(e, ordinal: ordinal)
            noteLinkChange(l, EventRef(e, ordinal: ordinal))
            return
        case .linkHealed(let l):
            cut.remove(l)
            cutBy[l] = nil
            healedBy[Pair(l.from, l.to)] = EventRef(e, ordinal: ordinal)
            noteLinkChange(l, EventRef(e, ordinal: ordinal))
            return
        case .linkDegraded(let l, let loss, let extra):
            degradedBy[l] = loss > 0 || extra > 0 ? EventRef(e, ordinal: ordinal) : nil
            return
        case .membershipChangeApplied(let change, let target, let index) where index > lastChangeIndex:
            lastChangeIndex = index
            changes.append((index, change, target.rawValue))
            // Each keeps the event that made it so: a removal, an addition as a learner.
            let t = target.rawValue
            let after = RaftRules.membership(after: change, isVoter: removed[t] == nil, isLearner: learners[t] != nil)
            if after.voter { removed[t] = nil } else if change == .remove { removed[t] = EventRef(e, ordinal: ordinal) }
            if !after.learner { learners[t] = nil } else if change == .addLearner { learners[t] = EventRef(e, ordinal: ordinal) }
            return
        default:
            break
        }
        guard let id = e.node, let i = index(id) else { return }
        switch e.kind {
        case .nodeStarted(let r):
            nodes[i] = Node(up: true, role: .follower, term: r.term, leader: nil, lastIndex: r.lastIndex, lastTerm: r.lastTerm,
                            startedAt: e.time)
        case .transferStarted(let target, _):
            transfers[id.rawValue] = (target, EventRef(e, ordinal: ordinal))
            lastTransferTo[target.rawValue] = EventRef(e, ordinal: ordinal)
        case .transferFinished:
            transfers[id.rawValue] = nil
        case .nodeCrashed:
            transfers[id.rawValue] = nil  // (its handover died with it)
            nodes[i].up = false
            nodes[i].role = .down
            nodes[i].leader = nil
            nodes[i].pausedBy = nil
            nodes[i].crashedBy = EventRef(e, ordinal: ordinal)
        case .nodePaused:
            nodes[i].pausedBy = EventRef(e, ordinal: ordinal)
        case .nodeResumed:
            nodes[i].pausedBy = nil
        case .becameFollower(let t, let l):
            nodes[i].role = .follower
            nodes[i].term = t
            nodes[i].leader = l
            if l != nil { nodes[i].lastLeaderContact = e.time }
        case .becamePreCandidate:
            nodes[i].role = .preCandidate
            nodes[i].leader = nil
        case .becameCandidate(let t):
            nodes[i].role = .candidate
            nodes[i].term = t
            nodes[i].leader = nil
        case .becameLeader(let t):
            nodes[i].role = .leader
            nodes[i].term = t
            nodes[i].leader = id
            nodes[i].committedAsLeader = false
        case .termChanged(_, let to, _):
            nodes[i].term = to
            highestTerm = max(highestTerm, to)
            // What it heard in its old term says nothing of the new one.
            if tracksHeard { for j in ids.indices { heard[i * ids.count + j] = Delivery() } }
        case .logTruncated(let from):
            nodes[i].lastIndex = from > 0 ? from - 1 : 0
        case .snapshotInstalled(let index, let term) where !nodes[i].loadsOwnSnapshot(at: e.time):
            // A leader's snapshot replaced the node's log. (One loaded on a restart is the node's
            // own, already counted in the log it started with.)
            nodes[i].lastIndex = index
            nodes[i].lastTerm = term
            ownNonVoters[i] = []
            for c in changes where c.index <= index { Self.apply(c.change, to: c.target, nonVoters: &ownNonVoters[i]) }
        default:
            break
        }
    }

    // The frequent events, one method each so the analysis pass can call them with the fields
    // already unpacked.

    @inline(__always) mutating func sent(_ m: MessageSend, from: NodeID?, at t: UInt64) {
        if let from { messages.sent(m, from: from, at: t) }
    }

    /// Ends message `id`'s flight and returns it (nil if it was not in flight: unknown, or a
    /// duplicate's second copy); an append or heartbeat not older than the receiver's term counts
    /// as contact with a leader, and any message of the receiver's term as having heard from its
    /// sender.
    @inline(__always) mutating func delivered(_ id: UInt64, to node: NodeID?, at t: UInt64, ordinal: UInt64) -> RecentMessages.Message? {
        guard let m = messages.delivered(id, at: t) else { return nil }
        guard let node, let i = index(node) else { return m }
        if m.type == .append || m.type == .heartbeat || m.type == .snapshot, m.term >= nodes[i].term {
            nodes[i].lastLeaderContact = t
        } else if m.type == .timeoutNow {
            nodes[i].timeoutNow = (m.from, t)
        }
        if tracksHeard, m.term == nodes[i].term, let j = index(m.from) {
            heard[i * ids.count + j] = Delivery(time: t, ordinal: ordinal, id: id)
        }
        return m
    }

    /// When `node` last heard, in its current term, from a majority of the voters (itself
    /// included, as of `now`), and the delivery that completed that majority (nil when it has
    /// heard from no other voter, or a majority is itself alone). A leader's lease runs from there.
    func lastMajorityContact(of node: NodeID, now: UInt64) -> (time: UInt64, delivery: TraceEvent, ordinal: UInt64)? {
        guard tracksHeard, let i = index(node) else { return nil }
        var others: [Delivery] = []
        for (j, v) in ids.enumerated() where j != i && removed[v.rawValue] == nil {
            let d = heard[i * ids.count + j]
            if d.time > 0 { others.append(d) }
        }
        let needed = quorum - (removed[node.rawValue] == nil ? 1 : 0)
        guard needed > 0, others.count >= needed else { return nil }
        let d = others.sorted { $0.time > $1.time }[needed - 1]
        return (min(d.time, now), TraceEvent(time: d.time, node: node, .messageDelivered(id: d.id)), d.ordinal)
    }

    /// Ends message `id`'s flight as dropped and returns it (nil if it was not in flight).
    @inline(__always) mutating func dropped(_ id: UInt64, reason: DropReason) -> RecentMessages.Message? {
        messages.dropped(id, reason: reason)
    }

    @inline(__always) mutating func appended(on node: NodeID?, last: UInt64, term: UInt64) {
        guard let node, let i = index(node) else { return }
        nodes[i].lastIndex = last
        nodes[i].lastTerm = term
    }

    @inline(__always) mutating func committed(on node: NodeID?) {
        guard let node, let i = index(node) else { return }
        if nodes[i].role == .leader { nodes[i].committedAsLeader = true }
    }

    private mutating func noteLinkChange(_ l: DirectedLink, _ ref: EventRef) {
        let key = Pair(l.from, l.to)
        var changes = linkChanges[key, default: []]
        if changes.last?.time != ref.time { changes.append(ref) }
        if changes.count > 8 { changes.removeFirst(changes.count - 8) }
        linkChanges[key] = changes
    }

    /// The changes of the links between `a` and `b` since `since` (at most the last 8).
    func linkChanges(between a: NodeID, _ b: NodeID, since: UInt64) -> [EventRef] {
        linkChanges[Pair(a, b)]?.filter { $0.time >= since } ?? []
    }
}

/// Values keyed by a mostly increasing id (message ids, client request ids): a direct-mapped table
/// (slot = id modulo its size) with a dictionary for the rare entry still present when a newer id
/// needs its slot. Hashing every send and delivery through a dictionary alone costs more than the
/// rest of the analysis.
struct DirectMappedTable<Value: BitwiseCopyable> {
    /// `Value` must be valid as all-zero bytes (see `ZeroedTable`).
    private struct Slot {
        var used: Bool
        var id: UInt64
        var value: Value
    }
    /// Client requests outstanding at once number in the tens (hundreds while the cluster is
    /// unavailable); a request older than `size` ids waits in `overflow`. A small table is touched
    /// in full within seconds, so the analysis' memory does not creep up as ids advance.
    static var size: Int { 1 << 12 }
    private var slots = ZeroedTable<Slot>(count: size)
    private var overflow: [UInt64: Value] = [:]
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    subscript(id: UInt64) -> Value? {
        @inline(__always) get {
            // A slot on a page no write has touched is empty, and is not read (see `isTouched`).
            let k = Int(id % UInt64(Self.size))
            if slots.isTouched(k) {
                let s = slots[k]
                if s.used, s.id == id { return s.value }
            }
            return overflow.isEmpty ? nil : overflow[id]
        }
        @inline(__always) set {
            guard let v = newValue else { _ = removeValue(forKey: id); return }
            let k = Int(id % UInt64(Self.size))
            // Read before written: the slot's page is first touched by a write (see `ZeroedTable`).
            slots.touch(through: k)
            let old = slots[k]
            if old.used {
                if old.id != id {
                    if overflow.updateValue(old.value, forKey: old.id) != nil { count -= 1 }
                } else {
                    count -= 1
                }
            }
            if !overflow.isEmpty, overflow.removeValue(forKey: id) != nil { count -= 1 }
            slots[k] = Slot(used: true, id: id, value: v)
            count += 1
        }
    }

    @inline(__always) mutating func removeValue(forKey id: UInt64) -> Value? {
        let k = Int(id % UInt64(Self.size))
        if slots.isTouched(k) {  // as in `subscript`'s getter
            let s = slots[k]
            if s.used, s.id == id {
                slots.update(k) { $0.used = false }
                count -= 1
                return s.value
            }
        }
        guard !overflow.isEmpty, let v = overflow.removeValue(forKey: id) else { return nil }
        count -= 1
        return v
    }
}

/// The most recent messages by id, in flight or not: a direct-mapped table (slot = id modulo its
/// size) that keeps each message, with its delivery or drop, until a newer message takes its slot;
/// a message still in flight then moves to a dictionary until it lands. One table serves both the
/// messages in flight and the arrows drawn around a disruption (`MessageSampler`), so a send or
/// delivery costs one slot, not two.
///
/// The table starts with 2^12 slots and doubles, up to 2^15, rather than let a message sent within
/// `retention` of a newer one lose its slot: it holds that long a stretch of the cluster's traffic,
/// whatever its rate, up to 2^15 messages. A trace's memory then follows its message rate, not a
/// fixed size: at 2^15 slots from the start a one-minute trace of a steady five-node cluster
/// wrote all 1.5 MiB of the table (its first 2^15 messages took a slot each), a fifth of the pages
/// the analysis touches, each costing a page fault (about 1.5 us in this virtual machine).
struct RecentMessages {
    /// Messages sent this long before the latest send keep their slots (unless 2^15 messages more
    /// recent need them). At least `MessageSampler.before`: the arrows before a disruption come from here.
    static let retention: UInt64 = 1_000 * nsPerMillisecond
    static let initialSlots = 1 << 12
    static let maxSlots = 1 << 15

    struct Message: BitwiseCopyable {
        // The 8-byte fields first, so that the small ones pack after them: 48 bytes a slot, not 56.
        var id: UInt64
        var term: UInt64
        var sent: UInt64
        /// The last delivery of it (a duplicate's second copy moves it on); 0 if none.
        var received: UInt64 = 0
        var from: NodeID
        var to: NodeID
        var type: MessageType
        var state: State
        var dropped: DropReason?

        /// Zero bytes (an unused slot) read as `.none`, the first case.
        enum State: BitwiseCopyable { case none, inFlight, landed }

        /// Just sent: in flight.
        init(_ m: MessageSend, from: NodeID, at t: UInt64) {
            id = m.id
            self.from = from
            to = m.to
            type = m.type
            state = .inFlight
            term = m.term
            sent = t
        }

        mutating func drop(_ reason: DropReason) {
            state = .landed
            dropped = reason
        }
    }

    private var slots = ZeroedTable<Message>(count: initialSlots)
    /// The table's size less one (sizes are powers of two): a message's slot is `id & mask`.
    private var mask = UInt64(initialSlots - 1)
    var slotCount: Int { Int(mask) + 1 }
    /// Messages still in flight whose slot a newer message took.
    private var overflow: [UInt64: Message] = [:]
    /// Messages sent and neither delivered nor dropped (it walks the whole table).
    var inFlight: Int {
        var n = 0
        forEachInFlight { _ in n += 1 }
        return n
    }

    /// Calls `body` with each message sent and neither delivered nor dropped (it walks the whole
    /// table: for the end of the pass and for tests).
    func forEachInFlight(_ body: (Message) -> Void) {
        for m in overflow.values { body(m) }
        for k in 0..<slotsWritten where slots[k].state == .inFlight { body(slots[k]) }
    }

    /// The highest id sent. An id above it and below the table's size has a slot no id sent so far
    /// maps to: never written, and nothing of it in the overflow. (Doubling keeps this true: a
    /// message moves to slot `id & mask` of the larger table, which for an id below its size is
    /// the id itself.)
    private var highestSent: UInt64 = 0

    /// The slots below this may have been written; the walks stop there, so that a short trace's
    /// walk does not read (and so map) the pages of a table it never filled.
    private var slotsWritten: Int { highestSent > mask ? slotCount : Int(highestSent) + 1 }

    @inline(__always) mutating func sent(_ m: MessageSend, from: NodeID, at t: UInt64) {
        var k = Int(m.id & mask)
        if m.id > highestSent {
            highestSent = m.id
            if m.id <= mask {
                // Written without being read, so each page of the table is first touched by a
                // write (see `ZeroedTable`).
                slots[k] = Message(m, from: from, at: t)
                return
            }
        }
        var old = slots[k]
        while old.state != .none, old.id != m.id, old.sent.addingSaturating(Self.retention) >= t, slotCount < Self.maxSlots {
            grow()
            k = Int(m.id & mask)
            old = slots[k]
        }
        if old.state == .inFlight, old.id != m.id { overflow[old.id] = old }
        if !overflow.isEmpty { overflow.removeValue(forKey: m.id) }
        slots[k] = Message(m, from: from, at: t)
    }

    /// Doubles the table, moving each message to its slot in the larger one (two messages never
    /// meet there: they would have shared a slot in the smaller one).
    private mutating func grow() {
        let written = slotsWritten
        let old = slots
        mask = mask << 1 | 1
        slots = ZeroedTable<Message>(count: slotCount)
        for k in 0..<written {
            let m = old[k]
            if m.state != .none { slots[Int(m.id & mask)] = m }
        }
    }

    /// Records a delivery; returns the message if this ended its flight.
    ///
    /// The slot is read whole before the two fields are written, and the message returned is that
    /// copy: reading the slot back after the one-byte write of `state` (as returning the updated
    /// slot did) made the processor wait for the write to reach its cache, on every delivery.
    @inline(__always) mutating func delivered(_ id: UInt64, at t: UInt64) -> Message? {
        let k = Int(id & mask)
        var m = slots[k]
        guard m.id == id, m.state != .none else {
            guard !overflow.isEmpty else { return nil }
            return overflow.removeValue(forKey: id)
        }
        let wasInFlight = m.state == .inFlight
        slots.update(k) { slot in
            slot.state = .landed
            slot.received = t
        }
        guard wasInFlight else { return nil }
        m.state = .landed
        m.received = t
        return m
    }

    /// Records a drop; returns the message if this ended its flight (as `delivered` does).
    @inline(__always) mutating func dropped(_ id: UInt64, reason: DropReason) -> Message? {
        let k = Int(id & mask)
        var m = slots[k]
        guard m.id == id, m.state != .none else {
            guard !overflow.isEmpty else { return nil }
            return overflow.removeValue(forKey: id)
        }
        let wasInFlight = m.state == .inFlight
        slots.update(k) { $0.drop(reason) }
        guard wasInFlight else { return nil }
        m.drop(reason)
        return m
    }

    /// The messages in the table sent within `window` before `t` (at `t` included), oldest first.
    func sent(within window: UInt64, before t: UInt64) -> [Message] {
        var found: [Message] = []
        for k in 0..<slotsWritten {
            let m = slots[k]
            if m.state != .none, m.sent <= t, t - m.sent <= window { found.append(m) }
        }
        return found.sorted { ($0.sent, $0.id) < ($1.sent, $1.id) }
    }
}
