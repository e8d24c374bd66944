import TraceFormat

/// Everything the analyses found in one trace, as plain data. Renderers (text, JSON, HTML) format
/// it and derive nothing; the JSON report is this type encoded (schema in docs/analysis.md).
/// Times are nanoseconds since the run's start.
public struct AnalysisReport: Codable, Sendable {
    public static let schemaVersion = 1
    public var schemaVersion = AnalysisReport.schemaVersion
    public var trace: TraceSummary
    public var timeline: Timeline
    public var elections: ElectionSummary
    public var availability: Availability
    /// The first `AdviceCollector.disruptionLimit` disruptions (by id); `disruptionTotals` counts all.
    public var disruptions: [Disruption]
    public var disruptionTotals: DisruptionTotals
    /// The first 1,000 term-inflation episodes; `termInflationCount` counts all.
    public var termInflation: [TermInflation]
    public var termInflationCount: Int
    public var safety: SafetyReport
    /// The advice about the listed disruptions and the first `AdviceCollector.windowLimit`
    /// windows; `adviceSummary` sums every item, listed or not.
    public var advice: [Advice]
    public var adviceSummary: [AdviceSummary]
    public var featureEffects: [FeatureEffect]
    /// Filled only when verification was asked for (`--verify-advice`).
    public var verification: [AdviceVerification]?
    /// Log compaction; absent from reports written before it was analysed.
    public var snapshots: SnapshotSummary?
    /// Messages per directed link; absent from reports written before it was analysed.
    public var network: NetworkReport?
}

/// What the network did with the messages: in all, and per directed link.
public struct NetworkReport: Codable, Sendable, Equatable {
    /// Messages sent between the nodes the metadata lists.
    public var sent: UInt64
    /// Deliveries that ended a message's flight (a duplicate's second copy is not counted).
    public var delivered: UInt64
    /// Messages dropped, by reason (`partition`, `loss`, `receiverDown`).
    public var dropped: [String: UInt64]
    /// Mean time from `messageSent` to its first `messageDelivered`, over the deliveries not held
    /// by a paused receiver.
    public var meanLatency: UInt64
    /// Every link that carried a message, the most messages dropped first (then the largest share).
    public var links: [LinkStats]
    /// Links whose deliveries took at least `NetworkReport.slowFactor` times the mean of all, the
    /// busiest first (a link that carried a vote or two says little), at most 10.
    public var slowLinks: [LinkStats]
    /// Deliveries held back by a paused receiver (made at the instant it resumed), in all; they
    /// count as delivered but not in any latency.
    public var heldByPause: UInt64 = 0
    /// Messages took so long that a round trip (twice the mean latency) was at least the longest
    /// election timeout: candidates' timers fire before their votes can come back (Raft §5.6 wants
    /// the broadcast time well below the election timeout).
    public var roundTripExceedsTimeout = false
    public static let slowFactor = 1.5

    public var droppedTotal: UInt64 { dropped.values.reduce(0, +) }
    /// Dropped / sent.
    public var droppedShare: Double { sent == 0 ? 0 : Double(droppedTotal) / Double(sent) }
    /// The links that dropped messages, the most first (the head of `links`).
    public var lossyLinks: ArraySlice<LinkStats> { links.prefix { $0.droppedTotal > 0 } }
}

public struct LinkStats: Codable, Sendable, Equatable {
    public var from: UInt32
    public var to: UInt32
    public var sent: UInt64
    public var delivered: UInt64
    public var dropped: [String: UInt64]
    /// Over the deliveries not held by a paused receiver.
    public var meanLatency: UInt64
    public var maxLatency: UInt64
    /// Deliveries held back by the receiver's pause (made at the instant it resumed).
    public var heldByPause: UInt64 = 0
    /// The deliveries the latencies are over: those not held by a pause.
    public var timedDeliveries: UInt64 { delivered - heldByPause }

    public var droppedTotal: UInt64 { dropped.values.reduce(0, +) }
    /// Dropped / sent.
    public var droppedShare: Double { sent == 0 ? 0 : Double(droppedTotal) / Double(sent) }
}

