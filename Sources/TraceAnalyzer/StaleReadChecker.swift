import TraceFormat

/// Reads must be linearizable (thesis §6.4): a read answered ok may not be served at an index
/// below a write acknowledged before the read was first issued. Follows client traffic,
/// proposals and `readServed`; memory grows with the writes and reads not yet answered.
///
/// It keeps the lowest log index at which each open write was proposed (a write retried at
/// another leader is proposed again, and any one of its proposals may be the one committed and
/// acknowledged, so the lowest is what a read must reflect), the highest index of a write
/// acknowledged so far with its acknowledgement, and for each open read that highest index when
/// it was first issued and the index it was served at. Events are kept as they are (formatting
/// each as evidence would cost more than the check) and become evidence only in a violation.
struct StaleReadChecker {
    private typealias Seen = (event: TraceEvent, ordinal: UInt64)
    private var writeIndex = DirectMappedTable<UInt64>()
    private var acked: (index: UInt64, seen: Seen?) = (0, nil)
    private var readFloor: [UInt64: (index: UInt64, ack: Seen?, request: Seen)] = [:]
    private var readServedAt: [UInt64: (index: UInt64, seen: Seen)] = [:]
    /// The first 1,000 stale reads; `found` counts all.
    private(set) var violations: [SafetyViolation] = []
    private(set) var found = 0
    private(set) var readsChecked: UInt64 = 0
    /// When the events resumed after the last skipped frame, if any. A request first issued
    /// before then (its answer's latency runs from its first issue) may have events in the gap:
    /// a write proposed there at a lower index, a read first issued there, when fewer writes were
    /// acknowledged. Neither binds nor is checked.
    private var resumedAt: UInt64?

    /// Events are missing before the next one, at `time`.
    mutating func eventsLost(resumingAt time: UInt64) {
        resumedAt = time
        writeIndex = DirectMappedTable<UInt64>()
    }

    /// Whether a request answered at `t` after `latency` was first issued before the last gap.
    private func issuedBeforeGap(answeredAt t: UInt64, latency: UInt64) -> Bool {
        guard let resumedAt else { return false }
        return t &- latency < resumedAt
    }

    /// Proposals, client requests and responses (`readServed` goes to `served`).
    mutating func observe(_ e: TraceEvent, ordinal: UInt64) {
        switch e.kind {
        case .entryProposed(let request, let index, _):
            if let known = writeIndex[request], known <= index { return }
            writeIndex[request] = index
        case .clientRequest(let id, .read):
            if readFloor[id] == nil { readFloor[id] = (acked.index, acked.seen, (e, ordinal)) }
        case .clientResponse(let id, let outcome, let latency):
            guard outcome != .notLeader else { return }
            if let floor = readFloor.removeValue(forKey: id) {
                let served = readServedAt.removeValue(forKey: id)
                guard outcome == .ok, let served, !issuedBeforeGap(answeredAt: e.time, latency: latency) else { return }
                readsChecked += 1
                if served.index < floor.index { found += 1 }
                if served.index < floor.index, violations.count < 1_000 {
                    let evidence = [floor.ack, floor.request, served.seen, (e, ordinal)].compactMap { $0 }.map { EventRef($0.event, ordinal: $0.ordinal) }
                    var detail = ["read": "\(id)", "servedAt": "\(served.index)", "acknowledgedWrite": "\(floor.index)"]
                    if case .readServed(_, _, let mode) = served.seen.event.kind { detail["mode"] = "\(mode)" }
                    violations.append(SafetyViolation(rule: .staleRead, time: e.time, nodes: [served.seen.event.node?.rawValue].compactMap { $0 },
                                                      detail: detail, evidence: evidence))
                }
            } else if let index = writeIndex[id] {
                writeIndex[id] = nil
                if outcome == .ok, index > acked.index, !issuedBeforeGap(answeredAt: e.time, latency: latency) {
                    acked = (index, (e, ordinal))
                }
            }
        default:
            break
        }
    }

    /// A `readServed`: the index the read reflects, kept until the client's answer.
    mutating func served(_ e: TraceEvent, ordinal: UInt64) {
        guard case .readServed(let request, let index, _) = e.kind, readFloor[request] != nil else { return }
        readServedAt[request] = (index, (e, ordinal))
    }
}
