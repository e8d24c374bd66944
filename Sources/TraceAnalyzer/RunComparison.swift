import TraceFormat

/// Several runs side by side: how their configurations differ, their headline metrics with which
/// run is best on each, and, when a run differs from the first in exactly one setting, what that
/// setting changed.
public struct RunComparison: Codable, Sendable {
    public struct Run: Codable, Sendable {
        public var label: String
        public var path: String
        public var scenario: String
        public var seed: UInt64
        /// What the run's own analysis advises, per feature (its report's `adviceSummary`).
        public var advice: [AdviceSummary]
        /// What the features the run had on did (its report's `featureEffects`): the pre-vote
        /// rounds that failed, the leaders check-quorum stepped down, ...
        public var featureEffects: [FeatureEffect]
        /// Its disruptions about which nothing was advised, by cause (its report's
        /// `disruptionTotals.unadvisedByCause`).
        public var unadvisedByCause: [String: Int] = [:]
    }

    public struct Setting: Codable, Sendable {
        public var name: String
        public var values: [String]
    }

    public struct Metric: Codable, Sendable {
        public var name: String
        /// "ns", "count", "ratio" or "perSecond".
        public var unit: String
        public var lowerIsBetter: Bool
        public var values: [Double]
        /// Indices of the runs with the best value, or within `tolerance` of it (empty when all
        /// are, or when the metric is not judged).
        public var best: [Int]
        /// False for a breakdown that is neither better nor worse by itself (elections by outcome:
        /// more failed pre-vote rounds are pre-vote doing its work).
        public var judged = true
    }

    /// Run `run` differs from the first run only in `setting`.
    public struct Attribution: Codable, Sendable {
        public var run: Int
        public var setting: String
        public var from: String
        public var to: String
        /// Names of the headline metrics that changed, in `metrics` order.
        public var changed: [String]
    }

    public var runs: [Run]
    /// Every setting, with one value per run; `differing` lists the names that are not all equal.
    public var settings: [Setting]
    public var differing: [String]
    public var metrics: [Metric]
    public var attributions: [Attribution]

    /// Flattens a configuration into named settings, in a fixed order.
    public static func settings(of c: RunConfiguration) -> [(String, String)] {
        func onOff(_ b: Bool) -> String { b ? "on" : "off" }
        let faults = c.faults.map { "\(DurationText.format($0.at)) \($0.action)" }.joined(separator: "; ")
        return [
            ("scenario", c.scenario), ("seed", "\(c.seed)"), ("nodes", "\(c.clusterSize)"),
            ("pre-vote", onOff(c.features.preVote)), ("check-quorum", onOff(c.features.checkQuorum)),
            ("leader-stickiness", onOff(c.features.leaderStickiness)), ("lease-reads", onOff(c.features.leaseReads)), ("learners", onOff(c.features.learners)),
            ("max-inflight", "\(c.timing.maxInflightAppends)"), ("max-entries-per-append", "\(c.timing.maxEntriesPerAppend)"),
            ("election-timeout", "\(DurationText.format(c.timing.electionTimeoutMin))-\(DurationText.format(c.timing.electionTimeoutMax))"),
            ("heartbeat", DurationText.format(c.timing.heartbeatInterval)),
            ("snapshots", ReportText.snapshotPolicy(c.snapshots)),
            ("latency", ReportText.latency(c.network.latency)), ("loss", "\(c.network.loss)"),
            ("links", c.network.links.isEmpty ? "as the network" : c.network.links.map(ReportText.linkSettings).joined(separator: "; ")), ("duplication", "\(c.network.duplication)"),
            ("reordering", "\(c.network.reordering)"), ("writes-per-second", "\(c.workload.writesPerSecond)"),
            ("reads-per-second", "\(c.workload.readsPerSecond)"),
            ("duration", DurationText.format(c.duration)), ("faults", faults.isEmpty ? "none" : faults),
        ]
    }