/// Log compaction seen in the trace (Raft §7): snapshots taken, sent by leaders to followers
/// that needed entries already compacted, and installed.
public struct SnapshotSummary: Codable, Sendable, Equatable {
    /// The run's compaction settings (nil: the log was never compacted).
    public var policy: SnapshotPolicy?
    public var taken: Int
    public var sent: Int
    /// Snapshots nodes installed from a leader; the first 100 are listed in `installs`.
    public var installCount: Int
    public var installs: [SnapshotInstall]
    /// Restarts that loaded the node's own snapshot.
    public var restored: Int

    /// The trace shows no compaction at all: nothing taken, sent, installed or restored.
    public var isEmpty: Bool { taken + sent + installCount + restored == 0 }
}

/// A node that installed a leader's snapshot instead of receiving the entries one by one.
public struct SnapshotInstall: Codable, Sendable, Equatable {
    public var node: UInt32
    public var time: UInt64
    /// The snapshot ends at `index`, in `term`.
    public var index: UInt64
    public var term: UInt64
    /// The node's last log index just before: its log was this far behind the snapshot's end.
    public var lastIndexBefore: UInt64
    /// The leader's `snapshotSent` (when in the trace) and the `snapshotInstalled`.
    public var evidence: [EventRef]
}

/// A reference to one event of the trace: `ordinal` is its position in the trace (0-based), so
/// every claim can be checked against the events. `fields` holds the event's own values.
///
/// Made from a trace, it keeps the event itself (plain bytes) and spells out `event` and
/// `fields` only when a report reads them: the analyses keep many references, and a dictionary
/// of strings for each made them the largest part of the analyzer's memory on churning traces.
public struct EventRef: Codable, Sendable, Equatable {
    public var ordinal: UInt64
    private var source: Source

    private enum Source: Sendable {
        case event(TraceEvent)
        case spelled(time: UInt64, node: UInt32?, event: String, fields: [String: String])
    }

    public init(ordinal: UInt64, time: UInt64, node: UInt32?, event: String, fields: [String: String]) {
        self.ordinal = ordinal
        source = .spelled(time: time, node: node, event: event, fields: fields)
    }

    init(_ e: TraceEvent, ordinal: UInt64) {
        self.ordinal = ordinal
        source = .event(e)
    }

    public var time: UInt64 {
        switch source {
        case .event(let e): e.time
        case .spelled(let time, _, _, _): time
        }
    }

    public var node: UInt32? {
        switch source {
        case .event(let e): e.node?.rawValue
        case .spelled(_, let node, _, _): node
        }
    }

    public var event: String {
        switch source {
        case .event(let e): e.kind.tag.description
        case .spelled(_, _, let event, _): event
        }
    }

    public var fields: [String: String] {
        get {
            switch source {
            case .event(let e): Self.fields(of: e.kind)
            case .spelled(_, _, _, let fields): fields
            }
        }
        set { source = .spelled(time: time, node: node, event: event, fields: newValue) }
    }

    private enum CodingKeys: String, CodingKey { case ordinal, time, node, event, fields }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(ordinal: try c.decode(UInt64.self, forKey: .ordinal), time: try c.decode(UInt64.self, forKey: .time),
                  node: try c.decodeIfPresent(UInt32.self, forKey: .node), event: try c.decode(String.self, forKey: .event),
                  fields: try c.decode([String: String].self, forKey: .fields))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ordinal, forKey: .ordinal)
        try c.encode(time, forKey: .time)
        try c.encodeIfPresent(node, forKey: .node)
        try c.encode(event, forKey: .event)
        try c.encode(fields, forKey: .fields)
    }

    public static func == (a: EventRef, b: EventRef) -> Bool {
        a.ordinal == b.ordinal && a.time == b.time && a.node == b.node && a.event == b.event && a.fields == b.fields
    }
}

public struct TraceSummary: Codable, Sendable {
    public var path: String
    public var scenario: String
    public var summary: String
    public var seed: UInt64
    public var nodes: [String]
    public var features: RaftFeatures
    public var timing: RaftTiming
    /// The network the run was recorded on (latency, loss, link settings).
    public var network: NetworkModel?
    public var start: UInt64
    public var end: UInt64
    /// Events analysed (those of skipped frames are not).
    public var events: UInt64
    public var integrity: String
    /// The stretches of trace time held by frames skipped as corrupt (`--skip-corrupt`): their
    /// events were not analysed.
    public var unread: [Window] = []
    /// The stretch the report focuses on (`TraceAnalysis.Options.focus`): the timeline covers it
    /// and the lists hold what overlaps it; counts, totals and figures are the whole run's.
    public var focus: Window? = nil
}

