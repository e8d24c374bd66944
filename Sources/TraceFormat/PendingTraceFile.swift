import Dispatch

/// A trace being opened on a thread of its own (reading ahead, as `TraceFile.open(_:readingAhead:)`
/// with `true`), for a caller with other work to do first: its metadata and index are read and its
/// first frames decoded meanwhile. `wait()` gives the trace, or why it did not open.
public final class PendingTraceFile: @unchecked Sendable {
    public let path: String
    /// When the opening started.
    public let started: ContinuousClock.Instant
    private let opened = DispatchSemaphore(value: 0)
    /// Written by the opening thread before `opened` is signalled, read only after it.
    private var result: Result<TraceFile, TraceFormatError>?

    init(path: String) {
        self.path = path
        started = .now
        let worker = SerialWorker(name: "trace-open")
        worker.async { [self] in
            result = Result { () throws(TraceFormatError) in try TraceFile.open(path, readingAhead: true) }
            opened.signal()
        }
        worker.stop()  // the thread ends after the opening
    }

    /// Waits for the opening to finish.
    public func wait() -> Result<TraceFile, TraceFormatError> {
        opened.wait()
        opened.signal()  // so that a later call does not wait
        guard let result else { preconditionFailure("opening signalled without a result") }
        return result
    }
}

extension TraceFile {
    /// Starts opening the trace at `path` on a thread of its own, reading ahead.
    public static func openInBackground(_ path: String) -> PendingTraceFile { PendingTraceFile(path: path) }
}
