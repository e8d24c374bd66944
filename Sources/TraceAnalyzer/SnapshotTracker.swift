import TraceFormat

/// Follows log compaction (Raft §7): snapshots taken, sent by leaders, and installed, telling a
/// node's own snapshot loaded on a restart (installed at the moment it started) from one a leader
/// sent. Keeps the latest send to each node and at most `limit` installs, so memory stays bounded.
struct SnapshotTracker {
    static let limit = 100
    private var taken = 0
    private var sent = 0
    private var restored = 0
    private var installCount = 0
    private var installs: [SnapshotInstall] = []
    /// The latest `snapshotSent` to each node, as evidence for its install.
    private var lastSentTo: [UInt32: EventRef] = [:]
    /// `view` has not yet applied `e`: it still holds the node's log as it was before.
    mutating func observe(_ e: TraceEvent, ordinal: UInt64, view: ClusterView) {
        guard let node = e.node?.rawValue else { return }
        switch e.kind {
        case .snapshotTaken:
            taken += 1
        case .snapshotSent(let to, _, _):
            sent += 1
            lastSentTo[to.rawValue] = EventRef(e, ordinal: ordinal)
        case .snapshotInstalled(let index, let term):
            let i = view.index(NodeID(node))
            if let i, view.nodes[i].loadsOwnSnapshot(at: e.time) {
                restored += 1
                return
            }
            installCount += 1
            guard installs.count < Self.limit else { return }
            let before = i.map { view.nodes[$0].lastIndex } ?? 0
            let evidence = [lastSentTo[node], EventRef(e, ordinal: ordinal)].compactMap { $0 }
            installs.append(SnapshotInstall(node: node, time: e.time, index: index, term: term,
                                            lastIndexBefore: before, evidence: evidence))
        default:
            break
        }
    }

    func summary(policy: SnapshotPolicy?) -> SnapshotSummary {
        SnapshotSummary(policy: policy, taken: taken, sent: sent, installCount: installCount, installs: installs,
                        restored: restored)
    }
}
