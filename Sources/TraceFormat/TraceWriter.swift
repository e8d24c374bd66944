import Dispatch

/// Writes a trace: the metadata frame first, then event frames as they fill, then on `close()` the
/// time index and the seek table. Memory stays bounded by one frame. Frames are cut when the
/// encoded records reach `Options.frameBytes` or when the events span `Options.flushInterval` of
/// trace time, so a writer killed mid-run loses at most one interval: everything before it is
/// already in complete, checksummed frames on disk, but for the frame then being compressed.
///
/// Compression and writing run on a thread of the writer's own, one frame behind the caller, so a
/// recording pays only for encoding. Call the writer from one thread at a time.
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
    // The writer is single-threaded by contract; skipping the dynamic exclusivity check on the
    // per-event state saves a runtime call per event.
    @exclusivity(unchecked) private var encoder = FrameEncoder()
    @exclusivity(unchecked) private var lastTime: UInt64 = 0
    private var framesHandedOver: UInt32 = 0
    private var closed = false
    /// Compresses and writes frames on another thread while the caller fills the next frame.
    private let output: FrameOutput
    private let worker = DispatchQueue(label: "TraceWriter.compress")
    /// Taken while a frame is being compressed: at most one frame waits besides the one filling.
    private let idle = DispatchSemaphore(value: 1)

    public init(path: String, metadata: TraceMetadata, options: Options = .init()) throws(TraceFormatError) {
        self.path = path
        self.options = options
        output = FrameOutput(path: path, file: try FileDescriptor.create(path),
                             compressor: ZstdFrameCompressor(level: options.compressionLevel))
        var payload = ByteWriter()
        payload.bytes.append(contentsOf: Container.payloadMagic)
        payload.bytes.append(contentsOf: [UInt8(truncatingIfNeeded: TraceFormatVersion.major),
                                          UInt8(truncatingIfNeeded: TraceFormatVersion.major >> 8),
                                          UInt8(truncatingIfNeeded: TraceFormatVersion.minor),
                                          UInt8(truncatingIfNeeded: TraceFormatVersion.minor >> 8)])
        payload.bytes.append(contentsOf: metadata.encoded())
        try output.emitSkippable(magic: Container.metadataMagic, payload: payload.bytes)
    }

    deinit {
        // A writer dropped without `close()` (its caller threw) still finishes the frame it handed
        // over, so every complete frame reaches the file and recovery can read it.
        idle.wait()
        idle.signal()
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

    /// Hands the events appended so far, as one complete frame, to the compressing thread, after
    /// the previous frame is on disk. Throws the error of an earlier frame, if one failed.
    public func flush() throws(TraceFormatError) {
        guard encoder.count > 0 else { return }
        let content = encoder.content(sequence: framesHandedOver)
        let frame = PendingFrame(content: content, sequence: framesHandedOver, eventCount: Int(encoder.count),
                                 firstTime: encoder.firstTime, lastTime: encoder.lastTime)
        framesHandedOver += 1
        encoder.reset()
        idle.wait()
        if let error = output.error {
            idle.signal()
            throw error
        }
        let output = self.output, idle = self.idle
        worker.async {
            output.write(frame)
            idle.signal()
        }
    }

    /// Waits until the frame being compressed is on disk; rethrows its error.
    private func drain() throws(TraceFormatError) {
        idle.wait()
        idle.signal()
        if let error = output.error { throw error }
    }

    /// Flushes the last frame and writes the time index and the seek table.
    @discardableResult
    public func close() throws(TraceFormatError) -> Summary {
        precondition(!closed, "close called twice")
        try flush()
        try drain()
        closed = true
        return try output.finish()
    }
}

/// A frame's uncompressed content and what the index records about it.
private struct PendingFrame: Sendable {
    var content: [UInt8]
    var sequence: UInt32
    var eventCount: Int
    var firstTime: UInt64
    var lastTime: UInt64
}

/// The file side of a writer: compresses frames, writes them and keeps the seek table and time
/// index. Touched by one thread at a time: the writer's worker while a frame is handed over
/// (`TraceWriter.idle` taken), the writer's caller otherwise.
private final class FrameOutput: @unchecked Sendable {
    let path: String
    let file: FileDescriptor
    let compressor: ZstdFrameCompressor
    var compressed: [UInt8] = []
    var seekEntries: [SeekEntry] = []
    var frames: [FrameInfo] = []
    var totalEvents: UInt64 = 0
    var bytesWritten: UInt64 = 0
    /// The first failure; later frames are not written.
    var error: TraceFormatError?

    init(path: String, file: FileDescriptor, compressor: ZstdFrameCompressor) {
        self.path = path
        self.file = file
        self.compressor = compressor
    }

    func write(_ frame: PendingFrame) {
        guard error == nil else { return }
        do throws(TraceFormatError) {
            try compressAndWrite(frame)
        } catch {
            self.error = error
        }
    }

    private func compressAndWrite(_ frame: PendingFrame) throws(TraceFormatError) {
        let n: Int
        do {
            n = try compressor.compress(frame.content, into: &compressed)
        } catch {
            throw TraceFormatError(.io, path: path, frame: seekEntries.count, offset: bytesWritten,
                                   "compression failed: \(error.message)")
        }
        // The frame's content checksum (its last 4 bytes) is what the seek table's checksum column holds.
        let checksum = UInt32(compressed[n - 4]) | UInt32(compressed[n - 3]) << 8
            | UInt32(compressed[n - 2]) << 16 | UInt32(compressed[n - 1]) << 24
        frames.append(FrameInfo(index: seekEntries.count, offset: bytesWritten, compressedSize: n,
                                decompressedSize: frame.content.count, sequence: frame.sequence,
                                eventCount: frame.eventCount, firstTime: frame.firstTime, lastTime: frame.lastTime,
                                firstOrdinal: totalEvents))
        seekEntries.append(SeekEntry(compressedSize: UInt32(n), decompressedSize: UInt32(frame.content.count),
                                     checksum: checksum))
        try file.write(compressed[0..<n])
        bytesWritten += UInt64(n)
        totalEvents += UInt64(frame.eventCount)
    }

    func emitSkippable(magic: UInt32, payload: [UInt8]) throws(TraceFormatError) {
        let frame = Container.skippableFrame(magic: magic, payload: payload)
        seekEntries.append(SeekEntry(compressedSize: UInt32(frame.count), decompressedSize: 0,
                                     checksum: Container.emptyChecksum))
        try file.write(frame[...])
        bytesWritten += UInt64(frame.count)
    }

    /// Writes the time index and the seek table.
    func finish() throws(TraceFormatError) -> TraceWriter.Summary {
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
        return TraceWriter.Summary(events: totalEvents, frames: frames.count, bytes: bytesWritten)
    }
}
