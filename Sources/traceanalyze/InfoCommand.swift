import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TraceAnalyzer
import TraceFormat

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print a trace's metadata, frames, event counts by kind, time range and integrity."
    )

    @Argument(help: "The trace file.") var file: String
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        let trace: TraceFile
        do { trace = try TraceFile.open(file) } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
        let inventory = TraceInventory(file: trace)
        let report = InfoReport(trace: trace, inventory: inventory)
        print(json ? report.json() : report.text())
        if !inventory.corruptFrames.isEmpty { throw ExitCode(1) }
    }
}

/// Renders `info` output; facts come from `TraceFile` and `TraceInventory` only.
struct InfoReport {
    let trace: TraceFile
    let inventory: TraceInventory

    /// The status and one line per problem.
    var integrity: (status: String, problems: [String]) {
        let corrupt = inventory.corruptFrames.map(\.description)
        switch trace.integrity {
        case .ok:
            return (corrupt.isEmpty ? "ok" : "corrupt", corrupt)
        case .recovered(let lost, let reason):
            // A recovery scan that passed over damage lists each damaged stretch as a corrupt frame.
            return ("recovered", ["\(reason); \(lost) bytes at the tail lost"] + corrupt)
        }
    }

    func text() -> String {
        let m = trace.metadata
        let run = m.run
        var lines: [String] = []
        func row(_ k: String, _ v: String) { lines.append(ReportText.padded(k, to: 11) + v) }
        row("trace", "\(trace.path) (\(trace.fileSize) bytes)")
        row("format", "\(trace.formatVersion.major).\(trace.formatVersion.minor), written by \(m.writer.name) \(m.writer.version)")
        row("created", m.createdAt.map { "\(Date(timeIntervalSince1970: TimeInterval($0)))" } ?? "not recorded")
        row("scenario", "\(run.scenario) (seed \(run.seed))" + (run.summary.isEmpty ? "" : ": \(run.summary)"))
        row("nodes", "\(m.nodes.count): " + m.nodes.map(\.name).joined(separator: " "))
        row("features", ReportText.features(run.features))
        row("timing", "election timeout \(DurationText.format(run.timing.electionTimeoutMin))-\(DurationText.format(run.timing.electionTimeoutMax)), heartbeat \(DurationText.format(run.timing.heartbeatInterval))")
        row("snapshots", ReportText.snapshotPolicy(run.snapshots))
        row("network", ReportText.networkModel(run.network))
        row("faults", run.faults.isEmpty ? "none scheduled" : "\(run.faults.count) scheduled")
        row("frames", "\(trace.eventFrameCount) event frames")
        let span = inventory.firstTime.flatMap { a in inventory.lastTime.map { DurationText.format($0 - a) } } ?? "-"
        row("events", "\(inventory.decodedEvents) over \(span)")
        if let a = inventory.firstTime, let b = inventory.lastTime {
            row("time", "\(DurationText.format(a)) .. \(DurationText.format(b))")
        }
        let (status, problems) = integrity
        // One line per problem, aligned under the first.
        row("integrity", status + (problems.isEmpty ? "" : ": " + problems.joined(separator: "\n" + String(repeating: " ", count: 11))))
        lines.append("events by kind:")
        for (tag, n) in inventory.countsByKind.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            lines.append("  " + ReportText.padded(tag.description, to: 26) + String(n))
        }
        return lines.joined(separator: "\n")
    }

    func json() -> String {
        struct Out: Encodable {
            var path: String
            var fileBytes: UInt64
            var formatVersion: String
            var metadata: TraceMetadata
            var frames: Int
            var events: UInt64
            var firstTime: UInt64?
            var lastTime: UInt64?
            var integrity: String
            var integrityDetail: String?
            var eventsByKind: [String: UInt64]
        }
        let (status, problems) = integrity
        let out = Out(path: trace.path, fileBytes: trace.fileSize,
                      formatVersion: "\(trace.formatVersion.major).\(trace.formatVersion.minor)",
                      metadata: trace.metadata, frames: trace.eventFrameCount, events: inventory.decodedEvents,
                      firstTime: inventory.firstTime, lastTime: inventory.lastTime, integrity: status,
                      integrityDetail: problems.isEmpty ? nil : problems.joined(separator: "\n"),
                      eventsByKind: Dictionary(uniqueKeysWithValues: inventory.countsByKind.map { ($0.key.description, $0.value) }))
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try! enc.encode(out), as: UTF8.self)
    }
}
