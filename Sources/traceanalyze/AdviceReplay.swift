import RaftRecorder
import TraceAnalyzer
import TraceFormat

/// Joins the analyzer and the recorder: replays a recorded configuration with each advised
/// feature on (one replay per feature) and compares the same stretch of time.
enum AdviceReplay {
    static func verify(_ report: AnalysisReport, metadata: TraceMetadata) throws -> [AdviceVerification] {
        func noneVerifiable(_ why: String) -> [AdviceVerification] {
            report.advice.enumerated().map {
                AdviceVerification(index: $0.offset, advice: $0.element, original: report, unverifiable: why)
            }
        }
        guard metadata.writer.name == Recorder.writerName else {
            return noneVerifiable("the trace was written by \(metadata.writer.name), not by raftrecord, so it cannot be re-run")
        }
        if let problem = metadata.run.timing.problem { return noneVerifiable("its recorded timing cannot be run again: \(problem)") }
        var replays: [Advice.Feature: AnalysisReport] = [:]
        var out: [AdviceVerification] = []
        for (i, a) in report.advice.enumerated() {
            guard let config = AdviceVerification.enabling(a.feature, in: metadata.run, report: report) else {
                let why = a.feature == .leadershipTransfer
                    ? "the crash or removal was not scheduled at a fixed time, so the replay cannot hand leadership over before it"
                    : "the simulator does not implement \(ReportText.featureName(a.feature).lowercased()) yet"
                out.append(AdviceVerification(index: i, advice: a, original: report, unverifiable: why))
                continue
            }
            if replays[a.feature] == nil {
                let events = try Recorder.events(config)
                replays[a.feature] = TraceAnalysis.analyze(events: events, metadata: Recorder.metadata(for: config),
                                                           timeRange: 0...config.duration)
            }
            out.append(AdviceVerification(index: i, advice: a, original: report, replay: replays[a.feature]!))
        }
        return out
    }
}
