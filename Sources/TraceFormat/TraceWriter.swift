import Dispatch

/// Writes a trace: the metadata frame first, then event frames as they fill, then on `close()` the
/// time index and the seek table. Frames are cut when the encoded records reach
/// `Options.frameBytes` or when the events span `Options.flushInterval` of trace time.
///
/// The caller's thread only checks the order of events and copies them into a batch (events are
/// trivially copyable); a thread of the writer's own encodes the batches into frames, compresses
/// and writes them, up to `batchCount - 1` batches behind the caller. Frames are cut by the
/// events alone, never by timing, so the same events always give the same bytes. Memory stays
/// bounded by the ring of batches and one frame. A writer killed mid-run loses the events not
/// yet in a complete frame on disk: at most one flush interval and the ring's events; everything
/// before is in complete, checksummed frames. Call the writer from one thread at a time.
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
        /// Nanoseconds the caller's thread waited for the writer's thread to free a batch: how
        /// much the writer held the caller back (for benchmarks; not part of the file).
        public var stalled: UInt64 = 0
    }

    /// Events per batch handed to the writer's thread, and how many batches there are: the
    /// caller fills one while the writer's thread works through the others. Small batches (8K
    /// events, 384 KiB) stay in a core's cache between being written and being encoded; several
    /// of them let the caller run on while the writer's thread catches up with a slow moment.
    static var batchSize: Int { 1 << 13 }
    static var batchCount: Int { 8 }

    public let path: String
    // The writer is single-threaded by contract; skipping the dynamic exclusivity check on the
    // per-event state saves a runtime call per event. `append` is inlined into its callers, so it
    // sees the batch only as where the next event goes (`cursor`) and where the batch ends.
    private let batches: BatchRing
    /// The batch being filled.
    private var current = 0
    @usableFromInline @exclusivity(unchecked) var cursor: UnsafeMutablePointer<TraceEvent>
    @usableFromInline @exclusivity(unchecked) var limit: UnsafeMutablePointer<TraceEvent>
    @usableFromInline @exclusivity(unchecked) var lastTime: UInt64 = 0
    /// Set by `close()`, which leaves room for one more event only: an append after it reaches the
    /// check in `handOver` at once.
    private var closed = false
    private var stalled: UInt64 = 0
    /// Encodes, compresses and writes on another thread while the caller fills the next batch.
    private let output: FrameOutput
    private let worker = SerialWorker(name: "trace-encode")
    /// Counts the batches free to fill besides the current one; the writer's thread returns one
    /// each time it has written a batch.
    private let free = DispatchSemaphore(value: TraceWriter.batchCount - 1)

    public init(path: String, metadata: TraceMetadata, options: Options = .init()) throws(TraceFormatError) {
        self.path = path
        batches = BatchRing(count: Self.batchCount, capacity: Self.batchSize)
        (cursor, limit) = batches.bounds(0)
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
        waitForWorker()
        worker.stop()
    }

    /// Adds one event. Events must come in non-decreasing time order.
    /// An append after `close()` stops in `handOver` (see `closed`): no check per event.
    @inlinable
    public func append(_ event: TraceEvent) throws(TraceFormatError) {
        guard event.time >= lastTime else { throw outOfOrder(event.time) }
        lastTime = event.time
        let slot = cursor
        slot.initialize(to: event)
        cursor = slot + 1
        if slot + 1 == limit { try handOver(cutFrame: false) }
    }

    @usableFromInline
    func outOfOrder(_ time: UInt64) -> TraceFormatError {
        TraceFormatError(.outOfOrder, path: path, "event at \(time) ns follows one at \(lastTime) ns")
    }

    /// Writes the events appended so far; they end the current frame.
    public func flush() throws(TraceFormatError) {
        precondition(!closed, "flush after close")
        try handOver(cutFrame: true)
    }

    /// Gives the current batch to the writer's thread and takes the next free one to fill.
    /// Throws the error of an earlier frame, if one failed.
    @usableFromInline
    func handOver(cutFrame: Bool) throws(TraceFormatError) {
        precondition(!closed, "append after close")
        let start = batches.bounds(current).start
        let batch = Batch(events: UnsafeBufferPointer(start: start, count: cursor - start))
        let output = self.output, free = self.free
        worker.async {
            output.encode(batch, cutFrame: cutFrame)
            free.signal()
        }
        if free.wait(timeout: .now()) == .timedOut {
            let start = DispatchTime.now().uptimeNanoseconds
            free.wait()
            stalled += DispatchTime.now().uptimeNanoseconds - start
        }
        current = (current + 1) % Self.batchCount
        (cursor, limit) = batches.bounds(current)
        if let error = output.error { throw error }
    }

    /// Waits until the writer's thread has written every batch handed to it.
    private func waitForWorker() {
        for _ in 1..<Self.batchCount { free.wait() }
        for _ in 1..<Self.batchCount { free.signal() }
    }

    /// Writes the last frame, the time index and the seek table.
    @discardableResult
    public func close() throws(TraceFormatError) -> Summary {
        precondition(!closed, "close called twice")
        defer {
            closed = true
            limit = cursor + 1
        }
        try handOver(cutFrame: true)
        waitForWorker()
        if let error = output.error { throw error }
        var summary = try output.finish()
        summary.stalled = stalled
        return summary
    }
}

/// The writer's batches: `count` runs of `capacity` events in one allocation, filled in turn.
/// Events are trivially copyable, so a batch is reused by overwriting it.
private final class BatchRing: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<TraceEvent>
    private let capacity: Int

    init(count: Int, capacity: Int) {
        self.capacity = capacity
        storage = .allocate(capacity: count * capacity)
    }

    deinit { storage.deallocate() }

    /// Where batch `i` starts and ends.
    func bounds(_ i: Int) -> (start: UnsafeMutablePointer<TraceEvent>, end: UnsafeMutablePointer<TraceEvent>) {
        (storage + i * capacity, storage + (i + 1) * capacity)
    }
}

/// A filled batch on its way to the writer's thread, which alone reads it until it signals
/// `TraceWriter.free`.
private struct Batch: @unchecked Sendable {
    let events: UnsafeBufferPointer<TraceEvent>
}

/// The file side of a writer: encodes batches into frames, compresses and writes them, and keeps
/// the seek table and time index. Touched by one thread at a time: the writer's worker while it has
/// batches to write, the writer's caller once it has waited for them all (`close()`).
private final class FrameOutput: @unchecked Sendable {
    let path: String
    let file: FileDescriptor
    let options: TraceWriter.Options
    let compressor: ZstdFrameCompressor
    // Only the worker touches the encoder: no dynamic exclusivity check per event.
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

    /// Encodes a batch, cutting frames by size and by trace time, and the current frame after it
    /// if `cutFrame`.
    func encode(_ batch: Batch, cutFrame: Bool) {
        guard error == nil else { return }
        do throws(TraceFormatError) {
            for e in batch.events {
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
