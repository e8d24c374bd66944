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
        /// Wall time, CPU time of this (the recording) thread and CPU time of the whole process.
        struct Times { var wall: Double, thread: Double, process: Double }
        func cpu(_ id: clockid_t) -> Double {
            var t = timespec()
            clock_gettime(id, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        }
        func time(_ path: String?) throws -> (Times, Recorder.Summary) {
            var summary: Recorder.Summary!
            let (thread0, process0) = (cpu(CLOCK_THREAD_CPUTIME_ID), cpu(CLOCK_PROCESS_CPUTIME_ID))
            let d = try clock.measure { summary = try Recorder.record(c, to: path) }
            let wall = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            return (Times(wall: wall, thread: cpu(CLOCK_THREAD_CPUTIME_ID) - thread0,
                          process: cpu(CLOCK_PROCESS_CPUTIME_ID) - process0), summary)
        }
        // Alternating the two modes spreads a shared machine's slow moments over both.
        var plainRuns: [Times] = [], tracedRuns: [Times] = []
        var s: Recorder.Summary!, ts: Recorder.Summary!
        var stalledRuns: [UInt64] = []
        for _ in 0..<max(1, `repeat`) {
            let (p, ps) = try time(nil)
            let (t, tsum) = try time(output)
            plainRuns.append(p); tracedRuns.append(t)
            stalledRuns.append(tsum.file?.stalled ?? 0)
            s = ps; ts = tsum
        }
        let plain = plainRuns.map(\.wall), traced = tracedRuns.map(\.wall)
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        let virtual = Double(c.duration) / 1e9
        let bytes = ts.file?.bytes ?? 0
        print("simulated  \(DurationText.format(c.duration)) of a 5-node cluster at 100 writes/s: \(s.statistics.events) events, \(s.statistics.committedWrites) writes committed")
        print(String(format: "no trace   best %.3f s (%.0fx real time), median %.3f s", plain.min()!, virtual / plain.min()!, median(plain)))
        print(String(format: "traced     best %.3f s (%.0fx real time), median %.3f s; %llu bytes, %.2f bytes/event",
                     traced.min()!, virtual / traced.min()!, median(traced), bytes, Double(bytes) / Double(ts.statistics.events)))
        print(String(format: "overhead   %.1f%% for tracing (best against best), %.1f%% (median against median)",
                     (traced.min()! / plain.min()! - 1) * 100, (median(traced) / median(plain) - 1) * 100))
        // CPU time splits the cost: what tracing adds on the recording thread, and what the
        // writer's own thread does beside it (threads that contend for a core both run slower, so
        // these rise too on a busy machine).
        let threadPlain = plainRuns.map(\.thread).min()!, threadTraced = tracedRuns.map(\.thread).min()!
        let writer = tracedRuns.map { $0.process - $0.thread }.min()!
        print(String(format: "cpu        recording thread best %.3f s untraced, %.3f s traced (+%.1f%%); the writer's thread %.3f s (%.0f%% of the untraced run)",
                     threadPlain, threadTraced, (threadTraced / threadPlain - 1) * 100, writer, writer / threadPlain * 100))
        // Time the recording thread waited for the writer's thread to free a batch: when the
        // writer's thread cannot keep up, this is where the traced run's extra wall time goes.
        let stalls = stalledRuns.map { Double($0) / 1e9 }
        print(String(format: "waiting    the recording thread waited for the writer's thread %.3f-%.3f s per traced run (median %.3f s)",
                     stalls.min()!, stalls.max()!, median(stalls)))
    }
}
