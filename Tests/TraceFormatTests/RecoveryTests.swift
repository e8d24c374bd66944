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
