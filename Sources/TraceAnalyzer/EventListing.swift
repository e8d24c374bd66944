import DequeModule
import TraceFormat

/// Which events `traceanalyze events` lists: those of some nodes and some kinds. Environment
/// events (node `-`) concern a node when a link they change starts or ends at it, or it is their
/// target; labels concern every node.
public struct EventFilter: Sendable, Equatable {
    /// Node ids; empty: every node.
    public var nodes: Set<UInt32> = []
    /// Kinds to list; empty: every kind.
    public var kinds: Set<EventTag> = []
    /// Kinds never listed (applied after `kinds`).
    public var excludedKinds: Set<EventTag> = []

    public init(nodes: Set<UInt32> = [], kinds: Set<EventTag> = [], excludedKinds: Set<EventTag> = []) {
        self.nodes = nodes
        self.kinds = kinds
        self.excludedKinds = excludedKinds
    }

    public func matches(_ e: TraceEvent) -> Bool {
        let tag = e.kind.tag
        guard kinds.isEmpty || kinds.contains(tag), !excludedKinds.contains(tag) else { return false }
        guard !nodes.isEmpty else { return true }
        if let n = e.node { return nodes.contains(n.rawValue) }
        switch e.kind {
        case .linkCut(let l), .linkHealed(let l), .linkDegraded(let l, _, _):
            return nodes.contains(l.from.rawValue) || nodes.contains(l.to.rawValue)
        case .clockDriftSet(let target, _):
            return nodes.contains(target.rawValue)
        default:
            return true
        }
    }

    /// The kinds of message traffic, the bulk of most traces.
    public static let messageKinds: Set<EventTag> = [.messageSent, .messageDelivered, .messageDropped]
}

/// One listed event.
public struct ListedEvent: Sendable, Equatable, Encodable {
    public var event: EventRef
    /// For a delivery or a drop: the send it ends (the sender's `messageSent`, which names the
    /// message's type and term), when the listing read it.
    public var sent: EventRef?
    /// The event asked for with `around`.
    public var isTarget = false
    /// Events before this one were lost: a corrupt frame was skipped.
    public var followsGap = false

    private enum CodingKeys: String, CodingKey { case sent, target, followsGap }

    public func encode(to encoder: any Encoder) throws {
        try event.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(sent, forKey: .sent)
        if isTarget { try c.encode(true, forKey: .target) }
        if followsGap { try c.encode(true, forKey: .followsGap) }
    }
}

/// Lists the events of a trace that a filter selects, in order, reading only the frames that hold
/// them (the time index says which): a stretch of time, or the neighbourhood of one event by its
/// position, the `#` number evidence cites. Memory is bounded by two frames of events and the
/// messages in flight.
public struct EventListing {
    public enum Selection: Sendable, Equatable {
        /// Events whose time lies in the range.
        case time(ClosedRange<UInt64>)
        /// Event `ordinal`, the `before` matching events before it (from its frame and the one
        /// before) and the `after` matching events after it.
        case around(ordinal: UInt64, before: Int, after: Int)
    }

    /// How a listing ended.
    public struct Summary: Sendable, Equatable {
        /// Events listed.
        public var listed = 0
        /// The listing stopped at its limit; more events matched from this time on.
        public var stoppedAt: UInt64?
        /// `around`: the event asked for was read (not lost in a skipped frame or past the end).
        public var targetFound = false
        /// Corrupt frames skipped (only when skipping them).
        public var skipped: [TraceFormatError] = []
    }

    /// A delivery is paired with its send when the send lies at most this long before the
    /// listed stretch (read, not listed).
    public static let leadIn: UInt64 = nsPerSecond
    /// Sends remembered for pairing at most (messages in flight); beyond, they are forgotten.
    static let maxInFlight = 1 << 16

    let file: TraceFile
    let selection: Selection
    let filter: EventFilter
    let limit: Int?
    let skipCorrupt: Bool
    private let run: RunConfiguration

    /// - Parameter limit: the most events to list (nil: no limit).
    public init(file: TraceFile, selection: Selection, filter: EventFilter = .init(), limit: Int? = nil,
                skipCorruptFrames: Bool = false) {
        self.file = file
        self.selection = selection
        self.filter = filter
        self.limit = limit
        skipCorrupt = skipCorruptFrames
        run = file.metadata.run
    }

