import Foundation
import Testing
@testable import TraceFormat

@Suite struct RoundTripTests {
    @Test func everyKindRoundTripsWithExtremeValues() throws {
        var events: [TraceEvent] = []
        var t: UInt64 = 0
        for (i, k) in everyKind.enumerated() {
            events.append(TraceEvent(time: t, node: i % 3 == 0 ? nil : NodeID(UInt32(i % 7 + 1)), k))
            t += UInt64(i) * 1_000_003
        }
        events.append(TraceEvent(time: UInt64.max, node: NodeID(UInt32.max), .nodeCrashed))
        let path = temporaryPath()
        try writeTrace(path, events)
        #expect(try readAll(path) == events)
        // Every tag is exercised, so a new kind without a round-trip case fails here.
        #expect(Set(events.map(\.kind.tag)) == Set(EventTag.allCases))
    }

    @Test func metadataRoundTrips() throws {
        let path = temporaryPath()
        try writeTrace(path, [TraceEvent(time: 1, node: nil, .label(fault: 0))])
        let f = try TraceFile.open(path)
        #expect(f.metadata == testMetadata)
        #expect(f.formatVersion.major == TraceFormatVersion.major)
        #expect(f.integrity == .ok)
    }

    /// A trace declaring timeouts longer than a day (damage, or a crafted file) is refused when
    /// opened, with an error naming the metadata frame and the field, rather than read into an
    /// analysis that multiplies them.
    @Test func absurdTimingIsRefused() throws {
        var meta = testMetadata
        meta.run.timing.electionTimeoutMax = UInt64.max / 3
        let path = temporaryPath()
        let w = try TraceWriter(path: path, metadata: meta)
        try w.append(TraceEvent(time: 1, node: nil, .label(fault: 0)))
        try w.close()
        let error = try #require(throws: TraceFormatError.self) { try TraceFile.open(path) }
        #expect(error.code == .badMetadata && error.frame == 0)
        #expect(error.description.contains("electionTimeoutMax") && error.description.contains("longer than a day"))
        // Its tail cut too (no seek table: the frames are found by a scan, which the read-ahead
        // does before the metadata is parsed): still the metadata's error, first.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 7).write(to: URL(fileURLWithPath: path))
        for ahead in [false, true] {
            let cut = try #require(throws: TraceFormatError.self) { try TraceFile.open(path, readingAhead: ahead) }
            #expect(cut.code == .badMetadata && cut.description.contains("electionTimeoutMax"))
        }
        meta.run.timing.electionTimeoutMax = RaftTiming.longest
        let fine = temporaryPath()
        let w2 = try TraceWriter(path: fine, metadata: meta)
        try w2.close()
        #expect(try TraceFile.open(fine).metadata == meta)
    }

