import TraceFormat

/// An advice item checked by replay: the recorded run was simulated again with the advised
/// feature on, and the same stretch of time compared. Predicted figures come from the advice;
/// observed ones from the two analyses.
public struct AdviceVerification: Codable, Sendable, Equatable {
    public var advice: Int
    public var feature: Advice.Feature
    /// Whether the replay could be made (nil reason) or why not.
    public var unverifiable: String?
    /// True for advice about a window (check-quorum), false for advice about a disruption.
    public var aboutWindow: Bool
    public var predictedPrevents: Bool
    public var predictedUnavailabilityAvoided: UInt64
    public var predictedTermsAvoided: UInt64
    /// The stretch compared: around the disruption or the window the advice is about.
    public var window: Window
    public var disruptionsBefore: Int
    public var disruptionsAfter: Int
    /// Time without a leader plus stalls within the window, recorded run and replay.
    public var unavailableBefore: UInt64
    public var unavailableAfter: UInt64
    public var highestTermBefore: UInt64
    public var highestTermAfter: UInt64
    /// Stale reads (safety violations) within the window, recorded run and replay.
    public var staleReadsBefore: Int = 0
    public var staleReadsAfter: Int = 0
    /// For pre-vote advice about a term-inflation episode: the terms the candidate's
    /// term-inflation episodes raised it by within the window, recorded run and replay.
    public var termsRaisedBefore: UInt64? = nil
    public var termsRaisedAfter: UInt64? = nil
    /// The replay agrees with the prediction. For advice about a disruption: if prevention was
    /// predicted, the replay has fewer disruptions in the window and no more unavailability; if
    /// not, the replay is still disrupted. For advice about a window: the replay's unavailability
    /// in it is lower (or, if no help was predicted, at least 90% of the recorded one).
    public var confirmed: Bool

    /// The window the advice is about, padded by two maximum election timeouts each side. For a
    /// disruption: its time without a leader and its step-down; a time without a leader that
    /// lasted to the end of the trace counts up to one padding past the later of its start and the
    /// step-down (running on to the end, the window counted disruptions the replay met for other
    /// faults long after).
    public static func window(for a: Advice, in r: AnalysisReport) -> Window {
        let pad = 2 * r.trace.timing.electionTimeoutMax
        let span: Window = if let w = a.window { w } else if let d = r.disruptions.first(where: { a.disruptions.contains($0.id) }) {
            Window(start: d.leaderlessStart,
                   end: max(d.time, d.leaderlessFor.map { d.leaderlessStart + $0 } ?? max(d.time, d.leaderlessStart).addingSaturating(pad)))
        } else { Window(start: r.trace.start, end: r.trace.end) }
        return Window(start: span.start > pad ? span.start - pad : 0, end: min(r.trace.end, span.end.addingSaturating(pad)))
    }

    static func unavailable(_ r: AnalysisReport, in w: Window) -> UInt64 {
        (r.availability.leaderless + r.availability.stalls).reduce(0) { sum, x in
            let lo = max(x.start, w.start), hi = min(x.end, w.end)
            return sum + (hi > lo ? hi - lo : 0)
        }
    }

    private init(index: Int, advice a: Advice, original: AnalysisReport) {
        advice = index
        feature = a.feature
        unverifiable = nil
        aboutWindow = a.disruptions.isEmpty
        predictedPrevents = a.prevents
        predictedUnavailabilityAvoided = a.unavailabilityAvoided
        predictedTermsAvoided = a.termsAvoided
        window = Self.window(for: a, in: original)
        disruptionsBefore = original.disruptions.filter { [window] in $0.time >= window.start && $0.time <= window.end }.count
        disruptionsAfter = 0
        unavailableBefore = Self.unavailable(original, in: window)
        unavailableAfter = 0
        highestTermBefore = original.elections.highestTerm
        highestTermAfter = 0
        staleReadsBefore = Self.staleReads(original, in: window)
        if a.isAboutTermInflation, let c = a.candidate { termsRaisedBefore = Self.termsRaised(original, by: c, in: window) }
        confirmed = false
    }

    /// How far `node`'s term-inflation episodes that overlap `w` raised its term.
    static func termsRaised(_ r: AnalysisReport, by node: UInt32, in w: Window) -> UInt64 {
        r.termInflation.filter { $0.node == node && $0.start <= w.end && $0.end >= w.start }
            .reduce(0) { $0.addingSaturating($1.toTerm > $1.fromTerm ? $1.toTerm - $1.fromTerm : 0) }
    }

    static func staleReads(_ r: AnalysisReport, in w: Window) -> Int {
        r.safety.violations.filter { $0.rule == .staleRead && $0.time >= w.start && $0.time <= w.end }.count
    }

