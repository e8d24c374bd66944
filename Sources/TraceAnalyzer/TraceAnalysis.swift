import TraceFormat

/// Runs every analysis in one streaming pass over a trace and returns the findings.
/// Memory grows with the number of nodes and with what is open at a time (messages in flight,
/// elections in progress), not with the length of the trace; every list in the report is capped.
public enum TraceAnalysis {
    public struct Options: Sendable, Equatable {
        public var skipCorruptFrames: Bool
        /// A stretch of the run to focus the report on: the timeline covers it (with every message
        /// sent in it, up to the arrow limit) and the lists hold what overlaps it, while the counts,
        /// totals and figures stay those of the whole run. Cut to the trace's time range.
        public var focus: ClosedRange<UInt64>?
        /// How many disruptions the report lists (all are counted and advised on).
        var disruptionLimit = AdviceCollector.disruptionLimit
        public init(skipCorruptFrames: Bool = false, focus: ClosedRange<UInt64>? = nil) {
            self.skipCorruptFrames = skipCorruptFrames
            self.focus = focus
        }
    }

    public static func analyze(_ file: TraceFile, options: Options = .init()) throws(TraceFormatError) -> AnalysisReport {
        var state: Any?
        return try analyze(file, options: options, stoppingIf: nil, leaving: &state)
    }

    /// As `analyze(_:options:)`, stopping at the first chunk of events after `stop` says so (the
    /// report then covers the events read so far), and leaving in `state` the pass's tables and the
    /// reader's buffers, for the caller to release when it suits it: `traceanalyze` never does,
    /// they go with the process (a dozen mappings returned to the system, 0.25-0.3 ms for a 1 min
    /// trace).
    package static func analyze(_ file: TraceFile, options: Options, stoppingIf stop: (() -> Bool)?,
                        leaving state: inout Any?) throws(TraceFormatError) -> AnalysisReport {
        // The iterator first: its threads start decoding while the pass sets up its tables.
        var events = file.events(skippingCorruptFrames: options.skipCorruptFrames).makeIterator()
        var pass = AnalysisPass(metadata: file.metadata, start: file.timeRange?.lowerBound ?? 0,
                                end: file.timeRange?.upperBound ?? 0, focus: options.focus,
                                disruptionLimit: options.disruptionLimit)
        while let chunk = events.nextChunk() {
            if let stop, stop() { break }
            // After a skipped frame, events keep their places in the file (evidence names them as
            // `info` and the raw events count), and the checks that relate an event to earlier ones
            // start afresh.
            if events.chunkFollowsGap { pass.eventsLost(resumingAt: chunk[chunk.startIndex].time) }
            pass.position(events.chunkOrdinal)
            chunk.withUnsafeBufferPointer { events in
                for e in events { pass.consume(e) }
            }
        }
        if let error = events.error { throw error }
        var report = pass.finish(path: file.path)
        report.trace.integrity = switch file.integrity {
        case .ok: events.skipped.isEmpty ? "ok" : "corrupt frames skipped: \(events.skipped.count)"
        case .recovered(let lost, _):
            "recovered (\(lost) bytes lost at the tail"
                + (events.skipped.isEmpty ? ")" : "; corrupt frames skipped: \(events.skipped.count))")
        }
        report.trace.unread = events.skipped.compactMap { e in e.frame.flatMap { i in file.frames.first { $0.index == i } } }
            .map { Window(start: $0.firstTime, end: $0.lastTime) }
        state = (events, pass)
        return report
    }

    /// Analyzes events that are not in a file (a simulation held in memory). `timeRange` sizes the
    /// timeline's columns; when nil the events are held until the end is known.
    public static func analyze(events: some Sequence<TraceEvent>, metadata: TraceMetadata, path: String = "",
                               timeRange: ClosedRange<UInt64>? = nil, focus: ClosedRange<UInt64>? = nil) -> AnalysisReport {
        guard let timeRange else {
            let all = Array(events)
            let first = all.first?.time ?? 0
            return analyze(events: all, metadata: metadata, path: path, timeRange: first...max(first, all.last?.time ?? 0),
                           focus: focus)
        }
        var pass = AnalysisPass(metadata: metadata, start: timeRange.lowerBound, end: timeRange.upperBound, focus: focus)
        for e in events { pass.consume(e) }
        return pass.finish(path: path)
    }
}

