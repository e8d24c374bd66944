import Foundation
import Testing
import TraceFormat
@testable import TraceAnalyzer

/// Events that are well formed on the wire but make no sense as a Raft run (unknown nodes, terms
/// going back, huge indexes, commit ranges in reverse) must give a report, never a crash or a hang.
@Test(arguments: [1, 2, 3, 4])
func nonsenseEventsStillGiveAReport(seed: UInt64) throws {
    try analyzeNonsense(seed: seed, nearTheEnd: false)
}

/// The advice summary sums what each item avoided; a crafted trace's terms can differ by nearly
/// 2^64, and two such sums trapped (the nonsense run of seed 140 did it, with fewer event kinds).
@Test func adviceSumsSaturate() {
    var collector = AdviceCollector()
    let half = UInt64.max / 2 + 1
    for id in 1...2 {
        let d = Disruption(id: id, time: UInt64(id), leader: 1, term: 1, newTerm: half, cause: .rejoin, origin: 2,
                           termInflation: half, leaderlessFor: half, evidence: [])
        let a = Advice(feature: .preVote, disruptions: [id], window: nil, windowKind: nil, leader: 1, prevents: true,
                       candidate: 2, candidateLastIndex: 0, candidateLastTerm: 0, quorum: 2, preVoteGrants: 1, voters: [],
                       unavailabilityAvoided: half, termsAvoided: half, reference: "", evidence: [])
        collector.add(d, advice: [a])
    }
    let preVote = collector.summary.first { $0.feature == .preVote }
    #expect(preVote?.termsAvoided == .max && preVote?.unavailabilityAvoided == .max && preVote?.helps == 2)
    #expect(collector.disruptionTotals.leaderlessTotal == .max)
}

/// The same with times that leap towards the end of the clock (UInt64.max nanoseconds): margins
/// added to a time (the messages kept around a disruption, a flap watch, a round trip) saturate
/// instead of trapping (every seed tried crashed before).
@Test(arguments: [7, 8])
func nonsenseEventsNearTheEndOfTheClockStillGiveAReport(seed: UInt64) throws {
    try analyzeNonsense(seed: seed, nearTheEnd: true)
}

/// A pre-vote answered for an attempt that started in the last term there is (found by fuzzing
/// the analysis: working out the term after it trapped).
@Test func aPreVoteAfterTheLastTermGivesAReport() throws {
    let path = try writeTrace([
        TraceEvent(time: 1, node: NodeID(1), .electionTimerFired(term: .max)),
        TraceEvent(time: 2, node: NodeID(1), .becamePreCandidate(term: .max)),
        TraceEvent(time: 3, node: NodeID(2), .voteGranted(candidate: NodeID(1), term: 0, preVote: true)),
        TraceEvent(time: 4, node: NodeID(3), .voteRejected(candidate: NodeID(1), term: .max, preVote: true, reason: .logNotUpToDate)),
    ])
    let report = try TraceAnalysis.analyze(try TraceFile.open(path))
    let attempt = try #require(report.elections.list.first)
    #expect(attempt.fromTerm == .max && attempt.preVote == [])
}