    /// The writer checks for an append after `close()` only when a batch is handed over; `close`
    /// leaves room for one event, so the first late append stops the process.
    @Test func appendAfterCloseStops() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let path = temporaryPath()
            let w = try TraceWriter(path: path, metadata: testMetadata)
            try w.append(TraceEvent(time: 1, node: nil, .label(fault: 0)))
            try w.close()
            try w.append(TraceEvent(time: 2, node: nil, .label(fault: 0)))
        }
        #expect(String(decoding: result.standardErrorContent, as: UTF8.self).contains("append after close"))
    }

    @Test func flushAfterCloseStops() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let w = try TraceWriter(path: temporaryPath(), metadata: testMetadata)
            try w.close()
            try w.flush()
        }
        #expect(String(decoding: result.standardErrorContent, as: UTF8.self).contains("flush after close"))
    }

    /// Link settings (format 1.4) round-trip; a network without them is written as before 1.4,
    /// and metadata from before 1.4 (no `links` key) reads as a network without them.
    @Test func networkLinksAreWrittenOnlyWhenSet() throws {
        var network = NetworkModel(latency: .fixed(1_000_000))
        let plain = String(decoding: try JSONEncoder().encode(network), as: UTF8.self)
        #expect(!plain.contains("links"))
        #expect(try JSONDecoder().decode(NetworkModel.self, from: Data(plain.utf8)) == network)
        network.links = [LinkSettings(between: [NodeID(1)], and: [NodeID(2), NodeID(3)], latency: .uniform(min: 1, max: 2), loss: 0.5)]
        let encoded = try JSONEncoder().encode(network)
        #expect(String(decoding: encoded, as: UTF8.self).contains("links"))
        #expect(try JSONDecoder().decode(NetworkModel.self, from: encoded) == network)
    }

    @Test func emptyTraceHasNoFramesAndReadsCleanly() throws {
        let path = temporaryPath()
        let summary = try writeTrace(path, [TraceEvent]())
        #expect(summary?.events == 0)
        let f = try TraceFile.open(path)
        #expect(f.frames.isEmpty)
        #expect(f.timeRange == nil)
        #expect(try readAll(path).isEmpty)
    }

    @Test func multiFrameFileKeepsOrderCountsAndIndex() throws {
        let events = Array(SyntheticWorkload(seed: 9).prefix(20_000))
        let path = temporaryPath()
        let summary = try #require(try writeTrace(path, events))
        let f = try TraceFile.open(path)
        #expect(f.frames.count > 10)
        #expect(summary.frames == f.frames.count)
        #expect(f.eventCount == 20_000)
        #expect(try readAll(path) == events)
        var ordinal: UInt64 = 0
        for frame in f.frames {
            #expect(frame.firstOrdinal == ordinal)
            ordinal += UInt64(frame.eventCount)
        }
    }

    /// The writer hands events to its thread in a ring of batches: a trace going round it
    /// several times, with flushes that hand over part-filled batches, keeps every event in order.
    @Test func eventsGoingRoundTheWritersRingKeepTheirOrder() throws {
        let ring = TraceWriter.batchSize * TraceWriter.batchCount
        let events = Array(SyntheticWorkload(seed: 4).prefix(3 * ring + 1_234))
        let path = temporaryPath()
        let w = try TraceWriter(path: path, metadata: testMetadata, options: .init(frameBytes: 1 << 16))
        for (i, e) in events.enumerated() {
            try w.append(e)
            if i % (ring / 3 + 7) == 0 { try w.flush() }
        }
        let summary = try w.close()
        #expect(summary.events == UInt64(events.count))
        #expect(try readAll(path) == events)
    }

    @Test func flushIntervalCutsFramesByTraceTime() throws {
        let events = (0..<100).map { TraceEvent(time: UInt64($0) * 100 * nsPerMillisecond, node: nil, .label(fault: 0)) }
        let path = temporaryPath()
        try writeTrace(path, events, options: .init(frameBytes: 1 << 20, flushInterval: nsPerSecond))
        let f = try TraceFile.open(path)
        #expect(f.frames.count == 10)
        #expect(f.frames.allSatisfy { $0.lastTime - $0.firstTime < nsPerSecond })
    }

    @Test func outOfOrderAppendIsRefused() throws {
        let w = try TraceWriter(path: temporaryPath(), metadata: testMetadata)
        try w.append(TraceEvent(time: 10, node: nil, .nodeCrashed))
        #expect(throws: TraceFormatError.self) { try w.append(TraceEvent(time: 9, node: nil, .nodeCrashed)) }
    }
}

@Suite struct RandomAccessTests {
    @Test(arguments: [0.0, 0.1, 0.5, 0.93])
    func eventsInRangeMatchAFilteredFullScan(start: Double) throws {
        let events = Array(SyntheticWorkload(seed: 3).prefix(30_000))
        let path = temporaryPath()
        try writeTrace(path, events)
        let end = events.last!.time
        let lo = UInt64(Double(end) * start)
        let hi = lo + end / 20
        let f = try TraceFile.open(path)
        let got = Array(f.events(in: lo...hi))
        #expect(got == events.filter { (lo...hi).contains($0.time) })
        #expect(!got.isEmpty)
        // In bulk: the chunks hold the same events, in order, and end where the range ends.
        var it = f.events(in: lo...hi).makeIterator()
        var chunked: [TraceEvent] = []
        while let chunk = it.nextChunk() { chunked += chunk }
        #expect(chunked == got)
        #expect(it.error == nil)
    }