/// The state of every analysis during one pass over a trace. `consume` takes the events in order;
/// `finish` builds the report. One value, so the pass's hot loop touches no captured boxes.
struct AnalysisPass {
    let metadata: TraceMetadata
    let start: UInt64
    let end: UInt64
    /// The stretch the report focuses on, within `start...end`, if any.
    let focus: ClosedRange<UInt64>?
    private var view: ClusterView
    private var timeline: TimelineBuilder
    private var elections = ElectionTracker()
    private var availability: AvailabilityTracker
    private var detector: DisruptionDetector
    private var safety: SafetyChecker
    private var staleReads = StaleReadChecker()
    /// For each of `staleReads.violations`, when the serving node had last heard from a majority
    /// of the voters (its lease's start) and the delivery that completed that majority.
    private var staleReadContacts: [AdviceEngine.MajorityContact?] = []
    private var snapshots = SnapshotTracker()
    private var sampler: MessageSampler
    private var network: NetworkTracker
    private var advice: AdviceCollector
    private var ordinal: UInt64 = 0
    /// Events in skipped frames: `ordinal` counts them, the report's event count does not.
    private var lost: UInt64 = 0
    private var disruptionsSeen = 0
    /// Learners promoted to voters: how many, the time they spent as learners, and the additions
    /// and promotions (the first four).
    private var promotions = (count: 0, waited: UInt64(0), evidence: [EventRef]())
    private var lastTime: UInt64
    /// Whether the run's workload reads, so that the stale-read check follows client traffic
    /// (it costs the analysis of a write-only trace about a tenth more otherwise).
    private let checksReads: Bool

    init(metadata: TraceMetadata, start: UInt64, end: UInt64, focus: ClosedRange<UInt64>? = nil,
         disruptionLimit: Int = AdviceCollector.disruptionLimit) {
        let run = metadata.run
        let ids = metadata.nodes.map(\.id).sorted()
        self.metadata = metadata
        self.start = start
        let end = max(end, start)
        self.end = end
        let focus = focus.map { f in
            let lower = min(max(f.lowerBound, start), end)
            return lower...max(lower, min(f.upperBound, end))
        }
        self.focus = focus
        sampler = focus.map { MessageSampler(focus: $0) } ?? MessageSampler()
        if let focus { elections.focus = focus }
        checksReads = run.workload.readsPerSecond > 0
        // Who heard from whom last matters only to a lease: where a stale lease read's advice says
        // when the leader last heard from a majority.
        view = ClusterView(ids: ids, tracksHeard: checksReads && RaftRules.servesLeaseReads(run.features))
        safety = SafetyChecker(nodes: ids.count)
        network = NetworkTracker(nodes: ids.count)
        timeline = TimelineBuilder(nodes: ids.count, start: start, end: self.end, focus: focus,
                                   labelText: run.labelText)
        availability = AvailabilityTracker(start: start, stallThreshold: run.timing.electionTimeoutMin, longest: end - start)
        if let focus { availability.focus = focus }
        detector = DisruptionDetector(features: run.features, timing: run.timing)
        advice = AdviceCollector(disruptionLimit: disruptionLimit, focus: focus)
        lastTime = start
    }

    /// The next event's position in the trace (further on than the last one's after a skipped
    /// frame, whose events count as `lost`).
    mutating func position(_ next: UInt64) {
        // Never behind: the reader checks the index's numbering (and falls back to counting).
        guard next > ordinal else { return }
        lost += next - ordinal
        ordinal = next
    }

    /// Events are missing before the next one, at `next` (a corrupt frame was skipped): the
    /// safety checks stop relating what follows to what came before (a commit index to the
    /// previous one, a truncation to the role last seen), so the gap is not taken for a
    /// violation, and no unavailability is claimed for the time it spans.
    mutating func eventsLost(resumingAt next: UInt64) {
        safety.eventsLost()
        detector.eventsLost()
        staleReads.eventsLost(resumingAt: max(next, lastTime))
        availability.eventsLost(lastSeen: lastTime, nextSeen: max(next, lastTime))
    }

