import TraceFormat

/// Per directed link between the nodes the metadata lists: messages delivered and dropped (by
/// reason), how long deliveries took, and (at the end) how many are still in flight; a link's
/// messages sent are the sum of those. One flat table of `nodes²` counters, touched once per
/// delivery or drop (deliveries are among the most frequent events; sends are not counted one by
/// one): memory grows with the cluster, not with the trace. The table is a class's, so counting is
/// a store, with no copy-on-write check per event; copies of a tracker share it (the analysis pass
/// has one).
struct NetworkTracker {
    private struct Counts {
        var inFlight: UInt64 = 0
        var delivered: UInt64 = 0
        var partition: UInt64 = 0
        var loss: UInt64 = 0
        var receiverDown: UInt64 = 0
        var latencySum: UInt64 = 0
        var latencyMax: UInt64 = 0
        /// Delivered at the instant their receiver resumed from a pause: held by the stall, not by
        /// the link, so not counted in its latency.
        var held: UInt64 = 0
    }

    private final class Table {
        let links: UnsafeMutablePointer<Counts>
        let count: Int
        init(count: Int) {
            self.count = count
            links = .allocate(capacity: count)
            links.initialize(repeating: Counts(), count: count)
        }
        deinit { links.deallocate() }
    }

    private let nodes: UInt
    /// Owns `links`.
    private let table: Table
    private let links: UnsafeMutablePointer<Counts>
    /// When each node last resumed from a pause (by its position), and the latest of those: a
    /// delivery at that instant to that node is one the pause held back.
    private var resumedAt: [UInt64]
    private var lastResume = UInt64.max

    init(nodes: Int) {
        self.nodes = UInt(nodes)
        table = Table(count: nodes * nodes)
        links = table.links
        resumedAt = Array(repeating: .max, count: nodes)
    }

    /// Call on `nodeResumed`: the messages delivered to `node` at `t` were held by its pause.
    mutating func resumed(_ node: NodeID, at t: UInt64) {
        let i = Int(truncatingIfNeeded: UInt(truncatingIfNeeded: node.rawValue &- 1))
        guard resumedAt.indices.contains(i) else { return }
        resumedAt[i] = t
        lastResume = t
    }

    /// The counters of the link `from` -> `to`, if both are listed nodes (n1... in order, as in
    /// `ClusterView.index`). Unsigned, wrapping arithmetic: node 0 wraps past every bound.
    @inline(__always) private func counts(_ from: NodeID, _ to: NodeID) -> UnsafeMutablePointer<Counts>? {
        let f = UInt(truncatingIfNeeded: from.rawValue &- 1), t = UInt(truncatingIfNeeded: to.rawValue &- 1)
        guard f < nodes, t < nodes else { return nil }
        return links + Int(truncatingIfNeeded: f &* nodes &+ t)
    }

    /// A delivery that ended a message's flight (a duplicate's second copy is not counted).
    @inline(__always) mutating func delivered(_ m: RecentMessages.Message, at t: UInt64) {
        guard let c = counts(m.from, m.to) else { return }
        c.pointee.delivered &+= 1
        if t == lastResume, resumedAt[Int(m.to.rawValue &- 1)] == t {
            c.pointee.held &+= 1
            return
        }
        let latency = t &- m.sent
        c.pointee.latencySum &+= latency
        if latency > c.pointee.latencyMax { c.pointee.latencyMax = latency }
    }

    @inline(__always) mutating func dropped(_ m: RecentMessages.Message, reason: DropReason) {
        guard let c = counts(m.from, m.to) else { return }
        switch reason {
        case .partition: c.pointee.partition &+= 1
        case .loss: c.pointee.loss &+= 1
        case .receiverDown: c.pointee.receiverDown &+= 1
        }
    }

    /// Every link that carried a message, the most messages dropped first (then the largest share
    /// dropped, then by link); `inFlight` holds the messages neither delivered nor dropped by the end.
    func finish(ids: [NodeID], inFlight: RecentMessages, timing: RaftTiming) -> NetworkReport {
        inFlight.forEachInFlight { m in counts(m.from, m.to)?.pointee.inFlight &+= 1 }
        var out: [LinkStats] = []
        let all = UnsafeBufferPointer(start: links, count: table.count)
        for (k, c) in all.enumerated() {
            let dropped = c.partition + c.loss + c.receiverDown
            let sent = c.delivered + dropped + c.inFlight
            guard sent > 0 else { continue }
            let (f, t) = k.quotientAndRemainder(dividingBy: Int(nodes))
            let from = ids.indices.contains(f) ? ids[f].rawValue : UInt32(f + 1)
            let to = ids.indices.contains(t) ? ids[t].rawValue : UInt32(t + 1)
            var byReason: [String: UInt64] = [:]
            if c.partition > 0 { byReason[DropReason.partition.description] = c.partition }
            if c.loss > 0 { byReason[DropReason.loss.description] = c.loss }
            if c.receiverDown > 0 { byReason[DropReason.receiverDown.description] = c.receiverDown }
            let timed = c.delivered - c.held
            out.append(LinkStats(from: from, to: to, sent: sent, delivered: c.delivered, dropped: byReason,
                                 meanLatency: timed == 0 ? 0 : c.latencySum / timed, maxLatency: c.latencyMax,
                                 heldByPause: c.held))
        }
        out.sort { ($1.droppedTotal, $1.droppedShare, $0.from, $0.to) < ($0.droppedTotal, $0.droppedShare, $1.from, $1.to) }
        let sent = out.reduce(0) { $0 + $1.sent }
        let delivered = out.reduce(0) { $0 + $1.delivered }
        var dropped: [String: UInt64] = [:]
        for l in out { dropped.merge(l.dropped, uniquingKeysWith: +) }
        let latencySum = all.reduce(0) { $0 &+ $1.latencySum }
        let held = all.reduce(0) { $0 &+ $1.held }
        let mean = delivered == held ? 0 : latencySum / (delivered - held)
        let slow = out.filter { $0.timedDeliveries > 0 && Double($0.meanLatency) >= NetworkReport.slowFactor * Double(mean) }
            .sorted { ($1.delivered, $1.meanLatency, $0.from, $0.to) < ($0.delivered, $0.meanLatency, $1.from, $1.to) }
        return NetworkReport(sent: sent, delivered: delivered, dropped: dropped, meanLatency: mean, links: out,
                             slowLinks: Array(slow.prefix(10)), heldByPause: held,
                             roundTripExceedsTimeout: mean > 0 && mean.addingSaturating(mean) >= timing.electionTimeoutMax)
    }
}