/// Writes 5,000 random events of every kind (random nodes, terms, indexes and ids, some far
/// out of range) and checks that every report renders.
private func analyzeNonsense(seed: UInt64, nearTheEnd: Bool) throws {
    var rng = SplitMix64(seed: seed)
    func n() -> NodeID { NodeID(UInt32(1 + rng.next() % 7)) }
    func v() -> UInt64 { rng.next() % 4 == 0 ? rng.next() : rng.next() % 20 }
    var t: UInt64 = 0
    var events: [TraceEvent] = []
    for _ in 0..<5_000 {
        let leap = nearTheEnd && rng.next() % 60 == 0
        let step = rng.next() % 3 == 0 ? 0 : leap ? (UInt64.max - t) / 2 : rng.next() % 50_000_000
        t = UInt64.max - t < step ? .max : t + step
        let kinds: [TraceEvent.Kind] = [
            .nodeStarted(NodeRecovery(term: v(), vote: n(), lastIndex: v(), lastTerm: v(), restart: true)),
            .nodeCrashed, .becameFollower(term: v(), leader: rng.next() % 2 == 0 ? n() : nil),
            .becamePreCandidate(term: v()), .becameCandidate(term: v()), .becameLeader(term: v()),
            .termChanged(from: v(), to: v(), cause: rng.next() % 2 == 0 ? .campaign : .higherTermSeen),
            .leaderSteppedDown(term: v(), reason: [.higherTermSeen, .lostQuorum, .removed, .transfer][Int(rng.next() % 4)]),
            .electionTimerFired(term: v()),
            .voteRequested(VoteRequest(to: n(), term: v(), lastIndex: v(), lastTerm: v(), preVote: rng.next() % 2 == 0)),
            .voteGranted(candidate: n(), term: v(), preVote: rng.next() % 2 == 0),
            .voteRejected(candidate: n(), term: v(), preVote: rng.next() % 2 == 0,
                          reason: VoteRejectReason.allCases[Int(rng.next() % UInt64(VoteRejectReason.allCases.count))]),
            .messageSent(MessageSend(id: v(), to: n(), type: MessageType.allCases[Int(rng.next() % UInt64(MessageType.allCases.count))],
                                     term: v(), entries: UInt32(truncatingIfNeeded: v()), bytes: 1)),
            .messageDelivered(id: v()), .messageDropped(id: v(), reason: .loss),
            .entryProposed(request: v(), index: v(), term: v()),
            .entriesAppended(first: 5, last: 5 + v() % 1_000, term: v()), .logTruncated(from: v()),
            .commitAdvanced(from: v(), to: v()), .entryApplied(index: v(), term: v(), hash: v()),
            .clientRequest(id: v(), kind: rng.next() % 2 == 0 ? .write : .read),
            .clientResponse(id: v(), outcome: ClientOutcome.allCases[Int(rng.next() % UInt64(ClientOutcome.allCases.count))], latency: v()),
            .readIndexStarted(request: v(), index: v()),
            .readServed(request: v(), index: v(), mode: ReadMode.allCases[Int(rng.next() % UInt64(ReadMode.allCases.count))]),
            .membershipChangeProposed(change: MembershipChange.allCases[Int(rng.next() % 3)], target: n(), index: v()),
            .membershipChangeApplied(change: MembershipChange.allCases[Int(rng.next() % 3)], target: n(), index: v()),
            .clockDriftSet(target: n(), ppm: Int32(truncatingIfNeeded: v())),
            .linkDegraded(link: DirectedLink(from: n(), to: n()), lossPPM: UInt32(truncatingIfNeeded: v()), extraLatency: v()),
            .linkCut(DirectedLink(from: n(), to: n())), .linkHealed(DirectedLink(from: n(), to: n())),
            .nodePaused, .nodeResumed, .label(fault: UInt32(truncatingIfNeeded: v())),
            .transferStarted(target: n(), term: v()), .transferFinished(target: n(), term: v(), succeeded: rng.next() % 2 == 0),
            .snapshotTaken(index: v(), term: v()), .snapshotInstalled(index: v(), term: v()),
            .snapshotSent(to: n(), index: v(), term: v()),
        ]
        let k = kinds[Int(rng.next() % UInt64(kinds.count))]
        let environment = [.linkCut, .linkHealed, .label, .clockDriftSet, .linkDegraded].contains(k.tag)
        events.append(TraceEvent(time: t, node: environment ? nil : n(), k))
    }
    // Half the runs say their clients read, so that the stale-read check follows them too.
    let path = try writeTrace(events, nodes: 5, reads: seed % 2 == 0)
    let report = try TraceAnalysis.analyze(try TraceFile.open(path))
    #expect(report.trace.events == 5_000)
    // Focused on the whole run, on a stretch in its middle and on one at its very end, too.
    let (start, end) = (report.trace.start, report.trace.end)
    let middle = start + (end - start) / 2
    for focus in [start...end, middle...middle.addingSaturating(200_000_000), end...UInt64.max] {
        let focused = try TraceAnalysis.analyze(try TraceFile.open(path), options: .init(focus: focus))
        #expect(focused.trace.events == 5_000 && focused.disruptionTotals == report.disruptionTotals)
        for r in [report, focused] {
            #expect(!HTMLReport.render(r).isEmpty)
            #expect(!TextReport.render(r, color: false).isEmpty)
            #expect(!JSONReport.render(r).isEmpty)
            #expect(try JSONSerialization.jsonObject(with: ChromeTraceReport.render(r)) is [String: Any])
        }
    }
}