public enum RoleName: String, Codable, Sendable, CaseIterable {
    case follower, preCandidate, candidate, leader, down
}

public struct RoleInterval: Codable, Sendable, Equatable {
    public var start: UInt64
    public var end: UInt64
    public var role: RoleName
    public var term: UInt64
}

/// The role a node spent most of one column of time in, for zoomed-out drawing.
public struct RoleColumn: Codable, Sendable, Equatable {
    public var role: RoleName
    public var changes: Int
    public var maxTerm: UInt64
}

public struct NodeTimeline: Codable, Sendable {
    public var node: UInt32
    /// Exact intervals, up to `Timeline.intervalLimit(nodes:)`; `truncated` when more existed.
    public var intervals: [RoleInterval]
    public var truncated: Bool
    /// Always complete: one entry per column of `Timeline.columnWidth` nanoseconds.
    public var columns: [RoleColumn]
}

public struct TermLeader: Codable, Sendable, Equatable {
    public var term: UInt64
    public var leader: UInt32
    public var start: UInt64
    public var end: UInt64
}

public struct FaultInterval: Codable, Sendable, Equatable {
    /// `removed`: the node is out of the voters (from the first application of its removal to
    /// that of its addition back); `learner`: it was added back as a learner (until it is
    /// promoted or removed).
    public enum Kind: String, Codable, Sendable { case partition, crash, pause, drift, degraded, removed, learner }
    public var kind: Kind
    public var start: UInt64
    public var end: UInt64
    /// Nodes the fault touches (for a partition, the ends of the cut links).
    public var nodes: [UInt32]
    /// For partitions: the cut one-way links as [from, to] pairs.
    public var links: [[UInt32]]
    public var evidence: [EventRef]
}

/// A message drawn as an arrow when the timeline is zoomed in (kept only near disruptions, or in a
/// focused report's stretch).
public struct MessageArrow: Codable, Sendable, Equatable {
    public var id: UInt64
    public var from: UInt32
    public var to: UInt32
    public var type: String
    public var term: UInt64
    public var sent: UInt64
    public var received: UInt64?
    public var dropped: String?
}

public struct Timeline: Codable, Sendable {
    public static let columnCount = 1_200
    /// Exact role intervals kept over all nodes, each node an equal share: 4,000 a node in a
    /// 5-node cluster, fewer in a larger one, so the report does not grow with the cluster either.
    public static let intervalBudget = 20_000
    /// Exact role intervals kept per node in a cluster of `nodes`.
    public static func intervalLimit(nodes: Int) -> Int { max(100, intervalBudget / max(nodes, 1)) }
    /// Term leaders and fault intervals kept.
    public static let listLimit = 4_000
    public var start: UInt64
    public var end: UInt64
    public var columnWidth: UInt64
    public var nodes: [NodeTimeline]
    public var leaders: [TermLeader]
    public var leadersTruncated: Bool
    public var faults: [FaultInterval]
    public var faultsTruncated: Bool
    public var labels: [EventRef]
    public var messages: [MessageArrow]
    /// Whether messages that would have been drawn were left out (`MessageSampler.limit` reached).
    public var messagesTruncated: Bool
}

public struct VoteRecord: Codable, Sendable, Equatable {
    public var voter: UInt32
    public var granted: Bool
    public var reason: String?
}

public struct ElectionAttempt: Codable, Sendable, Equatable {
    public enum Outcome: String, Codable, Sendable, CaseIterable {
        /// won: became leader. splitVote: the votes of its term were split among candidates and
        /// nobody won it (heard from a majority, none granted enough, timed out; or refused by a
        /// majority that had voted for other candidates). noQuorum: timed out without hearing from
        /// a majority. superseded: a higher term or a leader appeared. preVoteFailed: the pre-vote
        /// round did not get a majority. lost: so many refused the vote that the rest could not
        /// make a majority (the candidate stepped back, or timed out when the refusals sent no
        /// answer) and the term had a winner or the refusals denied it anyway. abandoned: the
        /// candidate crashed. open: still running at the end.
        case won, splitVote, noQuorum, superseded, preVoteFailed, lost, abandoned, open
    }
    public var id: Int
    public var node: UInt32
    public var trigger: String
    public var start: UInt64
    public var end: UInt64
    public var fromTerm: UInt64
    /// The term campaigned for; equal to `fromTerm` when only a pre-vote round happened.
    public var term: UInt64
    public var preVote: [VoteRecord]?
    public var votes: [VoteRecord]
    public var outcome: Outcome
    /// Terms this attempt consumed (0 for a failed pre-vote round).
    public var termsCost: UInt64
    public var evidence: [EventRef]
}

