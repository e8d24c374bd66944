import Dispatch
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A single pass over the events of some frames of a trace.
///
/// Frames are read, decompressed and decoded ahead, two frames ahead on threads of the iterator's
/// own (two threads, or one on a machine with fewer than three processors), so a consumer's work
/// on one frame overlaps the decoding of the next ones; a consumer that catches up decodes the
/// rest of its frame itself (all of it, if the frame's thread has not begun it), 1,024 events at
/// a time as it asks for them. Memory stays bounded by three frames of events, one chunk of 1,024,
/// and those of any chunks the consumer keeps. Copies of an iterator share those threads: advance
/// one.
///
/// Iteration stops at the first unreadable frame and leaves the error in `Iterator.error`, unless
/// the sequence skips corrupt frames, in which case each skipped frame's error is collected in
/// `Iterator.skipped` and iteration goes on with the next frame. Checksums are verified when a
/// frame is decompressed, before any of its events is returned; only a frame whose checksum is
/// right but whose records do not decode (a writer bug, not disk damage) can end after some of
/// its events were returned.
public struct EventSequence: Sequence {
    let file: TraceFile
    let frames: ArraySlice<FrameInfo>
    let timeRange: ClosedRange<UInt64>?
    let skipCorrupt: Bool
    /// Threads decoding ahead (1 or 2); tests set it to run both ways on any machine.
    var decodeThreads = FramePrefetcher.defaultDecodeThreads
    /// When a decoding thread leaves the rest of a frame to the consumer; tests force hand-overs.
    var handOver = FramePrefetcher.HandOver()

    public func makeIterator() -> Iterator { Iterator(self) }

    public struct Iterator: IteratorProtocol {
        private let timeRange: ClosedRange<UInt64>?
        private let skipCorrupt: Bool
        private let prefetcher: FramePrefetcher
        /// The current frame's storage, holding the events its decoding thread decoded.
        private var events: EventStorage?
        /// The events of the current frame that its thread left to this iterator, decoded a chunk at
        /// a time into `restEvents` as they are asked for, so that each chunk is still in the
        /// processor's cache when the consumer reads it.
        private var rest: FramePrefetcher.Rest?
        private var restEvents: EventStorage?
        /// The decompressed content of the last frame whose rest this iterator decoded, handed back
        /// to the read-ahead for a later frame.
        private var spareContent: PageBuffer<UInt8>?
        /// Whether `restEvents`, rather than `events`, is being returned.
        private var returningRest = false
        private var current: EventStorage? { returningRest ? restEvents : events }
        /// The events being returned are the first `count` of their storage; `position` is the next
        /// one to return, and the storage's first event is the frame's `storageStart`th.
        private var count = 0
        private var position = 0
        private var storageStart = 0
        private var stopped = false
        /// The error that ended iteration early, if any.
        public private(set) var error: TraceFormatError?
        /// Frames left out because they were corrupt (only when skipping corrupt frames).
        public private(set) var skipped: [TraceFormatError] = []
        /// Whether the last chunk does not follow on from the one before it: a corrupt frame, or
        /// the rest of one, was skipped in between. A consumer that relates each event to the
        /// ones before it (a commit index to the previous one) must not do so across the gap.
        public private(set) var chunkFollowsGap = false
        /// The position in the whole trace (0 is its first event) of the last chunk's first event;
        /// skipped frames keep their places, so positions stay those of the file.
        public private(set) var chunkOrdinal: UInt64 = 0
        /// The position of the current frame's first event.
        private var frameOrdinal: UInt64 = 0
        /// Events were lost since the last chunk returned.
        private var gapPending = false
        /// The current frame ended early: events are lost after it.
        private var gapAfterFrame = false

        init(_ s: EventSequence) {
            timeRange = s.timeRange
            skipCorrupt = s.skipCorrupt
            prefetcher = s.file.takeReadAhead(frames: s.frames, decodeThreads: s.decodeThreads, handOver: s.handOver)
                ?? FramePrefetcher(file: s.file.file, frames: s.frames, decodeThreads: s.decodeThreads, handOver: s.handOver)
        }

