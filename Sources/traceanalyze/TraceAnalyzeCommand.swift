import ArgumentParser
import TraceAnalyzer
import TraceFormat

@main
struct TraceAnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "traceanalyze",
        abstract: "Explain why a Raft cluster lost its leader, from a trace recorded by raftrecord.",
        version: "\(TraceAnalyzerVersion.current) (trace format \(TraceFormatVersion.text))",
        subcommands: [AnalyzeCommand.self, CompareCommand.self, CheckCommand.self, EventsCommand.self, InfoCommand.self, BenchCommand.self],
        defaultSubcommand: AnalyzeCommand.self
    )

    static func main() {
        // First, while this is the only thread: the runtime's caches written in by one call,
        // not faulted in page by page by every thread (docs/performance.md).
        ZeroInitialisedData.populate()
        if EarlyAnalysis.run(CommandLine.arguments) { return }
        main(nil)
    }
}