/// The direct-mapped table behaves like a dictionary whatever the ids: colliding ids (equal
/// modulo the table size), id 0, removals, and copies that are then changed independently.
@Test func directMappedTableMatchesADictionary() {
    var rng = SplitMix64(seed: 9)
    var table = DirectMappedTable<UInt64>()
    var model: [UInt64: UInt64] = [:]
    var snapshot: (DirectMappedTable<UInt64>, [UInt64: UInt64])?
    for step in 0..<20_000 {
        // Mostly increasing ids, some far back and some equal modulo the table's size, like late
        // answers.
        let id: UInt64 = switch rng.next() % 4 {
        case 0: rng.next() % 8
        case 1: UInt64(step) + (rng.next() % 4) * UInt64(DirectMappedTable<UInt64>.size)
        default: UInt64(step) + rng.next() % 64
        }
        if rng.next() % 3 == 0 {
            #expect(table.removeValue(forKey: id) == model.removeValue(forKey: id))
        } else {
            let v = rng.next()
            table[id] = v
            model[id] = v
        }
        #expect(table[id] == model[id])
        #expect(table.count == model.count)
        if step == 10_000 { snapshot = (table, model) }
    }
    for (id, v) in model { #expect(table[id] == v) }
    // The copy taken half-way did not see any of the later changes.
    let (old, oldModel) = snapshot!
    #expect(old.count == oldModel.count)
    for (id, v) in oldModel { #expect(old[id] == v) }
}

#if os(Linux)
/// A direct-mapped table reads a slot before writing it; it writes each page before the first slot
/// on it is read, and a lookup does not read a slot on a page no write has touched, so filling it
/// as the analysis does (a lookup, then an insertion) costs one page fault a page, and a few small
/// ids touch only the first page or two. (Read first, a page never written maps the system's
/// shared zero page, and the write after it faults again and flushes the other processors'
/// address caches.)
@Test func directMappedTableFaultsOnceAPage() {
    func faults() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(1), &usage)  // RUSAGE_THREAD: this thread's (Glibc declares it only with _GNU_SOURCE)
        return usage.ru_minflt
    }
    let size = DirectMappedTable<UInt64>.size
    let pages = size * (MemoryLayout<(Bool, UInt64, UInt64)>.stride) / Int(sysconf(Int32(_SC_PAGESIZE)))
    var table = DirectMappedTable<UInt64>()
    var before = faults()
    // As the analysis fills it: a lookup before each insertion.
    for id in 0..<10 as Range<UInt64> where table[id] == nil { table[id] = id }
    let few = faults() - before
    #expect(few <= 3, "\(few) faults for ten ids")
    // Lookups and removals of ids whose slots lie on pages no write has touched read nothing.
    before = faults()
    var found = 0
    for id in 10..<UInt64(size) where table[id] != nil || table.removeValue(forKey: id) != nil { found += 1 }
    let looked = faults() - before
    #expect(found == 0 && looked <= 1, "\(looked) faults looking up \(size - 10) absent ids")
    before = faults()
    for id in 10..<UInt64(size) where table[id] == nil { table[id] = id }
    let taken = faults() - before
    #expect(taken >= pages / 2 && taken <= pages + 4, "\(taken) faults for \(pages) pages")
    #expect(table.count == size && table[UInt64(size - 1)] == UInt64(size - 1))
}
#endif

