import TraceFormat

/// What a leader knows of one follower's log, and how it paces what it sends there (etcd's
/// `tracker.Progress`). The leader's rules for answers (RaftNode.stepLeader) move a follower
/// between three states:
///
/// - `probe`: the leader does not know where the follower's log ends (it just took over, the
///   follower rejected an append, or a snapshot went out). One append at a time; the next waits
///   for its answer, or for a heartbeat answer when the append or its answer was lost.
/// - `replicate`: the follower accepted an append, so appends follow one another without waiting
///   for answers, at most `Inflights.capacity` (`maxInflightAppends`) of them unanswered.
/// - `snapshot`: the snapshot is on its way; nothing else is sent until the transport reports it
///   delivered or lost (`RaftNode.reportSnapshot`) or an answer shows the follower past it.
struct Progress: Sendable {
    enum State: Sendable, Equatable { case probe, replicate, snapshot }

    private(set) var state = State.probe
    var match: UInt64 = 0
    var next: UInt64
    /// Probe: an append went out and neither its answer nor a heartbeat answer has come back
    /// (etcd's `MsgAppFlowPaused`).
    private(set) var probeSent = false
    /// Set by any response; check-quorum reads and clears it once per election timeout.
    var recentActive = false
    /// Snapshot: the last index of the snapshot on its way.
    private(set) var pendingSnapshot: UInt64 = 0
    /// Replicate: the appends on their way.
    private(set) var inflights: Inflights

    init(next: UInt64, maxInflight: Int) {
        self.next = next
        inflights = Inflights(capacity: maxInflight)
    }

    /// Whether nothing may be sent to this follower now.
    @inline(__always)
    var isPaused: Bool {
        switch state {
        case .probe: probeSent
        case .replicate: inflights.isFull
        case .snapshot: true
        }
    }

    /// Probe from just after what the follower is known to hold: its match, or the snapshot it
    /// was sent when that arrived (`pendingSnapshot` is cleared first when it was lost).
    mutating func becomeProbe() {
        next = state == .snapshot ? max(match + 1, pendingSnapshot + 1) : match + 1
        reset(.probe)
    }

    mutating func becomeReplicate() {
        next = match + 1
        reset(.replicate)
    }

    mutating func becomeSnapshot(index: UInt64) {
        reset(.snapshot)
        pendingSnapshot = index
        next = index + 1
    }

    /// The snapshot sent was lost: probing starts again from the follower's match.
    mutating func snapshotLost() {
        pendingSnapshot = 0
        becomeProbe()
    }

    /// Wait for the follower's answer (or a heartbeat answer) before sending more.
    mutating func pauseProbe() { probeSent = true }

    /// The follower answered a heartbeat: a probe whose append or answer was lost may go again,
    /// and a full window frees its oldest append (as etcd does), so a window whose answers were
    /// lost does not stay shut.
    mutating func heartbeatAnswered() {
        recentActive = true
        probeSent = false
        if state == .replicate, inflights.isFull { inflights.freeFirst() }
    }

    /// Replicating: the follower holds everything through `index`.
    @inline(__always)
    mutating func freeInflights(through index: UInt64) { inflights.free(through: index) }

    private mutating func reset(_ newState: State) {
        state = newState
        probeSent = false
        pendingSnapshot = 0
        inflights.reset()
    }

    /// An append of `count` entries ending at `last` went out. Replicating, `next` moves past them
    /// at once (the answer is not awaited); probing, it stays until the follower answers.
    @inline(__always)
    mutating func sentAppend(count: UInt64, last: UInt64) {
        switch state {
        case .replicate:
            if count > 0 {
                next = last + 1
                inflights.add(last)
            }
        case .probe:
            probeSent = true
        case .snapshot:
            preconditionFailure("nothing but the snapshot is sent in the snapshot state")
        }
    }

    /// The follower holds everything through `index`. Returns whether that is news.
    @inline(__always)
    mutating func maybeUpdate(_ index: UInt64) -> Bool {
        let updated = index > match
        if updated {
            match = index
            probeSent = false
        }
        next = max(next, index + 1)
        return updated
    }

    /// The follower rejected the append that followed `rejected`, hinting that its log matches
    /// the leader's through at most `hint`. Returns false when the answer is stale (it answers
    /// an append other than the one the leader is waiting on), leaving everything as it was.
    mutating func maybeDecrease(rejected: UInt64, hint: UInt64) -> Bool {
        if state == .replicate {
            // An append below the match was rejected: it was sent before an accepted one.
            guard rejected > match else { return false }
            next = match + 1
            return true
        }
        // Probing (one append at a time), only the answer to the append at `next` counts.
        guard state == .probe, next - 1 == rejected else { return false }
        next = max(match + 1, min(rejected, hint + 1))
        probeSent = false
        return true
    }
}

/// The appends on their way to one follower, by the last index each carries (etcd's
/// `tracker.Inflights`): a ring of at most `capacity`. Indexes rise from one to the next, so the
/// follower's acknowledgement of an index frees the appends at the front of the ring.
struct Inflights: Sendable {
    let capacity: Int
    private var ring: [UInt64]
    private var start = 0
    private(set) var count = 0

    init(capacity: Int) {
        precondition(capacity > 0, "at least one append must be allowed in flight")
        self.capacity = capacity
        ring = Array(repeating: 0, count: capacity)
    }

    var isFull: Bool { count == capacity }

    @inline(__always) mutating func add(_ last: UInt64) {
        precondition(!isFull, "no room for another append in flight")
        let slot = start + count
        ring[slot < capacity ? slot : slot - capacity] = last
        count += 1
    }

    /// The follower holds everything through `index`: the appends that end there or before have
    /// arrived.
    @inline(__always) mutating func free(through index: UInt64) {
        while count > 0, ring[start] <= index {
            start = start + 1 == capacity ? 0 : start + 1
            count -= 1
        }
    }

    /// Frees the oldest append.
    mutating func freeFirst() {
        guard count > 0 else { return }
        start = start + 1 == capacity ? 0 : start + 1
        count -= 1
    }

    mutating func reset() {
        start = 0
        count = 0
    }
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

    /// The same among the voters in `members` (a mask over positions in `progress`), after a
    /// membership change: rarer, so written plainly.
    static func committedIndex(_ progress: [Progress], members: UInt64) -> UInt64 {
        func counts(_ i: Int) -> Bool { members >> UInt64(i) & 1 == 1 }
        let needed = size(voters: members.nonzeroBitCount)
        var best: UInt64 = 0
        for (i, c) in progress.enumerated() where counts(i) && c.match > best {
            var reached = 0
            for (j, p) in progress.enumerated() where counts(j) && p.match >= c.match { reached += 1 }
            if reached >= needed { best = c.match }
        }
        return best
    }
}
