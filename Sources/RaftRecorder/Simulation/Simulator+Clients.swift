import DequeModule
import TraceFormat

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The client model: writes and reads arrive as two Poisson processes, go to the node the client
/// believes leads, follow "not leader" hints, time out and retry at another node, and give up
/// after a while. A read is answered when that node serves it (`readServed`).
/// Client <-> server messages are not delayed by the network model: the trace is about the cluster.
extension Simulator {
    mutating func nextArrival(after t: UInt64, rate: Double? = nil) -> UInt64 {
        let u = max(Double(clientRNG.next() >> 11) / Double(1 << 53), 1e-12)
        let gap = -log(u) / (rate ?? workload.writesPerSecond) * 1e9
        // Whole microseconds, like every other random duration in the simulation.
        return t + max(1_000, UInt64(gap / 1_000) * 1_000)
    }

    mutating func clientArrival() throws {
        nextRequestID += 1
        pending[nextRequestID] = PendingRequest(firstIssued: now, hash: clientRNG.next())
        try issue(nextRequestID)
        schedule(at: nextArrival(after: now), .clientArrival)
    }

    mutating func readArrival() throws {
        nextRequestID += 1
        pending[nextRequestID] = PendingRequest(firstIssued: now, hash: 0, kind: .read)
        try issue(nextRequestID)
        schedule(at: nextArrival(after: now, rate: workload.readsPerSecond), .readArrival)
    }

    /// Node `i` served read `request`: the client gets its answer if it is still waiting on
    /// that node (it may have moved on after a timeout).
    mutating func readServed(_ request: UInt64, by i: Int) throws {
        guard let p = pending[request], p.node == i else { return }
        pending[request] = nil
        try record(i, .clientResponse(id: request, outcome: .ok, latency: now - p.firstIssued))
    }

    /// Sends request `id` to the node the client believes leads (or a random one).
    mutating func issue(_ id: UInt64) throws {
        guard var p = pending[id] else { return }
        let target = belief(p.kind) ?? Int(clientRNG.next() % UInt64(nodes.count))
        p.attempt += 1
        p.node = target
        pending[id] = p
        try record(target, .clientRequest(id: id, kind: p.kind))
        sequence += 1
        timeouts.append((now + workload.requestTimeout, sequence, id, p.attempt))
        guard nodes[target].up, nodes[target].pausedUntil == nil else { return }
        switch submit(p, id, to: target) {
        case .taken:
            try drain(target)
        case .notLeader(let hint):
            p.node = nil
            pending[id] = p
            try record(target, .clientResponse(id: id, outcome: .notLeader, latency: now - p.firstIssued))
            if let hint, Int(hint.rawValue - 1) != target {
                setBelief(p.kind, Int(hint.rawValue - 1))
                schedule(at: now + 1_000_000, .clientRetry(slot: retries.insert(id)))
            } else {
                setBelief(p.kind, nil)
                schedule(at: now + timing.heartbeatInterval, .clientRetry(slot: retries.insert(id)))
            }
        }
    }

    private enum Submission { case taken, notLeader(hint: NodeID?) }

    /// Hands request `id` to node `target`: a write as a proposal, a read as a read.
    private mutating func submit(_ p: PendingRequest, _ id: UInt64, to target: Int) -> Submission {
        if p.kind == .read {
            if case .notLeader(let hint) = nodes[target].raft.read(request: id) { return .notLeader(hint: hint) }
        } else if case .notLeader(let hint) = nodes[target].raft.propose(request: id, hash: p.hash) {
            return .notLeader(hint: hint)
        }
        return .taken
    }

    /// The node the client sending requests of `kind` believes leads.
    private func belief(_ kind: ClientRequestKind) -> Int? { kind == .read ? readerLeader : knownLeader }

    private mutating func setBelief(_ kind: ClientRequestKind, _ node: Int?) {
        if kind == .read { readerLeader = node } else { knownLeader = node }
    }

    mutating func clientTimeout(_ id: UInt64, attempt: Int) throws {
        guard let p = pending[id], p.attempt == attempt, try !gaveUp(id, p) else { return }
        // The believed leader did not answer in time: try the next node.
        setBelief(p.kind, ((p.node ?? belief(p.kind) ?? 0) + 1) % nodes.count)
        try issue(id)
    }

    /// A redirected request is sent again (to the hinted node, or after a heartbeat interval when
    /// no node is known to lead), unless the client has waited long enough to give up: while no
    /// node leads, the redirects would otherwise go on for as long as that lasts.
    mutating func clientRetry(_ id: UInt64) throws {
        guard let p = pending[id], try !gaveUp(id, p) else { return }
        try issue(id)
    }

    /// Gives up on request `id` (a `timeout` answer) if `giveUpAfter` has passed since it was
    /// first sent; returns whether it did.
    private mutating func gaveUp(_ id: UInt64, _ p: PendingRequest) throws -> Bool {
        guard now - p.firstIssued >= workload.giveUpAfter else { return false }
        pending[id] = nil
        try record(nil, .clientResponse(id: id, outcome: .timeout, latency: now - p.firstIssued))
        return true
    }
}

/// A client request not yet answered: when it was first issued, how often and to which node.
struct PendingRequest {
    var firstIssued: UInt64
    var attempt = 0
    var node: Int?
    var hash: UInt64
    var kind = ClientRequestKind.write
}

/// Client requests not yet answered, by id. Ids are handed out in increasing order and most are
/// answered in order, so they live in a window of slots from the oldest unanswered id: a look-up
/// is an index, not a hash.
struct PendingRequests {
    private var base: UInt64 = 1
    private var slots = Deque<PendingRequest?>()

    subscript(id: UInt64) -> PendingRequest? {
        get {
            guard id >= base, id - base < UInt64(slots.count) else { return nil }
            return slots[Int(id - base)]
        }
        set {
            guard id >= base else {
                precondition(newValue == nil, "request \(id) added after newer ones were answered")
                return
            }
            while id - base >= UInt64(slots.count) { slots.append(nil) }
            slots[Int(id - base)] = newValue
            while case .some(.none) = slots.first {
                slots.removeFirst()
                base += 1
            }
        }
    }
}
