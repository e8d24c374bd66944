import DequeModule
import TraceFormat

/// Settings of one Raft node. Durations are nanoseconds of the node's own (possibly drifting) clock.
public struct RaftConfiguration: Sendable, Equatable {
    public var id: NodeID
    public var voters: [NodeID]
    public var features: RaftFeatures
    public var timing: RaftTiming

    public init(id: NodeID, voters: [NodeID], features: RaftFeatures, timing: RaftTiming) {
        self.id = id
        self.voters = voters
        self.features = features
        self.timing = timing
    }
}

public enum RaftRole: Sendable, Equatable {
    case follower, preCandidate, candidate, leader
}

/// What a node must keep across a crash: term, vote and log (Raft paper, Figure 2), the log
/// with its snapshot (§7), and the membership it last applied.
public struct PersistentState: Sendable, Equatable {
    public var term: UInt64 = 0
    public var vote: NodeID?
    public var log = RaftLog()
    /// The membership as last applied (nil: the snapshot's). Changes take effect when applied,
    /// as in etcd, which keeps the applied membership with its applied index and restarts from
    /// it: a node restarting from its snapshot's older membership could count votes by a
    /// majority that no longer overlaps the one that committed entries it lacks (a safety
    /// violation, found by random membership runs).
    public var membership: AppliedMembership?

    public init(term: UInt64 = 0, vote: NodeID? = nil, log: RaftLog = RaftLog(), membership: AppliedMembership? = nil) {
        self.term = term
        self.vote = vote
        self.log = log
        self.membership = membership
    }
}

/// Voters and learners (masks over `RaftConfiguration.voters`) as of the change at `index`, the
/// last applied (or the snapshot they came with).
public struct AppliedMembership: Sendable, Equatable {
    public var members: UInt64
    public var learners: UInt64
    public var index: UInt64

    /// After the change at `index` to the server at position `p` (`RaftRules.membership(after:)`).
    func applying(_ kind: MembershipChange, of p: Int, at index: UInt64) -> AppliedMembership {
        let bit: UInt64 = 1 << UInt64(p)
        let after = RaftRules.membership(after: kind, isVoter: members & bit != 0, isLearner: learners & bit != 0)
        var m = self
        m.index = index
        m.members = after.voter ? members | bit : members & ~bit
        m.learners = after.learner ? learners | bit : learners & ~bit
        return m
    }
}

/// What one input produced: messages to send (with the entries of the appends among them), trace
/// events (to be stamped with time and node by the caller) and newly committed entries to apply,
/// in order.
public struct RaftOutput: Sendable {
    public var messages = OutputList<RaftMessage>()
    /// The entries of the appends in `messages`, in order: each append's `entryCount` entries
    /// follow those of the appends before it (`forEachMessage` pairs them up).
    public var entries = OutputList<LogEntry>()
    public var events = OutputList<TraceEvent.Kind>()
    public var committed = OutputList<(index: UInt64, entry: LogEntry)>()

    /// Each message in order with its entries (empty for all but appends).
    public func forEachMessage(_ body: (RaftMessage, Slice<OutputList<LogEntry>>) throws -> Void) rethrows {
        var next = 0
        for m in messages {
            let end = next + Int(m.entryCount)
            try body(m, entries[next..<end])
            next = end
        }
    }
}

/// A complete Raft node as a pure state machine, in the shape of etcd-io/raft: inputs are
/// `tick(now:)`, `step(_:entries:now:)` and `propose(...)`; outputs accumulate in `output` until the
/// driver takes them. No clock, I/O or global randomness: time comes in as an argument (the
/// node's local clock, in nanoseconds), randomness from the injected generator, and the node
/// says when it next needs a tick (`nextDeadline`) instead of being ticked at a fixed rate.
///
/// Every Raft rule of the project lives in this file; how a leader paces appends to each follower
/// (etcd's probe, replicate and snapshot states) is `Progress`, in Progress.swift, moved by the
/// rules here. Single-threaded: drive it from one thread.
public struct RaftNode: Sendable {
    public let config: RaftConfiguration
    public private(set) var role: RaftRole = .follower
    public private(set) var term: UInt64
    public private(set) var vote: NodeID?
    /// The leader this node currently follows (itself when leader), if known.
    public private(set) var lead: NodeID?
    public private(set) var log: RaftLog
    public private(set) var commit: UInt64 = 0
    public var output = RaftOutput()

