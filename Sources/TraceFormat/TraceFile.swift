#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open trace: metadata, where each event frame is, and whether the file was complete.
///
/// Opening reads only the metadata frame, the footer, the seek table and the time index. A file
/// without a valid seek table (its writer was killed, or its tail was cut) is recovered by walking
/// its frames from the start: every complete frame is kept and the lost bytes are reported.
/// Events are read lazily, one frame at a time, so memory stays bounded by one frame.
///
/// Not thread-safe: iterate one sequence at a time per instance.
public final class TraceFile {
    public enum Integrity: Sendable, Equatable {
        case ok
        /// No usable seek table: `frames` holds every complete frame found by scanning, and an
        /// entry for each stretch of damaged bytes between two of them (`FrameInfo.isDamaged`);
        /// `lostBytes` at the tail could not be read as a complete frame.
        case recovered(lostBytes: UInt64, reason: String)
    }

    public let path: String
    public let metadata: TraceMetadata
    public let formatVersion: (major: UInt16, minor: UInt16)
    public let frames: [FrameInfo]
    public let integrity: Integrity
    public let fileSize: UInt64
    let file: FileDescriptor

    public var eventCount: UInt64 { frames.reduce(0) { $0 + UInt64($1.eventCount) } }
    /// The frames that hold events: all of `frames` but the damaged stretches a recovery scan passed over.
    public var eventFrameCount: Int { frames.count { !$0.isDamaged } }
    /// Time of the first and last event, if there are any.
    public var timeRange: ClosedRange<UInt64>? {
        guard let first = frames.first, let last = frames.last else { return nil }
        return first.firstTime...last.lastTime
    }

    /// Opens the trace at `path`. `readingAhead`: for a caller about to read every event once
    /// (`events()`), the frames start decoding on their own threads as soon as the index is read,
    /// while the metadata is still being parsed, and the first `events()` over the whole file
    /// carries on from there.
    public static func open(_ path: String, readingAhead: Bool = false) throws(TraceFormatError) -> TraceFile {
        try TraceFile(path: path, readingAhead: readingAhead)
    }

    /// Frames already decoding for the first `events()` over the whole file (`readingAhead`).
    private var readAhead: FramePrefetcher?

    private init(path: String, readingAhead: Bool) throws(TraceFormatError) {
        self.path = path
        file = try FileDescriptor.openForReading(path)
        fileSize = try file.size()
        var buffer: [UInt8] = []
        try file.read(at: 0, count: 8, into: &buffer)
        guard buffer.count == 8 else {
            throw TraceFormatError(.notATrace, path: path, offset: 0, "file is \(fileSize) bytes, too short for a trace")
        }
        let magic = Self.u32(buffer, 0)
        let metaSize = UInt64(Self.u32(buffer, 4))
        guard magic == Container.metadataMagic else {
            throw TraceFormatError(.notATrace, path: path, frame: 0, offset: 0,
                                   String(format32: magic, prefix: "first frame has magic "))
        }
        guard metaSize <= UInt64(Container.maxMetadata), metaSize + 8 <= fileSize else {
            throw TraceFormatError(metaSize + 8 > fileSize ? .truncated : .limitExceeded, path: path, frame: 0,
                                   offset: 4, "metadata frame declares \(metaSize) bytes; the file has \(fileSize)")
        }
        try file.read(at: 8, count: Int(metaSize), into: &buffer)
        let version = try Self.checkMetadataHeader(buffer, path: path)
        let metadataEnd = 8 + metaSize

        // The frames first, so that reading ahead overlaps parsing the metadata; a scan's error
        // is thrown only if the metadata parses.
        let found: Result<(frames: [FrameInfo], integrity: Integrity), TraceFormatError>
        switch Self.readIndexedFrames(file: file, size: fileSize, metadataEnd: metadataEnd) {
        case .success(let indexed):
            found = .success((indexed, .ok))
        case .failure(let why):
            do throws(TraceFormatError) {
                let (scanned, lost) = try Self.scanFrames(file: file, size: fileSize, from: metadataEnd)
                found = .success((scanned, .recovered(lostBytes: lost, reason: why.text)))
            } catch {
                found = .failure(error)
            }
        }
        if readingAhead, case .success(let f) = found {
            readAhead = FramePrefetcher(file: file, frames: f.frames[...], decodeThreads: FramePrefetcher.defaultDecodeThreads)
        }
        metadata = try Self.decodeMetadata(buffer, path: path)
        formatVersion = version
        (frames, integrity) = try found.get()
    }