    public init(_ items: [(path: String, metadata: TraceMetadata, report: AnalysisReport)]) {
        let labels = items.indices.map { i in i < 26 ? String(UnicodeScalar(UInt8(97 + i))) : "r\(i + 1)" }
        runs = items.enumerated().map { i, it in
            Run(label: labels[i], path: it.path, scenario: it.metadata.run.scenario, seed: it.metadata.run.seed,
                advice: it.report.adviceSummary, featureEffects: it.report.featureEffects,
                unadvisedByCause: it.report.disruptionTotals.unadvisedByCause)
        }
        let flat = items.map { Self.settings(of: $0.metadata.run) }
        settings = (flat.first ?? []).indices.map { k in Setting(name: flat[0][k].0, values: flat.map { $0[k].1 }) }
        differing = settings.filter { Set($0.values).count > 1 }.map(\.name)

        var metrics: [Metric] = []
        // Latencies, throughput and other measured quantities within 1% of the best are as good as
        // it: a 16 us difference in a 25 ms median is no improvement. Counts and ratios are exact.
        func add(_ name: String, _ unit: String, lower: Bool = true, judged: Bool = true, tolerance: Double = 0,
                 _ value: (AnalysisReport) -> Double) {
            let values = items.map { value($0.report) }
            var best: [Int] = []
            if judged, let target = lower ? values.min() : values.max() {
                best = values.indices.filter { abs(values[$0] - target) <= tolerance * max(abs(values[$0]), abs(target)) }
                if best.count == values.count { best = [] }
            }
            metrics.append(Metric(name: name, unit: unit, lowerIsBetter: lower, values: values, best: best, judged: judged))
        }
        let measured = 0.01
        add("disruptions", "count") { Double($0.disruptionTotals.count) }
        for cause in [Disruption.Cause.rejoin, .partialConnectivity, .flappingLink, .degradedLink, .lostQuorum, .leaderPaused, .crash, .removedServer, .electionTimeout] {
            if items.contains(where: { $0.report.disruptionTotals.byCause[cause.rawValue] != nil }) {
                add("disruptions: \(cause.rawValue)", "count") { r in Double(r.disruptionTotals.byCause[cause.rawValue, default: 0]) }
            }
        }
        add("time without leader", "ns", tolerance: measured) { Double($0.availability.leaderlessTotal) }
        add("longest window without leader", "ns", tolerance: measured) { Double($0.availability.leaderlessLongest) }
        add("stalled with a leader", "ns", tolerance: measured) { Double($0.availability.stallTotal) }
        // Attempts include pre-vote rounds, which failing is pre-vote at work: candidacies (terms
        // campaigned for) are what is judged.
        add("election attempts", "count", judged: false) { Double($0.elections.attempts) }
        add("candidacies", "count") { Double($0.elections.candidacies) }
        for outcome in ElectionAttempt.Outcome.allCases where outcome != .open {
            if items.contains(where: { ($0.report.elections.byOutcome[outcome.rawValue] ?? 0) > 0 }) {
                add("elections: \(outcome.rawValue)", "count", judged: false) {
                    Double($0.elections.byOutcome[outcome.rawValue] ?? 0)
                }
            }
        }
        add("highest term", "count") { Double($0.elections.highestTerm) }
        add("commit latency p50", "ns", tolerance: measured) { Double($0.availability.commitLatency.p50) }
        add("commit latency p99", "ns", tolerance: measured) { Double($0.availability.commitLatency.p99) }
        add("client latency p50", "ns", tolerance: measured) { Double($0.availability.client.latency.p50) }
        add("client latency p99", "ns", tolerance: measured) { Double($0.availability.client.latency.p99) }
        add("client success", "ratio", lower: false) { $0.availability.client.successRate }
        if items.contains(where: { $0.report.availability.reads != nil }) {
            add("read latency p50", "ns", tolerance: measured) { Double($0.availability.reads?.latency.p50 ?? 0) }
            add("read latency p99", "ns", tolerance: measured) { Double($0.availability.reads?.latency.p99 ?? 0) }
            add("read success", "ratio", lower: false) { $0.availability.reads?.successRate ?? 1 }
            add("stale reads", "count") { Double($0.safety.staleReadCount) }
        }
        add("throughput", "perSecond", lower: false, tolerance: measured) { $0.availability.throughputPerSecond }
        add("messages per commit", "count", tolerance: measured) { $0.availability.messagesPerCommit }
        add("safety violations", "count") { Double($0.safety.violationCount) }
        self.metrics = metrics

        let headline: Set = ["disruptions", "time without leader", "longest window without leader", "highest term",
                             "candidacies", "stalled with a leader", "client success", "stale reads"]
        attributions = []
        for i in items.indices.dropFirst() {
            let diff = settings.filter { $0.values[0] != $0.values[i] }
            guard diff.count == 1, let s = diff.first else { continue }
            let changed = metrics.filter { headline.contains($0.name) && $0.values[0] != $0.values[i] }.map(\.name)
            attributions.append(Attribution(run: i, setting: s.name, from: s.values[0], to: s.values[i], changed: changed))
        }
    }
}
