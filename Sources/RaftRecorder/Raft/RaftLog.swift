import TraceFormat

/// One log entry. `request` is the client request it carries (0 for the leader's no-op entry) and
/// `hash` identifies its payload, so applied entries can be compared across nodes.
public struct LogEntry: Sendable, Hashable {
    public var term: UInt64
    public var request: UInt64
    public var hash: UInt64

    public init(term: UInt64, request: UInt64, hash: UInt64) {
        self.term = term
        self.request = request
        self.hash = hash
    }
}

/// The replicated log, indexed from 1. Index 0 is a sentinel with term 0.
/// Part of a node's persistent state; survives crashes.
public struct RaftLog: Sendable, Equatable {
    private(set) var entries: [LogEntry] = []

    public init(entries: [LogEntry] = []) { self.entries = entries }

    public var lastIndex: UInt64 { UInt64(entries.count) }
    public var lastTerm: UInt64 { entries.last?.term ?? 0 }

    /// The term of the entry at `index`, or nil past the end. - Complexity: O(1)
    public func term(at index: UInt64) -> UInt64? {
        if index == 0 { return 0 }
        guard index <= lastIndex else { return nil }
        return entries[Int(index - 1)].term
    }

    public func entry(at index: UInt64) -> LogEntry { entries[Int(index - 1)] }

    public func matchTerm(_ index: UInt64, _ term: UInt64) -> Bool { self.term(at: index) == term }

    /// Raft §5.4.1, as `RaftRules.logIsUpToDate` states it.
    public func isUpToDate(lastIndex candidateIndex: UInt64, lastTerm candidateTerm: UInt64) -> Bool {
        RaftRules.logIsUpToDate(candidateLastIndex: candidateIndex, candidateLastTerm: candidateTerm,
                                voterLastIndex: lastIndex, voterLastTerm: lastTerm)
    }

    mutating func append(_ e: LogEntry) { entries.append(e) }

    mutating func truncate(from index: UInt64) { entries.removeSubrange(Int(index - 1)...) }

    /// For fast back-off: the last index at or below `index` whose term is at most `term`.
    func lastIndex(atOrBelow index: UInt64, withTermAtMost term: UInt64) -> UInt64 {
        var i = min(index, lastIndex)
        while i > 0, let t = self.term(at: i), t > term { i -= 1 }
        return i
    }
}
