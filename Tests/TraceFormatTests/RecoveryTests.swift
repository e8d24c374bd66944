import Foundation
import Testing
@testable import TraceFormat

private func truncate(_ path: String, to size: Int) throws -> String {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let out = temporaryPath("cut")
    try data.prefix(size).write(to: URL(fileURLWithPath: out))
    return out
}

@Suite struct RecoveryTests {
    static let events = Array(SyntheticWorkload(seed: 5).prefix(8_000))

    @Test func writerKilledBeforeCloseKeepsEveryFlushedFrame() throws {
        let path = temporaryPath()
        try writeTrace(path, Self.events, close: false)
        let f = try TraceFile.open(path)
        guard case .recovered(let lost, _) = f.integrity else { Issue.record("expected recovery"); return }
        #expect(lost == 0)
        #expect(try readAll(path) == Self.events)
    }

    @Test func truncationAtEveryFrameBoundaryKeepsTheFramesBeforeIt() throws {
        let path = temporaryPath()
        try writeTrace(path, Self.events)
        let full = try TraceFile.open(path)
        for frame in full.frames {
            let cut = try truncate(path, to: Int(frame.offset))
            let f = try TraceFile.open(cut)
            #expect(f.frames.count == frame.index - 1)
            let expected = Self.events.prefix(Int(frame.firstOrdinal))
            #expect(try readAll(cut) == Array(expected))
        }
    }

    @Test func truncationAtRandomOffsetsYieldsACompletePrefix() throws {
        let path = temporaryPath()
        try writeTrace(path, Self.events)
        let size = Int(try TraceFile.open(path).fileSize)
        var rng = SplitMix64(seed: 77)
        for _ in 0..<25 {
            let at = Int(rng.next() % UInt64(size))
            let cut = try truncate(path, to: at)
            do {
                let f = try TraceFile.open(cut)
                let got = try readAll(cut)
                #expect(got == Array(Self.events.prefix(got.count)))
                if case .recovered(let lost, _) = f.integrity {
                    #expect(lost <= UInt64(size))
                } else {
                    Issue.record("a truncated file must not read as complete (cut at \(at))")
                }
            } catch let e as TraceFormatError {
                // Only a cut inside the metadata frame may refuse to open.
                #expect(e.code == .truncated || e.code == .notATrace, "\(e)")
            }
        }
    }

    /// With one decoding thread for both slots and with one per slot (iteration ends at the error
    /// with the other slot's frame still scheduled).
    @Test(arguments: [1, 2])
    func flippedByteIsAnErrorNamingFrameAndOffsetAndCanBeSkipped(decodeThreads: Int) throws {
        let path = temporaryPath()
        try writeTrace(path, Self.events)
        let f0 = try TraceFile.open(path)
        let victim = f0.frames[2]
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[Int(victim.offset) + victim.compressedSize / 2] ^= 0x5A
        try data.write(to: URL(fileURLWithPath: path))

        let f = try TraceFile.open(path)
        func events(skippingCorruptFrames skip: Bool) -> EventSequence {
            var s = f.events(skippingCorruptFrames: skip)
            s.decodeThreads = decodeThreads
            return s
        }
        var it = events(skippingCorruptFrames: false).makeIterator()
        var count = 0
        while it.next() != nil { count += 1 }
        let error = try #require(it.error)
        #expect(error.code == .corruptFrame)
        #expect(error.frame == victim.index)
        #expect(error.offset == victim.offset)
        #expect(error.description.contains(path))
        #expect(count == Int(victim.firstOrdinal))

        var skipping = events(skippingCorruptFrames: true).makeIterator()
        var kept: [TraceEvent] = []
        while let e = skipping.next() { kept.append(e) }
        #expect(skipping.error == nil)
        #expect(skipping.skipped.count == 1)
        #expect(kept.count == Self.events.count - victim.eventCount)

        // In chunks: each says where its first event is in the file, and the one after the skipped
        // frame (only that one) says that events are missing before it.
        var chunks = events(skippingCorruptFrames: true).makeIterator()
        var gaps: [UInt64] = []
        while let chunk = chunks.nextChunk() {
            let ordinal = chunks.chunkOrdinal
            #expect(Array(chunk) == Array(Self.events[Int(ordinal)..<(Int(ordinal) + chunk.count)]))
            if chunks.chunkFollowsGap { gaps.append(ordinal) }
        }
        #expect(gaps == [victim.firstOrdinal + UInt64(victim.eventCount)])
    }