    private var rng: SplitMix64
    private var electionDeadline: UInt64 = 0
    private var heartbeatDeadline: UInt64 = 0
    private var checkQuorumDeadline: UInt64 = 0
    /// When this node last heard from its current leader (for leader stickiness).
    private var lastLeaderContact: UInt64?
    /// Leadership transfer (thesis §3.10) in progress: the node taking over, and when the leader
    /// gives up on it (one election timeout, as etcd does).
    public private(set) var transferee: NodeID?
    private var transferDeadline: UInt64 = 0
    private var votes: [NodeID: Bool] = [:]
    /// Per voter, indexed by position in `config.voters`; meaningful only while leader.
    private var progress: [Progress] = []
    /// The voting members: a mask over the positions of `config.voters`, the initial voters, which
    /// membership changes remove one at a time or add back (thesis §4.1). A change takes effect
    /// when the node applies it, as in etcd.
    public private(set) var members: UInt64
    /// The learners (thesis §4.2.1; etcd's learners): servers the leader replicates to that
    /// neither vote nor count towards a majority, until a later change promotes them. The same
    /// kind of mask, disjoint from `members`.
    public private(set) var learners: UInt64
    /// The index of the last membership change applied, or of the snapshot the membership came
    /// with: changes at or before it are in effect already (a restarted node applies its log's
    /// entries again, changes included, as it learns they are committed).
    private var membershipIndex: UInt64
    /// Every position of `config.voters`.
    private let allMembers: UInt64
    /// A majority of `members`.
    private var quorum: Int
    /// The last membership change proposed and maybe not yet applied (etcd's `pendingConfIndex`):
    /// a leader proposes the next only once its commit index has passed this one.
    private var pendingChangeIndex: UInt64 = 0
    /// The time of the input being handled (a step down on removal happens inside a commit).
    private var now: UInt64
    /// ReadIndex rounds waiting for a majority's heartbeat answers, oldest first (etcd's
    /// `readOnly`), and the number of the last round started.
    private var readRounds = Deque<ReadRound>()
    private var lastReadRound: UInt64 = 0
    /// By voter position: the last read round the member's heartbeat answers confirmed (an
    /// answer confirms its round and every earlier one; the leader confirms its own at once).
    /// Kept per member rather than per round, so that an answer costs the same however many
    /// reads wait.
    private var readConfirmed: [UInt64]
    /// Reads that came before this leader committed an entry of its term: its commit index may
    /// still be behind the last leader's, so they wait until it has (thesis §6.4, step 1).
    private var deferredReads: [UInt64] = []

    private struct ReadRound {
        var round: UInt64
        var request: UInt64
        /// The leader's commit index when the read came: what the read reflects.
        var index: UInt64
    }
    /// Whole microseconds an election timeout is drawn from, beyond the minimum.
    private let electionSpanMicros: UInt64

    public var persistentState: PersistentState { PersistentState(term: term, vote: vote, log: log, membership: membership) }

    /// The voters and learners in effect, and the index of the change they come from.
    private var membership: AppliedMembership {
        AppliedMembership(members: members, learners: learners, index: membershipIndex)
    }

    /// A node starting (or restarting) from `persistent` as a follower with no known leader.
    public init(config: RaftConfiguration, persistent: PersistentState, rng: SplitMix64, now: UInt64) {
        self.config = config
        term = persistent.term
        vote = persistent.vote
        log = persistent.log
        self.rng = rng
        precondition((1...64).contains(config.voters.count), "1 to 64 voters")
        precondition(config.timing.electionTimeoutMax > config.timing.electionTimeoutMin, "an election timeout range that is not empty")
        precondition(config.timing.heartbeatInterval > 0, "a heartbeat interval (RaftTiming.problem says what can run)")
        allMembers = config.voters.count == 64 ? .max : (1 << UInt64(config.voters.count)) - 1
        if let m = persistent.membership, m.index >= persistent.log.snapshotIndex {
            members = m.members & allMembers
            learners = m.learners & allMembers & ~members
            membershipIndex = m.index
        } else {
            members = persistent.log.snapshotMembers & allMembers
            learners = persistent.log.snapshotLearners & allMembers & ~members
            membershipIndex = persistent.log.snapshotIndex
        }
        quorum = Quorum.size(voters: members.nonzeroBitCount)
        self.now = now
        electionSpanMicros = max(1, config.timing.electionTimeoutSpread / 1_000)
        readConfirmed = Array(repeating: 0, count: config.voters.count)
        role = .follower
        // The snapshot's entries are applied: the state machine starts from it.
        commit = log.snapshotIndex
        if log.snapshotIndex > 0 {
            output.events.append(.snapshotInstalled(index: log.snapshotIndex, term: log.snapshotTerm))
        }
        resetElectionTimer(now)
        output.events.append(.becameFollower(term: term, leader: nil))
    }

    /// The local time at which the node next needs `tick(now:)`.
    public var nextDeadline: UInt64 {
        guard role == .leader else { return electionDeadline }
        var next = config.features.checkQuorum ? min(heartbeatDeadline, checkQuorumDeadline) : heartbeatDeadline
        if transferee != nil { next = min(next, transferDeadline) }
        return next
    }

    public mutating func takeOutput() -> RaftOutput {
        var out = RaftOutput()
        swap(&out, &output)
        return out
    }

    // MARK: Timers

    private mutating func resetElectionTimer(_ now: UInt64) {
        electionDeadline = now + config.timing.electionTimeoutMin + (rng.next() % electionSpanMicros) * 1_000
    }