    /// Calls `body` with each listed event, in order. Throws `TraceFormatError` when a frame
    /// cannot be read (after listing every event before it), unless corrupt frames are skipped;
    /// rethrows what `body` throws.
    @discardableResult
    public func run(_ body: (ListedEvent) throws -> Void) throws -> Summary {
        var summary = Summary()
        var sends: [UInt64: EventRef] = [:]
        // `around`: the last `before` matching events before the target; once it is listed, how
        // many matching events are still to list after it.
        var ring = Deque<ListedEvent>()
        var afterLeft: Int?
        // The first event read after the last skipped frame, and the last event listed.
        var resumedAt: UInt64?
        var lastListed: UInt64?
        let readFrom: UInt64 = switch selection {
        case .time(let r): r.lowerBound > Self.leadIn ? r.lowerBound - Self.leadIn : 0
        case .around(let ordinal, _, _): startTime(around: ordinal)
        }

        func item(_ e: TraceEvent, _ ordinal: UInt64) -> ListedEvent {
            var ref = EventRef(e, ordinal: ordinal)
            if case .label(let fault) = e.kind, let text = run.labelText(fault) {
                ref.fields["text"] = text
            }
            var listed = ListedEvent(event: ref)
            switch e.kind {
            case .messageDelivered(let id), .messageDropped(let id, _): listed.sent = sends[id]
            default: break
            }
            return listed
        }
        /// Lists `x`; false once the limit is reached.
        func emit(_ x: ListedEvent) throws -> Bool {
            if let limit, summary.listed >= limit {
                summary.stoppedAt = x.event.time
                return false
            }
            var x = x
            if let g = resumedAt, x.event.ordinal >= g, lastListed.map({ $0 < g }) ?? true { x.followsGap = true }
            try body(x)
            lastListed = x.event.ordinal
            summary.listed += 1
            return true
        }

        var events = file.events(in: readFrom...UInt64.max, skippingCorruptFrames: skipCorrupt).makeIterator()
        reading: while let chunk = events.nextChunk() {
            if events.chunkFollowsGap { resumedAt = events.chunkOrdinal }
            var ordinal = events.chunkOrdinal
            for e in chunk {
                defer { ordinal += 1 }
                switch selection {
                case .time(let r):
                    if e.time > r.upperBound { break reading }
                    if e.time >= r.lowerBound, filter.matches(e) {
                        guard try emit(item(e, ordinal)) else { break reading }
                    }
                case .around(let target, let before, let after):
                    if ordinal < target {
                        if filter.matches(e) {
                            ring.append(item(e, ordinal))
                            if ring.count > before { ring.removeFirst() }
                        }
                    } else if ordinal == target {
                        summary.targetFound = true
                        var x = item(e, ordinal)
                        x.isTarget = true
                        for y in ring + [x] { guard try emit(y) else { break reading } }
                        if after == 0 { break reading }
                        afterLeft = after
                    } else {
                        // Past the target without reading it: its frame was skipped.
                        guard let left = afterLeft else { break reading }
                        if filter.matches(e) {
                            guard try emit(item(e, ordinal)) else { break reading }
                            if left == 1 { break reading }
                            afterLeft = left - 1
                        }
                    }
                }
                switch e.kind {
                case .messageSent(let m):
                    if sends.count >= Self.maxInFlight { sends.removeAll(keepingCapacity: true) }
                    sends[m.id] = EventRef(e, ordinal: ordinal)
                case .messageDelivered(let id), .messageDropped(let id, _):
                    sends[id] = nil
                default:
                    break
                }
            }
        }
        summary.skipped = events.skipped
        if let error = events.error { throw error }
        return summary
    }

    /// Where to start reading for `around`: the start of the frame before the one holding the event.
    private func startTime(around ordinal: UInt64) -> UInt64 {
        guard let k = file.frameIndex(holding: ordinal) else { return 0 }
        return file.frames[max(k - 1, 0)].firstTime
    }
}
