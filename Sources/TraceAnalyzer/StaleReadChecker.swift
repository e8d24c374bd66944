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
    /// Events were lost (a skipped frame): a write may have been proposed unseen at a lower
    /// index, so only writes first requested since then (`requestedSinceGap`) raise `acked`.
    private var afterGap = false
    private var requestedSinceGap: Set<UInt64> = []

    /// Events are missing before the next one. Writes requested before the gap are no longer
    /// trusted to have been seen at their lowest proposal; reads keep the floors they had (those
    /// writes were acknowledged before them, gap or not).
    mutating func eventsLost() {
        afterGap = true
        writeIndex = DirectMappedTable<UInt64>()
        requestedSinceGap.removeAll()
    }

    /// Proposals, client requests and responses (`readServed` goes to `served`).
    mutating func observe(_ e: TraceEvent, ordinal: UInt64) {
        switch e.kind {
        case .entryProposed(let request, let index, _):
            if afterGap, !requestedSinceGap.contains(request) { return }
            if let known = writeIndex[request], known <= index { return }
            writeIndex[request] = index
        case .clientRequest(let id, .read):
            if readFloor[id] == nil { readFloor[id] = (acked.index, acked.seen, (e, ordinal)) }
        case .clientRequest(let id, .write) where afterGap:
            requestedSinceGap.insert(id)
        case .clientResponse(let id, let outcome, _):
            guard outcome != .notLeader else { return }
            if let floor = readFloor.removeValue(forKey: id) {
                let served = readServedAt.removeValue(forKey: id)
                guard outcome == .ok, let served else { return }
                readsChecked += 1
                if served.index < floor.index { found += 1 }
                if served.index < floor.index, violations.count < 1_000 {
                    let evidence = [floor.ack, floor.request, served.seen, (e, ordinal)].compactMap { $0 }.map { EventRef($0.event, ordinal: $0.ordinal) }
                    var detail = ["read": "\(id)", "servedAt": "\(served.index)", "acknowledgedWrite": "\(floor.index)"]
                    if case .readServed(_, _, let mode) = served.seen.event.kind { detail["mode"] = "\(mode)" }
                    violations.append(SafetyViolation(rule: .staleRead, time: e.time, nodes: [served.seen.event.node?.rawValue].compactMap { $0 },
                                                      detail: detail, evidence: evidence))
                }
            } else {
                // (After a gap, `writeIndex` holds only writes requested since.)
                if afterGap { requestedSinceGap.remove(id) }
                guard let index = writeIndex[id] else { return }
                writeIndex[id] = nil
                if outcome == .ok, index > acked.index { acked = (index, (e, ordinal)) }
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
