import TraceFormat

/// A message between Raft nodes, shaped like etcd-io/raft's `raftpb.Message` except that an
/// append's entries are not stored in it: they travel beside it (`RaftOutput.entries` on the way
/// out, the `entries` argument of `RaftNode.step` on the way in), so a message is plain bytes and
/// costs nothing to copy, queue or schedule.
/// For appends `index`/`logTerm` are the entry before the entries; for snapshots, the last entry
/// the snapshot covers; for (pre-)votes they are the candidate's last index and term; for
/// responses `index` is the responder's match or hint.
///
/// The 64-bit fields come first and the narrow ones last, so the message packs into 64 bytes
/// (declared in the order of `init`'s parameters it took 80): every send copies it a few times.
public struct RaftMessage: Sendable, Equatable, BitwiseCopyable {
    public var term: UInt64
    public var index: UInt64 = 0
    public var logTerm: UInt64 = 0
    public var commit: UInt64 = 0
    /// On a rejected append: the follower's suggestion of where to retry (fast back-off).
    public var rejectHint: UInt64 = 0
    /// On a snapshot: the voting members as of its last entry (`RaftLog.snapshotMembers`).
    public var members: UInt64 = .max
    public var from: NodeID
    public var to: NodeID
    /// How many entries an append carries.
    public var entryCount: UInt32 = 0
    public var type: MessageType
    public var reject = false
    /// On a (pre-)vote request: the campaign follows a leadership transfer (etcd's
    /// `campaignTransfer` context), so voters grant it even while they hear from the old leader.
    public var transfer = false

    public init(type: MessageType, from: NodeID, to: NodeID, term: UInt64, index: UInt64 = 0, logTerm: UInt64 = 0,
                entryCount: UInt32 = 0, commit: UInt64 = 0, reject: Bool = false, rejectHint: UInt64 = 0) {
        self.type = type
        self.from = from
        self.to = to
        self.term = term
        self.index = index
        self.logTerm = logTerm
        self.entryCount = entryCount
        self.commit = commit
        self.reject = reject
        self.rejectHint = rejectHint
    }

    /// An estimate of the encoded size, for the trace's byte counts: 128 bytes an entry, and for a
    /// snapshot as much as the entries it stands for.
    public var approximateBytes: UInt32 {
        type == .snapshot ? snapshotBytes : 40 + entryCount * 128
    }

    /// On a snapshot: the learners as of its last entry (`RaftLog.snapshotLearners`). Kept in
    /// `rejectHint`, which only a rejected append uses, so that the message stays 64 bytes.
    public var learners: UInt64 {
        get { rejectHint }
        set { rejectHint = newValue }
    }

    @inline(never) private var snapshotBytes: UInt32 { UInt32(clamping: 40 + min(index, UInt64(UInt32.max)) * 128) }
}
