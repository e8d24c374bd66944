import ArgumentParser
import TraceAnalyzer
import TraceFormat

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the trace format: bytes per event, events per second written and read.",
        discussion: "Build with -c release for meaningful figures (make bench does). Times are the best of --repeat runs."
    )

    @Option(help: "Synthetic events to write and read.") var events = 10_000_000
    @Option(help: "Where to write the benchmark trace.") var output = "/tmp/traceanalyze-bench.trace"
    @Option(help: "zstd compression level.") var level: Int32 = TraceWriter.Options().compressionLevel
    @Option(help: "Cut a frame when its events span this much trace time.")
    var flushInterval = DurationText.format(TraceWriter.Options().flushInterval)
    @Option(help: "Runs of each phase; the best is reported.") var `repeat` = 3

    func run() throws {
        print("generating \(events) synthetic events (5 nodes: heartbeats, appends, commits, client requests)")
        let generated = Array(SyntheticWorkload(seed: 1).prefix(events))
        let clock = ContinuousClock()
        let options = TraceWriter.Options(flushInterval: DurationText.parse(flushInterval) ?? nsPerSecond,
                                          compressionLevel: level)
        let metadata = TraceMetadata(writer: .init(name: "traceanalyze bench", version: "1"),
                                     nodes: (1...5).map { .init(id: NodeID(UInt32($0)), name: "n\($0)") },
                                     run: RunConfiguration(scenario: "synthetic"))
        var summary: TraceWriter.Summary!
        var best = (write: Double.infinity, read: Double.infinity, visit: Double.infinity)
        for _ in 0..<max(1, `repeat`) {
            let w = try clock.measure {
                let writer = try TraceWriter(path: output, metadata: metadata, options: options)
                for e in generated { try writer.append(e) }
                summary = try writer.close()
            }
            best.write = min(best.write, seconds(w))
            let file = try TraceFile.open(output)
            var count = 0
            var checksum: UInt64 = 0
            let r = try clock.measure {
                var it = file.events().makeIterator()
                while let e = it.next() {
                    count += 1
                    checksum &+= e.time
                }
                if let error = it.error { throw error }
            }
            precondition(count == events, "read \(count) of \(events) events")
            best.read = min(best.read, seconds(r))
            count = 0
            let v = try clock.measure {
                try file.forEachEvent { e in
                    count += 1
                    checksum &+= e.time
                }
            }
            precondition(count == events, "visited \(count) of \(events) events")
            best.visit = min(best.visit, seconds(v))
        }
        let file = try TraceFile.open(output)
        let raw = file.frames.reduce(0) { $0 + $1.decompressedSize }
        func f(_ x: Double, _ digits: Int) -> String { ReportText.fixed(x, digits: digits) }
        func rate(_ s: Double) -> String { "\(f(s, 3)) s, \(f(Double(events) / s / 1e6, 1)) M events/s" }
        print("file   \(summary.bytes) bytes, \(summary.frames) frames, \(f(Double(raw) / Double(events), 2)) bytes/event "
            + "before compression, zstd level \(level)")
        print("size   \(f(Double(summary.bytes) / Double(events), 3)) bytes/event")
        print("write  \(rate(best.write))")
        print("read   \(rate(best.read)) (EventSequence)")
        print("read   \(rate(best.visit)) (forEachEvent)")
    }
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}