    public mutating func tick(now: UInt64) {
        self.now = now
        switch role {
        case .leader:
            if let target = transferee, now >= transferDeadline {
                // The transferee did not take over within an election timeout: lead on.
                output.events.append(.transferFinished(target: target, term: term, succeeded: false))
                transferee = nil
            }
            if config.features.checkQuorum, now >= checkQuorumDeadline {
                checkQuorumDeadline = now + config.timing.electionTimeoutMin
                // Check-quorum (thesis 6.2): step down unless a majority answered within an election timeout.
                let active = 1 + progress.indices.filter {
                    isMember($0) && config.voters[$0] != config.id && progress[$0].recentActive
                }.count
                for i in progress.indices { progress[i].recentActive = false }
                if active < quorum {
                    becomeFollower(term: term, lead: nil, now: now, stepDown: .lostQuorum)
                    return
                }
            }
            if now >= heartbeatDeadline {
                heartbeatDeadline = now + config.timing.heartbeatInterval
                broadcastHeartbeat()
            }
        case .follower, .preCandidate, .candidate:
            guard now >= electionDeadline else { return }
            guard isVoter else {
                // A node that applied its own removal never campaigns (etcd's `promotable`).
                resetElectionTimer(now)
                return
            }
            output.events.append(.electionTimerFired(term: term))
            if config.features.preVote { campaignPreVote(now) } else { campaign(now) }
        }
    }

    // MARK: Role changes

    private mutating func becomeFollower(term newTerm: UInt64, lead newLead: NodeID?, now: UInt64,
                                         stepDown: StepDownReason = .higherTermSeen) {
        if role == .leader {
            output.events.append(.leaderSteppedDown(term: term, reason: stepDown))
            // Reads not yet served are dropped; their clients time out and retry (as in etcd).
            readRounds.removeAll()
            readConfirmed = Array(repeating: 0, count: readConfirmed.count)
            deferredReads.removeAll()
            if let target = transferee {
                output.events.append(.transferFinished(target: target, term: term, succeeded: stepDown == .transfer))
                transferee = nil
            }
        }
        if newTerm != term {
            output.events.append(.termChanged(from: term, to: newTerm, cause: .higherTermSeen))
            term = newTerm
            vote = nil
        }
        role = .follower
        lead = newLead
        if newLead != nil { lastLeaderContact = now }
        resetElectionTimer(now)
        output.events.append(.becameFollower(term: term, leader: newLead))
    }

    private mutating func campaignPreVote(_ now: UInt64) {
        role = .preCandidate
        // Clearing the leader here is etcd's fix for pre-vote + check-quorum deadlocks (#9586, #10355).
        lead = nil
        votes = [config.id: true]
        resetElectionTimer(now)
        output.events.append(.becamePreCandidate(term: term))
        if votes.count >= quorum { campaign(now); return }
        requestVotes(term: term + 1, preVote: true)
    }

    /// `transfer`: the leader handed over (TimeoutNow), so there is no pre-vote round and voters
    /// are told not to hold on to the old leader.
    private mutating func campaign(_ now: UInt64, transfer: Bool = false) {
        output.events.append(.termChanged(from: term, to: term + 1, cause: .campaign))
        term += 1
        vote = config.id
        role = .candidate
        lead = nil
        votes = [config.id: true]
        resetElectionTimer(now)
        output.events.append(.becameCandidate(term: term))
        if votes.count >= quorum { becomeLeader(now); return }
        requestVotes(term: term, preVote: false, transfer: transfer)
    }

    private mutating func requestVotes(term voteTerm: UInt64, preVote: Bool, transfer: Bool = false) {
        for (i, peer) in config.voters.enumerated() where peer != config.id && isMember(i) {
            output.events.append(.voteRequested(VoteRequest(to: peer, term: voteTerm, lastIndex: log.lastIndex,
                                                            lastTerm: log.lastTerm, preVote: preVote)))
            var m = RaftMessage(type: preVote ? .preVote : .vote, from: config.id, to: peer, term: voteTerm,
                                index: log.lastIndex, logTerm: log.lastTerm)
            m.transfer = transfer
            send(m)
        }
    }

    private mutating func becomeLeader(_ now: UInt64) {
        role = .leader
        lead = config.id
        progress = config.voters.map { _ in Progress(next: log.lastIndex + 1, maxInflight: config.timing.maxInflightAppends) }
        // A change in the log may not be applied yet: the next waits until this term commits.
        pendingChangeIndex = log.lastIndex
        heartbeatDeadline = now + config.timing.heartbeatInterval
        checkQuorumDeadline = now + config.timing.electionTimeoutMin
        output.events.append(.becameLeader(term: term))
        // A no-op entry of the new term lets the leader commit entries of earlier terms (§5.4.2).
        appendAsLeader(LogEntry(term: term, request: 0, hash: 0), recording: nil)
    }

    /// Appends `entry` to the leader's log, records it (`proposal`, if any, then the append),
    /// sends it to the followers and commits what a majority holds.
    @inline(__always) private mutating func appendAsLeader(_ entry: LogEntry, recording proposal: TraceEvent.Kind?) {
        appendLocal(entry)
        if let proposal { output.events.append(proposal) }
        output.events.append(.entriesAppended(first: log.lastIndex, last: log.lastIndex, term: term))
        broadcastAppend()
        maybeCommit()
    }

    // MARK: Proposals

    /// A leader handing leadership over takes no client requests (etcd drops them).
    private var takesRequests: Bool { role == .leader && transferee == nil }

    /// The leader a refused client is pointed to: none while this node hands leadership over
    /// (it does not know the next leader yet).
    private var clientHint: NodeID? { role == .leader ? nil : lead }