public struct ElectionSummary: Codable, Sendable {
    public var attempts: Int
    /// Attempts that reached the candidate state (each spent a term).
    public var candidacies: Int
    public var byOutcome: [String: Int]
    /// Attempts that reached the candidate state (incremented a term), per minute of trace.
    public var ratePerMinute: Double
    public var highestTerm: UInt64
    public var list: [ElectionAttempt]
    public var truncated: Bool
    /// How long vote requests took, and how often voters' own timers beat them; nil when no
    /// vote request was answered.
    public var voteTiming: VoteTiming?

    public var splitVotes: Int { byOutcome[ElectionAttempt.Outcome.splitVote.rawValue, default: 0] }

    /// The vote timing the reports show: when there were split votes and candidates raced.
    public var splitVoteTiming: VoteTiming? {
        guard let v = voteTiming, splitVotes > 0, v.racedRounds > 0 else { return nil }
        return v
    }
}

/// The timing of the run's vote rounds (docs/analysis.md, Elections): what makes votes split.
public struct VoteTiming: Codable, Sendable, Equatable {
    /// Candidacies whose vote requests got at least one answer, and those in which a voter had
    /// become a candidate of the same term itself before the request reached it (so it had voted
    /// for itself, and refused with `alreadyVoted`).
    public var rounds: Int
    public var racedRounds: Int
    /// The terms those rounds were for, and those in which a round raced: every candidate after
    /// the first in a term raced, so a term with several candidates counts once.
    public var terms: Int
    public var racedTerms: Int
    /// From a candidacy to each voter's answer, that is, to its vote request's arrival.
    public var requestDelay: Percentiles
    /// The election timeout's random range spread candidates too little for this network: the
    /// run had split votes, candidates raced in at least half the terms with a vote round, and
    /// the median request took more than a tenth of the range's width to arrive.
    public var timersTooClose: Bool
    /// The first raced round: the candidacy, and each racing voter's candidacy and refusal.
    public var evidence: [EventRef]
}

public struct Window: Codable, Sendable, Equatable {
    public var start: UInt64
    public var end: UInt64
    public var duration: UInt64 { end - start }
}

/// A window without a leader (`leaderless`) or a stall (`stall`), among the longest of the trace.
public struct LongWindow: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case leaderless, stall }
    public var kind: Kind
    public var window: Window
}

public struct Percentiles: Codable, Sendable, Equatable {
    public var count: UInt64
    public var p50: UInt64
    public var p90: UInt64
    public var p99: UInt64
    public var max: UInt64
}

public struct ClientStats: Codable, Sendable {
    public var requests: UInt64
    public var succeeded: UInt64
    /// Requests the client gave up on (a `timeout` or `dropped` outcome).
    public var timedOut: UInt64
    /// Requests neither answered nor given up on when the trace ends: still waiting then, or
    /// answered inside a corrupt frame that was skipped.
    public var unanswered: UInt64
    public var redirects: UInt64
    public var successRate: Double
    public var latency: Percentiles
}

public struct Availability: Codable, Sendable {
    /// Windows with no leader acknowledged by a majority of the nodes: the first 5,000 of
    /// `leaderlessCount` (`windowsTruncated` when some are left out); total and longest of all.
    public var leaderless: [Window]
    public var leaderlessCount: Int
    public var leaderlessTotal: UInt64
    public var leaderlessLongest: UInt64
    /// Windows where an acknowledged leader existed but nothing committed while clients waited
    /// (the first 5,000 of `stallCount`).
    public var stalls: [Window]
    public var stallCount: Int
    public var stallTotal: UInt64
    public var stallLongest: UInt64
    public var windowsTruncated: Bool
    /// The 50 longest windows of either kind, listed or not, longest first (earliest first among
    /// equals).
    public var longestWindows: [LongWindow]
    /// Client writes.
    public var client: ClientStats
    /// Client reads (linearizable, served by the leader), when the run issued any.
    public var reads: ClientStats?
    public var commitLatency: Percentiles
    public var committedEntries: UInt64
    public var throughputPerSecond: Double
    public var messagesPerCommit: Double
}