    @inline(__always) mutating func consume(_ e: TraceEvent) {
        // Every analysis assumes time never goes back; a damaged or hand-made trace may.
        if e.time >= lastTime {
            lastTime = e.time
            step(e)
        } else {
            var clamped = e
            clamped.time = lastTime
            step(clamped)
        }
    }

    // Inlined into the loop over events: a call per event costs about as much as the work most
    // events need.
    @inline(__always) private mutating func step(_ e: TraceEvent) {
        defer { ordinal += 1 }
        // The frequent events (messages, log and client traffic) go only to the analyses that use
        // them; all others visit every analysis. Each analysis sees an event before `view` does.
        switch e.kind {
        case .messageSent(let m):
            sampler.sent(m, from: e.node, at: e.time)
            availability.countMessage()
            view.sent(m, from: e.node, at: e.time)
        case .messageDelivered(let id):
            let m = view.delivered(id, to: e.node, at: e.time, ordinal: ordinal)
            sampler.delivered(id, sent: m?.sent, at: e.time)
            if let m { network.delivered(m, at: e.time) }
        case .messageDropped(let id, let reason):
            sampler.dropped(id, reason: reason)
            if let m = view.dropped(id, reason: reason) { network.dropped(m, reason: reason) }
        case .entriesAppended(_, let last, let term):
            view.appended(on: e.node, last: last, term: term)
        case .entryApplied(let index, let term, let hash):
            safety.entryApplied(e, index: index, term: term, hash: hash, ordinal: ordinal)
        case .commitAdvanced(let from, let to):
            safety.commitAdvanced(e, from: from, to: to, ordinal: ordinal)
            availability.observe(e, ordinal: ordinal)  // (may end a stall)
            if !availability.stallAssessments.isEmpty { adviseOnSettled() }
            view.committed(on: e.node)
        case .entryProposed, .clientRequest, .clientResponse:
            availability.observe(e, ordinal: ordinal)
            if checksReads {
                let seen = staleReads.violations.count
                staleReads.observe(e, ordinal: ordinal)
                if staleReads.violations.count > seen { noteStaleReadContact() }
            }
        default:
            observeRare(e)
        }
    }

    /// Notes, for the stale read just found, when its server last heard from a majority.
    private mutating func noteStaleReadContact() {
        guard let v = staleReads.violations.last, let n = v.nodes.first,
              let c = view.lastMajorityContact(of: NodeID(rawValue: n), now: v.time) else {
            staleReadContacts.append(nil)
            return
        }
        staleReadContacts.append(AdviceEngine.MajorityContact(time: c.time, evidence: EventRef(c.delivery, ordinal: c.ordinal)))
    }