    /// The read-ahead, if it decodes exactly what an iterator over `frames` would ask for: taken
    /// once, by the first such iterator.
    func takeReadAhead(frames wanted: ArraySlice<FrameInfo>, decodeThreads: Int,
                       handOver: FramePrefetcher.HandOver) -> FramePrefetcher? {
        guard let r = readAhead, r.frames.startIndex == wanted.startIndex, r.frames.endIndex == wanted.endIndex,
              r.decodeThreads == decodeThreads, r.handOver == handOver else { return nil }
        readAhead = nil
        return r
    }

    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    /// The metadata frame's tag and format version, checked before anything else is read.
    private static func checkMetadataHeader(_ payload: [UInt8], path: String) throws(TraceFormatError)
        -> (major: UInt16, minor: UInt16)
    {
        let tag = Container.payloadMagic
        guard payload.count >= tag.count + 4, Array(payload[0..<tag.count]) == tag else {
            throw TraceFormatError(.notATrace, path: path, frame: 0, offset: 8, "metadata frame lacks the RAFTTRC1 tag")
        }
        let major = UInt16(payload[8]) | UInt16(payload[9]) << 8
        let minor = UInt16(payload[10]) | UInt16(payload[11]) << 8
        guard major <= TraceFormatVersion.major else {
            throw TraceFormatError(.unsupportedVersion, path: path, frame: 0, offset: 16,
                                   "format version \(major).\(minor) is newer than this reader (\(TraceFormatVersion.text)); upgrade traceanalyze")
        }
        return (major, minor)
    }

    /// The metadata frame's JSON, after its header (`checkMetadataHeader`).
    private static func decodeMetadata(_ payload: [UInt8], path: String) throws(TraceFormatError) -> TraceMetadata {
        do {
            return try payload[12...].withUnsafeBytes { try TraceMetadata.decode($0) }
        } catch {
            throw TraceFormatError(.badMetadata, path: path, frame: 0, offset: 20, "metadata JSON: \(error)")
        }
    }

    struct IndexProblem: Error { var text: String }

