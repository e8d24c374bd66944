import ArgumentParser
import Foundation
import RaftRecorder
import TraceFormat

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure simulation speed and tracing overhead: 5 nodes, 100 writes/s, steady scenario.",
        discussion: "Build with -c release (make bench does). Times are the best of --repeat runs."
    )

    @Option(help: "Virtual time to simulate.") var duration = "1h"
    @Option(help: "Runs of each mode; the best is reported.") var `repeat` = 3
    @Option(help: "Where to write the benchmark trace.") var output = "/tmp/raftrecord-bench.trace"

    func validate() throws {
        guard DurationText.parse(duration) != nil else { throw ValidationError("--duration '\(duration)' is not a duration like 1h") }
    }

    func run() throws {
        var c = ScenarioCatalog.steady.configuration
        c.duration = DurationText.parse(duration)!
        c.workload.writesPerSecond = 100
        let clock = ContinuousClock()
        func best(_ path: String?) throws -> (Double, Recorder.Summary) {
            var t = Double.infinity
            var summary: Recorder.Summary!
            for _ in 0..<max(1, `repeat`) {
                let d = try clock.measure { summary = try Recorder.record(c, to: path) }
                t = min(t, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
            }
            return (t, summary)
        }
        let (plain, s) = try best(nil)
        let (traced, ts) = try best(output)
        let virtual = Double(c.duration) / 1e9
        print("simulated  \(DurationText.format(c.duration)) of a 5-node cluster at 100 writes/s: \(s.statistics.events) events, \(s.statistics.committedWrites) writes committed")
        print(String(format: "no trace   %.3f s (%.0fx real time)", plain, virtual / plain))
        print(String(format: "traced     %.3f s (%.0fx real time), %llu bytes, %.2f bytes/event", traced, virtual / traced,
                     ts.file?.bytes ?? 0, Double(ts.file?.bytes ?? 0) / Double(ts.statistics.events)))
        print(String(format: "overhead   %.1f%% for tracing", (traced / plain - 1) * 100))
    }
}
