/// Stable wire tags of event kinds. Never renumber a tag; only add new ones.
public enum EventTag: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case nodeStarted = 1, nodeCrashed = 2, nodePaused = 3, nodeResumed = 4
    case becameFollower = 10, becamePreCandidate = 11, becameCandidate = 12, becameLeader = 13
    case termChanged = 14, leaderSteppedDown = 15
    case electionTimerFired = 20, voteRequested = 21, voteGranted = 22, voteRejected = 23
    case messageSent = 30, messageDelivered = 31, messageDropped = 32
    case entryProposed = 40, entriesAppended = 41, logTruncated = 42, commitAdvanced = 43, entryApplied = 44
    case clientRequest = 50, clientResponse = 51
    case readIndexStarted = 60, readServed = 61
    case snapshotTaken = 70, snapshotSent = 71, snapshotInstalled = 72
    case membershipChangeProposed = 80, membershipChangeApplied = 81
    case transferStarted = 90, transferFinished = 91
    // 100 (partitionStarted), 101 (partitionHealed) and 104 (label as text) are retired: they carried
    // link lists and strings, which kept events from being trivially copyable.
    case linkDegraded = 102, clockDriftSet = 103, linkCut = 105, linkHealed = 106, label = 107

    public var description: String {
        switch self {
        case .nodeStarted: "nodeStarted"
        case .nodeCrashed: "nodeCrashed"
        case .nodePaused: "nodePaused"
        case .nodeResumed: "nodeResumed"
        case .becameFollower: "becameFollower"
        case .becamePreCandidate: "becamePreCandidate"
        case .becameCandidate: "becameCandidate"
        case .becameLeader: "becameLeader"
        case .termChanged: "termChanged"
        case .leaderSteppedDown: "leaderSteppedDown"
        case .electionTimerFired: "electionTimerFired"
        case .voteRequested: "voteRequested"
        case .voteGranted: "voteGranted"
        case .voteRejected: "voteRejected"
        case .messageSent: "messageSent"
        case .messageDelivered: "messageDelivered"
        case .messageDropped: "messageDropped"
        case .entryProposed: "entryProposed"
        case .entriesAppended: "entriesAppended"
        case .logTruncated: "logTruncated"
        case .commitAdvanced: "commitAdvanced"
        case .entryApplied: "entryApplied"
        case .clientRequest: "clientRequest"
        case .clientResponse: "clientResponse"
        case .readIndexStarted: "readIndexStarted"
        case .readServed: "readServed"
        case .snapshotTaken: "snapshotTaken"
        case .snapshotSent: "snapshotSent"
        case .snapshotInstalled: "snapshotInstalled"
        case .membershipChangeProposed: "membershipChangeProposed"
        case .membershipChangeApplied: "membershipChangeApplied"
        case .transferStarted: "transferStarted"
        case .transferFinished: "transferFinished"
        case .linkCut: "linkCut"
        case .linkHealed: "linkHealed"
        case .linkDegraded: "linkDegraded"
        case .clockDriftSet: "clockDriftSet"
        case .label: "label"
        }
    }
}

/// The value of each of the 256 bytes, or nil: a look-up instead of the switch `init(rawValue:)`
/// compiles to, which any byte indexes without a bounds check. Made once and never freed (it is
/// only read, so threads share it safely).
private func byteTable<T: RawRepresentable>(_: T.Type) -> UnsafePointer<T?> where T.RawValue == UInt8 {
    let table = UnsafeMutablePointer<T?>.allocate(capacity: 256)
    for byte in 0...255 { (table + byte).initialize(to: T(rawValue: UInt8(byte))) }
    return UnsafePointer(table)
}

extension EventTag {
    /// Every byte's tag, or nil (see `byteTable`).
    nonisolated(unsafe) static let table = byteTable(EventTag.self)
}

extension MessageType {
    /// Every byte's message type, or nil (see `byteTable`).
    nonisolated(unsafe) static let table = byteTable(MessageType.self)
}

