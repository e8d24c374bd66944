import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TraceFormat

/// The trace a command line for the default command names, opened on a thread of its own (reading
/// ahead) while ArgumentParser parses that command line, which it does by reflection over the
/// commands' properties in about 1.3 ms: the trace's metadata and index are read, and its first
/// frames decoded, on the processor the parse leaves idle. `AnalyzeCommand.run` takes the open
/// trace if the parsed command names the same file; otherwise (another command, help, an error)
/// nothing takes it, and it goes with the process.
///
/// Only what the file system says is a regular file is opened, and the command line decides as
/// ever: a trace that does not open early is opened again by the command, which reports the error.
enum EarlyOpen {
    /// Set by `start` before the command line is parsed and taken after, on the main thread.
    nonisolated(unsafe) private static var pending: PendingTraceFile?

    /// Starts opening the trace `arguments` (the process' own, program name first) name, if they
    /// read as the default command's: a first argument that is neither an option nor a command's
    /// name, or the one after `analyze`.
    static func start(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        if rest.first == AnalyzeCommand.configuration.commandName { rest = rest.dropFirst() }
        guard let path = rest.first, !path.hasPrefix("-"), path != "help",
              !TraceAnalyzeCommand.configuration.subcommands.contains(where: { $0.configuration.commandName == path })
        else { return }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return }
        pending = TraceFile.openInBackground(path)
    }

    /// The trace at `path` and when its opening started, if it is the one opened early and it
    /// opened; waits for the opening to finish.
    static func take(_ path: String) -> (trace: TraceFile, started: ContinuousClock.Instant)? {
        guard let early = pending, early.path == path else { return nil }
        pending = nil
        guard case .success(let trace) = early.wait() else { return nil }
        return (trace, early.started)
    }
}