    /// Reads the footer, seek table and time index; fails (without throwing) when any is missing or
    /// inconsistent, so the caller can fall back to scanning.
    private static func readIndexedFrames(file: FileDescriptor, size: UInt64, metadataEnd: UInt64)
        -> Result<[FrameInfo], IndexProblem>
    {
        var b: [UInt8] = []
        guard size >= metadataEnd + 8 + UInt64(Container.footerSize) else { return .failure(.init(text: "no seek table")) }
        do { try file.read(at: size - 9, count: 9, into: &b) } catch { return .failure(.init(text: error.detail)) }
        guard b.count == 9, u32(b, 5) == Container.seekableFooterMagic else {
            return .failure(.init(text: "no seek table footer (writer did not close the file)"))
        }
        let count = UInt64(u32(b, 0))
        let descriptor = b[4]
        guard descriptor & 0x7C == 0 else { return .failure(.init(text: "seek table descriptor has reserved bits set")) }
        let entrySize: UInt64 = descriptor & 0x80 != 0 ? 12 : 8
        let tableSize = count * entrySize + 9
        guard tableSize + 8 <= size - metadataEnd else { return .failure(.init(text: "seek table larger than the file")) }
        let tableStart = size - tableSize - 8
        do { try file.read(at: tableStart, count: Int(tableSize + 8), into: &b) } catch {
            return .failure(.init(text: error.detail))
        }
        guard u32(b, 0) == Container.seekTableMagic, UInt64(u32(b, 4)) == tableSize else {
            return .failure(.init(text: "seek table frame header does not match its footer"))
        }
        var entries: [SeekEntry] = []
        var offset: UInt64 = 0
        for i in 0..<Int(count) {
            let at = 8 + i * Int(entrySize)
            let e = SeekEntry(compressedSize: u32(b, at), decompressedSize: u32(b, at + 4),
                              checksum: entrySize == 12 ? u32(b, at + 8) : 0)
            entries.append(e)
            offset += UInt64(e.compressedSize)
        }
        guard offset == tableStart, entries.count >= 2, UInt64(entries[0].compressedSize) == metadataEnd else {
            return .failure(.init(text: "seek table sizes do not add up to the file"))
        }
        // The last listed frame is the time index.
        let indexSize = Int(entries[entries.count - 1].compressedSize)
        let indexStart = tableStart - UInt64(indexSize)
        guard indexSize >= 8, indexSize <= Container.maxMetadata else { return .failure(.init(text: "bad time index size")) }
        do { try file.read(at: indexStart, count: indexSize, into: &b) } catch { return .failure(.init(text: error.detail)) }
        guard b.count == indexSize, u32(b, 0) == Container.timeIndexMagic else {
            return .failure(.init(text: "time index frame missing"))
        }
        let rows: [TimeIndex.Row]
        do {
            rows = try b[8...].withUnsafeBytes { (p) throws(WireError) in try TimeIndex.decode(p) }
        } catch {
            return .failure(.init(text: "time index unreadable"))
        }
        guard rows.count == entries.count - 2 else { return .failure(.init(text: "time index and seek table disagree")) }
        var frames: [FrameInfo] = []
        frames.reserveCapacity(rows.count)
        var at = metadataEnd
        var ordinal: UInt64 = 0
        for (i, row) in rows.enumerated() {
            let e = entries[i + 1]
            // Readers number events by these (evidence names events by their place in the file).
            guard row.firstOrdinal == ordinal else {
                return .failure(.init(text: "frame \(i + 1)'s first event is numbered \(row.firstOrdinal), not \(ordinal)"))
            }
            ordinal += UInt64(row.count)
            guard Int(e.decompressedSize) <= Container.maxFrameContent else {
                return .failure(.init(text: "frame \(i + 1) declares \(e.decompressedSize) bytes"))
            }
            // Every event has a byte in the frame's tag column.
            guard row.count <= e.decompressedSize else {
                return .failure(.init(text: "frame \(i + 1) declares \(row.count) events in \(e.decompressedSize) bytes"))
            }
            frames.append(FrameInfo(index: i + 1, offset: at, compressedSize: Int(e.compressedSize),
                                    decompressedSize: Int(e.decompressedSize), sequence: row.sequence,
                                    eventCount: Int(row.count), firstTime: row.firstTime, lastTime: row.lastTime,
                                    firstOrdinal: row.firstOrdinal))
            at += UInt64(e.compressedSize)
        }
        return .success(frames)
    }

    /// Walks frames from `from`, keeping every complete, valid event frame. Bytes that do not read
    /// as one (damage) are passed over to the next frame that does, and kept as a damaged entry in
    /// its place, which reading reports as a corrupt frame (`--skip-corrupt` reads past it); the
    /// bytes after the last frame that reads are reported as lost. Reads each byte about once:
    /// a frame is read in a window sized by the content it declares.
    private static func scanFrames(file: FileDescriptor, size: UInt64, from start: UInt64) throws(TraceFormatError)
        -> ([FrameInfo], UInt64)
    {
        let scan = FrameScan(file: file, size: size)
        var frames: [FrameInfo] = []
        var offset = start
        var ordinal: UInt64 = 0
        var index = 1
        func add(_ frame: FrameScan.Found, at offset: UInt64) {
            frames.append(FrameInfo(index: index, offset: offset, compressedSize: frame.length,
                                    decompressedSize: frame.size, sequence: frame.header.sequence,
                                    eventCount: Int(frame.header.count), firstTime: frame.header.firstTime,
                                    lastTime: frame.header.lastTime, firstOrdinal: ordinal))
            ordinal += UInt64(frame.header.count)
            index += 1
        }
        while offset + 8 <= size {
            let magic = try scan.u32(at: offset)
            if Container.isSkippable(magic) {
                let len = UInt64(try scan.u32(at: offset + 4))
                guard offset + 8 + len <= size else { break }
                offset += 8 + len
                index += 1
                continue
            }
            if magic == Container.zstdFrameMagic, let frame = try scan.eventFrame(at: offset) {
                add(frame, at: offset)
                offset += UInt64(frame.length)
                continue
            }
            // Damage, or the end of what was written: the next event frame that reads and follows
            // on from the last one (a later sequence number, not earlier in time) ends the damage.
            let last = frames.last
            guard let (next, frame) = try scan.nextEventFrame(after: offset, where: { h in
                last.map { h.sequence > $0.sequence && h.firstTime >= $0.lastTime } ?? true
            }) else { break }
            frames.append(FrameInfo(index: index, offset: offset, compressedSize: Int(next - offset), decompressedSize: 0,
                                    sequence: last.map { $0.sequence + 1 } ?? 0, eventCount: 0,
                                    firstTime: last?.lastTime ?? frame.header.firstTime, lastTime: frame.header.firstTime,
                                    firstOrdinal: ordinal, isDamaged: true))
            index += 1
            add(frame, at: next)
            offset = next + UInt64(frame.length)
        }
        // A complete time index and seek table without a valid footer would still be skipped above;
        // whatever could not be parsed as a whole frame is lost.
        return (frames, size - offset)
    }

