import TraceFormat

/// Checks Raft's safety properties as the events stream by: at most one leader per term, no two
/// nodes applying different entries at one index, commit indexes never moving back, and leaders
/// never truncating their own log. Memory stays bounded: applied entries are forgotten once every
/// running node has applied past them (a node that restarts and re-applies older entries is then
/// not re-checked for those).
struct SafetyChecker {
    private var leaderOfTerm: [UInt64: (node: UInt32, ref: EventRef)] = [:]
    private var applied: [UInt64: (term: UInt64, hash: UInt64, ref: EventRef)] = [:]
    private var appliedMax: [UInt32: UInt64] = [:]
    private var commit: [UInt32: UInt64] = [:]
    private(set) var violations: [SafetyViolation] = []
    private(set) var leadersChecked = 0
    private(set) var appliedChecked: UInt64 = 0

    private mutating func violate(_ rule: SafetyViolation.Rule, _ t: UInt64, _ nodes: [UInt32], _ detail: [String: String], _ evidence: [EventRef]) {
        if violations.count < 1_000 { violations.append(SafetyViolation(rule: rule, time: t, nodes: nodes, detail: detail, evidence: evidence)) }
    }

    mutating func observe(_ e: TraceEvent, ordinal: UInt64, view: ClusterView) {
        guard let node = e.node?.rawValue else { return }
        switch e.kind {
        case .becameLeader(let term):
            leadersChecked += 1
            let ref = EventRef(e, ordinal: ordinal)
            if let other = leaderOfTerm[term], other.node != node {
                violate(.electionSafety, e.time, [other.node, node], ["term": "\(term)"], [other.ref, ref])
            }
            leaderOfTerm[term] = (node, ref)
            if leaderOfTerm.count > 4_096 { leaderOfTerm = leaderOfTerm.filter { $0.key + 1_024 > term } }
        case .entryApplied(let index, let term, let hash):
            appliedChecked += 1
            appliedMax[node] = max(appliedMax[node, default: 0], index)
            if let a = applied[index] {
                if a.term != term || a.hash != hash {
                    violate(.stateMachineSafety, e.time, [a.ref.node ?? 0, node], ["index": "\(index)"], [a.ref, EventRef(e, ordinal: ordinal)])
                }
            } else {
                applied[index] = (term, hash, EventRef(e, ordinal: ordinal))
                if applied.count > 65_536 {
                    let floor = view.ids.filter { view[$0].up }.map { appliedMax[$0.rawValue, default: 0] }.min() ?? 0
                    applied = applied.filter { $0.key > floor }
                }
            }
        case .commitAdvanced(let from, let to):
            if from != commit[node, default: 0] || to < from {
                violate(.commitMonotonic, e.time, [node], ["from": "\(from)", "to": "\(to)", "previous": "\(commit[node, default: 0])"],
                        [EventRef(e, ordinal: ordinal)])
            }
            commit[node] = to
        case .nodeStarted:
            commit[node] = 0
        case .logTruncated(let from):
            if let id = e.node, view[id].role == .leader {
                violate(.leaderAppendOnly, e.time, [node], ["from": "\(from)"], [EventRef(e, ordinal: ordinal)])
            }
        default:
            break
        }
    }
}