    public init(index: Int, advice a: Advice, original: AnalysisReport, replay: AnalysisReport) {
        self.init(index: index, advice: a, original: original)
        disruptionsAfter = replay.disruptions.filter { [window] in $0.time >= window.start && $0.time <= window.end }.count
        unavailableAfter = Self.unavailable(replay, in: window)
        highestTermAfter = replay.elections.highestTerm
        staleReadsAfter = Self.staleReads(replay, in: window)
        if a.isAboutTermInflation, let c = a.candidate, let before = termsRaisedBefore {
            // Judged by the candidate's term: at least half the campaigns pre-vote was predicted to
            // stop no longer raise it (or, if none was, it still rises).
            let after = Self.termsRaised(replay, by: c, in: window)
            termsRaisedAfter = after
            confirmed = a.prevents ? after.addingSaturating(a.termsAvoided / 2) <= before && after < before : after > 0
        } else if a.feature == .readIndex {
            // Judged by the stale reads alone: ReadIndex keeps reads linearizable.
            confirmed = staleReadsBefore > 0 && staleReadsAfter == 0
        } else if a.feature == .leadershipTransfer {
            // Advice for planned restarts and removals: the replay hands over before the leader
            // goes, so it is judged by the time without a leader it saves (at least half the
            // predicted), and for a removal by the disruption it is about: the leader no longer
            // steps down on its own removal. (Not by every disruption in the stretch: the
            // schedule's later faults still come, such as a crash of that node while it hands
            // over, which the recorded run met after it had stepped down.)
            let removalRecurs = replay.disruptions.contains { [window] d in
                d.time >= window.start && d.time <= window.end && d.leader == a.leader && d.ownRemovalProposal != nil
            }
            confirmed = unavailableAfter + predictedUnavailabilityAvoided / 2 <= unavailableBefore
                && (!a.prevents || !removalRecurs)
        } else if aboutWindow {
            // Advice about a window (check-quorum, learners): judged by the unavailability in it; the step-down
            // check-quorum causes is itself recorded as a disruption, so counts do not decide.
            confirmed = a.prevents ? unavailableAfter < unavailableBefore
                : unavailableAfter * 10 >= unavailableBefore * 9
        } else {
            confirmed = a.prevents ? disruptionsAfter < disruptionsBefore && unavailableAfter <= unavailableBefore
                : disruptionsAfter >= 1
        }
    }

    public init(index: Int, advice a: Advice, original: AnalysisReport, unverifiable reason: String) {
        self.init(index: index, advice: a, original: original)
        unverifiable = reason
    }

    /// The configuration change that turns the advised feature on, or nil if the simulator
    /// cannot run it. Leadership transfer is advice for planned restarts and removals: each
    /// crash of a leader that the report advises it for, scheduled at a fixed time, becomes a
    /// stop of that node as etcd stops a member (leadership handed over first, the node down once
    /// it follows the new leader, a minimum election timeout later at most); each removal of a
    /// leader, the same stop followed by the removal, which the new leader then makes.
    public static func enabling(_ f: Advice.Feature, in c: RunConfiguration, report: AnalysisReport) -> RunConfiguration? {
        var c = c
        switch f {
        case .preVote: c.features.preVote = true
        case .checkQuorum:
            // As etcd's CheckQuorum, and the recorder's --check-quorum: leader stickiness comes with it.
            c.features.checkQuorum = true
            c.features.leaderStickiness = true
        case .leaderStickiness: c.features.leaderStickiness = true
        case .readIndex: c.features.leaseReads = false
        case .learners: c.features.learners = true
        case .leadershipTransfer:
            let ids = Set(report.advice.filter { $0.feature == .leadershipTransfer }.flatMap(\.disruptions))
            let crashes = report.disruptions.filter { ids.contains($0.id) && $0.cause == .crash }
            // A removal's disruption cites the proposal to remove the leader (first) and its step-down.
            // Each removal fault is proposed at its time, or retried every heartbeat until a leader
            // takes it: the one behind a proposal is the last before it at a whole number of heartbeats.
            var removedBy: [Int: UInt32] = [:]
            let hb = c.timing.heartbeatInterval
            for d in report.disruptions where hb > 0 && ids.contains(d.id) {
                guard let proposed = d.ownRemovalProposal?.time,
                      let k = c.faults.indices.last(where: { k in
                          guard case .removeMember = c.faults[k].action, c.faults[k].at <= proposed else { return false }
                          return (proposed - c.faults[k].at) % hb == 0
                      }) else { continue }
                removedBy[k] = d.leader
            }
            var planned = false
            c.faults = c.faults.enumerated().flatMap { k, fault -> [ScheduledFault] in
                if case .crash = fault.action, let d = crashes.first(where: { $0.time == fault.at }) {
                    planned = true
                    return [ScheduledFault(at: fault.at, .stop(.node(NodeID(d.leader))))]
                }
                if let leader = removedBy[k] {
                    planned = true
                    let node = NodeSelector.node(NodeID(leader))
                    return [ScheduledFault(at: fault.at, .stop(node)), ScheduledFault(at: fault.at, .removeMember(node))]
                }
                return [fault]
            }
            guard planned else { return nil }
        }
        return c
    }
}