        /// The events of the current frame not yet returned (within the sequence's time range), or
        /// the next frame's; nil at the end. Lets a consumer borrow events in bulk instead of copying
        /// them out one by one. Drop the chunk before the next call, so that the frame's storage can
        /// be reused (a chunk kept longer stays valid; the reader then decodes into new storage).
        public mutating func nextChunk() -> EventChunk? {
            while true {
                if position < count, let events = current {
                    var lo = position, hi = count
                    if let range = timeRange {
                        while lo < hi, events.base[lo].time < range.lowerBound { lo += 1 }
                        var end = lo
                        while end < hi, events.base[end].time <= range.upperBound { end += 1 }
                        if end < hi { stopped = true }
                        hi = end
                    }
                    position = count
                    if lo < hi {
                        chunkOrdinal = frameOrdinal + UInt64(storageStart + lo)
                        chunkFollowsGap = gapPending
                        gapPending = false
                        return EventChunk(storage: events, startIndex: lo, endIndex: hi)
                    }
                    continue
                }
                if rest != nil, !stopped {
                    decodeRest()
                    continue
                }
                guard advanceFrame() else { return nil }
            }
        }

        public mutating func next() -> TraceEvent? {
            while true {
                if position < count, let events = current {
                    let e = events.base[position]
                    position &+= 1
                    if let range = timeRange, !range.contains(e.time) {
                        if e.time > range.upperBound { stopped = true; count = 0; return nil }
                        continue
                    }
                    return e
                }
                if rest != nil, !stopped {
                    decodeRest()
                    continue
                }
                guard advanceFrame() else { return nil }
            }
        }

        /// Decodes the next chunk of the current frame's rest into `restEvents` (reused unless a
        /// chunk the consumer kept still shows it) and makes it the events being returned.
        private mutating func decodeRest() {
            guard var r = rest else { return }
            returningRest = true
            let room = FramePrefetcher.restChunk
            if !isKnownUniquelyReferenced(&restEvents) { restEvents = EventStorage(count: room) }
            guard let storage = restEvents else { return }
            let first = r.decoded
            let problem = prefetcher.decodeEvents(of: r.frame, with: &r.decoder, from: &r.decoded,
                                                  to: Swift.min(r.frame.eventCount, first + room), into: storage.base)
            storageStart = first
            position = 0
            count = r.decoded - first
            if problem == nil, r.decoded < r.frame.eventCount {
                rest = r
                return
            }
            rest = nil
            spareContent = r.content
            if let problem { frameEnded(early: problem) }
        }

        /// Makes the next decoded frame current; false at the end. A frame that went bad part-way
        /// still gives the events before the bad record; iteration ends (or skips) after them.
        private mutating func advanceFrame() -> Bool {
            guard !stopped, let frame = prefetcher.take(recycling: &events, content: &spareContent) else { return false }
            returningRest = false
            position = 0
            count = frame.count
            storageStart = 0
            rest = frame.rest
            frameOrdinal = frame.firstOrdinal
            if gapAfterFrame { gapPending = true; gapAfterFrame = false }
            if let problem = frame.error { frameEnded(early: problem) }
            return true
        }

        /// The current frame ended at a bad record, after the events being returned: iteration
        /// stops after them, or goes on with the next frame when skipping corrupt frames.
        private mutating func frameEnded(early problem: TraceFormatError) {
            if skipCorrupt {
                skipped.append(problem)
                if count == 0 { gapPending = true } else { gapAfterFrame = true }
            } else {
                error = problem
                stopped = true
            }
        }
    }
}

/// Decodes the frames of a sequence ahead of the consumer, two frames ahead (frames decode
/// independently), and hands them out in order. Each of the two decoding slots has its own
/// buffers and is touched by its thread while a frame is scheduled in it and by the consumer
/// otherwise; `ready` hands it back and forth, so the two never touch it at once.
///
/// Each slot has a thread of its own when the machine has a processor for each besides the
/// consumer's. With fewer, one thread decodes into both slots in turn: on two processors a second
/// decoding thread only takes turns with the consumer on its processor, and every switch evicts
/// the consumer's tables from the cache (measured: a one-hour trace analysed in 14% less time).
///
/// A consumer that comes for a frame still being decoded does not wait for it: the thread stops
/// at the end of its current chunk of events and goes on to its next frame, and the consumer
/// decodes the rest of this one itself. So the decoding is shared between the two as their
/// speeds require, which matters where one thread decodes for a consumer that keeps up with it
/// (a 10 min trace's analysis: 5-9% less time on two processors). The consumer decodes that
/// rest a chunk at a time (`restChunk`), each just before it reads it, into one small buffer: the
/// events are still in its processor's cache when it reads them, where a whole frame decoded
/// first (about 1 MB) was not, and the frame's storage is not written past the thread's part.
final class FramePrefetcher: @unchecked Sendable {
    /// A frame's events, the first `count` of `events` (storage reused from frame to frame, sized
    /// for the largest), and the error that ended it early, if any.
    struct Decoded {
        var events: EventStorage?
        var count: Int
        var error: TraceFormatError?
        /// The position in the trace of the frame's first event.
        var firstOrdinal: UInt64 = 0
        /// The events after the first `count`, left to the consumer.
        var rest: Rest?
    }