public struct Disruption: Codable, Sendable, Equatable {
    public enum Cause: String, Codable, Sendable {
        case rejoin, partialConnectivity, flappingLink, degradedLink, lostQuorum, leaderPaused, crash, removedServer, electionTimeout
    }
    public var id: Int
    public var time: UInt64
    public var leader: UInt32
    public var term: UInt64
    public var newTerm: UInt64?
    public var cause: Cause
    /// The first node that campaigned past the leader's term, when a higher term is how
    /// leadership was lost.
    public var origin: UInt32?
    /// How many terms the origin's campaigns skipped past the leader's term.
    public var termInflation: UInt64?
    /// When a majority stopped following the leader, if that was before `time`: the leader held
    /// the role, unacknowledged, until it stepped down (for example while a node it could not
    /// hear raised the others' term). The event that did it is among the evidence.
    public var leaderlessFrom: UInt64? = nil
    /// From `leaderlessStart` to the next leader acknowledged by a majority (nil: none by the end).
    public var leaderlessFor: UInt64?
    public var evidence: [EventRef]
    /// When no leader was acknowledged by a majority before the trace ended (`leaderlessFor`
    /// nil): from `leaderlessStart` to the end of the trace, the least it was without a leader.
    public var leaderlessAtEnd: UInt64? = nil

    /// Where the disruption's time without a leader begins: `leaderlessFrom`, else `time`.
    public var leaderlessStart: UInt64 { leaderlessFrom ?? time }

    /// For a leader that stepped down because it was removed: its own proposal to remove itself,
    /// which the evidence cites first. Nil when another leader had proposed it (a removed server
    /// that had not learned of it and won an election since) or for any other cause.
    public var ownRemovalProposal: EventRef? {
        guard cause == .removedServer, origin == nil else { return nil }
        return evidence.first { $0.event == EventTag.membershipChangeProposed.description && $0.node == leader }
    }
}

extension AnalysisReport {
    /// Advice items evaluated over the whole trace, listed in `advice` or not.
    public var adviceEvaluated: Int { adviceSummary.reduce(0) { $0 + $1.evaluated } }
    /// No advice item, summary, effect of a feature that was on, or disruption left unadvised:
    /// the reports say there was nothing to advise.
    public var advisesNothing: Bool {
        advice.isEmpty && adviceSummary.isEmpty && featureEffects.isEmpty && disruptionTotals.unadvisedByCause.isEmpty
    }
}

/// Every disruption in the trace, listed or not.
public struct DisruptionTotals: Codable, Sendable, Equatable {
    public var count = 0
    /// By `Disruption.Cause` raw value.
    public var byCause: [String: Int] = [:]
    /// The sum of their `leaderlessFor`.
    public var leaderlessTotal: UInt64 = 0
    /// Those about which no feature was advised (by cause): no feature that was off applies to
    /// them (a leader check-quorum stepped down or that was itself removed, with no campaign
    /// behind it; a campaign with pre-vote and leader stickiness both on; a crash with no time
    /// without a leader).
    public var unadvisedByCause: [String: Int] = [:]
}

/// One feature's advice, summed over every item evaluated for it (listed in `advice` or not).
public struct AdviceSummary: Codable, Sendable, Equatable {
    public var feature: Advice.Feature
    /// Items evaluated: disruptions (pre-vote, stickiness, leadership transfer), windows
    /// (check-quorum) or runs of stale reads (ReadIndex).
    public var evaluated = 0
    /// Of those, the ones it would have prevented or shortened (`Advice.prevents`).
    public var helps = 0
    /// Sums of the items' figures. For leadership transfer (which prevents no crash), the time a
    /// planned restart would have saved, and that handing over before a removal would have.
    public var unavailabilityAvoided: UInt64 = 0
    public var termsAvoided: UInt64 = 0
    public var staleReads = 0
    /// True when one of the items' `unavailabilityAvoided` is a lower bound, and so the sum is
    /// (`Advice.unavailabilityAvoidedAtLeast`). Nil otherwise.
    public var unavailabilityAvoidedAtLeast: Bool? = nil
    /// Pre-vote: of `evaluated` (and of `helps`), the term-inflation episodes advised on (nil
    /// when there were none), and the campaigns (term increments) it would have stopped in them,
    /// which `termsAvoided` includes.
    public var episodes: Int? = nil
    public var episodeTermsAvoided: UInt64? = nil
    /// Leadership transfer: of `evaluated` (and all of `helps`), the leaders removed from the
    /// voters (nil when there were none), and the time without a leader handing over first would
    /// have saved them, which `unavailabilityAvoided` includes. The other items are crashes.
    public var removedLeaders: Int? = nil
    public var removedLeaderUnavailabilityAvoided: UInt64? = nil
}

