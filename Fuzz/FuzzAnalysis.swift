// A libFuzzer target for the analysis (Fuzz/run.sh builds and runs it next to the reader's). The
// reader's target shows that damaged bytes give errors; this one starts past the reader, where a
// trace is well formed but its events need not make sense as a Raft run (a writer's bug, a
// hand-made or hostile trace): the analysis and every report must still finish, never trap or hang.
//
// The input is read as a small program that writes events: one byte of settings (cluster size,
// features, reads, a focus, which reports), then per event a kind, a node and a time step, each
// value a byte (small) or, after a byte over 250, eight more (anything up to 2^64 - 1).
import TraceAnalyzer
import TraceFormat

private struct Input {
    var bytes: UnsafeBufferPointer<UInt8>
    var at = 0

    mutating func byte() -> UInt8? {
        guard at < bytes.count else { return nil }
        defer { at += 1 }
        return bytes[at]
    }

    /// Mostly small; after a byte over 250 the next eight bytes, little-endian.
    mutating func value() -> UInt64 {
        guard let b = byte() else { return 0 }
        guard b > 250 else { return UInt64(b) }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(byte() ?? 0) << (8 * UInt64(k)) }
        return v
    }

    mutating func flag() -> Bool { (byte() ?? 0) & 1 == 1 }

    mutating func pick<T: CaseIterable>(_: T.Type) -> T where T.AllCases: RandomAccessCollection {
        let all = T.allCases
        return all[all.index(all.startIndex, offsetBy: Int(byte() ?? 0) % all.count)]
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAnalysis(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var input = Input(bytes: UnsafeBufferPointer(start: data, count: size))
    guard let settings = input.byte() else { return 0 }
    let nodes = 3 + Int(settings % 3)
    var run = RunConfiguration(scenario: "fuzz", clusterSize: nodes)
    run.features = RaftFeatures(preVote: settings & 8 != 0, checkQuorum: settings & 16 != 0)
    if settings & 32 != 0 { run.workload.readsPerSecond = 10 }
    let metadata = TraceMetadata(writer: .init(name: "fuzz", version: "1"),
                                 nodes: run.nodeIDs.map { .init(id: $0, name: $0.description) }, run: run)
    // Node ids beyond the cluster, too (a node the metadata does not name).
    func node(_ input: inout Input) -> NodeID { NodeID(UInt32(1 + (input.byte() ?? 0) % UInt8(nodes + 2))) }

    let environment: Set<EventTag> = [.linkCut, .linkHealed, .linkDegraded, .clockDriftSet, .label]
    var events: [TraceEvent] = []
    var time: UInt64 = 0
    while events.count < 2_000, let k = input.byte() {
        let step = input.value() &* 1_000_000
        time = UInt64.max - time < step ? .max : time + step
        let n = node(&input)
        let v = { input.value() }
        let kind: TraceEvent.Kind
        switch k % 40 {
        case 0: kind = .nodeStarted(NodeRecovery(term: v(), vote: input.flag() ? node(&input) : nil, lastIndex: v(), lastTerm: v(),
                                                 restart: input.flag()))
        case 1: kind = .nodeCrashed
        case 2: kind = .nodePaused
        case 3: kind = .nodeResumed
        case 4: kind = .becameFollower(term: v(), leader: input.flag() ? node(&input) : nil)
        case 5: kind = .becamePreCandidate(term: v())
        case 6: kind = .becameCandidate(term: v())
        case 7: kind = .becameLeader(term: v())
        case 8: kind = .termChanged(from: v(), to: v(), cause: input.pick(TermChangeCause.self))
        case 9: kind = .leaderSteppedDown(term: v(), reason: input.pick(StepDownReason.self))
        case 10: kind = .electionTimerFired(term: v())
        case 11: kind = .voteRequested(VoteRequest(to: node(&input), term: v(), lastIndex: v(), lastTerm: v(), preVote: input.flag()))
        case 12: kind = .voteGranted(candidate: node(&input), term: v(), preVote: input.flag())
        case 13: kind = .voteRejected(candidate: node(&input), term: v(), preVote: input.flag(), reason: input.pick(VoteRejectReason.self))
        case 14, 15, 16: kind = .messageSent(MessageSend(id: v(), to: node(&input), type: input.pick(MessageType.self), term: v(),
                                                         entries: UInt32(truncatingIfNeeded: v()), bytes: 1))
        case 17, 18: kind = .messageDelivered(id: v())
        case 19: kind = .messageDropped(id: v(), reason: input.pick(DropReason.self))
        case 20: kind = .entryProposed(request: v(), index: v(), term: v())
        case 21: kind = .entriesAppended(first: v(), last: v(), term: v())
        case 22: kind = .logTruncated(from: v())
        case 23: kind = .commitAdvanced(from: v(), to: v())
        case 24: kind = .entryApplied(index: v(), term: v(), hash: v())
        case 25: kind = .clientRequest(id: v(), kind: input.pick(ClientRequestKind.self))
        case 26: kind = .clientResponse(id: v(), outcome: input.pick(ClientOutcome.self), latency: v())
        case 27: kind = .readIndexStarted(request: v(), index: v())
        case 28: kind = .readServed(request: v(), index: v(), mode: input.pick(ReadMode.self))
        case 29: kind = .snapshotTaken(index: v(), term: v())
        case 30: kind = .snapshotSent(to: node(&input), index: v(), term: v())
        case 31: kind = .snapshotInstalled(index: v(), term: v())
        case 32: kind = .membershipChangeProposed(change: input.pick(MembershipChange.self), target: node(&input), index: v())
        case 33: kind = .membershipChangeApplied(change: input.pick(MembershipChange.self), target: node(&input), index: v())
        case 34: kind = .transferStarted(target: node(&input), term: v())
        case 35: kind = .transferFinished(target: node(&input), term: v(), succeeded: input.flag())
        case 36: kind = .linkCut(DirectedLink(from: node(&input), to: node(&input)))
        case 37: kind = .linkHealed(DirectedLink(from: node(&input), to: node(&input)))
        case 38: kind = .linkDegraded(link: DirectedLink(from: node(&input), to: node(&input)),
                                      lossPPM: UInt32(truncatingIfNeeded: v()), extraLatency: v())
        default: kind = input.flag() ? .clockDriftSet(target: node(&input), ppm: Int32(truncatingIfNeeded: v()))
                                      : .label(fault: UInt32(truncatingIfNeeded: v()))
        }
        events.append(TraceEvent(time: time, node: environment.contains(kind.tag) ? nil : n, kind))
    }
    guard let first = events.first?.time else { return 0 }
    // When asked for, a focus on the run's last two thirds (`time` never went back).
    let focus = settings & 64 == 0 ? nil : (first + (time - first) / 3)...time
    let report = TraceAnalysis.analyze(events: events, metadata: metadata, focus: focus)
    _ = TextReport.render(report, color: settings & 128 != 0)
    // The JSON-encoded reports take most of a run's time (the timeline's columns): half the inputs.
    if settings & 4 != 0 {
        _ = JSONReport.render(report)
        _ = HTMLReport.render(report)
        _ = ChromeTraceReport.render(report)
    }
    return 0
}