    /// With one decoding thread for both slots (machines with fewer than three processors) and
    /// with one per slot, whatever this machine would choose; and with the threads leaving the
    /// rest of every frame to the consumer after their first chunk of `handOverChunk` events
    /// (0: only when the consumer comes for a frame still being decoded, as outside tests).
    @Test(arguments: [1, 2], [0, 1, 7, 5_000])
    func chunksOfAWholeFileAreItsEventsInOrder(decodeThreads: Int, handOverChunk: Int) throws {
        let events = Array(SyntheticWorkload(seed: 5).prefix(30_000))
        let path = temporaryPath()
        try writeTrace(path, events)
        let f = try TraceFile.open(path)
        #expect(f.frames.count > 3)  // several frames, so both slots (and threads) take turns
        var sequence = f.events()
        sequence.decodeThreads = decodeThreads
        if handOverChunk > 0 { sequence.handOver = .init(chunk: handOverChunk, always: true) }
        var it = sequence.makeIterator()
        var chunked: [TraceEvent] = []
        var chunks = 0
        var spanning = 0
        while let chunk = it.nextChunk() {
            chunked += chunk
            chunks += 1
            // A chunk never spans two frames.
            let frame = f.frames.last { $0.firstOrdinal <= it.chunkOrdinal }
            if let frame, it.chunkOrdinal + UInt64(chunk.count) > frame.firstOrdinal + UInt64(frame.eventCount) { spanning += 1 }
        }
        #expect(chunked == events)
        #expect(spanning == 0)
        #expect(chunks >= f.frames.count)
        if handOverChunk > 0 {
            // The rest of a frame left to the consumer comes in chunks of at most `restChunk` events.
            let rests = f.frames.map { ($0.eventCount + FramePrefetcher.restChunk - 1) / FramePrefetcher.restChunk }
            #expect(chunks <= f.frames.count + rests.reduce(0, +))
        }
    }

    /// A frame its thread has not begun when the consumer comes for it (the thread still on the
    /// other slot's frame, or not yet running) is read by the consumer, all of it in chunks of
    /// `restChunk`; here the thread begins none. An iterator dropped with frames scheduled that
    /// no thread has begun does not wait for them.
    @Test(arguments: [1, 2])
    func framesTheThreadHasNotBegunAreReadByTheConsumer(decodeThreads: Int) throws {
        let events = Array(SyntheticWorkload(seed: 7).prefix(30_000))
        let path = temporaryPath()
        try writeTrace(path, events)
        let f = try TraceFile.open(path)
        #expect(f.frames.count > 3)
        var sequence = f.events()
        sequence.decodeThreads = decodeThreads
        sequence.handOver = .init(threadIdle: true)
        var it = sequence.makeIterator()
        var chunked: [TraceEvent] = []
        var chunks = 0
        while let chunk = it.nextChunk() {
            chunked += chunk
            chunks += 1
        }
        try #require(chunked.count == events.count)
        #expect(chunked.indices.first { chunked[$0] != events[$0] } == nil)
        #expect(it.error == nil)
        #expect(chunks == f.frames.map { ($0.eventCount + FramePrefetcher.restChunk - 1) / FramePrefetcher.restChunk }.reduce(0, +))
        var dropped = sequence.makeIterator()
        #expect(dropped.nextChunk() != nil)
    }

    /// A chunk kept past the next call keeps its events: the reader decodes later frames into
    /// other storage rather than over a frame a chunk still shows (each frame's storage, and the
    /// consumer's for the rest of a frame left to it, is otherwise reused once the consumer moves
    /// on). With hand-overs as outside tests, and with the threads leaving every frame's rest to
    /// the consumer after 100 events.
    @Test(arguments: [1, 2], [false, true])
    func chunksKeptPastTheNextCallKeepTheirEvents(decodeThreads: Int, handingOver: Bool) throws {
        let events = Array(SyntheticWorkload(seed: 6).prefix(30_000))
        let path = temporaryPath()
        try writeTrace(path, events)
        let f = try TraceFile.open(path)
        #expect(f.frames.count > 3)  // more frames than the reader has storage for
        var sequence = f.events()
        sequence.decodeThreads = decodeThreads
        if handingOver { sequence.handOver = .init(chunk: 100, always: true) }
        var it = sequence.makeIterator()
        var kept: [EventChunk] = []
        while let chunk = it.nextChunk() { kept.append(chunk) }
        #expect(kept.count >= f.frames.count)
        if handingOver { #expect(kept.count > f.frames.count + 3) }
        let read = kept.flatMap { $0 }
        try #require(read.count == events.count)
        // The first event that differs, if any (rather than two arrays of 30,000 in the message).
        #expect(read.indices.first { read[$0] != events[$0] } == nil)
        // And the contiguous view shows the same events as the collection.
        let first = try #require(kept.first)
        #expect(first.withUnsafeBufferPointer { Array($0) } == Array(first))
    }

    /// Opened reading ahead, the first pass over the whole file carries on from the frames
    /// decoded while the metadata was parsed; later passes, and a pass over a time range, decode
    /// afresh; a file opened reading ahead and closed unread does not hang.
    @Test func readingAheadGivesTheSameEventsToEveryPass() throws {
        let events = Array(SyntheticWorkload(seed: 9).prefix(30_000))
        let path = temporaryPath()
        try writeTrace(path, events)
        let range = events[10_000].time...events[20_000].time
        let f = try TraceFile.open(path, readingAhead: true)
        #expect(Array(f.events(in: range)) == events.filter { range.contains($0.time) })
        let whole = { f.takeReadAhead(frames: f.frames[...], decodeThreads: FramePrefetcher.defaultDecodeThreads, handOver: .init()) }
        #expect(whole() != nil)  // left by the pass over a range
        #expect(whole() == nil)  // taken once
        #expect(try TraceFile.open(path).takeReadAhead(frames: f.frames[...], decodeThreads: FramePrefetcher.defaultDecodeThreads,
                                                       handOver: .init()) == nil)