    public enum Proposal: Sendable, Equatable {
        case accepted(index: UInt64, term: UInt64)
        case notLeader(hint: NodeID?)
    }

    public mutating func propose(request: UInt64, hash: UInt64) -> Proposal {
        guard takesRequests else { return .notLeader(hint: clientHint) }
        let index = log.lastIndex + 1
        appendAsLeader(LogEntry(term: term, request: request, hash: hash),
                       recording: .entryProposed(request: request, index: index, term: term))
        return .accepted(index: index, term: term)
    }

    /// Whether `change` would change the members as this node knows them: removing a voter or a
    /// learner, adding a server of the configuration as a voter that is not one (a learner's
    /// promotion), or as a learner that is neither (demoting a voter is not modelled).
    public func changesMembership(_ change: ConfigurationChange) -> Bool {
        guard let i = voterIndex(change.target) else { return false }
        switch change.kind {
        case .remove: return replicates(i)
        case .addVoter: return !isMember(i)
        case .addLearner: return !replicates(i)
        }
    }

    /// Whether learner `id` has caught up enough to be promoted, as the leader sees it
    /// (`RaftRules.hasCaughtUp`: etcd's `isLearnerReady`).
    public func learnerIsReady(_ id: NodeID) -> Bool {
        guard role == .leader, let i = voterIndex(id), isLearner(i) else { return false }
        return RaftRules.hasCaughtUp(lastIndex: progress[i].match, leaderLastIndex: log.lastIndex)
    }

    /// A membership change (thesis §4.1, one server at a time; etcd's `ConfChange`): the leader
    /// appends it, and every node applies it once committed. Returns its index, or nil when
    /// refused: this node does not lead, hands leadership over, has a change not yet committed,
    /// or the change changes nothing.
    public mutating func proposeMembershipChange(_ change: ConfigurationChange) -> UInt64? {
        guard role == .leader, transferee == nil, pendingChangeIndex <= commit, changesMembership(change) else { return nil }
        let index = log.lastIndex + 1
        pendingChangeIndex = index
        appendAsLeader(LogEntry(term: term, request: 0, hash: change.hash, change: change),
                       recording: .membershipChangeProposed(change: change.kind, target: change.target, index: index))
        return index
    }

    // MARK: Reads

    public enum ReadStart: Sendable, Equatable {
        /// The read is under way: `readServed` follows in the output once it may be answered.
        case started
        case notLeader(hint: NodeID?)
    }

    /// A linearizable read (thesis §6.4). By ReadIndex (etcd's `ReadOnlySafe`): the leader notes
    /// its commit index, confirms it still leads with a round of heartbeats answered by a
    /// majority, and then serves the read at that index (applied, as entries apply when they
    /// commit). With lease reads and check-quorum (etcd's `ReadOnlyLeaseBased`) it serves at once,
    /// trusting that it would have stepped down had it lost its majority, which holds only while
    /// clocks drift little (thesis §6.4.1). A leader handing over takes no reads.
    public mutating func read(request: UInt64) -> ReadStart {
        guard takesRequests else { return .notLeader(hint: clientHint) }
        if log.term(at: commit) == term { startRead(request) } else { deferredReads.append(request) }
        return .started
    }

    private mutating func startRead(_ request: UInt64) {
        if RaftRules.servesLeaseReads(config.features) {
            output.events.append(.readServed(request: request, index: commit, mode: .lease))
            return
        }
        output.events.append(.readIndexStarted(request: request, index: commit))
        guard quorum > 1 else {
            output.events.append(.readServed(request: request, index: commit, mode: .readIndex))
            return
        }
        lastReadRound += 1
        if let me = voterIndex(config.id) { readConfirmed[me] = lastReadRound }
        readRounds.append(ReadRound(round: lastReadRound, request: request, index: commit))
        broadcastHeartbeat()
    }

    /// Member `i` answered a heartbeat of read round `round`: it confirms that round and every
    /// earlier one. A round confirmed by a majority of the members is served, and so is every
    /// round before it.
    private mutating func confirmReads(by i: Int, through round: UInt64) {
        readConfirmed[i] = max(readConfirmed[i], round)
        while let r = readRounds.first {
            var confirmations = 0
            for k in readConfirmed.indices where isMember(k) && readConfirmed[k] >= r.round { confirmations += 1 }
            guard confirmations >= quorum else { return }
            output.events.append(.readServed(request: r.request, index: r.index, mode: .readIndex))
            readRounds.removeFirst()
        }
    }

    /// Leadership transfer (thesis §3.10; etcd's `MsgTransferLeader`): the leader stops taking
    /// proposals, brings `target`'s log up to date, then tells it to campaign at once (TimeoutNow);
    /// it gives up after an election timeout. Ignored unless this node leads and `target` is
    /// another voter; a transfer to another node replaces the one in progress.
    public mutating func transferLeadership(to target: NodeID, now: UInt64) {
        guard role == .leader, target != config.id, let i = voterIndex(target), isMember(i), transferee != target else { return }
        if let previous = transferee {
            output.events.append(.transferFinished(target: previous, term: term, succeeded: false))
        }
        transferee = target
        transferDeadline = now + config.timing.electionTimeoutMin
        output.events.append(.transferStarted(target: target, term: term))
        if progress[i].match == log.lastIndex { sendTimeoutNow(to: target) } else { sendAppend(to: i) }
    }

