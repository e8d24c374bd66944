import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TraceAnalyzer
import TraceFormat

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check Raft's safety properties; exit 1 if any is violated (2 if the trace cannot be read).",
        discussion: "Election safety, state machine safety, monotonic commit indexes, append-only leaders, and linearizable reads when the run read."
    )

    @Argument(help: "The trace file.") var file: String
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Skip corrupt frames instead of stopping at the first one.") var skipCorrupt = false

    func run() throws {
        let report: AnalysisReport
        do { report = try TraceAnalysis.analyze(try TraceFile.open(file, readingAhead: true), options: .init(skipCorruptFrames: skipCorrupt)) } catch {
            printReadError(error, skipping: skipCorrupt)
            throw ExitCode(2)
        }
        let s = report.safety
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(s), as: UTF8.self))
        } else if s.violations.isEmpty {
            let reads = s.readsChecked > 0 ? ", \(ReportText.count(s.readsChecked, "read"))" : ""
            print("\(file): safe: \(ReportText.count(s.leadersChecked, "leader election")), \(s.appliedEntriesChecked) applied entries\(reads) checked")
        } else {
            print("\(file): \(ReportText.count(s.violationCount, "safety violation"))"
                  + (s.violationCount > s.violations.count ? " (the first \(s.violations.count) listed)" : ""))
            for v in s.violations {
                print("  \(ReportText.violationLine(v))")
                for e in v.evidence { print("    \(ReportText.event(e))") }
            }
        }
        let t = report.trace
        if !json, t.integrity != "ok" {
            // A recovered or damaged trace is checked only as far as it could be read: say so,
            // so that "safe" is not taken for the whole run.
            let span = "only \(ReportText.time(t.start))-\(ReportText.time(t.end))"
                + (t.unread.isEmpty ? "" : ", less the unread stretches,")
            print("  \(span) could be checked: integrity \(ReportText.integrity(t))")
        }
        if !s.violations.isEmpty { throw ExitCode(1) }
    }
}
