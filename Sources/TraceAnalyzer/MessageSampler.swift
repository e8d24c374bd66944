import TraceFormat

/// Keeps the messages around each disruption (and only those) for drawing as arrows, so the
/// report stays small however many messages the trace holds. Recent messages wait in a
/// direct-mapped ring (slot = id modulo its size), which costs no allocation per message.
struct MessageSampler {
    static let before: UInt64 = 400 * nsPerMillisecond
    static let after: UInt64 = 400 * nsPerMillisecond
    static let limit = 4_000
    private static let ringSize = 1 << 13

    private struct Sample {
        var id: UInt64 = 0
        var from: UInt32 = 0
        var to: UInt32 = 0
        var type: MessageType = .append
        var term: UInt64 = 0
        var sent: UInt64 = 0
        var received: UInt64 = 0
        var dropped: DropReason?
        var used = false
    }

    private var ring = [Sample](repeating: Sample(), count: ringSize)
    private var kept: [Sample] = []
    private var keptIndex: [UInt64: Int] = [:]
    /// The smallest and largest kept id: deliveries outside it need no look-up in `keptIndex`.
    private var keptIDs: ClosedRange<UInt64>?
    private var captureUntil: UInt64 = 0
    private var capturing = false
    private(set) var deliveredLatencySum: UInt64 = 0
    private(set) var delivered: UInt64 = 0

    @inline(__always) mutating func sent(_ m: MessageSend, from: NodeID?, at t: UInt64) {
        guard let from else { return }
        let s = Sample(id: m.id, from: from.rawValue, to: m.to.rawValue, type: m.type, term: m.term, sent: t, used: true)
        ring[Int(m.id % UInt64(Self.ringSize))] = s
        if capturing {
            if t <= captureUntil { keep(s) } else { capturing = false }
        }
    }

    /// `sent`: when the message was sent, if its send is known.
    @inline(__always) mutating func delivered(_ id: UInt64, sent: UInt64?, at t: UInt64) {
        if let sent {
            deliveredLatencySum += t - sent
            delivered += 1
        }
        let slot = Int(id % UInt64(Self.ringSize))
        if ring[slot].id == id { ring[slot].received = t }
        if keptIDs?.contains(id) == true, let k = keptIndex[id] { kept[k].received = t }
    }

    @inline(__always) mutating func dropped(_ id: UInt64, reason: DropReason) {
        let slot = Int(id % UInt64(Self.ringSize))
        if ring[slot].id == id { ring[slot].dropped = reason }
        if keptIDs?.contains(id) == true, let k = keptIndex[id] { kept[k].dropped = reason }
    }

    private mutating func keep(_ s: Sample) {
        guard kept.count < Self.limit, keptIndex[s.id] == nil else { return }
        keptIndex[s.id] = kept.count
        kept.append(s)
        keptIDs = keptIDs.map { min($0.lowerBound, s.id)...max($0.upperBound, s.id) } ?? s.id...s.id
    }

    /// Keeps the messages from `before` ahead of `t` until `after` past it.
    mutating func capture(around t: UInt64) {
        for s in ring where s.used && s.sent <= t && t - s.sent <= Self.before { keep(s) }
        captureUntil = max(captureUntil, t + Self.after)
        capturing = true
    }

    var arrows: [MessageArrow] {
        kept.sorted { ($0.sent, $0.id) < ($1.sent, $1.id) }.map {
            MessageArrow(id: $0.id, from: $0.from, to: $0.to, type: "\($0.type)", term: $0.term, sent: $0.sent,
                         received: $0.received == 0 ? nil : $0.received, dropped: $0.dropped.map { "\($0)" })
        }
    }
}