    /// The events of a frame that its decoding thread left to the consumer: their decoder, how many
    /// of the frame's events are decoded, and the decompressed content the decoder reads.
    struct Rest {
        var decoder: FrameDecoder
        let frame: FrameInfo
        var decoded: Int
        let content: PageBuffer<UInt8>
    }

    /// How many events of a frame's rest the consumer decodes at a time: 48 KiB of events, which
    /// the consumer reads while they are still in its processor's cache.
    static var restChunk: Int { 1024 }

    private final class Slot: @unchecked Sendable {
        let worker: SerialWorker
        let ready = DispatchSemaphore(value: 0)
        let buffers: FrameBuffers
        var decoded = Decoded(events: nil, count: 0, error: nil)
        var scheduled = false
        /// Set by the consumer when it comes for the frame: the thread then stops decoding at the
        /// end of its current chunk and leaves the rest of the frame, `rest`, to the consumer.
        let wanted = Atomic<Bool>(false)
        /// Set by whichever begins the frame: its thread, or the consumer if it comes for the frame
        /// before the thread has begun it (still on the other slot's frame, or not yet running:
        /// a thread just started may wait for the processor of the thread that started it), which
        /// then reads it itself rather than wait.
        let begun = Atomic<Bool>(false)
        /// The frame's place among the frames is wrong (`checkOrder`), found when it was scheduled.
        var outOfOrder: TraceFormatError?
        /// The frame being decoded, and the decoder of its events not decoded yet (nil once done).
        var frame: FrameInfo?
        var rest: FrameDecoder?
        init(worker: SerialWorker, buffers: FrameBuffers) {
            self.worker = worker
            self.buffers = buffers
        }
    }

    private let file: FileDescriptor
    let frames: ArraySlice<FrameInfo>
    /// The most events any of the frames holds: each slot's storage is made this large once,
    /// rather than grown (and copied) whenever a frame is larger than those before it.
    private let largestFrame: Int
    private var nextFrame: Int
    /// The decoding threads: one per slot, or one for both.
    private let workers: [SerialWorker]
    /// Frame `k` (counted from the start of `frames`) decodes in slot `k % slots.count`.
    private let slots: [Slot]
    private var nextToTake = 0
    private var scheduledCount = 0
    private var previousEnd: UInt64 = 0

    /// A decoding thread looks whether the consumer wants its frame every `chunk` events, and
    /// if so leaves it the rest; `always` makes it leave the rest after its first chunk, and
    /// `threadIdle` makes it begin no frame, so that the consumer reads every one (tests).
    struct HandOver: Equatable {
        var chunk = 1024
        var always = false
        var threadIdle = false
    }

    /// 2 when at least three processors are available to the process, else 1. The processors
    /// online are counted first: `ProcessInfo`'s count, which also heeds the process' affinity
    /// and its control group's quota, reads the control group's files, which cost the analysis
    /// of a short trace 0.3 ms at its start, and it can only be lower.
    static let defaultDecodeThreads = processorsOnline < 3 || ProcessInfo.processInfo.activeProcessorCount < 3 ? 1 : 2

    private static var processorsOnline: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    let decodeThreads: Int
    let handOver: HandOver

