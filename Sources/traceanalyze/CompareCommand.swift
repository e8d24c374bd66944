import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TraceAnalyzer
import TraceFormat

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare runs: configuration differences, metrics side by side, and what a single changed setting did."
    )

    @Argument(help: "Two or more trace files; the first is the baseline.") var files: [String]
    @Option(name: .customLong("report"), help: "Report format: text, json, html, or chrome (every run's timeline, one process each, for ui.perfetto.dev). Default: from the output file's extension (.chrome.json, .json, .html), else text.")
    var reportOption: AnalyzeCommand.Format?
    @Option(name: .shortAndLong, help: "Where to write the report ('-' for standard output). Default: standard output for text, compare.json, compare.html or compare.chrome.json next to the first trace otherwise.")
    var output: String?

    var report: AnalyzeCommand.Format { .resolve(reportOption, output: output) }

    func validate() throws {
        if files.count < 2 { throw ValidationError("give at least two traces to compare") }
    }

    func run() throws {
        var items: [(path: String, metadata: TraceMetadata, report: AnalysisReport)] = []
        for f in files {
            do {
                let file = try TraceFile.open(f, readingAhead: true)
                items.append((f, file.metadata, try TraceAnalysis.analyze(file)))
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
        }
        let comparison = RunComparison(items)
        let data: Data = switch report {
        case .text: Data(CompareReport.text(comparison).utf8)
        case .json: CompareReport.json(comparison)
        case .html: Data(CompareReport.html(comparison, reports: items.map(\.report)).utf8)
        case .chrome: ChromeTraceReport.render(runs: zip(comparison.runs, items).map { ($0.label, $1.report) })
        }
        let path = output ?? (report == .text ? "-" : URL(fileURLWithPath: files[0]).deletingLastPathComponent()
            .appendingPathComponent(report == .chrome ? "compare.chrome.json" : "compare.\(report.rawValue)").path)
        if path == "-" {
            writeStandardOutput(data)
            return
        }
        try writeReport(data, to: path)
        print("wrote \(path)")
    }
}