public struct TermInflation: Codable, Sendable, Equatable {
    public var node: UInt32
    public var fromTerm: UInt64
    public var toTerm: UInt64
    public var start: UInt64
    public var end: UInt64
    public var evidence: [EventRef]
}

public struct SafetyViolation: Codable, Sendable, Equatable {
    public enum Rule: String, Codable, Sendable {
        case electionSafety, stateMachineSafety, commitMonotonic, leaderAppendOnly
        /// A read answered at an index below a write acknowledged before the read was issued
        /// (reads must be linearizable, thesis §6.4).
        case staleRead
    }
    public var rule: Rule
    public var time: UInt64
    public var nodes: [UInt32]
    public var detail: [String: String]
    public var evidence: [EventRef]
}

public struct SafetyReport: Codable, Sendable {
    /// The first 1,000 violations of each checker (safety rules, stale reads), by time.
    public var violations: [SafetyViolation]
    /// Every violation found, listed or not.
    public var violationCount: Int
    public var leadersChecked: Int
    public var appliedEntriesChecked: UInt64
    /// Reads answered ok whose index was checked against the writes acknowledged before them.
    public var readsChecked: UInt64 = 0
    /// Every stale read found, listed or not (counted in `violationCount` too).
    public var staleReadCount = 0
}

/// What one voter would have answered, evaluated on the recorded state at the moment of the
/// disruptive campaign.
public struct VoterAssessment: Codable, Sendable, Equatable {
    /// How the candidate's messages and the voter's answers could travel when it campaigned.
    public enum Connection: String, Codable, Sendable {
        /// Both directions open and the voter running.
        case open
        /// The voter was down.
        case down
        /// The voter was paused (stalled): it would answer only once it resumed.
        case paused
        /// The candidate's messages could not reach the voter (that direction cut, or both).
        case requestsCut
        /// The voter could hear the candidate, but its answers could not reach it (a one-way cut).
        case answersCut
    }

    public var voter: UInt32
    /// `connection == .open`: a pre-vote needs both the request and the answer to arrive.
    public var reachable: Bool
    public var connection: Connection
    public var lastIndex: UInt64
    public var lastTerm: UInt64
    /// Nanoseconds since this voter last heard from a leader; nil if never (0 for a leader).
    public var sinceLeaderContact: UInt64?
    public var logUpToDate: Bool
    public var grantsPreVote: Bool
    public var grantsWithStickiness: Bool
    /// True when the voter held the leader role itself (nil otherwise).
    public var isLeader: Bool? = nil
}

