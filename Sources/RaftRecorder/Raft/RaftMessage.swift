import TraceFormat

/// A message between Raft nodes, shaped like etcd-io/raft's `raftpb.Message`.
/// For appends `index`/`logTerm` are the entry before `entries`; for (pre-)votes they are the
/// candidate's last index and term; for responses `index` is the responder's match or hint.
public struct RaftMessage: Sendable, Equatable {
    public var type: MessageType
    public var from: NodeID
    public var to: NodeID
    public var term: UInt64
    public var index: UInt64 = 0
    public var logTerm: UInt64 = 0
    public var entries = LogEntries()
    public var commit: UInt64 = 0
    public var reject = false
    /// On a rejected append: the follower's suggestion of where to retry (fast back-off).
    public var rejectHint: UInt64 = 0

    public init(type: MessageType, from: NodeID, to: NodeID, term: UInt64, index: UInt64 = 0, logTerm: UInt64 = 0,
                entries: LogEntries = [], commit: UInt64 = 0, reject: Bool = false, rejectHint: UInt64 = 0) {
        self.type = type
        self.from = from
        self.to = to
        self.term = term
        self.index = index
        self.logTerm = logTerm
        self.entries = entries
        self.commit = commit
        self.reject = reject
        self.rejectHint = rejectHint
    }

    /// An estimate of the encoded size, for the trace's byte counts.
    public var approximateBytes: UInt32 { 40 + UInt32(entries.count) * 128 }
}
