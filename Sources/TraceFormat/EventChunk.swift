/// Consecutive events of one frame, as `EventSequence.Iterator.nextChunk()` hands them out: a view
/// of the reader's storage for that frame (or for the part of it the consumer's thread decodes),
/// which it reuses once no chunk refers to it. Indices are positions within that storage; the
/// iterator's `chunkOrdinal` places a chunk in the trace. Its members are inlinable, so that a
/// consumer's loop over a chunk reads the events in place, as it would an `ArraySlice`.
public struct EventChunk: RandomAccessCollection, Sendable {
    @usableFromInline let storage: EventStorage
    public let startIndex: Int
    public let endIndex: Int

    init(storage: EventStorage, startIndex: Int, endIndex: Int) {
        precondition(0 <= startIndex && startIndex <= endIndex && endIndex <= storage.count, "chunk out of its storage")
        self.storage = storage
        self.startIndex = startIndex
        self.endIndex = endIndex
    }

    @inlinable
    public subscript(position: Int) -> TraceEvent {
        @inline(__always) get {
            precondition(position >= startIndex && position < endIndex, "EventChunk index out of range")
            return storage.base[position]
        }
    }

    /// Calls `body` with the chunk's events in contiguous memory, valid only for the call.
    @inlinable
    public func withUnsafeBufferPointer<R, E: Error>(_ body: (UnsafeBufferPointer<TraceEvent>) throws(E) -> R) throws(E) -> R {
        try withExtendedLifetime(storage) { () throws(E) -> R in
            try body(UnsafeBufferPointer(start: storage.base + startIndex, count: endIndex - startIndex))
        }
    }
}

/// Room for one frame's events, decoded into by a reading thread and then read by the consumer,
/// never both at once (the read-ahead hands it over): mapped zeroed from the system, in huge pages
/// where offered, and touched only as far as events are written, so a frame whose index declares
/// many events costs only the events it holds.
@usableFromInline
typealias EventStorage = PageBuffer<TraceEvent>
