import TraceFormat

/// Follows every election attempt from its trigger through its pre-vote and vote rounds to its
/// outcome. Keeps counts for all attempts and details for the first `limit` (of those that
/// overlap `focus`, when a report focuses on a stretch of the run).
struct ElectionTracker {
    static let limit = 2_000
    private static let alreadyVoted = VoteRejectReason.alreadyVoted.description
    private static let undecidedLimit = 4_096
    var focus: ClosedRange<UInt64> = 0...UInt64.max
    private var open: [UInt32: ElectionAttempt] = [:]
    private(set) var list: [ElectionAttempt] = []
    private(set) var byOutcome: [ElectionAttempt.Outcome: Int] = [:]
    private(set) var attempts = 0
    private(set) var candidacies = 0
    private(set) var truncated = false
    /// Failed pre-vote rounds that reached fewer than a majority (the candidate counting itself),
    /// as the voters' grants and refusals show: cut off, or its voters down, rather than refused.
    /// (A refusal for leader stickiness is not sent, but it shows the request arrived.)
    private(set) var preVoteUnanswered = 0
    private var nextID = 1
    /// Lost attempts whose votes may have been split: enough refused to deny it, but enough of the
    /// refusals were votes given to another candidate of the term (the voter itself, mostly) that
    /// they would have made a majority. A split vote if nobody wins that term, which is known when
    /// the next leader is elected: one of a later term means a majority has moved past it, so
    /// nobody can win it any more. Each with its place in `list`, if listed. Holds the attempts
    /// since the last election won: it grows with a leaderless stretch, not with the trace.
    private var undecided: [Undecided] = []
    /// The term of the last leader elected.
    private var lastLeaderTerm: UInt64 = 0
    /// Each node's latest candidacy: its term, when, and the event.
    private var candidacy: [UInt32: (term: UInt64, time: UInt64, ref: EventRef)] = [:]
    /// The timing of each open attempt's vote round.
    private var rounds: [UInt32: VoteRoundTiming] = [:]
    private var voteTiming = VoteTimingAggregate()

    private struct Undecided {
        var term: UInt64
        var listed: Int?
    }

    /// `quorum`: for a lost attempt, the majority it needed, by its own configuration.
    private mutating func finish(_ node: UInt32, _ outcome: ElectionAttempt.Outcome, at t: UInt64, _ ref: EventRef?,
                                 quorum: Int? = nil) {
        let timing = rounds.removeValue(forKey: node) ?? VoteRoundTiming()
        guard var a = open.removeValue(forKey: node) else { return }
        a.outcome = outcome
        a.end = t
        a.termsCost = a.term > a.fromTerm ? a.term - a.fromTerm : 0
        if let ref { a.evidence.append(ref) }
        attempts += 1
        byOutcome[outcome, default: 0] += 1
        let granted = a.votes.count { $0.granted }
        let givenElsewhere = a.votes.count { $0.reason == Self.alreadyVoted }
        let split = outcome == .lost && a.term > lastLeaderTerm && quorum.map { 1 + granted + givenElsewhere >= $0 } == true
        var listed: Int?
        if focus.overlaps(from: a.start, to: t) {
            if list.count < Self.limit { listed = list.count; list.append(a) } else { truncated = true }
        }
        voteTiming.add(timing, term: a.term)
        // A run that elects nobody for a long time keeps the latest; older ones stay lost.
        if split { undecided.append(Undecided(term: a.term, listed: listed)) }
        if undecided.count > Self.undecidedLimit { undecided.removeFirst() }
    }

    /// A leader of `term` was elected (nil: the trace ended): the undecided attempts of earlier
    /// terms were split votes, those of this term lost to it.
    private mutating func decide(leaderOf term: UInt64?) {
        if let term { lastLeaderTerm = max(lastLeaderTerm, term) }
        var kept: [Undecided] = []
        for u in undecided {
            if let term, u.term >= term {
                if u.term > term { kept.append(u) }
                continue
            }
            byOutcome[.lost, default: 0] -= 1
            byOutcome[.splitVote, default: 0] += 1
            if let i = u.listed { list[i].outcome = .splitVote }
        }
        undecided = kept
    }

    /// The majority the candidate needed: its own configuration's (a removed server that has not
    /// applied its removal still counts itself and the others, and can win).
    private static func quorum(for candidate: UInt32, _ view: ClusterView) -> Int {
        view.quorum(of: NodeID(rawValue: candidate))
    }

