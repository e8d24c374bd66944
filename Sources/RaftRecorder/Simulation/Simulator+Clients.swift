import TraceFormat

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The client model: writes arrive as a Poisson process, go to the node the client believes leads,
/// follow "not leader" hints, time out and retry at another node, and give up after a while.
/// Client <-> server messages are not delayed by the network model: the trace is about the cluster.
extension Simulator {
    mutating func nextArrival(after t: UInt64) -> UInt64 {
        let u = max(Double(clientRNG.next() >> 11) / Double(1 << 53), 1e-12)
        let gap = -log(u) / workload.writesPerSecond * 1e9
        // Whole microseconds, like every other random duration in the simulation.
        return t + max(1_000, UInt64(gap / 1_000) * 1_000)
    }

    mutating func clientArrival() throws {
        nextRequestID += 1
        pending[nextRequestID] = PendingRequest(firstIssued: now, hash: clientRNG.next())
        try issue(nextRequestID)
        schedule(at: nextArrival(after: now), .clientArrival)
    }

    /// Sends request `id` to the node the client believes leads (or a random one).
    mutating func issue(_ id: UInt64) throws {
        guard var p = pending[id] else { return }
        let target = knownLeader ?? Int(clientRNG.next() % UInt64(nodes.count))
        p.attempt += 1
        p.node = target
        pending[id] = p
        try record(target, .clientRequest(id: id, kind: .write))
        schedule(at: now + workload.requestTimeout, .clientTimeout(request: id, attempt: p.attempt))
        guard nodes[target].up, nodes[target].pausedUntil == nil else { return }
        switch nodes[target].raft.propose(request: id, hash: p.hash) {
        case .accepted:
            try drain(target)
        case .notLeader(let hint):
            p.node = nil
            pending[id] = p
            try record(target, .clientResponse(id: id, outcome: .notLeader, latency: now - p.firstIssued))
            if let hint, Int(hint.rawValue - 1) != target {
                knownLeader = Int(hint.rawValue - 1)
                schedule(at: now + 1_000_000, .clientRetry(request: id))
            } else {
                knownLeader = nil
                schedule(at: now + timing.heartbeatInterval, .clientRetry(request: id))
            }
        }
    }

    mutating func clientTimeout(_ id: UInt64, attempt: Int) throws {
        guard let p = pending[id], p.attempt == attempt else { return }
        if now - p.firstIssued >= workload.giveUpAfter {
            pending[id] = nil
            try record(nil, .clientResponse(id: id, outcome: .timeout, latency: now - p.firstIssued))
            return
        }
        // The believed leader did not answer in time: try the next node.
        knownLeader = ((p.node ?? knownLeader ?? 0) + 1) % nodes.count
        try issue(id)
    }
}