    /// Every other event: roles, terms, elections, faults. These visit the analyses that follow
    /// the cluster's shape (none of them cares about the frequent events above).
    private mutating func observeRare(_ e: TraceEvent) {
        timeline.observe(e, ordinal: ordinal, view: view)
        elections.observe(e, ordinal: ordinal, view: view)
        detector.observe(e, ordinal: ordinal, view: view)
        safety.observe(e, ordinal: ordinal, view: view)
        if checksReads, e.kind.tag == .readServed { staleReads.served(e, ordinal: ordinal) }
        snapshots.observe(e, ordinal: ordinal, view: view)
        // A server about to become a voter again (the first application of its addition), and
        // whether it was a learner until now.
        var joining: (node: NodeID, learner: EventRef?)?
        if case .membershipChangeApplied(.addVoter, let target, let index) = e.kind,
           view.appliesFirst(changeAt: index), view.removed[target.rawValue] != nil {
            joining = (target, view.learners[target.rawValue])
        }
        view.apply(e, ordinal: ordinal)

        switch e.kind {
        case .nodeResumed:
            if let n = e.node { network.resumed(n, at: e.time) }
            availability.topologyChanged(view, at: e.time, ref: EventRef(e, ordinal: ordinal))
        case .nodePaused:
            // A stalled node answers nothing: what the others reach changes as a cut would.
            availability.topologyChanged(view, at: e.time, ref: EventRef(e, ordinal: ordinal))
        case .linkCut, .linkHealed:
            detector.linksChanged(e, ordinal: ordinal, view: view)
            availability.topologyChanged(view, at: e.time, ref: EventRef(e, ordinal: ordinal))
        case .nodeStarted, .nodeCrashed, .becameFollower, .becamePreCandidate, .becameCandidate, .becameLeader,
             .termChanged:
            if let n = e.node, let i = view.index(n) {
                timeline.nodeChanged(i, role: view.nodes[i].role, term: view.nodes[i].term, at: e.time)
            }
            acknowledgementMayHaveChanged(e)
            if e.kind.tag == .nodeCrashed || e.kind.tag == .nodeStarted || e.kind.tag == .becameLeader {
                availability.topologyChanged(view, at: e.time, ref: EventRef(e, ordinal: ordinal))
            }
        case .membershipChangeApplied:
            // A removal or an addition changes the majority: whether the leader is acknowledged
            // by one, what it and the others reach of it, who counts as deposed.
            acknowledgementMayHaveChanged(e)
            availability.topologyChanged(view, at: e.time, ref: EventRef(e, ordinal: ordinal))
            if let (node, learner) = joining {
                let ref = EventRef(e, ordinal: ordinal)
                if let learner {
                    promotions.count += 1
                    promotions.waited.addSaturating(e.time > learner.time ? e.time - learner.time : 0)
                    if promotions.evidence.count < 8 { promotions.evidence += [learner, ref] }
                } else {
                    availability.voterAdded(node, view, ref: ref)
                }
            }
        default:
            break
        }
        if detector.found > disruptionsSeen {
            disruptionsSeen = detector.found
            if let d = detector.latest, d.id <= advice.disruptionLimit {
                sampler.capture(around: d.time, recent: view.messages)
            }
        }
        adviseOnSettled()
    }

    /// After `e` changed roles, terms, running nodes or the voters: whether a leader is
    /// acknowledged by a majority, for the availability windows and the disruptions.
    private mutating func acknowledgementMayHaveChanged(_ e: TraceEvent) {
        let hasLeader = view.acknowledgedLeader
        availability.leadershipMayHaveChanged(view, at: e.time)
        detector.acknowledgement(hasLeader, term: hasLeader.map { view[$0].term } ?? 0, after: EventRef(e, ordinal: ordinal))
    }

    /// The round trip leadership transfer would cost: twice the mean delivery latency so far.
    private var roundTrip: UInt64 {
        guard sampler.delivered > 0 else { return 0 }
        let (twice, overflow) = sampler.deliveredLatencySum.multipliedReportingOverflow(by: 2)
        if !overflow { return twice / sampler.delivered }
        let mean = sampler.deliveredLatencySum / sampler.delivered
        return mean.addingSaturating(mean)
    }

    /// Advises on the disruptions and windows whose figures became final, as they do, so that
    /// only the listed ones are kept. Out of line: the loop over events calls it on a rare branch.
    @inline(never) private mutating func adviseOnSettled() {
        guard detector.hasSettled || !availability.stallAssessments.isEmpty else { return }
        let run = metadata.run
        for o in detector.takeSettled() {
            advice.add(o.disruption, advice: AdviceEngine.advise(o.disruption, snapshot: o.snapshot, features: run.features,
                                                                 timing: run.timing, quorum: view.quorum, roundTrip: roundTrip,
                                                                 firstCampaign: o.firstCampaign))
        }
        for i in detector.takeSettledInflation() {
            if let a = AdviceEngine.advise(i) { advice.add(window: a) }
        }
        for s in availability.takeAssessments() {
            if let a = AdviceEngine.advise(s, features: run.features, timing: run.timing, quorum: view.quorum) {
                advice.add(window: a)
            }
            if let a = AdviceEngine.adviseLearners(s, features: run.features, timing: run.timing) { advice.add(window: a) }
        }
    }