    /// The index in `frames` of the frame that holds event `ordinal` (its position in the trace):
    /// the last one starting at or before it; nil before the first.
    /// - Complexity: O(log frames)
    public func frameIndex(holding ordinal: UInt64) -> Int? {
        let k = frames.partitionPoint { $0.firstOrdinal > ordinal }
        return k > 0 ? k - 1 : nil
    }

    /// All events in file order.
    public func events(skippingCorruptFrames: Bool = false) -> EventSequence {
        EventSequence(file: self, frames: frames[...], timeRange: nil, skipCorrupt: skippingCorruptFrames)
    }

    /// Events whose time lies in `range`, reading only the frames that overlap it.
    public func events(in range: ClosedRange<UInt64>, skippingCorruptFrames: Bool = false) -> EventSequence {
        let lo = frames.partitionPoint { $0.lastTime >= range.lowerBound }
        var hi = lo
        while hi < frames.count, frames[hi].firstTime <= range.upperBound { hi += 1 }
        return EventSequence(file: self, frames: frames[lo..<hi], timeRange: range, skipCorrupt: skippingCorruptFrames)
    }

    /// Calls `body` for every event, in order, decoding straight from each frame: the fastest way
    /// to read a whole trace (no event is copied out through an iterator). Throws the first
    /// unreadable frame's error, or collects them in `skipped` when skipping corrupt frames.
    /// - Complexity: O(events); memory bounded by one frame.
    public func forEachEvent(skippingCorruptFrames: Bool = false, skipped: inout [TraceFormatError],
                             _ body: (borrowing TraceEvent) throws -> Void) throws {
        let buffers = FrameBuffers(for: frames[...])
        var previousEnd: UInt64 = 0
        for frame in frames {
            var decoder: FrameDecoder
            do throws(TraceFormatError) {
                try FrameBuffers.checkOrder(of: frame, after: &previousEnd, path: path)
                decoder = try buffers.decoder(for: frame, of: file)
            } catch {
                if skippingCorruptFrames { skipped.append(error); continue }
                throw error
            }
            var problem: WireError?
            for _ in 0..<frame.eventCount {
                let event: TraceEvent
                do throws(WireError) { event = try decoder.next() } catch { problem = error; break }
                try body(event)
            }
            if problem == nil {
                do throws(WireError) { try decoder.finish() } catch { problem = error }
            }
            if let problem {
                let error = TraceFormatError.corrupt(frame, path: path, problem.text)
                if skippingCorruptFrames { skipped.append(error) } else { throw error }
            }
        }
    }

    /// Calls `body` for every event; throws the first unreadable frame's error.
    public func forEachEvent(_ body: (borrowing TraceEvent) throws -> Void) throws {
        var skipped: [TraceFormatError] = []
        try forEachEvent(skippingCorruptFrames: false, skipped: &skipped, body)
    }
}

extension String {
    init(format32 value: UInt32, prefix: String) {
        self = prefix + "0x" + String(value, radix: 16, uppercase: true)
    }
}

extension Collection {
    /// Index of the first element for which `belongsInSecondPartition` is true, assuming the
    /// collection is partitioned by it. - Complexity: O(log n)
    func partitionPoint(_ belongsInSecondPartition: (Element) -> Bool) -> Index where Self: RandomAccessCollection {
        var lo = startIndex
        var n = count
        while n > 0 {
            let half = n / 2
            let mid = index(lo, offsetBy: half)
            if !belongsInSecondPartition(self[mid]) {
                lo = index(after: mid)
                n -= half + 1
            } else {
                n = half
            }
        }
        return lo
    }
}

