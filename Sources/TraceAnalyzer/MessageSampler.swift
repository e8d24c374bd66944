import TraceFormat

/// Keeps the messages around each disruption (and only those) for drawing as arrows, so the
/// report stays small however many messages the trace holds. The messages before a disruption
/// come from the cluster view's table of recent messages (`RecentMessages`); those sent in the
/// following `after` are kept as they are sent. A report focused on a stretch of the run keeps
/// the messages sent in that stretch instead (`init(focus:)`), up to the same limit.
struct MessageSampler {
    /// Within `RecentMessages.retention`, so the table still holds them when a disruption is found.
    static let before: UInt64 = 400 * nsPerMillisecond
    static let after: UInt64 = 400 * nsPerMillisecond
    static let limit = 4_000

    private var kept: [RecentMessages.Message] = []
    private var keptIndex: [UInt64: Int] = [:]
    /// The smallest and largest kept id: deliveries outside it need no look-up in `keptIndex`.
    private var keptIDs: ClosedRange<UInt64>?
    /// Messages sent from `captureFrom` to `captureUntil` are kept while `capturing`.
    private var captureFrom: UInt64 = 0
    private var captureUntil: UInt64 = 0
    private var capturing = false
    /// Whether the sampler keeps a focus' messages rather than those around disruptions.
    let isFocused: Bool
    /// Whether a message it would have kept was left out because it was full.
    private(set) var isTruncated = false
    private(set) var deliveredLatencySum: UInt64 = 0
    private(set) var delivered: UInt64 = 0

    init() { isFocused = false }

    init(focus: ClosedRange<UInt64>) {
        isFocused = true
        (captureFrom, captureUntil, capturing) = (focus.lowerBound, focus.upperBound, true)
    }

    @inline(__always) mutating func sent(_ m: MessageSend, from: NodeID?, at t: UInt64) {
        guard capturing, let from else { return }
        if t <= captureUntil {
            if t >= captureFrom { keep(RecentMessages.Message(m, from: from, at: t)) }
        } else {
            capturing = false
        }
    }

    /// `sent`: when the message was sent, if this delivery ended a flight the view knew of.
    @inline(__always) mutating func delivered(_ id: UInt64, sent: UInt64?, at t: UInt64) {
        if let sent {
            deliveredLatencySum.addSaturating(t - sent)
            delivered += 1
        }
        if keptIDs?.contains(id) == true, let k = keptIndex[id] { kept[k].received = t }
    }

    @inline(__always) mutating func dropped(_ id: UInt64, reason: DropReason) {
        if keptIDs?.contains(id) == true, let k = keptIndex[id] { kept[k].drop(reason) }
    }

    private mutating func keep(_ s: RecentMessages.Message) {
        guard kept.count < Self.limit else {
            isTruncated = true
            return
        }
        guard keptIndex[s.id] == nil else { return }
        keptIndex[s.id] = kept.count
        kept.append(s)
        keptIDs = keptIDs.map { min($0.lowerBound, s.id)...max($0.upperBound, s.id) } ?? s.id...s.id
    }

    /// Keeps the messages from `before` ahead of `t` (oldest first) until `after` past it. Once
    /// the sampler is full it keeps nothing more, and skips the scan of the recent messages (a
    /// pass over the whole table, for each of a churning trace's disruptions).
    mutating func capture(around t: UInt64, recent: RecentMessages) {
        guard !isFocused else { return }
        guard kept.count < Self.limit else {
            isTruncated = true
            return
        }
        for m in recent.sent(within: Self.before, before: t) { keep(m) }
        captureUntil = max(captureUntil, t.addingSaturating(Self.after))
        capturing = true
    }

    var arrows: [MessageArrow] {
        kept.sorted { ($0.sent, $0.id) < ($1.sent, $1.id) }.map {
            MessageArrow(id: $0.id, from: $0.from.rawValue, to: $0.to.rawValue, type: "\($0.type)", term: $0.term, sent: $0.sent,
                         received: $0.received == 0 ? nil : $0.received, dropped: $0.dropped.map { "\($0)" })
        }
    }
}