/// The table of recent messages agrees with a dictionary of every message: a delivery or drop
/// ends a flight exactly once (a duplicate's second copy ends nothing), the in-flight count
/// matches, colliding ids (equal modulo 2^15) still land, and a window of recent sends returns,
/// oldest first, the messages sent in it whose slot no newer message has taken.
@Test func recentMessagesMatchADictionary() {
    var rng = SplitMix64(seed: 5)
    var table = RecentMessages()
    struct Model { var sent: UInt64; var inFlight: Bool; var received: UInt64; var dropped: DropReason? }
    var model: [UInt64: Model] = [:]
    var holder: [Int: UInt64] = [:]  // slot -> the id whose send last wrote it
    var nextID: UInt64 = 1
    var inFlight = 0
    for step in 0..<30_000 {
        let t = UInt64(step) * 1_000
        if model.isEmpty || rng.next() % 2 == 0 {
            let id = nextID
            nextID += rng.next() % 16 == 0 ? 1 << 15 : 1  // now and then, one that collides
            table.sent(MessageSend(id: id, to: NodeID(2), type: .append, term: 1, entries: 0, bytes: 0), from: NodeID(1), at: t)
            model[id] = Model(sent: t, inFlight: true, received: 0, dropped: nil)
            inFlight += 1
            holder[Int(id % (1 << 15))] = id
        } else {
            // Mostly a recent id; sometimes an old one (late, duplicated) or one never sent.
            let back = rng.next() % min(200, nextID - 1) + 1  // 1...nextID-1 (ids sent so far are below nextID)
            let id = rng.next() % 5 == 0 ? 1 + rng.next() % (nextID + 10) : nextID - back
            let before = model[id]
            if rng.next() % 4 == 0 {
                let reason: DropReason = .loss
                let ended = table.dropped(id, reason: reason)
                #expect((ended != nil) == (before?.inFlight == true), "drop of \(id) at step \(step)")
                if before != nil { model[id]!.inFlight = false; model[id]!.dropped = reason }
                if before?.inFlight == true { inFlight -= 1 }
            } else {
                let landed = table.delivered(id, at: t)
                #expect((landed != nil) == (before?.inFlight == true), "delivery of \(id) at step \(step)")
                if let landed { #expect(landed.id == id && landed.sent == before?.sent) }
                if before != nil { model[id]!.inFlight = false; model[id]!.received = t }
                if before?.inFlight == true { inFlight -= 1 }
            }
        }
        #expect(table.inFlight == inFlight)
    }
    let end = UInt64(30_000) * 1_000, window: UInt64 = 2_000_000
    let recent = table.sent(within: window, before: end)
    let expected = model.filter { id, m in m.sent <= end && end - m.sent <= window && holder[Int(id % (1 << 15))] == id }
    #expect(recent.map(\.id) == expected.sorted { ($0.value.sent, $0.key) < ($1.value.sent, $1.key) }.map(\.key))
    for m in recent {
        #expect(m.received == expected[m.id]!.received)
        #expect(m.dropped == expected[m.id]!.dropped)
    }
}

/// The table of recent messages is as large as its retention needs: a steady thousand messages a
/// second stay in its first 2^12 slots, which old messages give up; a burst of 20,000 within the
/// retention doubles it (to 2^15) rather than drop one of them; and it grows no further, however
/// many messages a burst holds, the oldest then giving up their slots as before.
@Test func recentMessagesGrowOnlyToHoldTheirRetention() {
    var table = RecentMessages()
    var id: UInt64 = 0
    func send(at t: UInt64) {
        id += 1
        table.sent(MessageSend(id: id, to: NodeID(2), type: .append, term: 1, entries: 0, bytes: 0), from: NodeID(1), at: t)
        _ = table.delivered(id, at: t)
    }
    var t: UInt64 = 0
    for _ in 0..<100_000 { t += nsPerMillisecond; send(at: t) }
    #expect(table.slotCount == RecentMessages.initialSlots)
    let retention = RecentMessages.retention
    #expect(table.sent(within: retention, before: t).map(\.id) == Array(id - 1_000...id))

    let burstStart = id + 1
    for _ in 0..<20_000 { t += 25_000; send(at: t) }  // 20,000 in half a second
    #expect(table.slotCount == 1 << 15)
    let burst = table.sent(within: 19_999 * 25_000, before: t).map(\.id)  // from the burst's first message on
    #expect(burst.count == 20_000 && burst.first == burstStart && burst.last == id)

    for _ in 0..<50_000 { t += 1_000; send(at: t) }  // 50,000 in 50 ms: more than the table holds
    #expect(table.slotCount == RecentMessages.maxSlots)
    #expect(table.sent(within: retention, before: t).map(\.id) == Array(id - UInt64(RecentMessages.maxSlots) + 1...id))
    #expect(MessageSampler.before <= RecentMessages.retention)
}

/// The table writes a slot without reading it only for an id below its size and above every id
/// sent so far: a crafted trace that sends a high id first, then a low one sharing its slot, must
/// still move the first (in flight) aside.
@Test func recentMessagesKeepAHighIDSentBeforeALowOne() {
    var table = RecentMessages()
    let high: UInt64 = 40_000, low = high % (1 << 15)
    table.sent(MessageSend(id: high, to: NodeID(2), type: .append, term: 1, entries: 0, bytes: 0), from: NodeID(1), at: 1)
    table.sent(MessageSend(id: low, to: NodeID(3), type: .append, term: 1, entries: 0, bytes: 0), from: NodeID(1), at: 2)
    #expect(table.inFlight == 2)
    #expect(table.delivered(high, at: 3)?.to == NodeID(2))
    #expect(table.delivered(low, at: 4)?.to == NodeID(3))
    #expect(table.inFlight == 0)
}
