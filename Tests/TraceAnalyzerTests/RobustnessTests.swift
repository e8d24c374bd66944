import Foundation
import Testing
import TraceFormat
@testable import TraceAnalyzer

/// Events that are well formed on the wire but make no sense as a Raft run (unknown nodes, terms
/// going back, huge indexes, commit ranges in reverse) must give a report, never a crash or a hang.
@Test(arguments: [1, 2, 3, 4])
func nonsenseEventsStillGiveAReport(seed: UInt64) throws {
    var rng = SplitMix64(seed: seed)
    func n() -> NodeID { NodeID(UInt32(1 + rng.next() % 7)) }
    func v() -> UInt64 { rng.next() % 4 == 0 ? rng.next() : rng.next() % 20 }
    var t: UInt64 = 0
    var events: [TraceEvent] = []
    for _ in 0..<5_000 {
        t += rng.next() % 3 == 0 ? 0 : rng.next() % 50_000_000
        let kinds: [TraceEvent.Kind] = [
            .nodeStarted(NodeRecovery(term: v(), vote: n(), lastIndex: v(), lastTerm: v(), restart: true)),
            .nodeCrashed, .becameFollower(term: v(), leader: rng.next() % 2 == 0 ? n() : nil),
            .becamePreCandidate(term: v()), .becameCandidate(term: v()), .becameLeader(term: v()),
            .termChanged(from: v(), to: v(), cause: rng.next() % 2 == 0 ? .campaign : .higherTermSeen),
            .leaderSteppedDown(term: v(), reason: [.higherTermSeen, .lostQuorum, .removed, .transfer][Int(rng.next() % 4)]),
            .electionTimerFired(term: v()),
            .voteRequested(VoteRequest(to: n(), term: v(), lastIndex: v(), lastTerm: v(), preVote: rng.next() % 2 == 0)),
            .voteGranted(candidate: n(), term: v(), preVote: rng.next() % 2 == 0),
            .voteRejected(candidate: n(), term: v(), preVote: true, reason: .logNotUpToDate),
            .messageSent(MessageSend(id: v(), to: n(), type: .heartbeat, term: v(), entries: 0, bytes: 1)),
            .messageDelivered(id: v()), .messageDropped(id: v(), reason: .loss),
            .entryProposed(request: v(), index: v(), term: v()),
            .entriesAppended(first: 5, last: 5 + v() % 1_000, term: v()), .logTruncated(from: v()),
            .commitAdvanced(from: v(), to: v()), .entryApplied(index: v(), term: v(), hash: v()),
            .clientRequest(id: v(), kind: .write), .clientResponse(id: v(), outcome: .ok, latency: v()),
            .linkCut(DirectedLink(from: n(), to: n())), .linkHealed(DirectedLink(from: n(), to: n())),
            .nodePaused, .nodeResumed, .label(fault: UInt32(truncatingIfNeeded: v())),
        ]
        let k = kinds[Int(rng.next() % UInt64(kinds.count))]
        let environment = [.linkCut, .linkHealed, .label].contains(k.tag)
        events.append(TraceEvent(time: t, node: environment ? nil : n(), k))
    }
    let path = try writeTrace(events, nodes: 5)
    let report = try TraceAnalysis.analyze(try TraceFile.open(path))
    #expect(report.trace.events == 5_000)
    #expect(!HTMLReport.render(report).isEmpty)
    #expect(!TextReport.render(report, color: false).isEmpty)
    #expect(!JSONReport.render(report).isEmpty)
}
