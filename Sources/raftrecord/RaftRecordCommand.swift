import ArgumentParser
import Foundation
import RaftRecorder
import ScenarioFiles
import TraceAnalyzer
import TraceFormat

@main
struct RaftRecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raftrecord",
        abstract: "Run Raft in a deterministic, seeded cluster simulator and record every step as a trace.",
        version: "\(RaftRecorderVersion.current) (trace format \(TraceFormatVersion.text))",
        subcommands: [RunCommand.self, ScenariosCommand.self, SweepCommand.self, BenchCommand.self],
        defaultSubcommand: RunCommand.self
    )
}

struct ScenariosCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scenarios", abstract: "List the built-in scenarios.")

    func run() {
        let width = ScenarioCatalog.all.map(\.name.count).max() ?? 0
        for s in ScenarioCatalog.all {
            let c = s.configuration
            print(s.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + s.summary
                  + " [\(c.clusterSize) nodes, \(DurationText.format(c.duration))]")
        }
    }
}

/// Options that override a scenario's settings; every one is optional.
struct RunOverrides: ParsableArguments {
    @Option(help: "Number of servers.") var nodes: Int?
    @Flag(inversion: .prefixedNo, help: "Pre-vote (thesis 9.6).") var preVote: Bool?
    @Flag(inversion: .prefixedNo, help: "Check-quorum (thesis 6.2).") var checkQuorum: Bool?
    @Flag(inversion: .prefixedNo, help: "Leader stickiness (thesis 4.2.3); defaults to check-quorum's setting.")
    var leaderStickiness: Bool?
    @Option(help: "Election timeout range, e.g. 150ms-300ms.") var electionTimeout: String?
    @Option(help: "Heartbeat interval, e.g. 50ms.") var heartbeat: String?
    @Option(help: "Most entries in one append (default 64).") var maxEntriesPerAppend: Int?
    @Option(help: "Most appends a leader has on their way to one follower before it waits for answers (default 256).")
    var maxInflight: Int?
    @Option(help: "Message latency: a duration (fixed) or a range (uniform), e.g. 10ms-15ms.") var latency: String?
    @Option(help: "Message loss probability, 0-1.") var loss: Double?
    @Option(help: "Client writes per second (Poisson arrivals).") var writesPerSecond: Double?
    @Option(help: "Client reads per second (Poisson arrivals; default 0).") var readsPerSecond: Double?
    @Flag(inversion: .prefixedNo, help: "Serve reads on the leader's lease instead of ReadIndex (with check-quorum only, as etcd).")
    var leaseReads: Bool?
    @Flag(inversion: .prefixedNo, help: "Add new members as learners and promote each once it has caught up (thesis 4.2.1, etcd's member add --learner).")
    var learners: Bool?
    @Option(help: "Virtual time to simulate, e.g. 30s.") var duration: String?
    @Option(help: "Seed for every random choice.") var seed: UInt64?
    @Option(help: "Snapshot and compact a node's log every this many applied entries; 0: never (default 10000).")
    var snapshotEvery: Int?
    @Option(help: "Entries a log keeps after its snapshot, for followers slightly behind (default 1000).")
    var snapshotKeep: Int?

    func validate() throws {
        if let nodes, !(1...64).contains(nodes) { throw ValidationError("--nodes must be between 1 and 64") }
        if let electionTimeout, DurationText.parseRange(electionTimeout) == nil {
            throw ValidationError("--election-timeout '\(electionTimeout)' is not a duration range like 150ms-300ms")
        }
        for (name, v) in [("heartbeat", heartbeat), ("duration", duration)] {
            if let v, DurationText.parse(v) == nil { throw ValidationError("--\(name) '\(v)' is not a duration like 50ms or 2s") }
        }
        if let latency, DurationText.parseRange(latency) == nil {
            throw ValidationError("--latency '\(latency)' is not a duration or range like 10ms-15ms")
        }
        if let maxEntriesPerAppend, !(1...100_000).contains(maxEntriesPerAppend) {
            throw ValidationError("--max-entries-per-append must be between 1 and 100000")
        }
        if let maxInflight, !(1...1_000).contains(maxInflight) { throw ValidationError("--max-inflight must be between 1 and 1000") }
        if let loss, !(0...1).contains(loss) { throw ValidationError("--loss must be between 0 and 1") }
        if let writesPerSecond, writesPerSecond < 0 { throw ValidationError("--writes-per-second must not be negative") }
        if let readsPerSecond, readsPerSecond < 0 { throw ValidationError("--reads-per-second must not be negative") }
        if let snapshotEvery, snapshotEvery < 0 { throw ValidationError("--snapshot-every must not be negative") }
        if let snapshotKeep, snapshotKeep < 0 { throw ValidationError("--snapshot-keep must not be negative") }
    }

