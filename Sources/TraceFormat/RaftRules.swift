/// The Raft rules that both the Raft core and the analyzer's advice evaluate, kept in one place
/// (this module is the one both depend on) so the advice judges exactly what the core would do.
public enum RaftRules {
    /// Votes needed to win among `voters`.
    public static func quorum(voters: Int) -> Int { voters / 2 + 1 }

    /// A candidate has lost its election once so many of its `voters` refused that the rest could
    /// not make a majority (etcd's `VoteLost`): a majority of refusals in an odd-sized
    /// configuration, half of them in an even-sized one.
    public static func voteIsLost(refusals: Int, voters: Int) -> Bool { refusals > voters - quorum(voters: voters) }

    /// What a membership change (thesis §4.1, one server at a time) leaves its target: whether it is
    /// a voter and whether a learner. A removal takes it out of both; an addition as a voter makes it
    /// one (promoting a learner); an addition as a learner makes a server that is not a voter one,
    /// and leaves a voter as it is (etcd refuses to demote a voter that way).
    public static func membership(after change: MembershipChange, isVoter: Bool, isLearner: Bool) -> (voter: Bool, learner: Bool) {
        switch change {
        case .remove: (false, false)
        case .addVoter: (true, false)
        case .addLearner: (isVoter, isVoter ? isLearner : true)
        }
    }

    /// Raft §5.4.1: a candidate's log is at least as up to date as a voter's if its last term is
    /// higher, or equal with an index at least as long.
    public static func logIsUpToDate(candidateLastIndex: UInt64, candidateLastTerm: UInt64,
                                     voterLastIndex: UInt64, voterLastTerm: UInt64) -> Bool {
        candidateLastTerm > voterLastTerm || (candidateLastTerm == voterLastTerm && candidateLastIndex >= voterLastIndex)
    }

    /// Leader stickiness (thesis §4.2.3; etcd's `inLease`): a voter that knows a leader and heard
    /// from it less than the minimum election timeout ago (or is that leader) refuses to vote and
    /// keeps its term. `sinceContact` is nil when it never heard from one.
    public static func inLeaderLease(knowsLeader: Bool, isLeader: Bool, sinceContact: UInt64?,
                                     minimumElectionTimeout: UInt64) -> Bool {
        guard knowsLeader else { return false }
        if isLeader { return true }
        guard let since = sinceContact else { return false }
        return since < minimumElectionTimeout
    }

    /// Whether a server ignores a vote request of a higher term (neither adopts the term nor
    /// grants it): leader stickiness on and within its leader lease (`inLeaderLease`). A leader
    /// is always within its own, so without stickiness any message of a higher term deposes it
    /// (Raft §5.1), and with it a vote request does not. A `transferCampaign`'s request, sent on
    /// a leader's TimeoutNow (thesis §3.10), is never ignored: the leader asked for it (etcd's
    /// `campaignTransfer` forces the vote); such a campaign skips pre-vote too.
    public static func ignoresVoteRequest(_ f: RaftFeatures, transferCampaign: Bool, knowsLeader: Bool, isLeader: Bool,
                                          sinceContact: UInt64?, minimumElectionTimeout: UInt64) -> Bool {
        !transferCampaign && f.leaderStickiness
            && inLeaderLease(knowsLeader: knowsLeader, isLeader: isLeader, sinceContact: sinceContact,
                             minimumElectionTimeout: minimumElectionTimeout)
    }

    /// Reads are served on the leader's lease (etcd's `ReadOnlyLeaseBased`) only when asked for
    /// and check-quorum is on, which the lease relies on (etcd requires it); otherwise by ReadIndex.
    public static func servesLeaseReads(_ f: RaftFeatures) -> Bool { f.leaseReads && f.checkQuorum }

    /// Whether a server whose log ends at `lastIndex` has caught up with a leader whose log ends
    /// at `leaderLastIndex`: it holds at least 90% of it (etcd's `isLearnerReady`, below which
    /// `member promote` is refused). A learner is promoted only then, and a voter added short
    /// of it cannot answer appends for the commit index until it gets there.
    public static func hasCaughtUp(lastIndex: UInt64, leaderLastIndex: UInt64) -> Bool {
        lastIndex >= leaderLastIndex - leaderLastIndex / 10
    }
}
