import TraceFormat

/// Keeps the messages around each disruption (and only those) for drawing as arrows, so the
/// report stays small however many messages the trace holds.
struct MessageSampler {
    static let before: UInt64 = 400 * nsPerMillisecond
    static let after: UInt64 = 400 * nsPerMillisecond
    static let limit = 4_000
    private var recent: [MessageArrow] = []
    private var recentIndex: [UInt64: Int] = [:]
    private(set) var kept: [MessageArrow] = []
    private var keptIndex: [UInt64: Int] = [:]
    private var captureUntil: UInt64 = 0
    private(set) var deliveredLatencySum: UInt64 = 0
    private(set) var delivered: UInt64 = 0

    mutating func observe(_ e: TraceEvent, view: ClusterView) {
        switch e.kind {
        case .messageSent(let m):
            guard let from = e.node else { return }
            let arrow = MessageArrow(id: m.id, from: from.rawValue, to: m.to.rawValue, type: "\(m.type)", term: m.term,
                                     sent: e.time, received: nil, dropped: nil)
            if e.time <= captureUntil, kept.count < Self.limit {
                keptIndex[m.id] = kept.count
                kept.append(arrow)
            }
            recent.append(arrow)
            recentIndex[m.id] = recent.count - 1
            if recent.count > 4_096 { trimRecent(now: e.time) }
        case .messageDelivered(let id):
            if let sent = view.messages[id]?.sent {
                deliveredLatencySum += e.time - sent
                delivered += 1
            }
            if let k = keptIndex[id] { kept[k].received = e.time }
            if let k = recentIndex[id] { recent[k].received = e.time }
        case .messageDropped(let id, let reason):
            if let k = keptIndex[id] { kept[k].dropped = "\(reason)" }
            if let k = recentIndex[id] { recent[k].dropped = "\(reason)" }
        default:
            break
        }
    }

    private mutating func trimRecent(now: UInt64) {
        recent.removeAll { now - $0.sent > Self.before }
        recentIndex = Dictionary(uniqueKeysWithValues: recent.enumerated().map { ($0.element.id, $0.offset) })
    }

    /// Keeps the messages from `before` ahead of `t` until `after` past it.
    mutating func capture(around t: UInt64) {
        for m in recent where t - min(t, m.sent) <= Self.before && keptIndex[m.id] == nil && kept.count < Self.limit {
            keptIndex[m.id] = kept.count
            kept.append(m)
        }
        captureUntil = max(captureUntil, t + Self.after)
    }

    var sorted: [MessageArrow] { kept.sorted { ($0.sent, $0.id) < ($1.sent, $1.id) } }
}
