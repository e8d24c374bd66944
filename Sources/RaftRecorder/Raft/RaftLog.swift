import TraceFormat

/// One log entry. `request` is the client request it carries (0 for the leader's no-op entry) and
/// `hash` identifies its payload, so applied entries can be compared across nodes.
public struct LogEntry: Sendable, Hashable {
    public var term: UInt64
    public var request: UInt64
    public var hash: UInt64
    /// A membership change (its `request` is 0); nil for client writes and a leader's no-op.
    public var change: ConfigurationChange?

    public init(term: UInt64, request: UInt64, hash: UInt64, change: ConfigurationChange? = nil) {
        self.term = term
        self.request = request
        self.hash = hash
        self.change = change
    }
}

/// One server added to or removed from the voters (Raft thesis §4.1, one at a time).
public struct ConfigurationChange: Sendable, Hashable {
    public var kind: MembershipChange
    public var target: NodeID

    public init(_ kind: MembershipChange, _ target: NodeID) {
        self.kind = kind
        self.target = target
    }

    /// The entry's payload hash (the analyzer compares what nodes apply at each index).
    var hash: UInt64 { 0xC0F1_6000_0000_0000 | UInt64(kind.rawValue) << 32 | UInt64(target.rawValue) }
}

/// The replicated log, indexed from 1. Index 0 is a sentinel with term 0.
/// Part of a node's persistent state; survives crashes.
///
/// Entries up to `snapshotIndex` may have been compacted away (Raft §7): they are applied and
/// held by the state machine's snapshot, which records only the index and term of the last entry
/// it covers. The log keeps the entries after it.
public struct RaftLog: Sendable, Equatable {
    /// The entries `snapshotIndex + 1 ... lastIndex`.
    private(set) var entries: [LogEntry] = []
    /// The last entry compacted into the snapshot (0: none), and its term.
    public private(set) var snapshotIndex: UInt64 = 0
    public private(set) var snapshotTerm: UInt64 = 0
    /// The voting members as of the snapshot, a mask over the positions of the initial voters
    /// (`RaftConfiguration.voters`); all of them (`UInt64.max`) until a change is compacted.
    public private(set) var snapshotMembers: UInt64 = .max
    /// The learners as of the snapshot (non-voting members that are replicated to), the same kind
    /// of mask: none until a change that added one is compacted.
    public private(set) var snapshotLearners: UInt64 = 0

    public init(entries: [LogEntry] = []) { self.entries = entries }

    public var lastIndex: UInt64 { snapshotIndex + UInt64(entries.count) }
    public var lastTerm: UInt64 { entries.last?.term ?? snapshotTerm }

    /// The term of the entry at `index`: nil past the end, and nil before the snapshot (those
    /// entries are gone; the snapshot's own index still has its term). - Complexity: O(1)
    @inline(__always)
    public func term(at index: UInt64) -> UInt64? {
        // Positions in `entries` count from 1 here; an index before the snapshot wraps around
        // to a huge position, so one comparison checks both ends.
        let position = index &- snapshotIndex
        if position == 0 { return snapshotTerm }
        guard position &- 1 < UInt64(entries.count) else { return nil }
        return entries[Int(position &- 1)].term
    }

    /// The entry at `index`, which must be after the snapshot and at most `lastIndex`.
    public func entry(at index: UInt64) -> LogEntry { entries[Int(index - snapshotIndex - 1)] }

    public func matchTerm(_ index: UInt64, _ term: UInt64) -> Bool { self.term(at: index) == term }

    /// Raft §5.4.1, as `RaftRules.logIsUpToDate` states it.
    public func isUpToDate(lastIndex candidateIndex: UInt64, lastTerm candidateTerm: UInt64) -> Bool {
        RaftRules.logIsUpToDate(candidateLastIndex: candidateIndex, candidateLastTerm: candidateTerm,
                                voterLastIndex: lastIndex, voterLastTerm: lastTerm)
    }

    mutating func append(_ e: LogEntry) { entries.append(e) }

    /// Removes the entries from `index` on; `index` is after the snapshot.
    mutating func truncate(from index: UInt64) { entries.removeSubrange(Int(index - snapshotIndex - 1)...) }

    /// Drops the entries up to `index` (after the snapshot, at most `lastIndex`): the snapshot now
    /// covers them. The storage is kept for the entries to come.
    mutating func compact(through index: UInt64, members: UInt64, learners: UInt64) {
        precondition(index > snapshotIndex && index <= lastIndex, "compacting outside the log")
        snapshotTerm = entry(at: index).term
        snapshotMembers = members
        snapshotLearners = learners
        entries.removeSubrange(..<Int(index - snapshotIndex))
        snapshotIndex = index
    }

    /// Replaces the whole log with a snapshot of another node's that ends at `index` in `term`.
    mutating func restore(index: UInt64, term: UInt64, members: UInt64, learners: UInt64) {
        entries.removeAll(keepingCapacity: true)
        snapshotIndex = index
        snapshotTerm = term
        snapshotMembers = members
        snapshotLearners = learners
    }

    /// For fast back-off: the last index at or below `index` whose term is at most `term` (no
    /// lower than the snapshot, whose entries are committed).
    func lastIndex(atOrBelow index: UInt64, withTermAtMost term: UInt64) -> UInt64 {
        var i = min(index, lastIndex)
        while i > snapshotIndex, let t = self.term(at: i), t > term { i -= 1 }
        return i
    }
}
