/// One recorded step of a run: what happened, when (nanoseconds since the run's start, virtual
/// time in the simulator) and on which node (`nil` for environment events such as partitions).
///
/// Events are plain values, trivially copyable (`BitwiseCopyable`: no case holds a reference, so
/// recording, encoding, decoding and analysing copy them as bytes); the wire encoding lives in
/// `TraceEvent+Wire.swift` and every case has a stable tag documented in `docs/trace-format.md`.
public struct TraceEvent: Sendable, Hashable, BitwiseCopyable {
    public var time: UInt64
    public var node: NodeID?
    public var kind: Kind
    /// Unused: makes an event 48 bytes, its stride, rather than 46. A loop over events copies
    /// each in 16-byte moves; at 46 bytes the last move started 2 bytes short of a 16-byte
    /// boundary, and reading an 8-byte field back across that move's middle could not be served
    /// from the pending write, so the processor waited for it on every event (a third of the
    /// analysis loop's samples; with the padding the 10 min analysis runs 4% faster).
    private var padding: UInt16 = 0

    public init(time: UInt64, node: NodeID?, _ kind: Kind) {
        self.time = time
        self.node = node
        self.kind = kind
    }

    public enum Kind: Sendable, Hashable, BitwiseCopyable {
        // MARK: Node lifecycle
        /// The node started (or restarted after a crash) with this recovered persistent state.
        case nodeStarted(NodeRecovery)
        /// The node crashed: volatile state lost, persisted term, vote and log kept.
        case nodeCrashed
        /// The node stopped processing (a GC-like stall); messages to it queue up.
        case nodePaused
        /// The node resumed after a pause.
        case nodeResumed

        // MARK: Role and term
        case becameFollower(term: UInt64, leader: NodeID?)
        case becamePreCandidate(term: UInt64)
        case becameCandidate(term: UInt64)
        case becameLeader(term: UInt64)
        case termChanged(from: UInt64, to: UInt64, cause: TermChangeCause)
        /// A leader gave up leadership; `term` is the term it led.
        case leaderSteppedDown(term: UInt64, reason: StepDownReason)

        // MARK: Elections
        /// The node's election timer expired while it was in `term` (before any term change).
        case electionTimerFired(term: UInt64)
        /// Recorded on the candidate: a (pre-)vote request to `to`.
        case voteRequested(VoteRequest)
        /// Recorded on the voter: it granted `candidate` its (pre-)vote for `term`.
        case voteGranted(candidate: NodeID, term: UInt64, preVote: Bool)
        /// Recorded on the voter: it refused `candidate` its (pre-)vote for `term`.
        case voteRejected(candidate: NodeID, term: UInt64, preVote: Bool, reason: VoteRejectReason)

        // MARK: Messages
        /// Recorded on the sender. `id` is unique within the trace and pairs with delivery or drop.
        case messageSent(MessageSend)
        /// Recorded on the receiver when message `id` is handed to it.
        case messageDelivered(id: UInt64)
        /// Message `id` never reached its receiver.
        case messageDropped(id: UInt64, reason: DropReason)

        // MARK: Log
        /// A leader appended a client proposal at `index` in `term`.
        case entryProposed(request: UInt64, index: UInt64, term: UInt64)
        /// Entries `first...last` were appended to this node's log; `term` is the term of `last`.
        case entriesAppended(first: UInt64, last: UInt64, term: UInt64)
        /// A conflicting suffix starting at `from` was removed from this node's log.
        case logTruncated(from: UInt64)
        case commitAdvanced(from: UInt64, to: UInt64)
        /// The entry at `index` was applied to the state machine; `hash` identifies its payload.
        case entryApplied(index: UInt64, term: UInt64, hash: UInt64)

        // MARK: Client
        /// A client sent request `id` to this node.
        case clientRequest(id: UInt64, kind: ClientRequestKind)
        /// The client got an answer (or gave up) for request `id` after `latency` nanoseconds
        /// since the request was first issued.
        case clientResponse(id: UInt64, outcome: ClientOutcome, latency: UInt64)

        // MARK: Reads (ReadIndex / lease), snapshots, membership, leadership transfer
        case readIndexStarted(request: UInt64, index: UInt64)
        case readServed(request: UInt64, index: UInt64, mode: ReadMode)
        case snapshotTaken(index: UInt64, term: UInt64)
        case snapshotSent(to: NodeID, index: UInt64, term: UInt64)
        case snapshotInstalled(index: UInt64, term: UInt64)
        case membershipChangeProposed(change: MembershipChange, target: NodeID, index: UInt64)
        case membershipChangeApplied(change: MembershipChange, target: NodeID, index: UInt64)
        case transferStarted(target: NodeID, term: UInt64)
        case transferFinished(target: NodeID, term: UInt64, succeeded: Bool)

