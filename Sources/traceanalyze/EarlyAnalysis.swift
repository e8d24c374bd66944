import ArgumentParser
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TraceAnalyzer
import TraceFormat

/// The analysis of the trace a command line for the default command names, done on the main
/// thread while ArgumentParser parses that command line on another, which it does by reflection
/// over the commands' properties in about 1.3 ms, a sixth of a one-minute trace's analysis. The
/// trace is opened (its frames start decoding on the reader's thread at once) and analysed here,
/// where no thread has to be started or woken before the first event or after the last. For a
/// trace of more than a few frames the parse starts before the opening: it then takes its
/// processor time while this thread reads the trace's metadata and sets up the analysis' tables
/// and the reader, two frames ahead, has time to spare, rather than while the reader is the one
/// the analysis waits for (a one-minute trace's analysis 8.94 -> 7.92 ms median). For a shorter
/// one, whose analysis is over before the parse, the parse starts after the opening, with a
/// processor to itself (a 5 s trace's analysis 4.35 ms median, 4.75 with the parse first;
/// docs/performance.md). `AnalyzeCommand.run` takes the analysis if the parsed command names the
/// same file with the same analysis options; any other outcome of the parse (another command,
/// help, an error) stops the analysis at its next chunk of events, and the parsed command runs as
/// ever. No analysis is done early when an argument asks for other options (`--from`, `--to`,
/// `--skip-corrupt`), so that a run that will not use it does not spend a processor on it.
///
/// Only what the file system says is a regular file is opened, and the command line decides as
/// ever: a trace that does not open early is opened again by the command, which reports the error.
enum EarlyAnalysis {
    /// The early analysis, always with the default options.
    private struct Finished {
        let path: String
        let trace: TraceFile
        let report: Result<AnalysisReport, TraceFormatError>
        let started: ContinuousClock.Instant
    }

    /// Set before the parsed command runs and taken by it, on the main thread.
    nonisolated(unsafe) private static var finished: Finished?
    /// The analysis' tables and the reader's buffers, never released: they go with the process,
    /// which returns a dozen mappings to the system faster than as many `munmap` calls.
    nonisolated(unsafe) private static var tables: Any?

    /// Runs the command line `arguments` (the process' own, program name first) as
    /// `ParsableCommand.main` would, analysing its trace while it is parsed, if they read as the
    /// default command's (a first argument that is neither an option nor a command's name, or the
    /// one after `analyze`) and names a regular file. Returns false, having done nothing, otherwise.
    static func run(_ arguments: [String]) -> Bool {
        guard let (path, bytes) = trace(in: arguments) else { return false }
        let started = ContinuousClock.now
        func startParse() -> Parse { Parse(Array(arguments.dropFirst()), wantsAnalysisOf: path) }
        let first = bytes >= parseFirstBytes ? startParse() : nil
        guard let trace = try? TraceFile.open(path, readingAhead: true) else {
            run((first ?? startParse()).wait())  // the command opens the trace again and reports why it does not open
            return true
        }
        let parse = first ?? startParse()
        var state: Any?
        let report = Result { () throws(TraceFormatError) in
            try TraceAnalysis.analyze(trace, options: .init(), stoppingIf: { parse.refused }, leaving: &state)
        }
        tables = state
        let parsed = parse.wait()
        if !parse.refused {
            finished = Finished(path: path, trace: trace, report: report, started: started)
        }
        run(parsed)
        return true
    }

    /// Runs the parsed command as `ParsableCommand.main` would, or exits with the parse's error.
    private static func run(_ parsed: Result<any ParsableCommand, any Error>) {
        do {
            var command = try parsed.get()
            try command.run()
        } catch {
            TraceAnalyzeCommand.exit(withError: error)
        }
    }

    /// Traces this large or larger (some three frames of a five-node cluster's steady traffic)
    /// have the parse started before they are opened.
    static let parseFirstBytes = 128 << 10

    /// The trace `arguments` name if they read as the default command's, and it is a regular
    /// file, and its size in bytes.
    private static func trace(in arguments: [String]) -> (path: String, bytes: Int)? {
        var rest = arguments.dropFirst()
        if rest.first == AnalyzeCommand.configuration.commandName { rest = rest.dropFirst() }
        guard let path = rest.first, !path.hasPrefix("-"), path != "help",
              !TraceAnalyzeCommand.configuration.subcommands.contains(where: { $0.configuration.commandName == path }),
              !rest.contains(where: { ["--from", "--to", "--skip-corrupt"].contains(String($0.prefix { $0 != "=" })) })
        else { return nil }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return (path, Int(info.st_size))
    }

    /// The trace at `path` and its analysis with `options`, if it is the one analysed early, and
    /// when the opening started.
    static func take(_ path: String, options: TraceAnalysis.Options)
        -> (trace: TraceFile, report: Result<AnalysisReport, TraceFormatError>, started: ContinuousClock.Instant)?
    {
        guard let early = finished else { return nil }
        finished = nil
        guard early.path == path, options == TraceAnalysis.Options() else { return nil }
        return (early.trace, early.report, early.started)
    }

    /// ArgumentParser's parse of a command line on a thread of its own. `refused` is set as soon
    /// as the parsed command turns out not to be the default command for the trace analysed.
    private final class Parse: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private let refusal = Atomic<Bool>(false)
        /// Written by the parsing thread before `done` is signalled, read only after it.
        private var parsed: Result<any ParsableCommand, any Error> = .failure(CancellationError())

        init(_ arguments: [String], wantsAnalysisOf path: String) {
            let worker = SerialWorker(name: "command-line")
            worker.async { [self] in
                parsed = Result { try TraceAnalyzeCommand.parseAsRoot(arguments) }
                let wanted = (try? parsed.get() as? AnalyzeCommand)?.file == path
                if !wanted { refusal.store(true, ordering: .relaxed) }
                done.signal()
            }
            worker.stop()
        }

        var refused: Bool { refusal.load(ordering: .relaxed) }

        func wait() -> Result<any ParsableCommand, any Error> {
            done.wait()
            return parsed
        }
    }
}
