import Foundation
import TestSupport
import TraceFormat

func temporaryPath(_ name: String = "t") -> String { Scratch.path("\(name).trace") }

let testMetadata = TraceMetadata(
    writer: .init(name: "tests", version: "1"),
    nodes: (1...5).map { .init(id: NodeID(UInt32($0)), name: "n\($0)") },
    run: RunConfiguration(scenario: "unit", seed: 42, faults: [ScheduledFault(at: 5, .isolate(.node(NodeID(3))))])
)

/// One event of every kind, with field values at their extremes.
let everyKind: [TraceEvent.Kind] = {
    let big = UInt64.max
    let n1 = NodeID(1), nmax = NodeID(UInt32.max)
    return [
        .nodeStarted(NodeRecovery(term: big, vote: nmax, lastIndex: big, lastTerm: 0, restart: true)),
        .nodeStarted(NodeRecovery(term: 0, vote: nil, lastIndex: 0, lastTerm: 0, restart: false)),
        .nodeCrashed, .nodePaused, .nodeResumed,
        .becameFollower(term: big, leader: nil), .becameFollower(term: 1, leader: nmax),
        .becamePreCandidate(term: big), .becameCandidate(term: 0), .becameLeader(term: 7),
        .termChanged(from: 0, to: big, cause: .campaign), .termChanged(from: big, to: 0, cause: .higherTermSeen),
        .leaderSteppedDown(term: 3, reason: .lostQuorum),
        .electionTimerFired(term: big),
        .voteRequested(VoteRequest(to: nmax, term: big, lastIndex: big, lastTerm: big, preVote: true)),
        .voteGranted(candidate: n1, term: big, preVote: false),
        .voteRejected(candidate: nmax, term: 0, preVote: true, reason: .leaderRecentlyHeard),
        .messageSent(MessageSend(id: big, to: nmax, type: .readIndexResponse, term: big, entries: .max, bytes: .max)),
        .messageSent(MessageSend(id: 0, to: n1, type: .append, term: 0, entries: 0, bytes: 0)),
        .messageDelivered(id: big), .messageDelivered(id: 0), .messageDropped(id: 12, reason: .receiverDown),
        .entryProposed(request: big, index: 0, term: big), .entriesAppended(first: 5, last: big, term: 2),
        .entriesAppended(first: big, last: big, term: 0),
        .logTruncated(from: big), .commitAdvanced(from: 0, to: big), .commitAdvanced(from: big, to: 3), .entryApplied(index: big, term: big, hash: big),
        .clientRequest(id: 0, kind: .read), .clientResponse(id: big, outcome: .timeout, latency: big),
        .readIndexStarted(request: 1, index: big), .readServed(request: big, index: 0, mode: .lease),
        .snapshotTaken(index: big, term: 1), .snapshotSent(to: nmax, index: 0, term: big),
        .snapshotInstalled(index: 3, term: 3),
        .membershipChangeProposed(change: .addLearner, target: nmax, index: big),
        .membershipChangeApplied(change: .remove, target: n1, index: 0),
        .transferStarted(target: n1, term: big), .transferFinished(target: nmax, term: 0, succeeded: true),
        .linkCut(DirectedLink(from: n1, to: nmax)), .linkCut(DirectedLink(from: nmax, to: n1)),
        .linkHealed(DirectedLink(from: n1, to: NodeID(2))),
        .linkDegraded(link: DirectedLink(from: n1, to: nmax), lossPPM: .max, extraLatency: big),
        .clockDriftSet(target: n1, ppm: .min), .clockDriftSet(target: nmax, ppm: .max),
        .label(fault: 0), .label(fault: .max),
    ]
}()

/// Writes `events` with small frames so that even short lists span several frames.
@discardableResult
func writeTrace(_ path: String, _ events: some Sequence<TraceEvent>, options: TraceWriter.Options = .init(frameBytes: 4096),
                close: Bool = true) throws -> TraceWriter.Summary? {
    let w = try TraceWriter(path: path, metadata: testMetadata, options: options)
    for e in events { try w.append(e) }
    if close { return try w.close() }
    try w.flush()
    return nil
}

func readAll(_ path: String) throws -> [TraceEvent] {
    var out: [TraceEvent] = []
    try TraceFile.open(path).forEachEvent { out.append($0) }
    return out
}
