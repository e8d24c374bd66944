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

/// A hand-made event at `ms` milliseconds on node `n` (nil: the network's or the scenario's).
func handEvent(_ ms: UInt64, _ n: UInt32?, _ kind: TraceEvent.Kind) -> TraceEvent {
    TraceEvent(time: ms * nsPerMillisecond, node: n.map { NodeID(rawValue: $0) }, kind)
}

/// Hand-made events of a stable leader: three nodes start; n1 times out at 200ms and is elected
/// for term 1 with n2's vote; n2 and n3 follow it from 215ms; it commits at 220ms.
func threeNodesWithN1Leading() -> [TraceEvent] {
    let n1 = NodeID(rawValue: 1)
    let start = NodeRecovery(term: 0, vote: nil, lastIndex: 0, lastTerm: 0, restart: false)
    return (1...3).map { handEvent(0, UInt32($0), .nodeStarted(start)) } + [
        handEvent(200, 1, .electionTimerFired(term: 0)), handEvent(200, 1, .termChanged(from: 0, to: 1, cause: .campaign)),
        handEvent(200, 1, .becameCandidate(term: 1)),
        handEvent(205, 2, .termChanged(from: 0, to: 1, cause: .higherTermSeen)), handEvent(205, 2, .becameFollower(term: 1, leader: nil)),
        handEvent(205, 2, .voteGranted(candidate: n1, term: 1, preVote: false)),
        handEvent(210, 1, .becameLeader(term: 1)),
        handEvent(215, 2, .becameFollower(term: 1, leader: n1)),
        handEvent(215, 3, .termChanged(from: 0, to: 1, cause: .higherTermSeen)), handEvent(215, 3, .becameFollower(term: 1, leader: n1)),
        handEvent(220, 1, .commitAdvanced(from: 0, to: 1)),
    ]
}

/// Hand-made events: the links between `node` and each of `others`, both ways, cut (or healed)
/// at `ms`.
func linksChanged(between node: UInt32, and others: [UInt32], at ms: UInt64, healed: Bool = false) -> [TraceEvent] {
    let a = NodeID(rawValue: node)
    return others.flatMap { other -> [TraceEvent] in
        let b = NodeID(rawValue: other)
        return [DirectedLink(from: a, to: b), DirectedLink(from: b, to: a)].map { handEvent(ms, nil, healed ? .linkHealed($0) : .linkCut($0)) }
    }
}