    /// Ends `node`'s pre-vote round, `a`, as failed.
    private mutating func preVoteFailed(_ node: UInt32, _ a: ElectionAttempt, at t: UInt64, _ ref: EventRef, quorum: Int) {
        if 1 + (a.preVote?.count ?? 0) < quorum { preVoteUnanswered += 1 }
        finish(node, .preVoteFailed, at: t, ref)
    }

    mutating func observe(_ e: TraceEvent, ordinal: UInt64, view: ClusterView) {
        guard let node = e.node?.rawValue else { return }
        // Built only for the events an attempt keeps: formatting every event would dominate.
        var ref: EventRef { EventRef(e, ordinal: ordinal) }
        switch e.kind {
        case .electionTimerFired(let term):
            if let a = open[node] {
                // Timed out again before winning: lost if the refusals left too few voters for a
                // majority (`finish` then tells a split vote from refusals that were votes given to
                // other candidates; voters that refuse for leader stickiness send no answer, so the
                // candidate waits out its timer), a split vote if a majority answered, else no quorum.
                let quorum = Self.quorum(for: node, view)
                if a.preVote != nil && a.term == a.fromTerm {
                    preVoteFailed(node, a, at: e.time, ref, quorum: quorum)
                } else {
                    let round = a.term == a.fromTerm ? [] : a.votes  // no round at all if it never campaigned
                    let refused = round.count { !$0.granted }
                    let lost = RaftRules.voteIsLost(refusals: refused, voters: view.voterCount(of: NodeID(rawValue: node)))
                    let outcome: ElectionAttempt.Outcome = lost ? .lost : 1 + round.count >= quorum ? .splitVote : .noQuorum
                    finish(node, outcome, at: e.time, ref, quorum: quorum)
                }
            }
            open[node] = ElectionAttempt(id: nextID, node: node, trigger: "electionTimeout", start: e.time, end: e.time,
                                         fromTerm: term, term: term, preVote: nil, votes: [], outcome: .open,
                                         termsCost: 0, evidence: [ref])
            nextID += 1
        case .becamePreCandidate:
            open[node]?.preVote = []
            open[node]?.evidence.append(ref)
        case .becameCandidate(let term):
            if open[node] == nil {
                // No timer fired: a leader's TimeoutNow, when one hands leadership over to it.
                let transfer = view.transferCampaign(of: NodeID(rawValue: node), at: e.time)
                open[node] = ElectionAttempt(id: nextID, node: node, trigger: transfer == nil ? "campaign" : "transfer",
                                             start: e.time, end: e.time, fromTerm: term > 0 ? term - 1 : 0, term: term,
                                             preVote: nil, votes: [], outcome: .open, termsCost: 0,
                                             evidence: (transfer?.started).map { [$0] } ?? [])
                nextID += 1
            }
            open[node]?.term = term
            open[node]?.evidence.append(ref)
            candidacies += 1
            candidacy[node] = (term, e.time, ref)
            rounds[node] = VoteRoundTiming()
        case .becameLeader(let term):
            finish(node, .won, at: e.time, ref)
            decide(leaderOf: term)
        case .becameFollower(let term, let leader):
            guard let a = open[node] else { return }
            if term > a.term { finish(node, .superseded, at: e.time, ref) }
            else if leader != nil { finish(node, .superseded, at: e.time, ref) }
            else if a.term == a.fromTerm { preVoteFailed(node, a, at: e.time, ref, quorum: Self.quorum(for: node, view)) }
            else { finish(node, .lost, at: e.time, ref, quorum: Self.quorum(for: node, view)) }
        case .nodeCrashed:
            finish(node, .abandoned, at: e.time, ref)
        case .voteGranted(let c, let term, let pre), .voteRejected(let c, let term, let pre, _):
            guard var a = open[c.rawValue] else { return }
            var reason: String?
            if case .voteRejected(_, _, _, let r) = e.kind { reason = "\(r)" }
            let record = VoteRecord(voter: node, granted: reason == nil, reason: reason)
            // (The pre-vote is for the term after `fromTerm`, which a crafted trace may give as the last.)
            if pre, a.preVote != nil, term > 0, term - 1 == a.fromTerm { a.preVote!.append(record) }
            else if !pre, term == a.term {
                a.votes.append(record)
                if let started = candidacy[c.rawValue], started.term == term {
                    // The voter answers as the request arrives. It refused for a vote already given
                    // to itself if it had become a candidate of the term too: their timers raced if
                    // its candidacy began while this request was on its way, or so shortly before
                    // the candidate's that its own request cannot have arrived (taking as long).
                    let delay = e.time &- started.time
                    var racing: EventRef?
                    if reason == Self.alreadyVoted, let v = candidacy[node], v.term == term,
                       v.time >= started.time || started.time - v.time < delay {
                        racing = v.ref
                    }
                    rounds[c.rawValue, default: VoteRoundTiming()].record(
                        answeredAfter: delay, candidacy: started.ref, race: racing, answer: ref)
                }
            }
            else { return }
            if a.evidence.count < 24 { a.evidence.append(ref) }
            open[c.rawValue] = a
        default:
            break
        }
    }

