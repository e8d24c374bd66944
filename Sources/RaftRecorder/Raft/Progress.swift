import TraceFormat

/// What a leader knows of one follower's log (etcd's `tracker.Progress`, simplified).
struct Progress: Sendable {
    var match: UInt64 = 0
    var next: UInt64
    /// Appends sent and not yet answered; no more than `maxInflight` are outstanding.
    var inflight = 0
    /// Set by any response; check-quorum reads and clears it once per election timeout.
    var recentActive = false

    init(next: UInt64) { self.next = next }
}

/// Majority arithmetic (etcd's `quorum` package for a single configuration).
enum Quorum {
    static func size(voters: Int) -> Int { RaftRules.quorum(voters: voters) }

    /// The highest index that a majority has matched. - Complexity: O(n log n)
    static func committedIndex(_ matches: [UInt64]) -> UInt64 {
        let sorted = matches.sorted(by: >)
        return sorted[size(voters: sorted.count) - 1]
    }
}