    init(file: FileDescriptor, frames: ArraySlice<FrameInfo>, decodeThreads: Int, handOver: HandOver = HandOver()) {
        precondition((1...2).contains(decodeThreads), "1 or 2 decoding threads")
        precondition(handOver.chunk > 0, "chunks of at least one event")
        self.handOver = handOver
        self.decodeThreads = decodeThreads
        let workers = (0..<decodeThreads).map { SerialWorker(name: "trace-decode-\($0)") }
        self.workers = workers
        slots = (0..<2).map { Slot(worker: workers[$0 % decodeThreads], buffers: FrameBuffers(for: frames)) }
        self.file = file
        self.frames = frames
        largestFrame = frames.lazy.map(\.eventCount).max() ?? 0
        nextFrame = frames.startIndex
        // The slots' storage, made once in one mapping (see `PageBuffer.sharing`).
        var storage = EventStorage.sharing(slots.count, count: largestFrame)
        while let next = storage.popLast() {
            var reused: EventStorage? = next
            schedule(reusing: &reused)
        }
    }

    deinit {
        // A frame its thread has begun is waited for; one it has not is marked begun, which its
        // thread's job then finds.
        for slot in slots where slot.scheduled
            && !slot.begun.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            slot.ready.wait()
        }
        for worker in workers { worker.stop() }
    }

    /// The next frame's events (in `events`, whose old storage is reused for a later frame unless
    /// a chunk still refers to it), its error, and the rest of its events if its thread left them
    /// to the consumer (whose `content`, the decompressed frame it decoded last, is reused); nil
    /// after the last frame.
    func take(recycling events: inout EventStorage?, content: inout PageBuffer<UInt8>?) -> Decoded? {
        let slot = slots[nextToTake % slots.count]
        guard slot.scheduled else { return nil }
        slot.wanted.store(true, ordering: .relaxed)
        if slot.begun.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            load(slot)  // its thread has not begun it: read here (all of it is left to the consumer)
        } else {
            slot.ready.wait()
        }
        slot.scheduled = false
        nextToTake += 1
        var rest: Rest?
        if let decoder = slot.rest, let frame = slot.frame, let frameContent = slot.buffers.content {
            // The thread left the end of the frame to the consumer (which would otherwise wait for
            // it) and went on to the next frame. The consumer takes the frame's content with it;
            // the slot decompresses its next frame into the content the consumer is done with.
            slot.rest = nil
            rest = Rest(decoder: decoder, frame: frame, decoded: slot.decoded.count, content: frameContent)
            slot.buffers.content = content
            content = nil
        }
        // Storage moves (by swapping) between the consumer and the slots; storage a chunk the
        // consumer kept still refers to is left to that chunk, and the next frame decodes into
        // new storage.
        var recycled: EventStorage?
        swap(&recycled, &events)
        swap(&events, &slot.decoded.events)
        if !isKnownUniquelyReferenced(&recycled) { recycled = nil }
        let taken = Decoded(events: nil, count: slot.decoded.count, error: slot.decoded.error,
                            firstOrdinal: slot.decoded.firstOrdinal, rest: rest)
        schedule(reusing: &recycled)
        return taken
    }

    /// Schedules the next frame into the next slot, moving `storage` (emptied) into it for reuse.
    private func schedule(reusing storage: inout EventStorage?) {
        guard nextFrame < frames.endIndex else { return }
        let frame = frames[nextFrame]
        nextFrame += 1
        let slot = slots[scheduledCount % slots.count]
        scheduledCount += 1
        slot.scheduled = true
        slot.wanted.store(false, ordering: .relaxed)
        slot.frame = frame
        slot.decoded = Decoded(events: nil, count: 0, error: nil)
        swap(&slot.decoded.events, &storage)
        // Frames must not go back in time; checked here, in frame order.
        do throws(TraceFormatError) {
            try FrameBuffers.checkOrder(of: frame, after: &previousEnd, path: file.path)
            slot.outOfOrder = nil
        } catch {
            slot.outOfOrder = error
        }
        // Last, releasing the slot's new state to whichever begins the frame: a job queued for an
        // earlier frame of this slot (which the consumer read itself) may still be waiting to run.
        slot.begun.store(false, ordering: .releasing)
        slot.worker.async { [self] in
            // Whichever frame the slot holds now: a job can run after the consumer has read the
            // frame it was queued for and scheduled the next, which this job then begins (and
            // that frame's own job finds begun).
            guard !handOver.threadIdle,
                  slot.begun.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
            else { return }
            load(slot)
            slot.ready.signal()
        }
    }

    /// Reads the frame `slot` holds and decodes its events until the consumer wants it (see
    /// `decode`), on its thread or, if the consumer came for it first, on the consumer's.
    private func load(_ slot: Slot) {
        guard let frame = slot.frame else { return }
        var events: EventStorage?
        swap(&events, &slot.decoded.events)
        var count = 0
        var rest: FrameDecoder?
        let error = slot.outOfOrder ?? Self.decode(frame, of: file, buffers: slot.buffers, into: &events, capacity: largestFrame,
                                                   count: &count, rest: &rest, handingOverTo: (slot, handOver))
        // Moved, not copied: the consumer may go on decoding into this storage at once.
        slot.decoded = Decoded(events: nil, count: count, error: error, firstOrdinal: frame.firstOrdinal)
        swap(&slot.decoded.events, &events)
        slot.rest = rest
    }

    /// Reads and decompresses `frame`, then decodes its events into `events` (`count` of them)
    /// until the consumer wants the frame: the decoder of the events left, if any, is in `rest`.
    private static func decode(_ frame: FrameInfo, of file: FileDescriptor, buffers: FrameBuffers,
                               into events: inout EventStorage?, capacity: Int, count: inout Int,
                               rest: inout FrameDecoder?, handingOverTo consumer: (slot: Slot, policy: HandOver)) -> TraceFormatError? {
        count = 0
        var decoder: FrameDecoder
        do throws(TraceFormatError) {
            decoder = try buffers.decoder(for: frame, of: file)
        } catch {
            return error
        }
        // Decoded straight into storage reused from frame to frame, sized once for the largest
        // frame (the index says how large), so memory does not creep up with the trace's length.
        let storage = EventStorage.reusing(&events, holding: frame.eventCount, elseAllocating: capacity)
        precondition(frame.eventCount <= storage.count, "frame storage too small")
        let total = frame.eventCount
        if total == 0 {  // nothing to decode; its end is checked all the same
            return decodeEvents(of: frame, path: file.path, with: &decoder, from: &count, to: 0, into: storage.base)
        }
        while count < total {
            // Stops, `count` short of the frame's events, once the consumer wants the frame.
            if consumer.slot.wanted.load(ordering: .relaxed) || (consumer.policy.always && count > 0) { break }
            let first = count
            if let error = decodeEvents(of: frame, path: file.path, with: &decoder, from: &count,
                                        to: min(total, count + consumer.policy.chunk), into: storage.base + first) {
                return error
            }
        }
        if count < total { rest = decoder }
        return nil
    }

    /// Decodes the events of `frame` from its `decoded`th to its `end`th into `buffer`, and checks
    /// the frame's end after its last event. `decoded` ends at the events decoded, those before a
    /// bad record included.
    func decodeEvents(of frame: FrameInfo, with decoder: inout FrameDecoder, from decoded: inout Int, to end: Int,
                      into buffer: UnsafeMutablePointer<TraceEvent>) -> TraceFormatError? {
        Self.decodeEvents(of: frame, path: file.path, with: &decoder, from: &decoded, to: end, into: buffer)
    }

    private static func decodeEvents(of frame: FrameInfo, path: String, with decoder: inout FrameDecoder,
                                     from decoded: inout Int, to end: Int,
                                     into buffer: UnsafeMutablePointer<TraceEvent>) -> TraceFormatError? {
        var problem: WireError?
        // The loop works on copies of `decoder` and `decoded`, written back after it.
        var d = decoder
        var n = decoded
        do throws(WireError) {
            try d.decode(end - n, into: buffer, counting: &n)
            if n == frame.eventCount { try d.finish() }
        } catch {
            problem = error
        }
        decoder = d
        decoded = n
        guard let problem else { return nil }
        return .corrupt(frame, path: path, problem.text)
    }
}