    private mutating func sendTimeoutNow(to target: NodeID) {
        send(RaftMessage(type: .timeoutNow, from: config.id, to: target, term: term))
    }

    /// Log compaction (Raft §7): the driver has a snapshot of its state machine through `index`
    /// (committed, so applied), so the log can drop the entries up to it.
    public mutating func compact(through index: UInt64) {
        precondition(index <= commit, "only committed entries can be compacted")
        guard index > log.snapshotIndex else { return }
        // The members as of `index`: the last snapshot's, with the changes since then applied.
        var m = AppliedMembership(members: log.snapshotMembers & allMembers, learners: log.snapshotLearners, index: log.snapshotIndex)
        for j in log.snapshotIndex + 1 ... index {
            if let c = log.entry(at: j).change, let p = voterIndex(c.target) { m = m.applying(c.kind, of: p, at: j) }
        }
        log.compact(through: index, members: m.members, learners: m.learners)
        output.events.append(.snapshotTaken(index: index, term: log.snapshotTerm))
    }

    private mutating func appendLocal(_ e: LogEntry) {
        log.append(e)
        if let me = selfIndex { progress[me].match = log.lastIndex; progress[me].next = log.lastIndex + 1 }
    }

    private var selfIndex: Int? { role == .leader ? config.voters.firstIndex(of: config.id) : nil }

    // MARK: Messages

    @inline(__always) private mutating func send(_ m: consuming RaftMessage) { output.messages.append(m) }

    /// Leader stickiness (thesis 4.2.3): within the minimum election timeout of hearing from a
    /// current leader, a server neither adopts a higher term from a vote request nor grants it
    /// (unless the request is a transfer campaign's).
    private func ignoresVoteRequest(_ m: RaftMessage, now: UInt64) -> Bool {
        RaftRules.ignoresVoteRequest(config.features, transferCampaign: m.transfer, knowsLeader: lead != nil,
                                     isLeader: role == .leader, sinceContact: lastLeaderContact.map { now - $0 },
                                     minimumElectionTimeout: config.timing.electionTimeoutMin)
    }

    /// `entries` are the entries an append carries (`m.entryCount` of them).
    public mutating func step(_ m: RaftMessage, entries: LogEntries = LogEntries(), now: UInt64) {
        precondition(entries.count == Int(m.entryCount), "a message's entries must match its entryCount")
        self.now = now
        let isVote = m.type == .vote || m.type == .preVote
        if m.term > term {
            if isVote, ignoresVoteRequest(m, now: now) {
                output.events.append(.voteRejected(candidate: m.from, term: m.term, preVote: m.type == .preVote,
                                                   reason: .leaderRecentlyHeard))
                return
            }
            switch m.type {
            case .preVote:
                break  // a pre-vote never changes the voter's term
            case .preVoteResponse where !m.reject:
                break  // the future term the pre-candidate asked for
            case .append, .heartbeat, .snapshot:
                becomeFollower(term: m.term, lead: m.from, now: now)
            default:
                // A leader stepping down for the node it is handing over to: the transfer worked.
                becomeFollower(term: m.term, lead: nil, now: now,
                               stepDown: role == .leader && m.from == transferee ? .transfer : .higherTermSeen)
            }
        } else if m.term < term {
            switch m.type {
            case .append, .heartbeat, .snapshot:
                // Tell a stale leader the current term, so it steps down (etcd does the same).
                if config.features.checkQuorum || config.features.preVote {
                    send(RaftMessage(type: .appendResponse, from: config.id, to: m.from, term: term))
                }
            case .vote, .preVote:
                output.events.append(.voteRejected(candidate: m.from, term: m.term, preVote: m.type == .preVote,
                                                   reason: .staleTerm))
                send(RaftMessage(type: m.type == .vote ? .voteResponse : .preVoteResponse, from: config.id,
                                 to: m.from, term: term, reject: true))
            default:
                break
            }
            return
        }

        if isVote { handleVote(m, now); return }
        switch role {
        case .leader: stepLeader(m, now)
        case .preCandidate, .candidate: stepCandidate(m, entries, now)
        case .follower: stepFollower(m, entries, now)
        }
    }

    private mutating func handleVote(_ m: RaftMessage, _ now: UInt64) {
        let pre = m.type == .preVote
        let canVote = vote == m.from || (vote == nil && lead == nil) || (pre && m.term > term)
        let upToDate = log.isUpToDate(lastIndex: m.index, lastTerm: m.logTerm)
        if canVote && upToDate {
            output.events.append(.voteGranted(candidate: m.from, term: m.term, preVote: pre))
            send(RaftMessage(type: pre ? .preVoteResponse : .voteResponse, from: config.id, to: m.from, term: m.term))
            if !pre {
                vote = m.from
                resetElectionTimer(now)
            }
        } else {
            output.events.append(.voteRejected(candidate: m.from, term: m.term, preVote: pre,
                                               reason: canVote ? .logNotUpToDate : vote != nil ? .alreadyVoted : .leaderKnown))
            send(RaftMessage(type: pre ? .preVoteResponse : .voteResponse, from: config.id, to: m.from, term: term,
                             reject: true))
        }
    }