extension TraceEvent.Kind {
    public var tag: EventTag {
        switch self {
        case .nodeStarted: .nodeStarted
        case .nodeCrashed: .nodeCrashed
        case .nodePaused: .nodePaused
        case .nodeResumed: .nodeResumed
        case .becameFollower: .becameFollower
        case .becamePreCandidate: .becamePreCandidate
        case .becameCandidate: .becameCandidate
        case .becameLeader: .becameLeader
        case .termChanged: .termChanged
        case .leaderSteppedDown: .leaderSteppedDown
        case .electionTimerFired: .electionTimerFired
        case .voteRequested: .voteRequested
        case .voteGranted: .voteGranted
        case .voteRejected: .voteRejected
        case .messageSent: .messageSent
        case .messageDelivered: .messageDelivered
        case .messageDropped: .messageDropped
        case .entryProposed: .entryProposed
        case .entriesAppended: .entriesAppended
        case .logTruncated: .logTruncated
        case .commitAdvanced: .commitAdvanced
        case .entryApplied: .entryApplied
        case .clientRequest: .clientRequest
        case .clientResponse: .clientResponse
        case .readIndexStarted: .readIndexStarted
        case .readServed: .readServed
        case .snapshotTaken: .snapshotTaken
        case .snapshotSent: .snapshotSent
        case .snapshotInstalled: .snapshotInstalled
        case .membershipChangeProposed: .membershipChangeProposed
        case .membershipChangeApplied: .membershipChangeApplied
        case .transferStarted: .transferStarted
        case .transferFinished: .transferFinished
        case .linkCut: .linkCut
        case .linkHealed: .linkHealed
        case .linkDegraded: .linkDegraded
        case .clockDriftSet: .clockDriftSet
        case .label: .label
        }
    }
}


// The names of the enumerations' cases, as reports print them ("\(reason)"): written out, so that
// printing one is a switch, not a reflection of the value (which looks up conformances at run time
// and, in a static binary, scans all of them the first time). Never rename one: JSON reports
// carry these names.

extension MessageType: CustomStringConvertible {
    public var description: String {
        switch self {
        case .append: "append"
        case .appendResponse: "appendResponse"
        case .heartbeat: "heartbeat"
        case .heartbeatResponse: "heartbeatResponse"
        case .vote: "vote"
        case .voteResponse: "voteResponse"
        case .preVote: "preVote"
        case .preVoteResponse: "preVoteResponse"
        case .snapshot: "snapshot"
        case .snapshotResponse: "snapshotResponse"
        case .timeoutNow: "timeoutNow"
        case .readIndex: "readIndex"
        case .readIndexResponse: "readIndexResponse"
        }
    }
}

extension TermChangeCause: CustomStringConvertible {
    public var description: String {
        switch self {
        case .campaign: "campaign"
        case .higherTermSeen: "higherTermSeen"
        }
    }
}

extension StepDownReason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .higherTermSeen: "higherTermSeen"
        case .lostQuorum: "lostQuorum"
        case .transfer: "transfer"
        case .removed: "removed"
        }
    }
}

extension VoteRejectReason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .alreadyVoted: "alreadyVoted"
        case .logNotUpToDate: "logNotUpToDate"
        case .staleTerm: "staleTerm"
        case .leaderRecentlyHeard: "leaderRecentlyHeard"
        case .notVoter: "notVoter"
        case .leaderKnown: "leaderKnown"
        }
    }
}

extension DropReason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .partition: "partition"
        case .loss: "loss"
        case .receiverDown: "receiverDown"
        }
    }
}

extension ClientRequestKind: CustomStringConvertible {
    public var description: String {
        switch self {
        case .write: "write"
        case .read: "read"
        }
    }
}

extension ClientOutcome: CustomStringConvertible {
    public var description: String {
        switch self {
        case .ok: "ok"
        case .notLeader: "notLeader"
        case .timeout: "timeout"
        case .dropped: "dropped"
        }
    }
}

extension ReadMode: CustomStringConvertible {
    public var description: String {
        switch self {
        case .readIndex: "readIndex"
        case .lease: "lease"
        case .local: "local"
        }
    }
}

extension MembershipChange: CustomStringConvertible {
    public var description: String {
        switch self {
        case .addVoter: "addVoter"
        case .addLearner: "addLearner"
        case .remove: "remove"
        }
    }
}
