import TraceFormat

/// Checks Raft's safety properties as the events stream by: at most one leader per term, no two
/// nodes applying different entries at one index, commit indexes never moving back (a snapshot
/// installed moves a node's commit index to the snapshot's end), and leaders
/// never truncating their own log. Memory stays bounded: the first application of each index is
/// kept in a table of the last 131,072 indexes (slot = index modulo its size), so an entry
/// re-applied after more than that many newer indexes (a long-down node catching up) is not
/// re-checked. The table's pages are touched as indexes reach them, so a short trace pays only
/// for the slots it uses (all 6 MiB of it took 4-6 ms to set up before the first event).
struct SafetyChecker {
    private var leaderOfTerm: [UInt64: (node: UInt32, ref: EventRef)] = [:]
    /// First application seen of each index: compact, so memory stays small; its evidence is
    /// rebuilt from these values if a later application disagrees.
    private static let window = 1 << 17
    /// A first application; all zeros (index 0, which Raft never uses) marks an empty slot.
    private struct Applied {
        var index: UInt64
        var term: UInt64
        var hash: UInt64
        var node: UInt32
        var time: UInt64
        var ordinal: UInt64
    }
    /// Its first 4 MiB in small pages (the rest, 2 MiB, in a huge page), so that a trace pays
    /// only for the slots its indexes reach: a one-minute trace's 6,000 touch 290 KB, 72 small
    /// pages (0.08 ms), where the first touch of a huge page took 0.05-0.4 ms on the analysis'
    /// critical path (1 min analysis 8.49 -> 8.00 ms best, 11.24 -> 10.74 median of 80), and a
    /// ten-minute trace's 60,000 touch 2.9 MB, not the 4 MiB of two huge pages.
    private var applied = ZeroedTable<Applied>(count: window, smallPagesFor: (4 << 20) / MemoryLayout<Applied>.stride)
    /// The highest index in `applied`: a slot for a higher one holds nothing to compare with, so it
    /// is written without being read first (see `entryApplied`).
    private var highestApplied: UInt64 = 0
    /// Each node's commit index: by position for the nodes the metadata lists, else by id.
    private var commitOf: [UInt64]
    private var commitOfOthers: [UInt32: UInt64] = [:]
    /// The first 1,000 violations; `found` counts all.
    private(set) var violations: [SafetyViolation] = []
    private(set) var found = 0
    private(set) var leadersChecked = 0
    private(set) var appliedChecked: UInt64 = 0

    /// Nodes whose role is not known since events were lost (`eventsLost`), until their next
    /// role change: a truncation by one of them is not taken for a leader's.
    private var roleUnknown: Set<UInt32> = []
    /// A commit index not known since events were lost: the next commit sets it.
    private static var unknownCommit: UInt64 { .max }

    init(nodes: Int) { commitOf = Array(repeating: 0, count: nodes) }

    /// Events are missing before the next one (a skipped frame): a commit index may have moved
    /// and a role changed unseen, so neither is held against what follows. Leaders per term and
    /// applied entries are still compared across the gap: those hold whatever happened in it.
    mutating func eventsLost() {
        for i in commitOf.indices {
            commitOf[i] = Self.unknownCommit
            roleUnknown.insert(UInt32(i + 1))
        }
        for id in commitOfOthers.keys {
            commitOfOthers[id] = Self.unknownCommit
            roleUnknown.insert(id)
        }
    }

    /// The slot of `node` in `commitOf`: nodes the metadata lists are n1... in order (as in
    /// `ClusterView.index`).
    private func slot(_ node: UInt32) -> Int? {
        let i = Int(node) - 1
        return commitOf.indices.contains(i) ? i : nil
    }

    private func commit(_ node: UInt32) -> UInt64 {
        if let i = slot(node) { return commitOf[i] }
        return commitOfOthers[node, default: 0]
    }

    private mutating func setCommit(_ node: UInt32, _ value: UInt64) {
        if let i = slot(node) { commitOf[i] = value } else { commitOfOthers[node] = value }
    }

    private mutating func violate(_ rule: SafetyViolation.Rule, _ t: UInt64, _ nodes: [UInt32], _ detail: [String: String], _ evidence: [EventRef]) {
        found += 1
        if violations.count < 1_000 { violations.append(SafetyViolation(rule: rule, time: t, nodes: nodes, detail: detail, evidence: evidence)) }
    }