    /// A file without its index (writer killed) whose bytes `damage` changes: the frames of the
    /// intact file, the damaged file's path, and what reading it skipping corrupt frames gives.
    private func damagedWithoutIndex(_ damage: ([FrameInfo], inout [UInt8]) -> Void) throws
        -> (frames: [FrameInfo], path: String, kept: [TraceEvent], skipped: [TraceFormatError], gaps: [UInt64], lost: UInt64)
    {
        let path = temporaryPath()
        try writeTrace(path, Self.events)
        let frames = try TraceFile.open(path).frames
        let last = try #require(frames.last)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)).prefix(Int(last.offset) + last.compressedSize))
        damage(frames, &bytes)
        let damaged = temporaryPath("damaged")
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
        let f = try TraceFile.open(damaged)
        guard case .recovered(let lost, _) = f.integrity else { throw TraceFormatError(.io, path: damaged, "expected a scan") }
        var it = f.events(skippingCorruptFrames: true).makeIterator()
        var kept: [TraceEvent] = []
        var gaps: [UInt64] = []
        while let chunk = it.nextChunk() {
            if it.chunkFollowsGap { gaps.append(it.chunkOrdinal) }
            kept += chunk
        }
        #expect(it.error == nil)
        return (frames, damaged, kept, it.skipped, gaps, lost)
    }

    /// Without an index a scan finds the frames; damage in one used to end the scan there, losing
    /// every frame after it. Now the scan passes over the damage to the next frame that reads.
    @Test func scanPassesOverADamagedFrameToTheFramesAfterIt() throws {
        for part in ["payload", "magic", "two frames"] {
            let victim = 3
            let r = try damagedWithoutIndex { frames, bytes in
                let f = frames[victim]
                switch part {
                case "payload": bytes[Int(f.offset) + f.compressedSize / 2] ^= 0x5A
                case "magic": bytes[Int(f.offset)] ^= 0xFF
                default:  // from the middle of one frame to the middle of the next
                    let from = Int(f.offset) + f.compressedSize / 2, to = Int(frames[victim + 1].offset) + 20
                    for i in from..<to { bytes[i] = 0 }
                }
            }
            let lostFrames = part == "two frames" ? [victim, victim + 1] : [victim]
            let lost = lostFrames.map { r.frames[$0] }
            let expected = r.frames.indices.filter { !lostFrames.contains($0) }.flatMap { i in
                Self.events[Int(r.frames[i].firstOrdinal)..<(Int(r.frames[i].firstOrdinal) + r.frames[i].eventCount)]
            }
            let same = r.kept.elementsEqual(expected)  // (a failure prints the message, not both arrays)
            #expect(same, "\(part): \(r.kept.count) events read, \(expected.count) expected")
            #expect(r.skipped.count == 1, "\(part)")
            #expect(r.lost == 0, "\(part)")
            #expect(r.skipped.first?.offset == lost[0].offset, "\(part)")
            #expect(r.skipped.first?.code == .corruptFrame, "\(part)")
            // The frames after the damage are numbered on from the last event before it (how many
            // events the damage held is unknown); the chunk after it follows a gap.
            #expect(r.gaps == [lost[0].firstOrdinal], "\(part)")

            let f = try TraceFile.open(r.path)
            #expect(f.eventFrameCount == r.frames.count - lostFrames.count, "\(part)")
            let damaged = try #require(f.frames.first { $0.isDamaged })
            #expect(damaged.offset == lost[0].offset)
            #expect(damaged.offset + UInt64(damaged.compressedSize) == r.frames[lostFrames.last! + 1].offset)
            #expect(damaged.firstTime == r.frames[victim - 1].lastTime)
            #expect(damaged.lastTime == r.frames[lostFrames.last! + 1].firstTime)
            // Read without skipping, the damage is an error naming its place, after the events before it.
            var it = f.events().makeIterator()
            var count = 0
            while it.next() != nil { count += 1 }
            #expect(count == Int(lost[0].firstOrdinal))
            #expect(it.error?.offset == lost[0].offset)
            #expect(it.error?.description.contains("do not read as a frame") == true)
        }
    }