    private mutating func stepCandidate(_ m: RaftMessage, _ entries: LogEntries, _ now: UInt64) {
        switch m.type {
        case .append, .heartbeat, .snapshot:
            // A leader of this term exists: go back to following it, in the same term.
            becomeFollower(term: term, lead: m.from, now: now)
            stepFollower(m, entries, now)
        case .preVoteResponse where role == .preCandidate, .voteResponse where role == .candidate:
            votes[m.from] = !m.reject
            // Only the members' answers count (a removed server may still answer).
            var granted = 0, rejected = 0
            for (voter, yes) in votes where voterIndex(voter).map(isMember) ?? false {
                if yes { granted += 1 } else { rejected += 1 }
            }
            if granted >= quorum {
                if role == .preCandidate { campaign(now) } else { becomeLeader(now) }
            } else if RaftRules.voteIsLost(refusals: rejected, voters: members.nonzeroBitCount) {
                // Too few voters left to make a majority (etcd's `VoteLost`): in an even-sized
                // configuration half the voters refusing is enough.
                becomeFollower(term: term, lead: nil, now: now)
            }
        default:
            break
        }
    }

    private mutating func stepFollower(_ m: RaftMessage, _ entries: LogEntries, _ now: UInt64) {
        switch m.type {
        case .append, .heartbeat, .snapshot:
            resetElectionTimer(now)
            if lead != m.from {
                lead = m.from
                output.events.append(.becameFollower(term: term, leader: m.from))
            }
            lastLeaderContact = now
            switch m.type {
            case .heartbeat:
                commitTo(min(m.commit, log.lastIndex))
                // The answer carries the heartbeat's read round back (etcd's heartbeat context).
                send(RaftMessage(type: .heartbeatResponse, from: config.id, to: m.from, term: term, index: m.index))
            case .snapshot:
                handleSnapshot(m)
            default:
                handleAppend(m, entries)
            }
        case .timeoutNow:
            // The leader hands over (leadership transfer): campaign now, without waiting for the
            // election timeout and without a pre-vote round.
            campaign(now, transfer: true)
        default:
            break
        }
    }

    private mutating func handleAppend(_ m: RaftMessage, _ entries: LogEntries) {
        // The entry before the ones to consider, and how many of the message's entries to skip.
        var prevIndex = m.index
        var prevTerm = m.logTerm
        var skip = 0
        if prevIndex < commit {
            // Entries up to our commit index are committed and so equal to the leader's (Log
            // Matching); keep only what follows them.
            skip = Int(commit - prevIndex)
            guard skip < entries.count else {
                send(RaftMessage(type: .appendResponse, from: config.id, to: m.from, term: term, index: commit))
                return
            }
            prevIndex = commit
            prevTerm = log.term(at: commit) ?? 0
        }
        guard log.matchTerm(prevIndex, prevTerm) else {
            // Fast back-off: suggest the last index whose term is no newer than the leader's.
            let hint = log.lastIndex(atOrBelow: prevIndex, withTermAtMost: prevTerm)
            send(RaftMessage(type: .appendResponse, from: config.id, to: m.from, term: term, index: prevIndex,
                             logTerm: log.term(at: hint) ?? 0, reject: true, rejectHint: hint))
            return
        }
        let lastNew = prevIndex + UInt64(entries.count - skip)
        // The first entry whose term differs from ours at its index (or that we lack): from there
        // the leader's entries replace ours (§5.3). Indexed loops over `entries`: this runs for
        // every append a follower takes.
        var k = skip
        var conflict = prevIndex + 1
        while k < entries.count, log.term(at: conflict) == entries[k].term {
            k += 1
            conflict += 1
        }
        if k < entries.count {
            if conflict <= log.lastIndex {
                precondition(conflict > commit, "Raft invariant: a committed entry conflicts with the leader")
                output.events.append(.logTruncated(from: conflict))
                log.truncate(from: conflict)
            }
            while k < entries.count {
                log.append(entries[k])
                k += 1
            }
            output.events.append(.entriesAppended(first: conflict, last: lastNew, term: log.lastTerm))
        }
        commitTo(min(m.commit, lastNew))
        send(RaftMessage(type: .appendResponse, from: config.id, to: m.from, term: term, index: lastNew))
    }

    /// InstallSnapshot (Raft §7): the leader's log no longer holds the entries this follower
    /// needs, so it sent its snapshot, which ends at `m.index` in term `m.logTerm`. Answered like
    /// an append, with the index the follower now matches (etcd's `handleSnapshot` and `restore`).
    private mutating func handleSnapshot(_ m: RaftMessage) {
        if m.index <= commit {
            // Already applied further than the snapshot goes: nothing to install.
            send(RaftMessage(type: .appendResponse, from: config.id, to: m.from, term: term, index: commit))
        } else if log.matchTerm(m.index, m.logTerm) {
            // The log holds the snapshot's last entry, so all entries before it match the leader's
            // (Log Matching): commit and apply them rather than replace the state.
            commitTo(m.index)
            send(RaftMessage(type: .appendResponse, from: config.id, to: m.from, term: term, index: m.index))
        } else {
            // Everything in the log is either covered by the snapshot or conflicts with it (and is
            // uncommitted, as the snapshot's entries are committed): discard it all.
            log.restore(index: m.index, term: m.logTerm, members: m.members, learners: m.learners)
            commit = m.index
            setMembers(m.members & allMembers)
            learners = m.learners & allMembers & ~members
            membershipIndex = m.index
            output.events.append(.snapshotInstalled(index: m.index, term: m.logTerm))
            send(RaftMessage(type: .appendResponse, from: config.id, to: m.from, term: term, index: m.index))
        }
    }

