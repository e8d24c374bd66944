import Foundation
import RaftRecorder
import TestSupport
import TraceAnalyzer
import TraceFormat

/// Records a catalog scenario (optionally with other features) to a temporary trace and analyzes it.
func analyzeScenario(_ name: String, features: RaftFeatures? = nil, seed: UInt64 = 1,
                     duration: UInt64? = nil, snapshots: SnapshotPolicy? = nil,
                     writesPerSecond: Double? = nil) throws -> (report: AnalysisReport, path: String) {
    var c = ScenarioCatalog.named(name)!.configuration
    if let writesPerSecond { c.workload.writesPerSecond = writesPerSecond }
    if let features { c.features = features }
    if let snapshots { c.snapshots = snapshots }
    c.seed = seed
    if let duration { c.duration = duration }
    let path = Scratch.path("analyzer-\(name).trace")
    _ = try Recorder.record(c, to: path)
    return (try TraceAnalysis.analyze(try TraceFile.open(path)), path)
}

/// All events of a trace by ordinal, to check that evidence points at real events.
func eventsByOrdinal(_ path: String) throws -> [TraceEvent] {
    var all: [TraceEvent] = []
    try TraceFile.open(path).forEachEvent { all.append($0) }
    return all
}

/// Writes hand-made events to a trace with `nodes` nodes (of a run whose clients read, if
/// `reads`, so that the stale-read check follows them).
func writeTrace(_ events: [TraceEvent], nodes: Int = 3, scenario: String = "hand-made",
                faults: [ScheduledFault] = [], reads: Bool = false) throws -> String {
    let path = Scratch.path("hand.trace")
    var run = RunConfiguration(scenario: scenario, clusterSize: nodes)
    run.faults = faults
    if reads { run.workload.readsPerSecond = 10 }
    run.summary = "made by a test"
    let meta = TraceMetadata(writer: .init(name: "tests", version: "1"),
                             nodes: run.nodeIDs.map { .init(id: $0, name: $0.description) }, run: run)
    let w = try TraceWriter(path: path, metadata: meta)
    for e in events { try w.append(e) }
    try w.close()
    return path
}