        // MARK: Environment (node is nil)
        /// This one-way link stopped carrying messages. A partition cuts several links at once:
        /// one event per link, all at the same time.
        case linkCut(DirectedLink)
        /// This one-way link carries messages again (one event per link, like `linkCut`).
        case linkHealed(DirectedLink)
        /// A link's loss rate (parts per million) and extra latency changed.
        case linkDegraded(link: DirectedLink, lossPPM: UInt32, extraLatency: UInt64)
        /// A node's clock now runs `ppm` parts per million fast (positive) or slow (negative).
        case clockDriftSet(target: NodeID, ppm: Int32)
        /// A label from the scenario, for example the name of a phase: its text is that of entry
        /// `fault` of the fault schedule in the trace's metadata (`RunConfiguration.faults`).
        case label(fault: UInt32)
    }
}

// The stored properties of the payloads below are declared widest first, so that no payload takes
// more than 31 bytes: a `TraceEvent` is then 48 bytes, not 56, and recording copies less.

/// Persistent state a node came back with.
public struct NodeRecovery: Sendable, Hashable, BitwiseCopyable {
    public var term: UInt64
    public var lastIndex: UInt64
    public var lastTerm: UInt64
    public var vote: NodeID?
    /// `true` when this start follows a crash of the same node.
    public var restart: Bool

    public init(term: UInt64, vote: NodeID?, lastIndex: UInt64, lastTerm: UInt64, restart: Bool) {
        self.term = term
        self.vote = vote
        self.lastIndex = lastIndex
        self.lastTerm = lastTerm
        self.restart = restart
    }
}

public struct VoteRequest: Sendable, Hashable, BitwiseCopyable {
    public var term: UInt64
    public var lastIndex: UInt64
    public var lastTerm: UInt64
    public var to: NodeID
    public var preVote: Bool

    public init(to: NodeID, term: UInt64, lastIndex: UInt64, lastTerm: UInt64, preVote: Bool) {
        self.to = to
        self.term = term
        self.lastIndex = lastIndex
        self.lastTerm = lastTerm
        self.preVote = preVote
    }
}

public struct MessageSend: Sendable, Hashable, BitwiseCopyable {
    public var id: UInt64
    public var term: UInt64
    public var to: NodeID
    public var entries: UInt32
    public var bytes: UInt32
    public var type: MessageType

    public init(id: UInt64, to: NodeID, type: MessageType, term: UInt64, entries: UInt32, bytes: UInt32) {
        self.id = id
        self.to = to
        self.type = type
        self.term = term
        self.entries = entries
        self.bytes = bytes
    }
}

/// Raft message types; raw values are wire tags.
public enum MessageType: UInt8, Sendable, BitwiseCopyable, Hashable, CaseIterable, Codable {
    case append = 1
    case appendResponse = 2
    case heartbeat = 3
    case heartbeatResponse = 4
    case vote = 5
    case voteResponse = 6
    case preVote = 7
    case preVoteResponse = 8
    case snapshot = 9
    case snapshotResponse = 10
    case timeoutNow = 11
    case readIndex = 12
    case readIndexResponse = 13
}

public enum TermChangeCause: UInt8, Sendable, BitwiseCopyable, Hashable, CaseIterable {
    /// The node started an election.
    case campaign = 1
    /// A message carried a higher term.
    case higherTermSeen = 2
}

public enum StepDownReason: UInt8, Sendable, BitwiseCopyable, Hashable, CaseIterable {
    case higherTermSeen = 1
    /// Check-quorum: no majority answered within an election timeout.
    case lostQuorum = 2
    case transfer = 3
    case removed = 4
}

public enum VoteRejectReason: UInt8, Sendable, BitwiseCopyable, Hashable, CaseIterable {
    case alreadyVoted = 1
    case logNotUpToDate = 2
    case staleTerm = 3
    /// Leader stickiness: the voter heard from a current leader within the minimum election timeout.
    case leaderRecentlyHeard = 4
    /// The voter is not a voting member (learner or removed).
    case notVoter = 5
    /// The voter has not voted in this term but already follows its leader (etcd refuses then
    /// too). Since format 1.2; earlier traces record these as `alreadyVoted`.
    case leaderKnown = 6
}

public enum DropReason: UInt8, Sendable, BitwiseCopyable, Hashable, CaseIterable {
    case partition = 1
    case loss = 2
    case receiverDown = 3
}

public enum ClientRequestKind: UInt8, Sendable, BitwiseCopyable, Hashable, CaseIterable {
    case write = 1
    case read = 2
}

public enum ClientOutcome: UInt8, Sendable, BitwiseCopyable, Hashable, CaseIterable {
    case ok = 1
    case notLeader = 2
    case timeout = 3
    case dropped = 4
}

public enum ReadMode: UInt8, Sendable, BitwiseCopyable, Hashable, CaseIterable {
    case readIndex = 1
    case lease = 2
    case local = 3
}

public enum MembershipChange: UInt8, Sendable, BitwiseCopyable, Hashable, CaseIterable {
    case addVoter = 1
    case addLearner = 2
    case remove = 3
}
