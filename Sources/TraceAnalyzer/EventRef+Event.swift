import TraceFormat

extension EventRef {
    /// The event's own values as strings, keyed by field name, so a report can cite it exactly.
    static func fields(of kind: TraceEvent.Kind) -> [String: String] {
        var f: [String: String] = [:]
        func n(_ id: NodeID?) -> String { id.map { String($0.rawValue) } ?? "none" }
        switch kind {
        case .nodeStarted(let r):
            f = ["term": "\(r.term)", "vote": n(r.vote), "lastIndex": "\(r.lastIndex)", "lastTerm": "\(r.lastTerm)", "restart": "\(r.restart)"]
        case .nodeCrashed, .nodePaused, .nodeResumed: break
        case .becameFollower(let t, let l): f = ["term": "\(t)", "leader": n(l)]
        case .becamePreCandidate(let t), .becameCandidate(let t), .becameLeader(let t), .electionTimerFired(let t):
            f = ["term": "\(t)"]
        case .termChanged(let a, let b, let c): f = ["from": "\(a)", "to": "\(b)", "cause": "\(c)"]
        case .leaderSteppedDown(let t, let r): f = ["term": "\(t)", "reason": "\(r)"]
        case .voteRequested(let v):
            f = ["to": n(v.to), "term": "\(v.term)", "lastIndex": "\(v.lastIndex)", "lastTerm": "\(v.lastTerm)", "preVote": "\(v.preVote)"]
        case .voteGranted(let c, let t, let p): f = ["candidate": n(c), "term": "\(t)", "preVote": "\(p)"]
        case .voteRejected(let c, let t, let p, let r): f = ["candidate": n(c), "term": "\(t)", "preVote": "\(p)", "reason": "\(r)"]
        case .messageSent(let m):
            f = ["id": "\(m.id)", "to": n(m.to), "type": "\(m.type)", "term": "\(m.term)", "entries": "\(m.entries)"]
        case .messageDelivered(let id): f = ["id": "\(id)"]
        case .messageDropped(let id, let r): f = ["id": "\(id)", "reason": "\(r)"]
        case .entryProposed(let r, let i, let t): f = ["request": "\(r)", "index": "\(i)", "term": "\(t)"]
        case .entriesAppended(let a, let b, let t): f = ["first": "\(a)", "last": "\(b)", "term": "\(t)"]
        case .logTruncated(let i): f = ["from": "\(i)"]
        case .commitAdvanced(let a, let b): f = ["from": "\(a)", "to": "\(b)"]
        case .entryApplied(let i, let t, let h): f = ["index": "\(i)", "term": "\(t)", "hash": String(h, radix: 16)]
        case .clientRequest(let id, let k): f = ["id": "\(id)", "kind": "\(k)"]
        case .clientResponse(let id, let o, let l): f = ["id": "\(id)", "outcome": "\(o)", "latency": "\(l)"]
        case .readIndexStarted(let r, let i): f = ["request": "\(r)", "index": "\(i)"]
        case .readServed(let r, let i, let m): f = ["request": "\(r)", "index": "\(i)", "mode": "\(m)"]
        case .snapshotTaken(let i, let t), .snapshotInstalled(let i, let t): f = ["index": "\(i)", "term": "\(t)"]
        case .snapshotSent(let to, let i, let t): f = ["to": n(to), "index": "\(i)", "term": "\(t)"]
        case .membershipChangeProposed(let c, let t, let i), .membershipChangeApplied(let c, let t, let i):
            f = ["change": "\(c)", "target": n(t), "index": "\(i)"]
        case .transferStarted(let t, let term): f = ["target": n(t), "term": "\(term)"]
        case .transferFinished(let t, let term, let ok): f = ["target": n(t), "term": "\(term)", "succeeded": "\(ok)"]
        case .linkCut(let l), .linkHealed(let l):
            f = ["link": "\(l.from.rawValue)->\(l.to.rawValue)"]
        case .linkDegraded(let l, let loss, let extra):
            f = ["link": "\(l.from.rawValue)->\(l.to.rawValue)", "lossPPM": "\(loss)", "extraLatency": "\(extra)"]
        case .clockDriftSet(let t, let ppm): f = ["target": n(t), "ppm": "\(ppm)"]
        case .label(let fault): f = ["fault": "\(fault)"]
        }
        return f
    }
}