    private mutating func stepLeader(_ m: RaftMessage, _ now: UInt64) {
        // Answers from a server no longer a member (to appends sent before its removal) are stale.
        guard let i = voterIndex(m.from), replicates(i) else { return }
        switch m.type {
        case .appendResponse:
            progress[i].recentActive = true
            if m.reject {
                // Stale answers (to appends other than the one that counts) change nothing.
                guard progress[i].maybeDecrease(rejected: m.index, hint: m.rejectHint) else { return }
                if progress[i].state == .replicate { progress[i].becomeProbe() }
                sendAppend(to: i)
            } else {
                let updated = progress[i].maybeUpdate(m.index)
                switch progress[i].state {
                case .probe where updated:
                    progress[i].becomeReplicate()
                case .snapshot where progress[i].match >= log.snapshotIndex:
                    // The follower is past the snapshot (or never needed it): the log can serve it.
                    progress[i].becomeReplicate()
                case .replicate:
                    progress[i].freeInflights(through: m.index)
                default:
                    break
                }
                // A match at or below the commit index cannot raise it.
                if updated, m.index > commit { maybeCommit() }
                if m.from == transferee, progress[i].match == log.lastIndex { sendTimeoutNow(to: m.from) }
                // As many appends as the follower's state allows.
                while progress[i].next <= log.lastIndex, !progress[i].isPaused { sendAppend(to: i) }
            }
        case .heartbeatResponse:
            progress[i].heartbeatAnswered()
            if m.index > 0, !readRounds.isEmpty { confirmReads(by: i, through: m.index) }
            if progress[i].match < log.lastIndex {
                // The follower may have missed appends. Send from `next`, as etcd does: an empty
                // append when everything was sent, which a follower missing entries rejects,
                // and the rejection moves `next` back. (Resending from `match` would send every
                // entry still in flight again on every heartbeat.)
                sendAppend(to: i)
            }
        default:
            break
        }
    }

    /// The position of `id` in `config.voters` (and `progress`). Voters are usually listed in
    /// order of their ids from n1, so the position is tried first (a search's exit branch is
    /// mispredicted about once per call).
    /// Inlined: called on its own from a mutating method, it made that method copy the whole node
    /// (352 bytes) to pass it as `self` (stepLeader did so for every answer it handled).
    @inline(__always) private func voterIndex(_ id: NodeID) -> Int? {
        let guess = Int(id.rawValue) - 1
        if guess >= 0, guess < config.voters.count, config.voters[guess] == id { return guess }
        return config.voters.firstIndex(of: id)
    }

    @inline(__always) private func isMember(_ i: Int) -> Bool { members >> UInt64(i) & 1 == 1 }

    @inline(__always) private func isLearner(_ i: Int) -> Bool { learners >> UInt64(i) & 1 == 1 }

    /// Whether the leader sends the server at position `i` the log: a voter or a learner.
    @inline(__always) private func replicates(_ i: Int) -> Bool { (members | learners) >> UInt64(i) & 1 == 1 }

    /// Whether this node is one of the voting members, as far as it has applied.
    public var isVoter: Bool { isVoter(config.id) }

    /// Whether `id` is one of the voting members, as far as this node has applied.
    public func isVoter(_ id: NodeID) -> Bool { voterIndex(id).map(isMember) ?? false }

    /// Whether `id` is a learner, as far as this node has applied.
    public func isLearner(_ id: NodeID) -> Bool { voterIndex(id).map(isLearner) ?? false }

    private mutating func broadcastAppend() {
        for i in config.voters.indices where config.voters[i] != config.id && replicates(i) { sendAppend(to: i) }
    }

    /// Heartbeats carry the newest read round waiting for confirmation (0: none) in `index`.
    private mutating func broadcastHeartbeat() {
        let round = readRounds.last?.round ?? 0
        for (i, peer) in config.voters.enumerated() where peer != config.id && replicates(i) {
            send(RaftMessage(type: .heartbeat, from: config.id, to: peer, term: term, index: round,
                             commit: min(progress[i].match, commit)))
        }
    }

