/// Writes a trace: the metadata frame first, then event frames as they fill, then on `close()` the
/// time index and the seek table. Memory stays bounded by one frame. Frames are cut when the
/// encoded records reach `Options.frameBytes` or when the events span `Options.flushInterval` of
/// trace time, so a writer killed mid-run loses at most one interval: everything before it is
/// already in complete, checksummed frames on disk.
///
/// Single-threaded: call it from one thread at a time.
public final class TraceWriter {
    public struct Options: Sendable {
        public var frameBytes: Int
        public var flushInterval: UInt64
        public var compressionLevel: Int32

        public init(frameBytes: Int = 1 << 20, flushInterval: UInt64 = 5 * nsPerSecond, compressionLevel: Int32 = 3) {
            self.frameBytes = frameBytes
            self.flushInterval = flushInterval
            self.compressionLevel = compressionLevel
        }
    }

    /// What a finished trace holds.
    public struct Summary: Sendable, Equatable {
        public var events: UInt64
        public var frames: Int
        public var bytes: UInt64
    }

    public let path: String
    private let options: Options
    private let file: FileDescriptor
    private let compressor: ZstdFrameCompressor
    // The writer is single-threaded by contract; skipping the dynamic exclusivity check on the
    // per-event state saves a runtime call per event.
    @exclusivity(unchecked) private var encoder = FrameEncoder()
    private var compressed: [UInt8] = []
    @exclusivity(unchecked) private var lastTime: UInt64 = 0
    private var seekEntries: [SeekEntry] = []
    private var frames: [FrameInfo] = []
    private var totalEvents: UInt64 = 0
    private var bytesWritten: UInt64 = 0
    private var closed = false

    public init(path: String, metadata: TraceMetadata, options: Options = .init()) throws(TraceFormatError) {
        self.path = path
        self.options = options
        file = try FileDescriptor.create(path)
        compressor = ZstdFrameCompressor(level: options.compressionLevel)
        var payload = ByteWriter()
        payload.bytes.append(contentsOf: Container.payloadMagic)
        payload.bytes.append(contentsOf: [UInt8(truncatingIfNeeded: TraceFormatVersion.major),
                                          UInt8(truncatingIfNeeded: TraceFormatVersion.major >> 8),
                                          UInt8(truncatingIfNeeded: TraceFormatVersion.minor),
                                          UInt8(truncatingIfNeeded: TraceFormatVersion.minor >> 8)])
        payload.bytes.append(contentsOf: metadata.encoded())
        try emitSkippable(magic: Container.metadataMagic, payload: payload.bytes)
    }

    /// Adds one event. Events must come in non-decreasing time order.
    public func append(_ event: TraceEvent) throws(TraceFormatError) {
        precondition(!closed, "append after close")
        guard event.time >= lastTime else {
            throw TraceFormatError(.outOfOrder, path: path,
                                   "event at \(event.time) ns follows one at \(lastTime) ns")
        }
        if encoder.count > 0, event.time - encoder.firstTime >= options.flushInterval { try flush() }
        encoder.append(event)
        lastTime = event.time
        if encoder.byteCount >= options.frameBytes { try flush() }
    }

    /// Writes the events appended so far as one complete frame.
    public func flush() throws(TraceFormatError) {
        guard encoder.count > 0 else { return }
        let sequence = UInt32(frames.count)
        let content = encoder.content(sequence: sequence)
        let n: Int
        do {
            n = try compressor.compress(content, into: &compressed)
        } catch {
            throw TraceFormatError(.io, path: path, frame: seekEntries.count, offset: bytesWritten,
                                   "compression failed: \(error.message)")
        }
        // The frame's content checksum (its last 4 bytes) is what the seek table's checksum column holds.
        let checksum = UInt32(compressed[n - 4]) | UInt32(compressed[n - 3]) << 8
            | UInt32(compressed[n - 2]) << 16 | UInt32(compressed[n - 1]) << 24
        frames.append(FrameInfo(index: seekEntries.count, offset: bytesWritten, compressedSize: n,
                                decompressedSize: content.count, sequence: sequence,
                                eventCount: Int(encoder.count), firstTime: encoder.firstTime, lastTime: encoder.lastTime,
                                firstOrdinal: totalEvents))
        seekEntries.append(SeekEntry(compressedSize: UInt32(n), decompressedSize: UInt32(content.count),
                                     checksum: checksum))
        try file.write(compressed[0..<n])
        bytesWritten += UInt64(n)
        totalEvents += UInt64(encoder.count)
        encoder.reset()
    }

    private func emitSkippable(magic: UInt32, payload: [UInt8]) throws(TraceFormatError) {
        let frame = Container.skippableFrame(magic: magic, payload: payload)
        seekEntries.append(SeekEntry(compressedSize: UInt32(frame.count), decompressedSize: 0,
                                     checksum: Container.emptyChecksum))
        try file.write(frame[...])
        bytesWritten += UInt64(frame.count)
    }

    /// Flushes the last frame and writes the time index and the seek table.
    @discardableResult
    public func close() throws(TraceFormatError) -> Summary {
        precondition(!closed, "close called twice")
        try flush()
        try emitSkippable(magic: Container.timeIndexMagic, payload: TimeIndex.encode(frames))
        var table = ByteWriter(capacity: seekEntries.count * 12 + 9)
        for e in seekEntries {
            table.fixed32(e.compressedSize); table.fixed32(e.decompressedSize); table.fixed32(e.checksum)
        }
        table.fixed32(UInt32(seekEntries.count))
        table.u8(0x80)
        table.fixed32(Container.seekableFooterMagic)
        let frame = Container.skippableFrame(magic: Container.seekTableMagic, payload: table.bytes)
        try file.write(frame[...])
        bytesWritten += UInt64(frame.count)
        closed = true
        return Summary(events: totalEvents, frames: frames.count, bytes: bytesWritten)
    }
}
