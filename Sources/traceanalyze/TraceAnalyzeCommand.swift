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
        if EarlyAnalysis.run(CommandLine.arguments) { return }
        main(nil)
    }
}