    mutating func summary(duration: UInt64, highestTerm: UInt64, end: UInt64, timing: RaftTiming) -> ElectionSummary {
        decide(leaderOf: nil)  // nobody won the terms still undecided at the end
        var all = list
        for (_, a) in open.sorted(by: { $0.key < $1.key }) {
            var a = a
            a.end = end
            a.termsCost = a.term > a.fromTerm ? a.term - a.fromTerm : 0
            if all.count < Self.limit, focus.overlaps(from: a.start, to: end) { all.append(a) }
        }
        let minutes = max(Double(duration) / 60e9, 1e-9)
        var counts: [String: Int] = [:]
        for o in ElectionAttempt.Outcome.allCases where o != .open { counts[o.rawValue] = byOutcome[o, default: 0] }
        counts[ElectionAttempt.Outcome.open.rawValue] = open.count
        return ElectionSummary(attempts: attempts + open.count, candidacies: candidacies, byOutcome: counts,
                               ratePerMinute: Double(candidacies) / minutes, highestTerm: highestTerm,
                               list: all.sorted { $0.start < $1.start }, truncated: truncated,
                               voteTiming: voteTiming.summary(splitVotes: counts[ElectionAttempt.Outcome.splitVote.rawValue, default: 0],
                                                              timeoutWidth: timing.electionTimeoutSpread))
    }
}

/// One vote round's timing: when each voter answered (its request arrived), and whether a voter
/// refused for having become a candidate of the same term itself before the request reached it.
struct VoteRoundTiming {
    var delays: [UInt64] = []
    var raced = false
    /// The candidate's candidacy, then each racing voter's candidacy and refusal.
    var evidence: [EventRef] = []

    mutating func record(answeredAfter delay: UInt64, candidacy: EventRef, race: EventRef?, answer: @autoclosure () -> EventRef) {
        delays.append(delay)
        guard let race else { return }
        if evidence.isEmpty { evidence.append(candidacy) }
        raced = true
        evidence += [race, answer()]
    }
}

/// The vote rounds' timing over the run: request delays in a histogram, and the rounds and terms
/// raced. A term counts once however many rounds it had: every candidate after the first in a term
/// raced by definition (had it heard the first's request, it would have voted, not campaigned).
struct VoteTimingAggregate {
    private var rounds = 0, racedRounds = 0, terms = 0, racedTerms = 0
    /// The latest terms with a vote round, and whether one of their rounds raced: rounds of a term
    /// end close together, so a few dozen suffice.
    private var recent: [UInt64: Bool] = [:]
    private var delays = LatencyHistogram(coarse: true)
    private var evidence: [EventRef] = []

    mutating func add(_ t: VoteRoundTiming, term: UInt64) {
        guard !t.delays.isEmpty else { return }
        rounds += 1
        for d in t.delays { delays.record(d) }
        if recent[term] == nil {
            terms += 1
            recent[term] = false
            if recent.count > 64, let oldest = recent.keys.min() { recent[oldest] = nil }
        }
        guard t.raced else { return }
        racedRounds += 1
        if recent[term] == false { racedTerms += 1; recent[term] = true }
        if evidence.isEmpty { evidence = t.evidence.sorted { $0.ordinal < $1.ordinal } }
    }

    /// Timing is what split the votes when the run had split votes, candidates raced in at least
    /// half the terms with a vote round, and vote requests took more than a tenth of the election
    /// timeout's random range to arrive (the median): Raft §5.6 wants the broadcast time an order
    /// of magnitude below the election timeout, and §5.2 the range to separate candidates.
    func summary(splitVotes: Int, timeoutWidth: UInt64) -> VoteTiming? {
        guard rounds > 0 else { return nil }
        let p = delays.percentiles
        return VoteTiming(rounds: rounds, racedRounds: racedRounds, terms: terms, racedTerms: racedTerms, requestDelay: p,
                          timersTooClose: splitVotes > 0 && 2 * racedTerms >= terms && 10 * p.p50 > timeoutWidth,
                          evidence: evidence)
    }
}
