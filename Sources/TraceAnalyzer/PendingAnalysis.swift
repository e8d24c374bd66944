import Dispatch
import Synchronization
import TraceFormat

extension TraceAnalysis {
    /// Opens the trace at `path` (reading ahead) and analyzes it with `options` on a thread of its
    /// own, for a caller with other work to do first: `traceanalyze` parses its command line
    /// meanwhile.
    public static func start(_ path: String, options: Options = .init()) -> Pending {
        Pending(path: path, options: options)
    }

    /// An analysis running on a thread of its own (`TraceAnalysis.start`).
    public final class Pending: @unchecked Sendable {
        public let path: String
        public let options: Options
        /// When the opening of the trace started.
        public let started: ContinuousClock.Instant
        private let cancelled = Atomic<Bool>(false)
        private let finished = DispatchSemaphore(value: 0)
        /// Written by the analysing thread before `finished` is signalled, read only after it.
        private var outcome: Outcome?

        /// The open trace and its analysis, or the error that ended the analysis.
        public struct Outcome {
            public let trace: TraceFile
            public let report: Result<AnalysisReport, TraceFormatError>
        }

        init(path: String, options: Options) {
            self.path = path
            self.options = options
            started = .now
            let worker = SerialWorker(name: "trace-analysis")
            worker.async { [self] in
                guard let trace = try? TraceFile.open(path, readingAhead: true) else {
                    finished.signal()
                    return
                }
                var state: Any?
                let report = Result { () throws(TraceFormatError) in
                    try TraceAnalysis.analyze(trace, options: options, stoppingIf: { self.cancelled.load(ordering: .relaxed) },
                                              leaving: &state)
                }
                if !cancelled.load(ordering: .relaxed) { outcome = Outcome(trace: trace, report: report) }
                finished.signal()
                // Released here, while the caller goes on with the report: the analysis' tables
                // and the reader's buffers, a dozen mappings returned to the system.
                state = nil
            }
            worker.stop()  // the thread ends after the analysis
        }

        /// Waits for the analysis to finish: nil if the trace did not open (`TraceFile.open` says
        /// why) or the analysis was cancelled.
        public func wait() -> Outcome? {
            finished.wait()
            finished.signal()  // so that a later call does not wait
            return outcome
        }

        /// Stops the analysis at its next chunk of events and drops what it found.
        public func cancel() { cancelled.store(true, ordering: .relaxed) }
    }
}
