import TraceFormat

/// What a leader knows of one follower's log (etcd's `tracker.Progress`, simplified).
struct Progress: Sendable {
    var match: UInt64 = 0
    var next: UInt64
    /// Appends sent and not yet answered; no more than `maxInflight` are outstanding.
    var inflight = 0
    /// Set by any response; check-quorum reads and clears it once per election timeout.
    var recentActive = false
    /// The end of a snapshot sent and not yet known to have arrived (etcd's StateSnapshot), 0 if
    /// none: no appends go to the follower meanwhile. Cleared when the transport reports the
    /// snapshot sent or lost (`RaftNode.reportSnapshot`), or a response shows the follower past it.
    var pendingSnapshot: UInt64 = 0

    init(next: UInt64) { self.next = next }
}

/// Majority arithmetic (etcd's `quorum` package for a single configuration).
enum Quorum {
    static func size(voters: Int) -> Int { RaftRules.quorum(voters: voters) }

    /// The highest index that a majority has matched: the largest match that at least a quorum
    /// of voters have reached. - Complexity: O(n²) comparisons, no allocation (n is small).
    /// Written without data-dependent branches, in masks: the leader runs this on most
    /// acknowledgements, the matches it compares change order from call to call, and a branch
    /// predictor guesses those comparisons badly (compiled as written with `if`s or `?:`, it
    /// cost six mispredicted branches per call). Indices are below 2^63, so the top bit of a
    /// wrapped difference is the comparison.
    static func committedIndex(_ progress: [Progress]) -> UInt64 {
        let needed = UInt64(size(voters: progress.count))
        var best: UInt64 = 0
        for candidate in progress {
            let c = candidate.match
            var below: UInt64 = 0  // voters whose match is below c
            for p in progress { below &+= (p.match &- c) >> 63 }
            // All ones when at least `needed` voters reached c: count - below >= needed.
            let enough = 0 &- (1 &- ((UInt64(progress.count) &- below &- needed) >> 63))
            let value = c & enough
            let greater = 0 &- ((best &- value) >> 63)  // all ones when value > best
            best ^= (best ^ value) & greater
        }
        return best
    }
}