    /// Every event but the two most frequent, applications and commits, which the pass' loop
    /// gives to `entryApplied` and `commitAdvanced` (inlined there); what reports a violation (or
    /// keeps a leader's evidence) is out of line.
    mutating func observe(_ e: TraceEvent, ordinal: UInt64, view: ClusterView) {
        guard let node = e.node?.rawValue else { return }
        switch e.kind {
        case .becameLeader(let term):
            leaderElected(e, term: term, node: node, ordinal: ordinal)
            if !roleUnknown.isEmpty { roleUnknown.remove(node) }
        case .nodeStarted:
            setCommit(node, 0)
            if !roleUnknown.isEmpty { roleUnknown.remove(node) }
        case .snapshotInstalled(let index, _):
            // The state machine now holds everything through `index`: so does the commit index.
            let previous = commit(node)
            if index < previous, previous != Self.unknownCommit {
                violate(.commitMonotonic, e, ordinal: ordinal, ["snapshot": "\(index)", "previous": "\(previous)"])
            }
            setCommit(node, previous == Self.unknownCommit ? index : max(index, previous))
        case .becameFollower, .becamePreCandidate, .becameCandidate, .nodeCrashed:
            if !roleUnknown.isEmpty { roleUnknown.remove(node) }
        case .logTruncated(let from):
            if let id = e.node, view[id].role == .leader, roleUnknown.isEmpty || !roleUnknown.contains(node) {
                violate(.leaderAppendOnly, e, ordinal: ordinal, ["from": "\(from)"])
            }
        default:
            break
        }
    }

    /// An `entryApplied` event.
    @inline(__always) mutating func entryApplied(_ e: TraceEvent, index: UInt64, term: UInt64, hash: UInt64, ordinal: UInt64) {
        guard let node = e.node?.rawValue else { return }
        appliedChecked += 1
        guard index > 0 else { return }  // not a Raft index (a hand-made or damaged trace)
        let slot = Int(index % UInt64(Self.window))
        if index > highestApplied {
            // Written without being read (see `ZeroedTable`): a page of the table is first
            // touched by a write, which costs one plain fault.
            highestApplied = index
            applied[slot] = Applied(index: index, term: term, hash: hash, node: node, time: e.time, ordinal: ordinal)
            return
        }
        let a = applied[slot]
        if a.index == index {
            if a.term != term || a.hash != hash { appliedDiffers(a, e, node: node, ordinal: ordinal) }
        } else if a.index < index {
            applied[slot] = Applied(index: index, term: term, hash: hash, node: node, time: e.time, ordinal: ordinal)
        }
    }

    /// A `commitAdvanced` event.
    @inline(__always) mutating func commitAdvanced(_ e: TraceEvent, from: UInt64, to: UInt64, ordinal: UInt64) {
        guard let node = e.node?.rawValue else { return }
        let previous = commit(node)
        if from != previous || to < from, previous != Self.unknownCommit || to < from {
            violate(.commitMonotonic, e, ordinal: ordinal, ["from": "\(from)", "to": "\(to)", "previous": "\(previous)"])
        }
        setCommit(node, to)
    }

    @inline(never) private mutating func leaderElected(_ e: TraceEvent, term: UInt64, node: UInt32, ordinal: UInt64) {
        leadersChecked += 1
        let ref = EventRef(e, ordinal: ordinal)
        if let other = leaderOfTerm[term], other.node != node {
            violate(.electionSafety, e.time, [other.node, node], ["term": "\(term)"], [other.ref, ref])
        }
        leaderOfTerm[term] = (node, ref)
        if leaderOfTerm.count > 4_096 { leaderOfTerm = leaderOfTerm.filter { $0.key &+ 1_024 > term } }
    }

    /// Two nodes applied different entries at one index: the first application's evidence is
    /// rebuilt from the compact record.
    @inline(never) private mutating func appliedDiffers(_ a: Applied, _ e: TraceEvent, node: UInt32, ordinal: UInt64) {
        let first = EventRef(TraceEvent(time: a.time, node: NodeID(a.node), .entryApplied(index: a.index, term: a.term, hash: a.hash)),
                             ordinal: a.ordinal)
        violate(.stateMachineSafety, e.time, [a.node, node], ["index": "\(a.index)"], [first, EventRef(e, ordinal: ordinal)])
    }

    /// A violation shown by one event of one node.
    @inline(never) private mutating func violate(_ rule: SafetyViolation.Rule, _ e: TraceEvent, ordinal: UInt64, _ detail: [String: String]) {
        violate(rule, e.time, [e.node?.rawValue].compactMap { $0 }, detail, [EventRef(e, ordinal: ordinal)])
    }
}
