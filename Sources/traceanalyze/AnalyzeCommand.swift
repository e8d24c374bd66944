import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TraceAnalyzer
import TraceFormat

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Explain a trace: elections, disruptions, availability, safety, and which feature would have helped.",
        discussion: """
            The default command: `traceanalyze run.trace --report html` writes run.html next to the trace.

            --from and --to focus the report on a stretch of the run: its timeline covers the stretch \
            (role intervals exact, every message sent in it drawn as an arrow, up to 4,000) and its lists \
            hold the elections, disruptions, windows and advice that overlap it; the counts, totals and \
            percentiles stay those of the whole run, whose state before the stretch the analysis reads too.

              traceanalyze run.trace --report html --from 36m --to 36m10s
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, html, chrome

        /// `--report` if given, else what the output file's name ends in (`.chrome.json`, `.json`,
        /// `.html`, `.htm`), else text.
        static func resolve(_ option: Format?, output: String?) -> Format {
            if let option { return option }
            let name = output?.lowercased() ?? ""
            if name.hasSuffix(".chrome.json") { return .chrome }
            if name.hasSuffix(".json") { return .json }
            if name.hasSuffix(".html") || name.hasSuffix(".htm") { return .html }
            return .text
        }
    }

    @Argument(help: "The trace file.") var file: String
    @Option(name: .customLong("report"), help: "Report format: text (terminal), json, html, or chrome (the timeline as a Chrome trace for ui.perfetto.dev or chrome://tracing). Default: from the output file's extension (.chrome.json, .json, .html), else text.")
    var reportOption: Format?
    var report: Format { Format.resolve(reportOption, output: output) }
    @Option(name: .shortAndLong, help: "Where to write the report ('-' for standard output). Default: next to the trace for json, html and chrome (run.json, run.html, run.chrome.json).")
    var output: String?
    @Option(help: ArgumentHelp("Focus the report on the run from this trace time on (e.g. 36m, 2.9s).", valueName: "time"))
    var from: String?
    @Option(help: ArgumentHelp("Focus the report on the run up to this trace time.", valueName: "time")) var to: String?
    @Flag(help: "Skip corrupt frames instead of stopping at the first one.") var skipCorrupt = false
    @Flag(help: "Colour the terminal report even when not on a TTY.") var color = false
    @Flag(help: "Print the analysis time, events per second and peak memory to standard error.") var stats = false
    @Flag(help: "Re-run the recorded scenario with each advised feature on and report predicted against observed effects.")
    var verifyAdvice = false

    func validate() throws {
        _ = try traceTimeRange(from: from, to: to)
    }

    func run() throws {
        let focus = try traceTimeRange(from: from, to: to)
        let options = TraceAnalysis.Options(skipCorruptFrames: skipCorrupt, focus: focus)
        var analysis: AnalysisReport
        let clock = ContinuousClock()
        var started = clock.now
        let trace: TraceFile
        let early = EarlyAnalysis.take(file, options: options)
        if let early {
            trace = early.trace
            started = early.started
        } else {
            do {
                trace = try TraceFile.open(file, readingAhead: true)
            } catch {
                printReadError(error, skipping: skipCorrupt)
                throw ExitCode(1)
            }
        }
        let metadata = trace.metadata
        if let focus, let range = trace.timeRange, !range.overlaps(focus) {
            printError("error: \(file): the trace runs from \(ReportText.preciseTime(range.lowerBound)) to "
                + "\(ReportText.preciseTime(range.upperBound)); --from and --to select none of it")
            throw ExitCode(1)
        }
        do {
            analysis = try early?.report.get() ?? TraceAnalysis.analyze(trace, options: options)
        } catch {
            printReadError(error, skipping: skipCorrupt)
            throw ExitCode(1)
        }
        if verifyAdvice { analysis.verification = try AdviceReplay.verify(analysis, metadata: metadata) }
        if stats {
            let s = seconds(clock.now - started)
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let events = analysis.trace.events
            printError("analysis: \(events) events in \(ReportText.fixed(s, digits: 3)) s, "
                + "\(ReportText.fixed(Double(events) / s / 1e6, digits: 1)) M events/s, "
                + "peak memory \(ReportText.fixed(Double(usage.ru_maxrss) / 1024, digits: 1)) MiB")
        }
        let data: Data
        switch report {
        case .text:
            let tty = isatty(STDOUT_FILENO) != 0
            let text = TextReport.render(analysis, color: color || (tty && output == nil))
            guard let output, output != "-" else { print(text, terminator: ""); return }
            data = Data(text.utf8)
        case .json: data = JSONReport.render(analysis)
        case .html: data = Data(HTMLReport.render(analysis).utf8)
        case .chrome: data = ChromeTraceReport.render(analysis)
        }
        let path = output ?? defaultPath(for: report)
        if path == "-" {
            writeStandardOutput(data)
            return
        }
        try writeReport(data, to: path)
        print("wrote \(path)")
    }

    /// Next to the trace: run.json, run.html, run.chrome.json.
    func defaultPath(for format: Format) -> String {
        let url = URL(fileURLWithPath: file).deletingPathExtension()
        let ext = format == .chrome ? "chrome.json" : format.rawValue
        return url.appendingPathExtension(ext).path
    }
}
