import ArgumentParser
import Foundation
import RaftRecorder
import Synchronization
import TraceAnalyzer
import TraceFormat

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run every combination of varied settings over many seeds, on all cores, and summarise the distributions.",
        discussion: """
        Keys for --vary: election-timeout, heartbeat, latency, loss, nodes, writes-per-second, \
        duration, pre-vote, check-quorum, leader-stickiness, lease-reads, learners. Writes summary.jsonl (one line per \
        run), report.txt, report.json and report.html to the output folder.

          raftrecord sweep --scenario paper-9.3 --trials 1000 \\
            --vary election-timeout=150ms-155ms,150ms-200ms,150ms-300ms \\
            --vary pre-vote=off,on -o sweep/
        """
    )

    @Option(help: "A built-in scenario.") var scenario = "paper-9.3"
    @Option(help: "Trials (seeds) per configuration.") var trials = 100
    @Option(help: "The first seed; trial k uses seed + k.") var seed: UInt64 = 1
    @Option(help: "A setting and its values, e.g. pre-vote=off,on. Repeat for more settings.") var vary: [String] = []
    @Option(name: .shortAndLong, help: "Output folder.") var output = "sweep"
    @Option(help: "Parallel jobs (default: one per processor).") var jobs: Int?
    private var jobCount: Int { jobs ?? ProcessInfo.processInfo.activeProcessorCount }
    @Flag(help: "Also write every run's trace to <output>/traces/.") var traces = false
    @Flag(help: "Do not draw the progress bar.") var quiet = false

    static let keys: Set<String> = ["election-timeout", "heartbeat", "latency", "loss", "nodes", "writes-per-second",
                                    "duration", "pre-vote", "check-quorum", "leader-stickiness", "lease-reads", "learners"]

    func parsedVariations() throws -> [(key: String, values: [String])] {
        try vary.map { v in
            let parts = v.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, Self.keys.contains(parts[0]) else {
                let hint = NameSuggestion.hint(for: parts[0], in: Self.keys.sorted())
                throw ValidationError("--vary '\(v)'\(hint): expected KEY=V1,V2,... with KEY one of \(Self.keys.sorted().joined(separator: ", "))")
            }
            let values = parts[1].split(separator: ",").map(String.init)
            guard !values.isEmpty else { throw ValidationError("--vary '\(v)' lists no values") }
            for value in values { _ = try Self.apply(parts[0], value, to: RunConfiguration(scenario: "check")) }
            return (parts[0], values)
        }
    }

    func validate() throws {
        guard ScenarioCatalog.named(scenario) != nil else { throw ValidationError("unknown scenario '\(scenario)'\(NameSuggestion.hint(for: scenario, in: ScenarioCatalog.all.map(\.name))); known: \(ScenarioCatalog.all.map(\.name).joined(separator: ", "))") }
        guard trials >= 1 else { throw ValidationError("--trials must be at least 1") }
        guard (jobs ?? 1) >= 1 else { throw ValidationError("--jobs must be at least 1") }
        _ = try parsedVariations()
    }

    static func apply(_ key: String, _ value: String, to base: RunConfiguration) throws -> RunConfiguration {
        var c = base
        func bool() throws -> Bool {
            switch value { case "on", "true", "yes": return true; case "off", "false", "no": return false
            default: throw ValidationError("\(key)=\(value): use on or off") }
        }
        func duration() throws -> UInt64 {
            guard let d = DurationText.parse(value) else { throw ValidationError("\(key)=\(value) is not a duration") }
            return d
        }
        switch key {
        case "election-timeout":
            guard let r = DurationText.parseRange(value) else { throw ValidationError("\(key)=\(value) is not a range like 150ms-300ms") }
            c.timing.electionTimeoutMin = r.lowerBound
            c.timing.electionTimeoutMax = max(r.upperBound, r.lowerBound + 1_000)
        case "heartbeat": c.timing.heartbeatInterval = try duration()
        case "duration": c.duration = try duration()
        case "latency":
            guard let r = DurationText.parseRange(value) else { throw ValidationError("\(key)=\(value) is not a duration or range") }
            c.network.latency = r.lowerBound == r.upperBound ? .fixed(r.lowerBound) : .uniform(min: r.lowerBound, max: r.upperBound)
        case "loss":
            guard let p = Double(value), (0...1).contains(p) else { throw ValidationError("\(key)=\(value) is not a probability") }
            c.network.loss = p
        case "nodes":
            guard let n = Int(value), (1...64).contains(n) else { throw ValidationError("\(key)=\(value) is not a cluster size") }
            c.clusterSize = n
        case "writes-per-second":
            guard let w = Double(value), w >= 0 else { throw ValidationError("\(key)=\(value) is not a rate") }
            c.workload.writesPerSecond = w
        case "pre-vote": c.features.preVote = try bool()
        case "check-quorum":
            c.features.checkQuorum = try bool()
            c.features.leaderStickiness = c.features.checkQuorum
        case "lease-reads": c.features.leaseReads = try bool()
        case "learners": c.features.learners = try bool()
        default: c.features.leaderStickiness = try bool()
        }
        return c
    }

    func run() throws {
        let base = ScenarioCatalog.named(scenario)!.configuration
        var combos: [[(String, String)]] = [[]]
        for (key, values) in try parsedVariations() {
            combos = combos.flatMap { c in values.map { c + [(key, $0)] } }
        }
        let configs = try combos.map { settings in try settings.reduce(base) { try Self.apply($1.0, $1.1, to: $0) } }
        for (settings, c) in zip(combos, configs) {
            guard let problem = c.timing.problem else { continue }
            let named = settings.map { "\($0.0)=\($0.1)" }.joined(separator: ", ")
            FileHandle.standardError.write(Data("error: \(named.isEmpty ? "the scenario's timing" : named): \(problem)\n".utf8))
            throw ExitCode(2)
        }
        let sweepConfigs = combos.enumerated().map { SweepConfiguration(index: $0.offset, settings: $0.element) }
        let outDir = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: outDir.appendingPathComponent(traces ? "traces" : ""), withIntermediateDirectories: true)

        let total = configs.count * trials
        let state = Mutex((next: 0, done: 0, runs: [SweepRun?](repeating: nil, count: total), failure: String?.none))
        let trials = self.trials, seed = self.seed, traces = self.traces, quiet = self.quiet
        let showProgress = !quiet && isatty(STDERR_FILENO) != 0
        let clock = ContinuousClock()
        let started = clock.now
        DispatchQueue.concurrentPerform(iterations: min(jobCount, total)) { _ in
            while true {
                let k: Int? = state.withLock { s in
                    guard s.next < total, s.failure == nil else { return nil }
                    defer { s.next += 1 }
                    return s.next
                }
                guard let k else { return }
                var c = configs[k / trials]
                c.seed = seed + UInt64(k % trials)
                do {
                    let resolved = Recorder.resolved(c)
                    let meta = Recorder.metadata(for: resolved)
                    let report: AnalysisReport
                    if traces {
                        let path = outDir.appendingPathComponent("traces/config\(k / trials)-seed\(c.seed).trace").path
                        _ = try Recorder.record(resolved, to: path)
                        report = try TraceAnalysis.analyze(try TraceFile.open(path, readingAhead: true))
                    } else {
                        let events = try Recorder.events(resolved)
                        report = TraceAnalysis.analyze(events: events, metadata: meta, timeRange: 0...resolved.duration)
                    }
                    let run = SweepRun(configuration: k / trials, seed: c.seed, report: report)
                    state.withLock { s in
                        s.runs[k] = run
                        s.done += 1
                        if showProgress && (s.done % max(1, total / 200) == 0 || s.done == total) {
                            let width = 40, filled = s.done * width / total
                            let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled) + "] \(s.done)/\(total)"
                            FileHandle.standardError.write(Data(line.utf8))
                        }
                    }
                } catch {
                    state.withLock { $0.failure = "config \(k / trials) seed \(c.seed): \(error)" }
                }
            }
        }
        if showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
        let (runs, failure) = state.withLock { ($0.runs.compactMap { $0 }, $0.failure) }
        if let failure { throw ValidationError("sweep stopped: \(failure)") }
        let elapsed = clock.now - started

        var jsonl = ""
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        for r in runs { jsonl += String(decoding: try enc.encode(r), as: UTF8.self) + "\n" }
        try jsonl.write(to: outDir.appendingPathComponent("summary.jsonl"), atomically: true, encoding: .utf8)
        let report = SweepReport(scenario: scenario, trials: trials, baseSeed: seed, configurations: sweepConfigs, runs: runs)
        let text = SweepText.render(report)
        try text.write(to: outDir.appendingPathComponent("report.txt"), atomically: true, encoding: .utf8)
        enc.outputFormatting = [.sortedKeys, .prettyPrinted]
        try enc.encode(report).write(to: outDir.appendingPathComponent("report.json"))
        try SweepHTML.render(report).write(to: outDir.appendingPathComponent("report.html"), atomically: true, encoding: .utf8)
        print(text, terminator: "")
        let s = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "%d runs in %.1f s on %d jobs; wrote %@/summary.jsonl, report.txt, report.json, report.html",
                     total, s, min(jobCount, total), output))
        if !report.unsafeRuns.isEmpty { throw ExitCode(1) }
    }
}
