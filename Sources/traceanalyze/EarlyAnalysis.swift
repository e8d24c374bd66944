import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TraceAnalyzer

/// The analysis of the trace a command line for the default command names, started on a thread of
/// its own (`TraceAnalysis.start`) before ArgumentParser parses that command line, which it does
/// by reflection over the commands' properties in about 1.3 ms, a sixth of a one-minute trace's
/// analysis: the trace is opened first (its frames then decode on the reader's thread) and
/// analysed meanwhile, on the processor the parse leaves idle.
/// `AnalyzeCommand.run` takes the analysis if the parsed command names the same file with the
/// same analysis options, and cancels it otherwise; any other command (help, an error) leaves it,
/// and it goes with the process. It is started with the default options, and not at all when an
/// argument asks for others (`--from`, `--to`, `--skip-corrupt`), so that a run that will not use
/// it does not spend a processor on it.
///
/// Only what the file system says is a regular file is opened, and the command line decides as
/// ever: a trace that does not open early is opened again by the command, which reports the error.
enum EarlyAnalysis {
    /// Set by `start` before the command line is parsed and taken after, on the main thread.
    nonisolated(unsafe) private static var pending: TraceAnalysis.Pending?

    /// Starts analysing the trace `arguments` (the process' own, program name first) name, if they
    /// read as the default command's: a first argument that is neither an option nor a command's
    /// name, or the one after `analyze`.
    static func start(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        if rest.first == AnalyzeCommand.configuration.commandName { rest = rest.dropFirst() }
        guard let path = rest.first, !path.hasPrefix("-"), path != "help",
              !TraceAnalyzeCommand.configuration.subcommands.contains(where: { $0.configuration.commandName == path }),
              !rest.contains(where: { ["--from", "--to", "--skip-corrupt"].contains(String($0.prefix { $0 != "=" })) })
        else { return }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return }
        pending = TraceAnalysis.start(path, options: TraceAnalysis.Options())
    }

    /// The analysis of the trace at `path` with `options`, if it is the one started early and its
    /// trace opened, and when the opening started; waits for the analysis to finish.
    static func take(_ path: String, options: TraceAnalysis.Options) -> (outcome: TraceAnalysis.Pending.Outcome, started: ContinuousClock.Instant)? {
        guard let early = pending else { return nil }
        pending = nil
        guard early.path == path, early.options == options else {
            early.cancel()
            return nil
        }
        return early.wait().map { ($0, early.started) }
    }
}
