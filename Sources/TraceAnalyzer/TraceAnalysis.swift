import TraceFormat

/// Runs every analysis in one streaming pass over a trace and returns the findings.
/// Memory grows with the number of nodes and with what is open at a time (messages in flight,
/// elections in progress), not with the length of the trace; every list in the report is capped.
public enum TraceAnalysis {
    public struct Options: Sendable {
        public var skipCorruptFrames: Bool
        public init(skipCorruptFrames: Bool = false) { self.skipCorruptFrames = skipCorruptFrames }
    }

    public static func analyze(_ file: TraceFile, options: Options = .init()) throws(TraceFormatError) -> AnalysisReport {
        let outcome = ReadOutcome()
        let events = CheckedEvents(iterator: file.events(skippingCorruptFrames: options.skipCorruptFrames).makeIterator(),
                                   outcome: outcome)
        var report = analyze(events: events, metadata: file.metadata, path: file.path, timeRange: file.timeRange)
        if let error = outcome.error { throw error }
        report.trace.integrity = switch file.integrity {
        case .ok: outcome.skipped == 0 ? "ok" : "corrupt frames skipped: \(outcome.skipped)"
        case .recovered(let lost, _): "recovered (\(lost) bytes lost at the tail)"
        }
        return report
    }

    /// Analyzes events that are not in a file (a simulation held in memory). `timeRange` sizes the
    /// timeline's columns; when nil the events are held until the end is known.
    public static func analyze(events: some Sequence<TraceEvent>, metadata: TraceMetadata, path: String = "",
                               timeRange: ClosedRange<UInt64>? = nil) -> AnalysisReport {
        if let timeRange { return analyze(events, metadata: metadata, path: path, start: timeRange.lowerBound, end: timeRange.upperBound) }
        let all = Array(events)
        return analyze(all, metadata: metadata, path: path, start: all.first?.time ?? 0, end: all.last?.time ?? 0)
    }

    private static func analyze(_ events: some Sequence<TraceEvent>, metadata: TraceMetadata, path: String,
                                start: UInt64, end rawEnd: UInt64) -> AnalysisReport {
        let run = metadata.run
        let ids = metadata.nodes.map(\.id).sorted()
        let end = max(rawEnd, start)
        var view = ClusterView(ids: ids)
        var timeline = TimelineBuilder(nodes: ids.count, start: start, end: end)
        var elections = ElectionTracker()
        var availability = AvailabilityTracker(start: start, stallThreshold: run.timing.electionTimeoutMin)
        var detector = DisruptionDetector(features: run.features, timing: run.timing)
        var safety = SafetyChecker()
        var sampler = MessageSampler()
        var ordinal: UInt64 = 0
        var disruptionsSeen = 0

        func step(_ e: TraceEvent) {
            defer { ordinal += 1 }
            timeline.observe(e, ordinal: ordinal, view: view)
            elections.observe(e, ordinal: ordinal, view: view)
            detector.observe(e, ordinal: ordinal, view: view)
            safety.observe(e, ordinal: ordinal, view: view)
            sampler.observe(e, view: view)
            availability.observe(e)
            view.apply(e, ordinal: ordinal)

            switch e.kind {
            case .partitionStarted, .partitionHealed:
                detector.linksChanged(e, ordinal: ordinal, view: view)
                availability.topologyChanged(view, at: e.time, ref: EventRef(e, ordinal: ordinal))
            case .nodeStarted, .nodeCrashed, .becameFollower, .becamePreCandidate, .becameCandidate, .becameLeader,
                 .termChanged:
                if let n = e.node, let i = view.index(n) {
                    timeline.nodeChanged(i, role: view.nodes[i].role, term: view.nodes[i].term, at: e.time)
                }
                let hadLeader = view.acknowledgedLeader
                availability.leadershipMayHaveChanged(view, at: e.time)
                if hadLeader != nil { detector.leaderAcknowledged(at: e.time) }
                if e.kind.tag == .nodeCrashed || e.kind.tag == .nodeStarted || e.kind.tag == .becameLeader {
                    availability.topologyChanged(view, at: e.time, ref: EventRef(e, ordinal: ordinal))
                }
            default:
                break
            }
            if detector.disruptions.count > disruptionsSeen {
                disruptionsSeen = detector.disruptions.count
                sampler.capture(around: detector.disruptions[disruptionsSeen - 1].time)
            }
        }
        var lastTime = start
        for e in events {
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
        detector.finish(at: end)

        let duration = end - start
        let avail = availability.finish(at: end, duration: duration)
        let roundTrip = sampler.delivered == 0 ? 0 : 2 * sampler.deliveredLatencySum / sampler.delivered
        let advice = AdviceEngine.advise(disruptions: detector.disruptions, snapshots: detector.snapshots,
                                         stalls: availability.stallAssessments, features: run.features, timing: run.timing,
                                         quorum: view.quorum, roundTrip: roundTrip)
        var effects: [FeatureEffect] = []
        let electionSummary = elections.summary(duration: duration, highestTerm: view.highestTerm, end: end)
        if run.features.preVote {
            let failed = electionSummary.byOutcome[ElectionAttempt.Outcome.preVoteFailed.rawValue, default: 0]
            effects.append(FeatureEffect(feature: .preVote, count: failed, termsAvoided: UInt64(failed),
                                         rejectionsByReason: detector.preVoteRejections,
                                         evidence: detector.effectEvidence[.preVote] ?? []))
        }
        if run.features.checkQuorum {
            effects.append(FeatureEffect(feature: .checkQuorum, count: detector.lostQuorumStepDowns, termsAvoided: 0,
                                         rejectionsByReason: [:], evidence: detector.effectEvidence[.checkQuorum] ?? []))
        }
        if run.features.leaderStickiness {
            effects.append(FeatureEffect(feature: .leaderStickiness, count: detector.stickinessRejections, termsAvoided: 0,
                                         rejectionsByReason: ["leaderRecentlyHeard": detector.stickinessRejections],
                                         evidence: detector.effectEvidence[.leaderStickiness] ?? []))
        }
        return AnalysisReport(
            trace: TraceSummary(path: path, scenario: run.scenario, summary: run.summary, seed: run.seed,
                                nodes: metadata.nodes.map(\.name), features: run.features, timing: run.timing,
                                start: start, end: end, events: ordinal, integrity: "ok"),
            timeline: timeline.finish(ids: ids, messages: sampler.arrows),
            elections: electionSummary,
            availability: avail,
            disruptions: detector.disruptions,
            termInflation: detector.inflation,
            safety: SafetyReport(violations: safety.violations, leadersChecked: safety.leadersChecked,
                                 appliedEntriesChecked: safety.appliedChecked),
            advice: advice,
            featureEffects: effects,
            verification: nil)
    }
}

/// What reading a file ended with, filled in when its events run out.
private final class ReadOutcome {
    var error: TraceFormatError?
    var skipped = 0
}

/// A file's events as a plain sequence (a concrete type, so the analysis loop is specialized for
/// it); the read error, if any, is left in `outcome`.
private struct CheckedEvents: Sequence, IteratorProtocol {
    var iterator: EventSequence.Iterator
    let outcome: ReadOutcome

    mutating func next() -> TraceEvent? {
        if let e = iterator.next() { return e }
        outcome.error = iterator.error
        outcome.skipped = iterator.skipped.count
        return nil
    }
}
