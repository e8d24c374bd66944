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

    /// The highest index that a majority has matched: the largest match that at least a quorum
    /// of voters have reached. - Complexity: O(n²) comparisons, no allocation (n is small).
    static func committedIndex(_ progress: [Progress]) -> UInt64 {
        let needed = size(voters: progress.count)
        var best: UInt64 = 0
        for candidate in progress where candidate.match > best {
            var reached = 0
            for p in progress where p.match >= candidate.match { reached += 1 }
            if reached >= needed { best = candidate.match }
        }
        return best
    }
}