        let g = try TraceFile.open(path, readingAhead: true)
        #expect(Array(g.events()) == events)
        #expect(Array(g.events()) == events)
        _ = try TraceFile.open(path, readingAhead: true)
    }
}

@Suite struct SeekableLayoutTests {
    @Test func footerAndSeekTableFollowTheZstdSeekableFormat() throws {
        let path = temporaryPath()
        try writeTrace(path, SyntheticWorkload(seed: 1).prefix(5_000))
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let n = bytes.count
        #expect(TraceFile.u32(bytes, n - 4) == 0x8F92_EAB1)
        #expect(bytes[n - 5] == 0x80)
        let frames = Int(TraceFile.u32(bytes, n - 9))
        let tableStart = n - 9 - frames * 12 - 8
        #expect(TraceFile.u32(bytes, tableStart) == 0x184D_2A5E)
        var offset = 0
        for i in 0..<frames {
            let c = Int(TraceFile.u32(bytes, tableStart + 8 + i * 12))
            let magic = TraceFile.u32(bytes, offset)
            #expect(magic == 0xFD2F_B528 || (magic & 0xFFFF_FFF0) == 0x184D_2A50)
            offset += c
        }
        #expect(offset == tableStart)
    }

    @Test func zstdCommandLineAcceptsTheFile() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/zstd") else { return }
        let path = temporaryPath()
        try writeTrace(path, SyntheticWorkload(seed: 1).prefix(5_000))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/zstd")
        p.arguments = ["-t", "-q", path]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }
}

/// The names reports print for the events' enumerations (JSON reports carry them, so they must
/// not change): each case's own name, in declaration order, none repeated.
@Test func enumerationCasesPrintTheirNames() {
    #expect(MessageType.allCases.map(\.description) == [
        "append", "appendResponse", "heartbeat", "heartbeatResponse", "vote", "voteResponse", "preVote",
        "preVoteResponse", "snapshot", "snapshotResponse", "timeoutNow", "readIndex", "readIndexResponse"])
    #expect(TermChangeCause.allCases.map { "\($0)" } == ["campaign", "higherTermSeen"])
    #expect(StepDownReason.allCases.map { "\($0)" } == ["higherTermSeen", "lostQuorum", "transfer", "removed"])
    #expect(VoteRejectReason.allCases.map { "\($0)" } == ["alreadyVoted", "logNotUpToDate", "staleTerm", "leaderRecentlyHeard", "notVoter", "leaderKnown"])
    #expect(DropReason.allCases.map { "\($0)" } == ["partition", "loss", "receiverDown"])
    #expect(ClientRequestKind.allCases.map { "\($0)" } == ["write", "read"])
    #expect(ClientOutcome.allCases.map { "\($0)" } == ["ok", "notLeader", "timeout", "dropped"])
    #expect(ReadMode.allCases.map { "\($0)" } == ["readIndex", "lease", "local"])
    #expect(MembershipChange.allCases.map { "\($0)" } == ["addVoter", "addLearner", "remove"])
}
