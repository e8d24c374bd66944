import TraceFormat

/// The headline figures of one run of a sweep, taken from its analysis.
public struct SweepRun: Codable, Sendable, Equatable {
    public var configuration: Int
    public var seed: UInt64
    /// Time without an acknowledged leader after the first leader was elected.
    public var leaderless: UInt64
    /// Time from the first disruption to the next leader; nil if there was none or no leader came back.
    public var firstRecovery: UInt64?
    public var candidacies: Int
    public var disruptions: Int
    public var highestTerm: UInt64
    public var committed: UInt64
    public var safe: Bool

    public init(configuration: Int, seed: UInt64, report r: AnalysisReport) {
        self.configuration = configuration
        self.seed = seed
        leaderless = r.availability.leaderless.filter { $0.start > r.trace.start }.reduce(0) { $0 + $1.duration }
        firstRecovery = r.disruptions.first?.leaderlessFor
        candidacies = r.elections.candidacies
        disruptions = r.disruptionTotals.count
        highestTerm = r.elections.highestTerm
        committed = r.availability.committedEntries
        safe = r.safety.violations.isEmpty
    }
}

public struct SweepConfiguration: Codable, Sendable, Equatable {
    public var index: Int
    /// The varied settings, e.g. ["election-timeout": "150ms-300ms", "pre-vote": "on"].
    public var settings: [String: String]
    public var label: String

    public init(index: Int, settings: [(String, String)]) {
        self.index = index
        self.settings = Dictionary(settings, uniquingKeysWith: { $1 })
        label = settings.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
    }
}

/// One metric's distribution over the trials of one configuration.
public struct SweepDistribution: Codable, Sendable, Equatable {
    public var configuration: Int
    public var metric: String
    /// "ns" for durations, "count" otherwise.
    public var unit: String
    public var count: Int
    public var mean: Double
    public var p50: UInt64
    public var p90: UInt64
    public var p99: UInt64
    public var max: UInt64
    /// The empirical CDF as [value, fraction of trials at or below it], at most 200 points.
    public var cdf: [[Double]]
}

public struct SweepReport: Codable, Sendable {
    public var scenario: String
    public var trials: Int
    public var baseSeed: UInt64
    public var configurations: [SweepConfiguration]
    public var distributions: [SweepDistribution]
    public var unsafeRuns: [SweepRun]

    public static let metrics: [(name: String, unit: String, value: @Sendable (SweepRun) -> UInt64)] = [
        ("time without leader", "ns", { $0.leaderless }),
        ("candidacies", "count", { UInt64($0.candidacies) }),
        ("disruptions", "count", { UInt64($0.disruptions) }),
    ]

    public init(scenario: String, trials: Int, baseSeed: UInt64, configurations: [SweepConfiguration], runs: [SweepRun]) {
        self.scenario = scenario
        self.trials = trials
        self.baseSeed = baseSeed
        self.configurations = configurations
        unsafeRuns = runs.filter { !$0.safe }
        var byConfig = [[SweepRun]](repeating: [], count: configurations.count)
        for r in runs where r.configuration < configurations.count { byConfig[r.configuration].append(r) }
        distributions = []
        for (c, rs) in byConfig.enumerated() where !rs.isEmpty {
            for m in Self.metrics {
                let values = rs.map(m.value).sorted()
                func q(_ p: Double) -> UInt64 {
                    values[min(values.count - 1, max(0, Int((p * Double(values.count)).rounded(.up)) - 1))]
                }
                // The step CDF at each distinct value, thinned to at most 200 points (the last kept).
                var points: [[Double]] = []
                for (k, v) in values.enumerated() where k == values.count - 1 || values[k + 1] != v {
                    points.append([Double(v), Double(k + 1) / Double(values.count)])
                }
                let stride = (points.count + 199) / 200
                let cdf = points.enumerated().filter { $0.offset % stride == 0 || $0.offset == points.count - 1 }.map(\.element)
                distributions.append(SweepDistribution(
                    configuration: c, metric: m.name, unit: m.unit, count: values.count,
                    mean: Double(values.reduce(0, +)) / Double(values.count),
                    p50: q(0.5), p90: q(0.9), p99: q(0.99), max: values.last!, cdf: cdf))
            }
        }
    }
}
