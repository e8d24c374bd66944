import TraceFormat

/// Runs one configuration and writes (or discards) its trace: the one place where the recorder
/// and the trace format meet.
public enum Recorder {
    public static let writerName = "raftrecord"
    public static let version = "0.1.0"

    public struct Summary: Sendable {
        public var statistics: SimulationStatistics
        public var file: TraceWriter.Summary?
    }

    /// A configuration the simulator cannot run (`RaftTiming.problem`).
    public struct InvalidConfiguration: Error, CustomStringConvertible {
        public var description: String
    }

    /// Throws `InvalidConfiguration` for a configuration the simulator cannot run.
    public static func check(_ configuration: RunConfiguration) throws(InvalidConfiguration) {
        if let problem = configuration.timing.problem { throw InvalidConfiguration(description: problem) }
    }

    /// The configuration as it will run: the `random` scenario's faults are drawn from the seed here,
    /// so the metadata holds the exact schedule.
    public static func resolved(_ configuration: RunConfiguration) -> RunConfiguration {
        var c = configuration
        if c.scenario == ScenarioCatalog.random.name && c.faults.isEmpty {
            c.faults = ScenarioCatalog.randomFaults(seed: c.seed, nodes: c.clusterSize, duration: c.duration)
        }
        return c
    }

    public static func metadata(for configuration: RunConfiguration, createdAt: UInt64? = nil) -> TraceMetadata {
        TraceMetadata(writer: .init(name: writerName, version: version), createdAt: createdAt,
                      nodes: configuration.nodeIDs.map { .init(id: $0, name: $0.description) },
                      run: configuration)
    }

    /// Simulates `configuration`; writes the trace to `path` unless it is nil.
    public static func record(_ configuration: RunConfiguration, to path: String?, createdAt: UInt64? = nil) throws -> Summary {
        try check(configuration)
        let c = resolved(configuration)
        guard let path else {
            var sim = Simulator(configuration: c, sink: DiscardingSink())
            try sim.run()
            return Summary(statistics: sim.statistics, file: nil)
        }
        let writer = try TraceWriter(path: path, metadata: metadata(for: c, createdAt: createdAt))
        var sim = Simulator(configuration: c, sink: writer)
        try sim.run()
        return Summary(statistics: sim.statistics, file: try writer.close())
    }

    /// Simulates `configuration` and returns its events; for tests and short replays.
    public static func events(_ configuration: RunConfiguration) throws -> [TraceEvent] {
        try check(configuration)
        let sink = MemorySink()
        var sim = Simulator(configuration: resolved(configuration), sink: sink)
        try sim.run()
        return sink.events
    }
}