extension TraceFormatError {
    /// Event frame `frame` of the file at `path` is corrupt: the error names the frame and its offset.
    static func corrupt(_ frame: FrameInfo, path: String, _ why: String) -> TraceFormatError {
        TraceFormatError(.corruptFrame, path: path, frame: frame.index, offset: frame.offset, why)
    }
}

extension WireError {
    var text: String {
        let why: String = switch problem {
        case .truncated: "a record runs past the end of its column"
        case .badVarint: "bad varint"
        case .impossible(let s): s
        }
        return "\(why) (decompressed byte \(offset))"
    }
}

extension FrameDecoder {
    /// A decoder for `content` whose header must agree with what the index says of `frame`.
    static func checked(_ content: UnsafeRawBufferPointer, expecting frame: FrameInfo, path: String) -> Result<FrameDecoder, TraceFormatError> {
        func corrupt(_ why: String) -> TraceFormatError { .corrupt(frame, path: path, why) }
        do throws(WireError) {
            let d = try FrameDecoder(content)
            let h = d.header
            guard h.count == UInt32(frame.eventCount), h.firstTime == frame.firstTime, h.lastTime == frame.lastTime else {
                return .failure(corrupt("frame header disagrees with the time index"))
            }
            return .success(d)
        } catch {
            return .failure(corrupt(error.text))
        }
    }
}