public struct Advice: Codable, Sendable, Equatable {
    public enum Feature: String, Codable, Sendable {
        /// `readIndex`: serving reads by ReadIndex instead of on the leader's lease. `learners`:
        /// adding servers as learners, promoted once caught up.
        case preVote, checkQuorum, leaderStickiness, leadershipTransfer, readIndex, learners
    }
    public var feature: Feature
    /// Disruption ids this advice addresses (empty for stall windows).
    public var disruptions: [Int]
    public var window: Window?
    /// For check-quorum advice: "stall" (an acknowledged leader, no commits), "deposedLeader" (a
    /// stall in which the clients waited on a deposed leader, which `leader` is; `newerLeader` and
    /// `newerTerm` name the acknowledged one) or "leaderless" (a leader the majority no longer
    /// followed), and that leader.
    public var windowKind: String?
    public var leader: UInt32?
    public var prevents: Bool
    /// The candidate whose campaign was evaluated, its log, and the quorum it needed.
    public var candidate: UInt32?
    public var candidateLastIndex: UInt64?
    public var candidateLastTerm: UInt64?
    public var quorum: Int?
    public var preVoteGrants: Int?
    public var voters: [VoterAssessment]
    public var unavailabilityAvoided: UInt64
    public var termsAvoided: UInt64
    /// True when `unavailabilityAvoided` is a lower bound: the disruption's time without a
    /// leader ran to the end of the trace (`Disruption.leaderlessAtEnd`). Nil otherwise.
    public var unavailabilityAvoidedAtLeast: Bool? = nil
    /// For ReadIndex advice: the stale reads `leader` served in `window`, and the leader of a
    /// newer term in place when the first was served.
    public var staleReads: Int? = nil
    public var newerLeader: UInt32? = nil
    public var newerTerm: UInt64? = nil
    /// For ReadIndex advice: a clock drift (parts per million) in force then that let the lease
    /// outlast the leadership, and whose it was: the serving leader's, running slow (its
    /// check-quorum timer ran late), or the newer leader's, running fast (it campaigned early).
    public var driftPPM: Int? = nil
    public var driftNode: UInt32? = nil
    /// For ReadIndex advice: when the serving leader had last heard from a majority of the voters
    /// (itself included) before its first stale read, where its lease runs from; when the newer
    /// leader was elected; when the serving leader stopped leading its term (absent if it led to
    /// the end of the trace); its pause in between, if any (its timers stopped with it); and how
    /// often check-quorum looks for a majority (the minimum election timeout).
    public var lastMajorityContact: UInt64? = nil
    public var newerLeaderSince: UInt64? = nil
    public var ledUntil: UInt64? = nil
    public var leaderPause: Window? = nil
    public var checkQuorumInterval: UInt64? = nil
    /// For pre-vote advice about a term-inflation episode (`windowKind` "termInflation"): the
    /// candidate's campaigns in it and the terms it went from and to; `termsAvoided` counts the
    /// campaigns whose pre-vote would have failed. If the episode lasted to the end of the trace
    /// with a leader of a lower term in place, `leader` is that leader and `leaderTerm` its term.
    public var campaigns: Int? = nil
    public var fromTerm: UInt64? = nil
    public var toTerm: UInt64? = nil
    public var leaderTerm: UInt64? = nil
    /// For learners advice: the server added as a voter (at the window's `leader`'s time), whether
    /// it was down, its log's last index and the leader's then, the running voters the leader
    /// reached besides it (itself included), and the majority before the addition (`quorum`:
    /// after it).
    public var member: UInt32? = nil
    public var memberDown: Bool? = nil
    public var memberLastIndex: UInt64? = nil
    public var leaderLastIndex: UInt64? = nil
    public var votersReached: Int? = nil
    public var quorumBefore: Int? = nil
    /// For leadership-transfer advice: the round trip a handover costs (twice the mean delivery
    /// latency so far); and, when the time without a leader lasted over two maximum election
    /// timeouts (elections went wrong after the first campaign), the wait before that first
    /// campaign, all a handover is credited with then (`unavailabilityAvoided`).
    public var roundTrip: UInt64? = nil
    public var campaignWait: UInt64? = nil
    /// For check-quorum advice: when a change within the window (cited last) left no node besides
    /// the leader reaching a majority, ending what a step-down could have saved, and what a
    /// step-down and an election take (two minimum election timeouts and a mean one).
    public var alternativeUntil: UInt64? = nil
    public var takeOverCost: UInt64? = nil
    public var reference: String
    public var evidence: [EventRef]

    /// The `windowKind` of pre-vote advice about a term-inflation episode.
    public static let termInflation = "termInflation"
    public var isAboutTermInflation: Bool { windowKind == Self.termInflation }
    /// The `windowKind` of leadership-transfer advice about a leader removed from the voters (that
    /// about a crashed leader has "leaderless").
    public static let removedLeader = "removedLeader"
    public var isAboutRemovedLeader: Bool { windowKind == Self.removedLeader }
}

/// A feature that was on, and what the trace shows it did.
public struct FeatureEffect: Codable, Sendable, Equatable {
    public var feature: Advice.Feature
    public var count: Int
    public var termsAvoided: UInt64
    public var rejectionsByReason: [String: Int]
    public var evidence: [EventRef]
    /// Pre-vote: of the `count` failed rounds, those that reached fewer than a majority, as the
    /// voters' grants and refusals show (nil for the other features, and in reports of older
    /// versions).
    public var unanswered: Int? = nil
    /// Learners: the time the `count` promoted servers spent as learners, in all.
    public var learnerTime: UInt64? = nil
}
