/// Generates a realistic steady-state event stream of a five-node cluster with a stable leader:
/// heartbeats every 50 ms and client writes (about one per millisecond) that are replicated,
/// committed and applied everywhere. Used by the format benchmark and by tests that need many
/// frames; it does not run Raft, it only produces the events a healthy cluster would.
public struct SyntheticWorkload: Sequence, IteratorProtocol {
    private var rng: SplitMix64
    private var pending: [TraceEvent] = []
    private var cursor = 0
    private var now: UInt64 = 0
    private var nextHeartbeat: UInt64 = 0
    private var messageID: UInt64 = 0
    private var request: UInt64 = 0
    private var index: UInt64 = 0
    private let leader = NodeID(1)
    private let followers = (2...5).map { NodeID(UInt32($0)) }
    private let term: UInt64 = 3

    public init(seed: UInt64 = 1) { rng = SplitMix64(seed: seed) }

    public mutating func next() -> TraceEvent? {
        if cursor == pending.count {
            pending.removeAll(keepingCapacity: true)
            cursor = 0
            produceRound()
        }
        defer { cursor += 1 }
        return pending[cursor]
    }

    /// Latencies in whole microseconds, as a µs-resolution clock would record them.
    private mutating func latency() -> UInt64 { 10_000_000 + (rng.next() % 5_000) * 1_000 }

    private mutating func emit(_ offset: UInt64, _ node: NodeID?, _ kind: TraceEvent.Kind) {
        pending.append(TraceEvent(time: now + offset, node: node, kind))
    }

    /// One client write, or a heartbeat round when one is due, with all their follow-on events,
    /// in time order.
    private mutating func produceRound() {
        var round: [TraceEvent] = []
        swap(&round, &pending)
        if now >= nextHeartbeat {
            nextHeartbeat += 50_000_000
            for f in followers {
                messageID += 1
                let id = messageID, back = messageID + 1
                messageID += 1
                let l = latency()
                round.append(TraceEvent(time: now, node: leader, .messageSent(MessageSend(id: id, to: f, type: .heartbeat, term: term, entries: 0, bytes: 32))))
                round.append(TraceEvent(time: now + l, node: f, .messageDelivered(id: id)))
                round.append(TraceEvent(time: now + l, node: f, .messageSent(MessageSend(id: back, to: leader, type: .heartbeatResponse, term: term, entries: 0, bytes: 24))))
                round.append(TraceEvent(time: now + 2 * l, node: leader, .messageDelivered(id: back)))
            }
        } else {
            request += 1
            index += 1
            let hash = rng.next()
            round.append(TraceEvent(time: now, node: leader, .clientRequest(id: request, kind: .write)))
            round.append(TraceEvent(time: now, node: leader, .entryProposed(request: request, index: index, term: term)))
            round.append(TraceEvent(time: now, node: leader, .entriesAppended(first: index, last: index, term: term)))
            var acks: [UInt64] = []
            for f in followers {
                messageID += 1
                let id = messageID, back = messageID + 1
                messageID += 1
                let l = latency()
                round.append(TraceEvent(time: now, node: leader, .messageSent(MessageSend(id: id, to: f, type: .append, term: term, entries: 1, bytes: 160))))
                round.append(TraceEvent(time: now + l, node: f, .messageDelivered(id: id)))
                round.append(TraceEvent(time: now + l, node: f, .entriesAppended(first: index, last: index, term: term)))
                round.append(TraceEvent(time: now + l, node: f, .messageSent(MessageSend(id: back, to: leader, type: .appendResponse, term: term, entries: 0, bytes: 24))))
                round.append(TraceEvent(time: now + 2 * l, node: leader, .messageDelivered(id: back)))
                acks.append(now + 2 * l)
                round.append(TraceEvent(time: now + 2 * l + 1_000, node: f, .commitAdvanced(from: index - 1, to: index)))
                round.append(TraceEvent(time: now + 2 * l + 2_000, node: f, .entryApplied(index: index, term: term, hash: hash)))
            }
            acks.sort()
            let commit = acks[1]
            round.append(TraceEvent(time: commit, node: leader, .commitAdvanced(from: index - 1, to: index)))
            round.append(TraceEvent(time: commit, node: leader, .entryApplied(index: index, term: term, hash: hash)))
            round.append(TraceEvent(time: commit, node: leader, .clientResponse(id: request, outcome: .ok, latency: commit - now)))
        }
        // Rounds overlap in time; the writer needs time order, so sort this round and keep the
        // start of the next round after it (a simplification that keeps generation streaming).
        round.sort { $0.time < $1.time }
        now = round.last!.time + 1_000 + (rng.next() % 500) * 1_000
        pending = round
    }
}