    mutating func finish(path: String) -> AnalysisReport {
        let run = metadata.run
        detector.finish(at: end)
        let duration = end - start
        var avail = availability.finish(at: end, duration: duration)
        adviseOnSettled()
        let timelineReport = timeline.finish(ids: view.ids, messages: sampler.arrows, messagesTruncated: sampler.isTruncated)
        for a in AdviceEngine.adviseReads(violations: staleReads.violations, contacts: staleReadContacts,
                                          leaders: timeline.runLeaders, faults: timeline.runFaults,
                                          features: run.features, timing: run.timing, end: end) {
            advice.add(window: a)
        }
        var effects: [FeatureEffect] = []
        let electionSummary = elections.summary(duration: duration, highestTerm: view.highestTerm, end: end, timing: run.timing)
        if run.features.preVote {
            let failed = electionSummary.byOutcome[ElectionAttempt.Outcome.preVoteFailed.rawValue, default: 0]
            effects.append(FeatureEffect(feature: .preVote, count: failed, termsAvoided: UInt64(failed),
                                         rejectionsByReason: detector.preVoteRejections,
                                         evidence: detector.effectEvidence[.preVote] ?? [],
                                         unanswered: elections.preVoteUnanswered))
        }
        if run.features.checkQuorum {
            effects.append(FeatureEffect(feature: .checkQuorum, count: detector.lostQuorumStepDowns, termsAvoided: 0,
                                         rejectionsByReason: [:], evidence: detector.effectEvidence[.checkQuorum] ?? []))
        }
        if run.features.learners || promotions.count > 0 {
            effects.append(FeatureEffect(feature: .learners, count: promotions.count, termsAvoided: 0, rejectionsByReason: [:],
                                         evidence: promotions.evidence, learnerTime: promotions.waited))
        }
        if run.features.leaderStickiness {
            effects.append(FeatureEffect(feature: .leaderStickiness, count: detector.stickinessRejections, termsAvoided: 0,
                                         rejectionsByReason: ["leaderRecentlyHeard": detector.stickinessRejections],
                                         evidence: detector.effectEvidence[.leaderStickiness] ?? []))
        }
        // The lists the trackers did not already keep to the focus (short ones, or rankings).
        var inflation = detector.inflation
        var violations = (safety.violations + staleReads.violations).sorted { $0.time < $1.time }
        var snapshotSummary = snapshots.summary(policy: run.snapshots)
        if let focus {
            avail.longestWindows.removeAll { !focus.overlaps(from: $0.window.start, to: $0.window.end) }
            inflation.removeAll { !focus.overlaps(from: $0.start, to: $0.end) }
            violations.removeAll { !focus.contains($0.time) }
            snapshotSummary.installs.removeAll { !focus.contains($0.time) }
        }
        return AnalysisReport(
            trace: TraceSummary(path: path, scenario: run.scenario, summary: run.summary, seed: run.seed,
                                nodes: metadata.nodes.map(\.name), features: run.features, timing: run.timing,
                                network: run.network, start: start, end: end, events: ordinal - lost, integrity: "ok",
                                focus: focus.map { Window(start: $0.lowerBound, end: $0.upperBound) }),
            timeline: timelineReport,
            elections: electionSummary,
            availability: avail,
            disruptions: advice.sortedDisruptions,
            disruptionTotals: advice.disruptionTotals,
            termInflation: inflation,
            termInflationCount: detector.inflationFound,
            safety: SafetyReport(violations: violations,
                                 violationCount: safety.found + staleReads.found,
                                 leadersChecked: safety.leadersChecked, appliedEntriesChecked: safety.appliedChecked,
                                 readsChecked: staleReads.readsChecked, staleReadCount: staleReads.found),
            advice: advice.advice,
            adviceSummary: advice.summary,
            featureEffects: effects,
            verification: nil,
            snapshots: snapshotSummary,
            network: network.finish(ids: view.ids, inFlight: view.messages, timing: run.timing))
    }
}