/// Reusable buffers for reading frames. The decompressed content lives in a `PageBuffer` so that a
/// `FrameDecoder` may point into it for as long as the frame is being read.
final class FrameBuffers {
    private var compressed: [UInt8] = []
    /// The decompressed content of the last frame loaded: the read-ahead hands it to the consumer
    /// with a frame whose decoding it leaves to the consumer, and puts back one the consumer is
    /// done with.
    var content: PageBuffer<UInt8>?
    /// Content buffers are made as large as the largest frame to be read, so they are mapped once
    /// rather than again whenever a frame is larger than those before it.
    let contentCapacity: Int
    private let decompressor = ZstdFrameDecompressor()

    /// Buffers for reading `frames`.
    init(for frames: ArraySlice<FrameInfo>) { contentCapacity = frames.lazy.map(\.decompressedSize).max() ?? 0 }

    /// Checks that `frame`, read in file order, does not start before `previousEnd` (the end of the
    /// frame before it), and makes its end the new `previousEnd`.
    static func checkOrder(of frame: FrameInfo, after previousEnd: inout UInt64, path: String) throws(TraceFormatError) {
        defer { previousEnd = frame.lastTime }
        guard frame.firstTime >= previousEnd else {
            throw .corrupt(frame, path: path, "frame starts at \(frame.firstTime) ns, before the previous frame ended (\(previousEnd) ns)")
        }
    }

    /// A decoder for `frame`, whose header must agree with the index. Its bytes stay valid until
    /// the next call.
    func decoder(for frame: FrameInfo, of file: FileDescriptor) throws(TraceFormatError) -> FrameDecoder {
        try FrameDecoder.checked(try load(frame, of: file), expecting: frame, path: file.path).get()
    }

    /// Reads, checks and decompresses one event frame. The returned bytes stay valid until the next call.
    func load(_ frame: FrameInfo, of file: FileDescriptor) throws(TraceFormatError) -> UnsafeRawBufferPointer {
        let path = file.path
        func corrupt(_ why: String) -> TraceFormatError { .corrupt(frame, path: path, why) }
        if frame.isDamaged {
            throw corrupt("\(frame.compressedSize) bytes that do not read as a frame, found by a recovery scan "
                          + "(no seek table says how many events they held)")
        }
        guard frame.compressedSize <= Container.maxFrameCompressed, frame.decompressedSize <= Container.maxFrameContent else {
            throw TraceFormatError(.limitExceeded, path: path, frame: frame.index, offset: frame.offset,
                                   "frame declares \(frame.compressedSize) compressed, \(frame.decompressedSize) decompressed bytes")
        }
        try file.read(at: frame.offset, count: frame.compressedSize, into: &compressed)
        guard compressed.count == frame.compressedSize else {
            throw TraceFormatError(.truncated, path: path, frame: frame.index, offset: frame.offset, "file ends inside the frame")
        }
        let size = frame.decompressedSize
        let buffer = PageBuffer.reusing(&content, holding: size, elseAllocating: contentCapacity)
        let target = UnsafeMutableRawBufferPointer(start: buffer.base, count: size)
        let problem: String? = compressed.withUnsafeBytes { p in
            switch ZstdFrameDecompressor.declaredSize(p, limit: Container.maxFrameContent) {
            case .failure(.tooLarge(let n)): return "frame declares \(n) decompressed bytes (limit \(Container.maxFrameContent))"
            case .failure: return "frame header does not declare its size"
            case .success(let n) where n != size: return "frame declares \(n) bytes; the seek table says \(size)"
            case .success:
                do throws(ZstdError) { try decompressor.decompress(p, into: target) } catch {
                    return error.isChecksumError ? "checksum mismatch" : "zstd: \(error.message)"
                }
                return nil
            }
        }
        if let problem { throw corrupt(problem) }
        return UnsafeRawBufferPointer(target)
    }
}