    /// Wherever a run of bytes is damaged, a scan keeps exactly the frames it does not touch.
    @Test func scanKeepsEveryFrameTheDamageDoesNotTouch() throws {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<12 {
            var touched: Set<Int> = []
            let r = try damagedWithoutIndex { frames, bytes in
                let start = Int(frames[0].offset)
                let at = start + Int(rng.next() % UInt64(bytes.count - start))
                let length = 1 + Int(rng.next() % 3000)
                let end = min(at + length, bytes.count)
                for i in at..<end { bytes[i] ^= UInt8(truncatingIfNeeded: rng.next() | 1) }
                touched = Set(frames.indices.filter { i in
                    Int(frames[i].offset) < end && at < Int(frames[i].offset) + frames[i].compressedSize
                })
            }
            let expected = r.frames.indices.filter { !touched.contains($0) }.flatMap { i in
                Self.events[Int(r.frames[i].firstOrdinal)..<(Int(r.frames[i].firstOrdinal) + r.frames[i].eventCount)]
            }
            let same = r.kept.elementsEqual(expected)
            #expect(same, "frames \(touched.sorted()): \(r.kept.count) events read, \(expected.count) expected")
            // Damage with a frame after it is passed over; damage to the last frame is a lost tail.
            let last = r.frames[r.frames.count - 1]
            let tail = touched.contains(r.frames.count - 1)
            #expect(r.skipped.count == (tail ? 0 : 1), "frames \(touched.sorted())")
            #expect(r.lost == (tail ? last.offset + UInt64(last.compressedSize) - r.frames[touched.min()!].offset : 0),
                    "frames \(touched.sorted())")
        }
    }

    /// Bytes that look like frame headers declaring 64 MiB each, over and over, after a real frame:
    /// each is tried as the frame after the damage, but the scan stops looking once it has read a
    /// few times the file (trying all of them would read about 2 MB for each of 80,000).
    @Test func manyFakeFrameHeadersAfterDamageEndTheScan() throws {
        let path = temporaryPath()
        try writeTrace(path, Self.events.prefix(500))
        let frames = try TraceFile.open(path).frames
        let first = try #require(frames.first)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)).prefix(Int(first.offset) + first.compressedSize))
        // zstd magic, a descriptor for an 8-byte content size and a single segment, 64 MiB.
        let fake: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0xE0] + [0, 0, 0, 4, 0, 0, 0, 0]
        for _ in 0..<80_000 { bytes += fake }
        let bad = temporaryPath("fake")
        try Data(bytes).write(to: URL(fileURLWithPath: bad))
        let f = try TraceFile.open(bad)
        guard case .recovered(let lost, _) = f.integrity else { Issue.record("expected a scan"); return }
        #expect(f.frames == [first])
        #expect(lost == UInt64(fake.count * 80_000))
    }

    @Test func newerMajorVersionIsRefusedWithAMessageSayingSo() throws {
        let path = temporaryPath()
        try writeTrace(path, Self.events.prefix(10))
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[16] = 9  // major version, low byte, after the 8-byte frame header and the 8-byte tag
        try data.write(to: URL(fileURLWithPath: path))
        let e = try #require(throws: TraceFormatError.self) { try TraceFile.open(path) }
        #expect(e.code == .unsupportedVersion)
        #expect(e.description.contains("newer"))
    }

    /// An index row claiming more events than its frame has bytes is not believed (readers size
    /// their buffers from it): the file is read by scanning its frames instead.
    @Test func indexClaimingMoreEventsThanBytesFallsBackToScanning() throws {
        let path = temporaryPath()
        try writeTrace(path, Self.events)
        let good = try TraceFile.open(path)
        guard case .ok = good.integrity else { Issue.record("expected an intact file"); return }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let last = try #require(good.frames.last)
        let index = Int(last.offset) + last.compressedSize
        #expect(TraceFile.u32(bytes, index) == Container.timeIndexMagic)
        // Skippable-frame header, payload tag, row count, then row 0: sequence, event count.
        let count = index + 8 + Container.payloadMagic.count + 4 + 4
        #expect(Int(TraceFile.u32(bytes, count)) == good.frames[0].eventCount)
        bytes.replaceSubrange(count..<(count + 4), with: [0xFF, 0xFF, 0xFF, 0x7F])
        let bad = temporaryPath("index")
        try Data(bytes).write(to: URL(fileURLWithPath: bad))
        let f = try TraceFile.open(bad)
        guard case .recovered(_, let reason) = f.integrity else { Issue.record("expected a scan"); return }
        #expect(reason.contains("declares 2147483647 events"))
        #expect(f.frames.map(\.eventCount) == good.frames.map(\.eventCount))
        #expect(try readAll(bad) == Self.events)
    }

    /// Readers number events by the index's first ordinals: an index that numbers them wrongly is
    /// not believed either.
    @Test func indexMisnumberingEventsFallsBackToScanning() throws {
        let path = temporaryPath()
        try writeTrace(path, Self.events)
        let good = try TraceFile.open(path)
        #expect(good.frames.count > 2)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let last = try #require(good.frames.last)
        // Row 1's first ordinal: past the rows' start (header, tag, row count), row 0, and row 1's
        // sequence, count and times.
        let ordinal = Int(last.offset) + last.compressedSize + 8 + Container.payloadMagic.count + 4 + 32 + 24
        #expect(TraceFile.u32(bytes, ordinal) == UInt32(good.frames[1].firstOrdinal))
        bytes.replaceSubrange(ordinal..<(ordinal + 8), with: [UInt8](repeating: 0, count: 8))
        let bad = temporaryPath("index")
        try Data(bytes).write(to: URL(fileURLWithPath: bad))
        let f = try TraceFile.open(bad)
        guard case .recovered(_, let reason) = f.integrity else { Issue.record("expected a scan"); return }
        #expect(reason.contains("frame 2's first event is numbered 0, not \(good.frames[1].firstOrdinal)"))
        #expect(f.frames.map(\.firstOrdinal) == good.frames.map(\.firstOrdinal))
    }

    @Test func hugeDeclaredMetadataIsRefusedBeforeAllocating() throws {
        let path = temporaryPath()
        var bytes: [UInt8] = [0x5B, 0x2A, 0x4D, 0x18, 0xFF, 0xFF, 0xFF, 0x7F]
        bytes += [UInt8](repeating: 0, count: 64)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let e = try #require(throws: TraceFormatError.self) { try TraceFile.open(path) }
        #expect(e.frame == 0)
        #expect(e.offset == 4)
    }

    @Test func notATraceAndMissingFileAreClearErrors() throws {
        let path = temporaryPath()
        try Data("hello world, not a trace".utf8).write(to: URL(fileURLWithPath: path))
        let e = try #require(throws: TraceFormatError.self) { try TraceFile.open(path) }
        #expect(e.code == .notATrace)
        let missing = try #require(throws: TraceFormatError.self) { try TraceFile.open(path + ".nope") }
        #expect(missing.code == .io)
    }

    /// A column cut short at any of its last bytes, or an endless varint in the middle of one, is
    /// an error at the right place, after the events before it, and nothing past the column is
    /// read.
    @Test func decoderChecksTheEndsOfItsColumnsAndBadVarintsInTheMiddle() throws {
        var encoder = FrameEncoder()
        var events: [TraceEvent] = []
        for i in 0..<3_000 {
            let t = UInt64(i) * 1_000_003
            let e = i % 3 == 2
                ? TraceEvent(time: t, node: NodeID(2), .messageDelivered(id: UInt64(i)))
                : TraceEvent(time: t, node: NodeID(1), .messageSent(MessageSend(
                    id: UInt64(i), to: NodeID(UInt32(2 + i % 4)), type: .append, term: UInt64(i % 7) << (i % 50),
                    entries: UInt32(i % 300), bytes: UInt32(i) * 977)))
            encoder.append(e)
            events.append(e)
        }
        let content = encoder.content(sequence: 0)
        let lengthsAt = Container.frameHeaderSize - 4 * Column.allCases.count
        func length(_ c: Column, in bytes: [UInt8]) -> Int {
            let at = lengthsAt + 4 * c.rawValue
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
        }
        let decode = Self.decodeBothWays
        let (all, none) = decode(content)
        #expect(none == nil)
        #expect(all == events)

        // Values are the last column: cut its last k bytes (and say so in its length).
        let valuesLength = length(.values, in: content)
        for k in 1...80 {
            var cut = Array(content.dropLast(k))
            let n = valuesLength - k
            cut.replaceSubrange((lengthsAt + 16)..<(lengthsAt + 20), with: [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16), 0])
            let (decoded, error) = decode(cut)
            let e = try #require(error, "cut \(k)")
            #expect(e.problem == .truncated, "cut \(k): \(e.problem)")
            #expect(e.offset <= n, "cut \(k): read at \(e.offset) of a \(n)-byte column")
            #expect(decoded == Array(events.prefix(decoded.count)))
            #expect(decoded.count >= events.count - 20, "cut \(k)")
        }

        // An endless varint in the middle of the values column.
        var bad = content
        let middle = content.count - valuesLength / 2
        bad.replaceSubrange(middle..<(middle + 12), with: [UInt8](repeating: 0xFF, count: 12))
        let (decoded, error) = decode(bad)
        #expect(error?.problem == .badVarint)
        #expect(decoded == Array(events.prefix(decoded.count)))
        #expect(decoded.count > 100 && decoded.count < events.count)
    }

    /// Records of every kind with their largest values, in a frame with any one column cut short
    /// by up to 60 bytes: decoded in batches, partly without bounds checks, they give the same
    /// events and the same error as decoded one by one; and no event's record takes more of a
    /// column than the batches allow for.
    @Test func batchesDecodeCutColumnsAsOneByOneDoes() throws {
        var encoder = FrameEncoder()
        var events: [TraceEvent] = []
        // Time deltas and node ids of one, two and more bytes, so that a column's last bytes are
        // read both inline and out of line.
        let deltas: [UInt64] = [200, 1, 200, 20_000, 200, 1 << 40]
        let nodes: [NodeID?] = [NodeID(300), nil, NodeID(300), NodeID(3), NodeID(300), NodeID(.max)]
        // Then messages with ids far apart and large fields, which fill the refs and values
        // columns, so that near the frame's end those hold more than the batches allow for and a
        // cut column is the one that limits them.
        let messages: [TraceEvent.Kind] = (0..<60).map { (i: Int) -> TraceEvent.Kind in
            let id: UInt64 = i % 2 == 0 ? 1 << 62 : 0  // deltas of 2^62 each way: 10-byte zigzags
            let term: UInt64 = .max >> (i % 40)
            return .messageSent(MessageSend(id: id, to: NodeID(.max), type: .append, term: term, entries: .max, bytes: UInt32(i)))
        }
        var time: UInt64 = 0
        for (i, kind) in (everyKind + everyKind + everyKind + messages).enumerated() {
            time += deltas[i % deltas.count]
            let e = TraceEvent(time: time, node: nodes[(i / 2) % nodes.count], kind)
            encoder.append(e)
            events.append(e)
        }
        let content = encoder.content(sequence: 0)
        let lengthsAt = Container.frameHeaderSize - 4 * Column.allCases.count
        func lengths(_ bytes: [UInt8]) -> [Int] {
            Column.allCases.map { c in
                let at = lengthsAt + 4 * c.rawValue
                return Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
            }
        }
        let (all, none) = Self.decodeBothWays(content)
        #expect(none == nil)
        #expect(all == events)

        for column in Column.allCases {
            let sizes = lengths(content)
            let end = Container.frameHeaderSize + sizes[...column.rawValue].reduce(0, +)
            for k in 1...min(60, sizes[column.rawValue]) {
                var cut = content
                cut.removeSubrange((end - k)..<end)
                let n = sizes[column.rawValue] - k
                cut.replaceSubrange((lengthsAt + 4 * column.rawValue)..<(lengthsAt + 4 * column.rawValue + 4),
                                    with: [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)])
                let (decoded, error) = Self.decodeBothWays(cut)
                #expect(error != nil, "\(column) cut by \(k)")
                #expect(decoded == Array(events.prefix(decoded.count)))
            }
        }

        // What each kind's record adds to a frame after an event with no fields, at the largest
        // time delta and node id (the deltas of ids and indexes start from 0 in a frame).
        let most = FrameDecoder.mostBytesPerEvent
        var first = FrameEncoder()
        first.append(TraceEvent(time: 0, node: nil, .nodeCrashed))
        let before = lengths(first.content(sequence: 0))
        for kind in everyKind {
            var two = FrameEncoder()
            two.append(TraceEvent(time: 0, node: nil, .nodeCrashed))
            two.append(TraceEvent(time: .max, node: NodeID(.max), kind))
            let sizes = zip(lengths(two.content(sequence: 0)), before).map { $0 - $1 }
            #expect(sizes[Column.tags.rawValue] <= most.tags && sizes[Column.times.rawValue] <= most.times
                    && sizes[Column.nodes.rawValue] <= most.nodes && sizes[Column.refs.rawValue] <= most.refs
                    && sizes[Column.values.rawValue] <= most.values, "\(kind): \(sizes)")
        }
    }

    /// Overlong but valid varints (ten bytes for a small value) decode, and a values column that
    /// ends inside the last event's hash fails that event only, at the column's end, although
    /// every other column still holds more bytes than that event reads.
    @Test func overlongVarintsDecodeAndACutHashFailsOnlyItsEvent() throws {
        let n = 200
        func overlong(_ v: UInt8) -> [UInt8] { [v | 0x80] + [UInt8](repeating: 0x80, count: 8) + [0] }
        let tags = [UInt8](repeating: EventTag.entryApplied.rawValue, count: n)
        let times = (0..<n).flatMap { _ in overlong(0) }
        let nodes = (0..<n).flatMap { _ in overlong(1) }
        // Index deltas of +1, and ten bytes more at the end (no event reads them), so that the
        // refs column too holds the most one event may read when the last event starts.
        let refs = (0..<n).flatMap { _ in overlong(2) } + overlong(0)
        // Term 1 and an 8-byte hash; the last hash loses 5 bytes.
        var values: [UInt8] = (0..<n).flatMap { i in [1] + [UInt8](repeating: UInt8(i & 0xFF), count: 8) }
        values.removeLast(5)
        var w = ByteWriter()
        EventFrameHeader(sequence: 0, count: UInt32(n), firstTime: 0, lastTime: 0).write(&w)
        for c in [tags, times, nodes, refs, values] { w.fixed32(UInt32(c.count)) }
        for c in [tags, times, nodes, refs, values] { w.bytes += c }
        let (decoded, error) = Self.decodeBothWays(w.bytes)
        let expected: [TraceEvent] = (0..<(n - 1)).map { (i: Int) -> TraceEvent in
            let hash = UInt64(i & 0xFF) * 0x0101_0101_0101_0101
            return TraceEvent(time: 0, node: NodeID(1), .entryApplied(index: UInt64(i + 1), term: 1, hash: hash))
        }
        #expect(decoded == expected)
        #expect(error?.problem == .truncated)
        #expect(error?.offset == values.count - 3)
    }

    /// Decodes every event of frame content it can, one by one (`next()`, every read checked) and
    /// as the reader does (`decode`: in batches read without bounds checks where the columns surely
    /// hold the events); expects the two ways to agree, and returns the events before the error
    /// and the error.
    private static func decodeBothWays(_ bytes: [UInt8]) -> ([TraceEvent], WireError?) {
        bytes.withUnsafeBytes { raw in
            var one: [TraceEvent] = []
            var oneError: WireError?
            var batched: [TraceEvent] = []
            var batchError: WireError?
            do throws(WireError) {
                var d = try FrameDecoder(raw)
                var b = d
                let count = Int(d.header.count)
                do throws(WireError) {
                    for _ in 0..<count { one.append(try d.next()) }
                    try d.finish()
                } catch {
                    oneError = error
                }
                let buffer = UnsafeMutablePointer<TraceEvent>.allocate(capacity: max(count, 1))
                defer { buffer.deallocate() }
                var decoded = 0
                do throws(WireError) {
                    try b.decode(count, into: buffer, counting: &decoded)
                    try b.finish()
                } catch {
                    batchError = error
                }
                batched = Array(UnsafeBufferPointer(start: buffer, count: decoded))
            } catch {
                return ([], error)
            }
            #expect(batched == one, "events decoded in batches differ from those decoded one by one")
            #expect(batchError?.problem == oneError?.problem && batchError?.offset == oneError?.offset,
                    "decoded in batches: \(String(describing: batchError)); one by one: \(String(describing: oneError))")
            return (one, oneError)
        }
    }

    /// Frame content holding `ids.count` message deliveries whose last id delta (in the refs
    /// column, last but one; the values column is empty) is an endless varint.
    private static func deliveriesEndingInABadVarint(_ ids: ClosedRange<UInt64>) -> [UInt8] {
        var encoder = FrameEncoder()
        for id in ids { encoder.append(TraceEvent(time: id, node: nil, .messageDelivered(id: id))) }
        var content = encoder.content(sequence: 0)
        content.removeLast()  // the last event's one-byte delta
        content += [UInt8](repeating: 0xFF, count: 12)
        let refsLength = Container.frameHeaderSize - 4 * 2
        content.replaceSubrange(refsLength..<(refsLength + 4), with: [UInt8(ids.count - 1 + 12), 0, 0, 0])
        return content
    }

    /// A trace of the metadata frame and one hand-made event frame with a valid checksum and no
    /// seek table (so it is recovered by scanning); returns its path and the frame's offset.
    private static func traceWithOneFrame(_ content: [UInt8]) throws -> (path: String, frameOffset: Int) {
        let path = temporaryPath()
        let w = try TraceWriter(path: path, metadata: testMetadata)
        try w.close()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let metaLen = Int(TraceFile.u32([UInt8](data), 4)) + 8
        var compressed: [UInt8] = []
        let n = try ZstdFrameCompressor(level: 1).compress(content, into: &compressed)
        try (data.prefix(metaLen) + Data(compressed[0..<n])).write(to: URL(fileURLWithPath: path))
        return (path, metaLen)
    }

    @Test func badVarintInsideAValidFrameIsReportedAsCorrupt() throws {
        // A frame whose records are garbage but whose zstd checksum is valid: decoding must fail cleanly.
        let f = try TraceFile.open(try Self.traceWithOneFrame(Self.deliveriesEndingInABadVarint(0...0)).path)
        #expect(f.frames.count == 1)
        var it = f.events().makeIterator()
        #expect(it.next() == nil)
        #expect(it.error?.code == .corruptFrame)
        #expect(it.error?.description.contains("varint") == true)
    }

    /// A bad record after good ones in a frame with a valid checksum: the events before it come
    /// out, then the error, whether the decoding thread or the consumer (which takes over the
    /// rest of a frame it comes for, or reads all of one its thread has not begun) decodes the
    /// bad record.
    @Test(arguments: [FramePrefetcher.HandOver(), .init(chunk: 1, always: true), .init(threadIdle: true)])
    func badRecordAfterGoodOnesEndsTheFrameWhoeverDecodesIt(handOver: FramePrefetcher.HandOver) throws {
        let (path, frameOffset) = try Self.traceWithOneFrame(Self.deliveriesEndingInABadVarint(1...5))
        let f = try TraceFile.open(path)
        var sequence = f.events()
        sequence.handOver = handOver
        var it = sequence.makeIterator()
        var ids: [UInt64] = []
        while let e = it.next() {
            guard case .messageDelivered(let id) = e.kind else { Issue.record("unexpected \(e)"); break }
            ids.append(id)
        }
        #expect(ids == [1, 2, 3, 4])
        let error = try #require(it.error)
        #expect(error.code == .corruptFrame)
        #expect(error.frame == 1)  // the metadata frame is frame 0
        #expect(error.offset == UInt64(frameOffset))
        #expect(error.description.contains("bad varint"))
    }
}