/// Reads frames for a recovery scan, which cannot trust any size the file states: a frame counts
/// only if it decompresses (checksum included) and its event header decodes.
private final class FrameScan {
    struct Found {
        var length: Int
        var size: Int
        var header: EventFrameHeader
    }

    let file: FileDescriptor
    let size: UInt64
    /// Bytes read and decompressed so far. Looking for the frame after damage tries every place
    /// the frame magic appears, and a made-up frame header there can declare up to 64 MiB; the
    /// look gives up once the scan has spent `searchLimit`, so that no file makes it do more than
    /// a few times the work of reading it (the walk over whole frames reads each byte about once).
    private var spent: UInt64 = 0
    private var searchLimit: UInt64 { 8 * size + 4 * UInt64(Container.maxFrameCompressed) }
    private var raw: [UInt8] = []
    private var block: [UInt8] = []
    private var content: [UInt8] = []
    private let decompressor = ZstdFrameDecompressor()

    init(file: FileDescriptor, size: UInt64) {
        self.file = file
        self.size = size
    }

    /// The little-endian `UInt32` at `offset` (0 past the end).
    func u32(at offset: UInt64) throws(TraceFormatError) -> UInt32 {
        try read(at: offset, count: 4, into: &raw)
        return raw.count == 4 ? TraceFile.u32(raw, 0) : 0
    }

    private func read(at offset: UInt64, count: Int, into buffer: inout [UInt8]) throws(TraceFormatError) {
        try file.read(at: offset, count: count, into: &buffer)
        spent += UInt64(buffer.count)
    }

    /// The event frame that starts at `offset`, if a whole one does.
    func eventFrame(at offset: UInt64) throws(TraceFormatError) -> Found? {
        // The frame header (at most 18 bytes) declares the content size; the frame is no longer
        // than zstd's bound for that much content, so only that much is read.
        try read(at: offset, count: Int(min(18, size - offset)), into: &raw)
        guard case .success(let declared) = raw.withUnsafeBytes({
            ZstdFrameDecompressor.declaredSize($0, limit: Container.maxFrameContent)
        }) else { return nil }
        let window = min(UInt64(ZstdFrameCompressor.bound(declared)) + 64, size - offset)
        try read(at: offset, count: Int(window), into: &raw)
        spent += UInt64(declared)
        // Moved out and back, so that growing it never copies it.
        var content: [UInt8] = []
        swap(&content, &self.content)
        defer { swap(&content, &self.content) }
        return raw.withUnsafeBytes { p -> Found? in
            guard let length = try? ZstdFrameDecompressor.frameLength(p),
                  (try? decompressor.decompress(UnsafeRawBufferPointer(rebasing: p[0..<length]), size: declared,
                                                into: &content)) != nil,
                  let header = content.withUnsafeBytes({ c in
                      try? FrameDecoder(UnsafeRawBufferPointer(rebasing: c[0..<declared])).header
                  })
            else { return nil }
            return Found(length: length, size: declared, header: header)
        }
    }

    /// The first event frame after `offset` whose header `accept`s, and where it starts: each
    /// place the zstd frame magic appears is tried in turn.
    func nextEventFrame(after offset: UInt64, where accept: (EventFrameHeader) -> Bool) throws(TraceFormatError)
        -> (offset: UInt64, frame: Found)?
    {
        let chunk: UInt64 = 1 << 20
        var at = offset + 1
        while at + 4 <= size {
            // Chunks overlap by 3 bytes, so a magic across a boundary is seen.
            try read(at: at, count: Int(min(chunk + 3, size - at)), into: &block)
            let candidates = block.withUnsafeBytes { p -> [Int] in
                var found: [Int] = []
                guard let base = p.baseAddress, p.count >= 4 else { return found }
                // memchr finds each possible first byte of the magic; the rest is compared there.
                var i = 0
                while i <= p.count - 4, let hit = memchr(base + i, 0x28, p.count - 3 - i) {
                    i = base.distance(to: UnsafeRawPointer(hit))
                    if p.loadUnaligned(fromByteOffset: i, as: UInt32.self) == Container.zstdFrameMagic.littleEndian { found.append(i) }
                    i += 1
                }
                return found
            }
            for i in candidates {
                guard spent < searchLimit else { return nil }
                let start = at + UInt64(i)
                if let frame = try eventFrame(at: start), accept(frame.header) { return (start, frame) }
            }
            at += chunk
        }
        return nil
    }
}