    /// Sends voter `i` the entries from its `next` on (an empty append when there are none), if
    /// its state lets anything go out now.
    private mutating func sendAppend(to i: Int) {
        guard !progress[i].isPaused else { return }
        let next = progress[i].next
        let prev = next - 1
        // The entries this follower needs next were compacted away: it gets the snapshot instead.
        guard let prevTerm = log.term(at: prev) else { sendSnapshot(to: i); return }
        // The entries from `next` on (at most maxEntriesPerAppend), copied out by index: a slice of the log
        // would retain and release its storage on every append.
        let count = next > log.lastIndex ? 0 : min(log.lastIndex - next + 1, UInt64(config.timing.maxEntriesPerAppend))
        send(RaftMessage(type: .append, from: config.id, to: config.voters[i], term: term, index: prev,
                         logTerm: prevTerm, entryCount: UInt32(count), commit: commit))
        for index in next..<(next + count) { output.entries.append(log.entry(at: index)) }
        progress[i].sentAppend(count: count, last: prev + count)
    }

    /// Sends the snapshot (the log's compacted prefix) to voter `i`; entries follow from after it,
    /// once the follower has it.
    private mutating func sendSnapshot(to i: Int) {
        let peer = config.voters[i]
        output.events.append(.snapshotSent(to: peer, index: log.snapshotIndex, term: log.snapshotTerm))
        var m = RaftMessage(type: .snapshot, from: config.id, to: peer, term: term, index: log.snapshotIndex,
                            logTerm: log.snapshotTerm, commit: commit)
        m.members = log.snapshotMembers
        m.learners = log.snapshotLearners
        send(m)
        progress[i].becomeSnapshot(index: log.snapshotIndex)
    }

    /// The transport's word on a snapshot sent to `peer` (etcd's `ReportSnapshot`). Either way the
    /// leader probes next, and waits before it does: for the follower's answer to the snapshot
    /// when it was delivered, for the next heartbeat answer when it was lost (which sends a new
    /// snapshot if the entries are still compacted).
    public mutating func reportSnapshot(to peer: NodeID, delivered: Bool) {
        guard role == .leader, let i = voterIndex(peer), progress[i].state == .snapshot else { return }
        if delivered { progress[i].becomeProbe() } else { progress[i].snapshotLost() }
        progress[i].pauseProbe()
    }

    /// Commits the highest index a majority has matched, but only if it is of the current term
    /// (Raft §5.4.2: entries of earlier terms are committed indirectly).
    private mutating func maybeCommit() {
        // Nothing more commits until a quorum has passed the commit index: count that first (it
        // is not so for about half the acknowledgements) before finding the highest such index.
        // (commit - match wraps, setting the top bit, exactly when match > commit.)
        guard members == allMembers else {
            let n = Quorum.committedIndex(progress, members: members)
            if n > commit, log.term(at: n) == term { commitTo(n) }
            return
        }
        var past = 0
        for p in progress { past &+= Int((commit &- p.match) >> 63) }
        guard past >= quorum else { return }
        let n = Quorum.committedIndex(progress)
        if n > commit, log.term(at: n) == term { commitTo(n) }
    }

    private mutating func commitTo(_ index: UInt64) {
        guard index > commit else { return }
        output.events.append(.commitAdvanced(from: commit, to: index))
        var firstChange: UInt64 = 0
        for i in (commit + 1)...index {
            let e = log.entry(at: i)
            output.committed.append((i, e))
            if firstChange == 0, e.change != nil { firstChange = i }
        }
        commit = index
        if firstChange != 0 { applyChanges(from: firstChange, through: index) }
        if !deferredReads.isEmpty, role == .leader, log.term(at: commit) == term {
            let reads = deferredReads
            deferredReads.removeAll()
            for r in reads { startRead(r) }
        }
    }

    /// The membership changes among the entries `first...last`, just committed (rare: kept out of
    /// the commit path).
    @inline(never)
    private mutating func applyChanges(from first: UInt64, through last: UInt64) {
        for i in first...last { if let c = log.entry(at: i).change { apply(c, at: i) } }
    }

    /// A committed membership change takes effect (etcd's `ApplyConfChange`). A leader that
    /// removed itself steps down and, no longer a voter, never campaigns (etcd's
    /// `StepDownOnRemoval`); a leader gives a server added back a fresh probe (a learner promoted
    /// keeps the progress it made as one), and may commit more with a smaller majority.
    private mutating func apply(_ change: ConfigurationChange, at index: UInt64) {
        // Applied before a restart: in effect already.
        guard index > membershipIndex, let i = voterIndex(change.target) else { return }
        let wasLearner = isLearner(i)
        let m = membership.applying(change.kind, of: i, at: index)
        setMembers(m.members)
        learners = m.learners
        membershipIndex = m.index
        output.events.append(.membershipChangeApplied(change: change.kind, target: change.target, index: index))
        guard role == .leader else { return }
        switch change.kind {
        case .addVoter where wasLearner:
            break
        case .addVoter, .addLearner:
            progress[i] = Progress(next: log.lastIndex + 1, maxInflight: config.timing.maxInflightAppends)
            sendAppend(to: i)
        case .remove where change.target == config.id:
            becomeFollower(term: term, lead: nil, now: now, stepDown: .removed)
        case .remove:
            if transferee == change.target {
                output.events.append(.transferFinished(target: change.target, term: term, succeeded: false))
                transferee = nil
            }
            maybeCommit()
        }
    }

    private mutating func setMembers(_ newMembers: UInt64) {
        members = newMembers
        quorum = Quorum.size(voters: members.nonzeroBitCount)
    }
}