    func apply(to base: RunConfiguration) -> RunConfiguration {
        var c = base
        if let nodes { c.clusterSize = nodes }
        if let preVote { c.features.preVote = preVote }
        if let learners { c.features.learners = learners }
        if let checkQuorum {
            c.features.checkQuorum = checkQuorum
            c.features.leaderStickiness = checkQuorum
        }
        if let leaderStickiness { c.features.leaderStickiness = leaderStickiness }
        if let r = electionTimeout.flatMap(DurationText.parseRange) {
            c.timing.electionTimeoutMin = r.lowerBound
            c.timing.electionTimeoutMax = max(r.upperBound, r.lowerBound + 1_000)
        }
        if let h = heartbeat.flatMap(DurationText.parse) { c.timing.heartbeatInterval = h }
        if let maxEntriesPerAppend { c.timing.maxEntriesPerAppend = maxEntriesPerAppend }
        if let maxInflight { c.timing.maxInflightAppends = maxInflight }
        if let r = latency.flatMap(DurationText.parseRange) {
            c.network.latency = r.lowerBound == r.upperBound ? .fixed(r.lowerBound) : .uniform(min: r.lowerBound, max: r.upperBound)
        }
        if let loss { c.network.loss = loss }
        if let writesPerSecond { c.workload.writesPerSecond = writesPerSecond }
        if let readsPerSecond { c.workload.readsPerSecond = readsPerSecond }
        if let leaseReads { c.features.leaseReads = leaseReads }
        if let d = duration.flatMap(DurationText.parse) { c.duration = d }
        if let seed { c.seed = seed }
        if let snapshotEvery {
            c.snapshots = snapshotEvery > 0 ? SnapshotPolicy(every: snapshotEvery, keep: (c.snapshots ?? SnapshotPolicy()).keep) : nil
        }
        if let snapshotKeep, c.snapshots != nil { c.snapshots?.keep = snapshotKeep }
        return c
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Record one run of a scenario.",
        discussion: "Every option but the scenario overrides the scenario's own setting. The same options and seed give a byte-identical trace; no creation time is stored unless SOURCE_DATE_EPOCH is set."
    )

    @Option(help: "A built-in scenario (see `raftrecord scenarios`).") var scenario: String?
    @Option(help: "A scenario described in YAML (see docs/scenarios.md).") var scenarioFile: String?
    @OptionGroup var overrides: RunOverrides
    @Option(name: .shortAndLong, help: "Where to write the trace.") var output = "run.trace"
    @Flag(help: "Run the same simulation without writing a trace (to measure tracing overhead).") var noTrace = false

    func validate() throws {
        if scenario != nil && scenarioFile != nil { throw ValidationError("give --scenario or --scenario-file, not both") }
        if let scenario, ScenarioCatalog.named(scenario) == nil {
            throw ValidationError("unknown scenario '\(scenario)'\(NameSuggestion.hint(for: scenario, in: ScenarioCatalog.all.map(\.name))); known: \(ScenarioCatalog.all.map(\.name).joined(separator: ", "))")
        }
    }

    func run() throws {
        let base: RunConfiguration
        if let scenarioFile {
            switch Result(catching: { () throws(ScenarioFile.Error) in try ScenarioFile.load(path: scenarioFile) }) {
            case .success(let c): base = c
            case .failure(let e):
                FileHandle.standardError.write(Data("error: \(e.description)\n".utf8))
                throw ExitCode(2)
            }
        } else {
            base = ScenarioCatalog.named(scenario ?? "steady")!.configuration
        }
        let configuration = overrides.apply(to: base)
        if let problem = configuration.timing.problem {
            FileHandle.standardError.write(Data("error: \(problem) (--heartbeat, --election-timeout)\n".utf8))
            throw ExitCode(2)
        }
        let created = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(UInt64.init)
        let clock = ContinuousClock()
        var summary: Recorder.Summary!
        let elapsed = try clock.measure {
            summary = try Recorder.record(configuration, to: noTrace ? nil : output, createdAt: created)
        }
        let s = summary.statistics
        typealias T = ReportText
        var line = "\(configuration.scenario): \(T.count(s.events, "event")), \(T.count(s.elections, "election")), "
        line += "\(T.count(s.leaderChanges, "leader change")), \(T.count(s.committedWrites, "write")) committed, "
        line += "\(DurationText.format(configuration.duration)) simulated in "
        line += String(format: "%.3fs", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        if let f = summary.file { line += ", \(f.bytes) bytes -> \(output)" } else { line += " (no trace written)" }
        print(line)
        // A schedule of one's own that names a node that is not there is worth a word; the
        // catalog's schedules (the random scenario's final restart, say) may idle by design.
        let faults = Recorder.resolved(configuration).faults
        for i in s.faultsIgnored where scenarioFile != nil && faults.indices.contains(i) {
            let f = faults[i]
            FileHandle.standardError.write(Data(("warning: faults[\(i)] at \(DurationText.format(f.at)), \(f.action), did nothing: "
                + "no node of that name then, or nothing to do\n").utf8))
        }
    }
}
