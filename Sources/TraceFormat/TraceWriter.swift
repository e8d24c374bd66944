import Dispatch

/// Writes a trace: the metadata frame first, then event frames as they fill, then on `close()` the
/// time index and the seek table. Frames are cut when the encoded records reach
/// `Options.frameBytes` or when the events span `Options.flushInterval` of trace time.
///
/// The caller's thread only checks the order of events and copies them into a batch (events are
/// trivially copyable); a thread of the writer's own encodes the batches into frames, compresses
/// and writes them, one batch behind the caller. Frames are cut by the events alone, never by
/// timing, so the same events always give the same bytes. Memory stays bounded by two batches
/// and one frame. A writer killed mid-run loses the events not yet in a complete frame on disk:
/// at most one flush interval and one batch; everything before is in complete, checksummed
/// frames. Call the writer from one thread at a time.
public final class TraceWriter {
    public struct Options: Sendable {
        /// A frame is cut once its encoded records reach this many bytes: 1 byte to 32 MiB (half
        /// the largest frame a reader accepts).
        public var frameBytes: Int
        public var flushInterval: UInt64
        public var compressionLevel: Int32

        public init(frameBytes: Int = 1 << 20, flushInterval: UInt64 = 5 * nsPerSecond, compressionLevel: Int32 = 1) {
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

    /// Events per batch handed to the writer's thread.
    static var batchSize: Int { 1 << 16 }

    public let path: String
    // The writer is single-threaded by contract; skipping the dynamic exclusivity check on the
    // per-event state saves a runtime call per event. `append` is inlined into its callers, so it
    // sees the batch only as where the next event goes (`cursor`) and where the batch ends.
    @exclusivity(unchecked) private var batch: EventBatch
    @usableFromInline @exclusivity(unchecked) var cursor: UnsafeMutablePointer<TraceEvent>
    @usableFromInline @exclusivity(unchecked) var limit: UnsafeMutablePointer<TraceEvent>
    @usableFromInline @exclusivity(unchecked) var lastTime: UInt64 = 0
    @usableFromInline @exclusivity(unchecked) var closed = false
    /// Encodes, compresses and writes on another thread while the caller fills the next batch.
    private let output: FrameOutput
    private let worker = SerialWorker(name: "trace-encode")
    /// Taken while the worker has a batch: at most one batch waits besides the one filling.
    private let idle = DispatchSemaphore(value: 1)

    public init(path: String, metadata: TraceMetadata, options: Options = .init()) throws(TraceFormatError) {
        self.path = path
        batch = EventBatch(capacity: Self.batchSize)
        (cursor, limit) = batch.free
        output = FrameOutput(path: path, file: try FileDescriptor.create(path), options: options)
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
        // A writer dropped without `close()` (its caller threw) still writes what it handed over
        // and the events it holds as complete frames, so recovery can read them.
        if !closed { try? handOver(cutFrame: true) }
        idle.wait()
        idle.signal()
        worker.stop()
    }

    /// Adds one event. Events must come in non-decreasing time order.
    @inlinable
    public func append(_ event: TraceEvent) throws(TraceFormatError) {
        precondition(!closed, "append after close")
        guard event.time >= lastTime else { throw outOfOrder(event.time) }
        lastTime = event.time
        cursor.initialize(to: event)
        cursor += 1
        if cursor == limit { try handOver(cutFrame: false) }
    }

    @usableFromInline
    func outOfOrder(_ time: UInt64) -> TraceFormatError {
        TraceFormatError(.outOfOrder, path: path, "event at \(time) ns follows one at \(lastTime) ns")
    }

    /// Writes the events appended so far; they end the current frame.
    public func flush() throws(TraceFormatError) {
        try handOver(cutFrame: true)
    }

    /// Gives the batch to the writer's thread once it has finished the previous one, and takes
    /// that one's storage back to fill. Throws the error of an earlier frame, if one failed.
    @usableFromInline
    func handOver(cutFrame: Bool) throws(TraceFormatError) {
        batch.filled(upTo: cursor)
        idle.wait()
        if let error = output.error {
            idle.signal()
            throw error
        }
        swap(&batch, &output.pending)
        batch.removeAll()
        (cursor, limit) = batch.free
        let output = self.output, idle = self.idle
        worker.async {
            output.encodePending(cutFrame: cutFrame)
            idle.signal()
        }
    }

    /// Writes the last frame, the time index and the seek table.
    @discardableResult
    public func close() throws(TraceFormatError) -> Summary {
        precondition(!closed, "close called twice")
        closed = true
        try handOver(cutFrame: true)
        idle.wait()
        defer { idle.signal() }
        if let error = output.error { throw error }
        return try output.finish()
    }
}

/// Events waiting to be encoded, in memory the batch owns (no copy-on-write checks per event).
struct EventBatch: ~Copyable {
    private let start: UnsafeMutablePointer<TraceEvent>
    let capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        start = .allocate(capacity: capacity)
    }

    deinit { start.deallocate() }

    var events: UnsafeBufferPointer<TraceEvent> { UnsafeBufferPointer(start: start, count: count) }

    /// Where the next event goes and where the batch ends: the writer fills the batch through
    /// these, then says how far it got.
    var free: (next: UnsafeMutablePointer<TraceEvent>, end: UnsafeMutablePointer<TraceEvent>) {
        (start + count, start + capacity)
    }

    /// Records that the events up to `end` (from `free.next`) are written.
    mutating func filled(upTo end: UnsafeMutablePointer<TraceEvent>) {
        precondition(end >= start + count && end <= start + capacity, "batch filled past its end")
        count = end - start
    }

    /// Events are trivially copyable: forgetting them is enough.
    mutating func removeAll() { count = 0 }
}

/// The file side of a writer: encodes batches into frames, compresses and writes them, and keeps
/// the seek table and time index. Touched by one thread at a time: the writer's worker while a
/// batch is handed over (`TraceWriter.idle` taken), the writer's caller otherwise.
private final class FrameOutput: @unchecked Sendable {
    let path: String
    let file: FileDescriptor
    let options: TraceWriter.Options
    let compressor: ZstdFrameCompressor
    /// The batch handed over (the worker's), or the spare storage the caller takes back.
    // Only the worker touches these while it encodes (see above): no dynamic exclusivity
    // check per event.
    @exclusivity(unchecked) var pending = EventBatch(capacity: TraceWriter.batchSize)
    @exclusivity(unchecked) private var encoder: FrameEncoder
    var compressed: [UInt8] = []
    var seekEntries: [SeekEntry] = []
    var frames: [FrameInfo] = []
    var totalEvents: UInt64 = 0
    var bytesWritten: UInt64 = 0
    /// The first failure; later frames are not written.
    var error: TraceFormatError?

    init(path: String, file: FileDescriptor, options: TraceWriter.Options) {
        self.path = path
        self.file = file
        self.options = options
        compressor = ZstdFrameCompressor(level: options.compressionLevel)
        encoder = FrameEncoder(frameBytes: options.frameBytes)
    }

    /// Encodes the pending batch, cutting frames by size and by trace time, and the current frame
    /// after it if `cutFrame`.
    func encodePending(cutFrame: Bool) {
        guard error == nil else { return }
        do throws(TraceFormatError) {
            for e in pending.events {
                if encoder.count > 0, e.time - encoder.firstTime >= options.flushInterval { try writeFrame() }
                encoder.append(e)
                if encoder.isFull { try writeFrame() }
            }
            if cutFrame { try writeFrame() }
        } catch {
            self.error = error
        }
    }

    private func writeFrame() throws(TraceFormatError) {
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
