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
    @Option(help: "Runs of each mode, alternating; the best and the median are reported.") var `repeat` = 5
    @Option(help: "Where to write the benchmark trace.") var output = "/tmp/raftrecord-bench.trace"

    func validate() throws {
        guard DurationText.parse(duration) != nil else { throw ValidationError("--duration '\(duration)' is not a duration like 1h") }
    }

    func run() throws {
        var c = ScenarioCatalog.steady.configuration
        c.duration = DurationText.parse(duration)!
        c.workload.writesPerSecond = 100
        let clock = ContinuousClock()
        func time(_ path: String?) throws -> (Double, Recorder.Summary) {
            var summary: Recorder.Summary!
            let d = try clock.measure { summary = try Recorder.record(c, to: path) }
            return (Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18, summary)
        }
        // Alternating the two modes spreads a shared machine's slow moments over both.
        var plain: [Double] = [], traced: [Double] = []
        var s: Recorder.Summary!, ts: Recorder.Summary!
        for _ in 0..<max(1, `repeat`) {
            let (p, ps) = try time(nil)
            let (t, tsum) = try time(output)
            plain.append(p); traced.append(t)
            s = ps; ts = tsum
        }
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        let virtual = Double(c.duration) / 1e9
        let bytes = ts.file?.bytes ?? 0
        print("simulated  \(DurationText.format(c.duration)) of a 5-node cluster at 100 writes/s: \(s.statistics.events) events, \(s.statistics.committedWrites) writes committed")
        print(String(format: "no trace   best %.3f s (%.0fx real time), median %.3f s", plain.min()!, virtual / plain.min()!, median(plain)))
        print(String(format: "traced     best %.3f s (%.0fx real time), median %.3f s; %llu bytes, %.2f bytes/event",
                     traced.min()!, virtual / traced.min()!, median(traced), bytes, Double(bytes) / Double(ts.statistics.events)))
        print(String(format: "overhead   %.1f%% for tracing (best against best), %.1f%% (median against median)",
                     (traced.min()! / plain.min()! - 1) * 100, (median(traced) / median(plain) - 1) * 100))
    }
}
