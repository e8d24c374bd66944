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

    @Test func flippedByteIsAnErrorNamingFrameAndOffsetAndCanBeSkipped() throws {
        let path = temporaryPath()
        try writeTrace(path, Self.events)
        let f0 = try TraceFile.open(path)
        let victim = f0.frames[2]
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[Int(victim.offset) + victim.compressedSize / 2] ^= 0x5A
        try data.write(to: URL(fileURLWithPath: path))

        let f = try TraceFile.open(path)
        var it = f.events().makeIterator()
        var count = 0
        while it.next() != nil { count += 1 }
        let error = try #require(it.error)
        #expect(error.code == .corruptFrame)
        #expect(error.frame == victim.index)
        #expect(error.offset == victim.offset)
        #expect(error.description.contains(path))
        #expect(count == Int(victim.firstOrdinal))

        var skipping = f.events(skippingCorruptFrames: true).makeIterator()
        var kept: [TraceEvent] = []
        while let e = skipping.next() { kept.append(e) }
        #expect(skipping.error == nil)
        #expect(skipping.skipped.count == 1)
        #expect(kept.count == Self.events.count - victim.eventCount)

        // In chunks: each says where its first event is in the file, and the one after the skipped
        // frame (only that one) says that events are missing before it.
        var chunks = f.events(skippingCorruptFrames: true).makeIterator()
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

    @Test func badVarintInsideAValidFrameIsReportedAsCorrupt() throws {
        // A frame whose records are garbage but whose zstd checksum is valid: decoding must fail cleanly.
        var encoder = FrameEncoder()
        encoder.append(TraceEvent(time: 0, node: nil, .messageDelivered(id: 1)))
        var content = encoder.content(sequence: 0)
        // Replace the one-byte id delta in the refs column with an endless varint.
        content.removeLast()
        content += [UInt8](repeating: 0xFF, count: 12)
        let refsLength = Container.frameHeaderSize - 4 * 2
        content.replaceSubrange(refsLength..<(refsLength + 4), with: [12, 0, 0, 0])
        let path = temporaryPath()
        let w = try TraceWriter(path: path, metadata: testMetadata)
        try w.close()
        // Rebuild: metadata frame + one hand-made frame, no seek table (so it is recovered by scanning).
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let metaLen = Int(TraceFile.u32([UInt8](data), 4)) + 8
        var compressed: [UInt8] = []
        let n = try ZstdFrameCompressor(level: 1).compress(content, into: &compressed)
        try (data.prefix(metaLen) + Data(compressed[0..<n])).write(to: URL(fileURLWithPath: path))
        let f = try TraceFile.open(path)
        #expect(f.frames.count == 1)
        var it = f.events().makeIterator()
        #expect(it.next() == nil)
        #expect(it.error?.code == .corruptFrame)
        #expect(it.error?.description.contains("varint") == true)
    }
}
