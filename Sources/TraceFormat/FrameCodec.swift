/// The byte streams ("columns") of an event frame. Each event writes its tag, time delta and node
/// to their own columns, its id and index deltas to `refs`, and its other fields to `values`.
/// Keeping like with like lets zstd model each stream separately, which roughly halves the size
/// compared with interleaved records.
enum Column: Int, CaseIterable {
    case tags, times, nodes, refs, values
}

/// Encodes the events of one frame. Ids, request ids and log indexes are delta-coded against the
/// previous one in the frame, timestamps against the previous timestamp; all deltas restart at
/// each frame so frames decode independently.
///
/// A frame is full once `byteCount` reaches `frameBytes` (`isFull`); appending to a full frame is
/// a programming error. Each column holds `frameBytes` plus the most one event writes to a column
/// (`maxEventBytes`), so, the frame never being fuller than that, no write checks its room.
struct FrameEncoder: ~Copyable {
    /// The most one event writes to any one column: varints of at most 10 bytes, node ids of at
    /// most 5 (the largest, `nodeStarted` and `voteRequested`, write 36 bytes of values).
    static var maxEventBytes: Int { 64 }
    let frameBytes: Int
    private var tags: ColumnBuffer
    private var times = ColumnBuffer(capacity: 1 << 17)
    private var nodes: ColumnBuffer
    private var refs: ColumnBuffer
    private var values: ColumnBuffer
    /// `byteCount` reached `frameBytes`: the frame must be cut (written and reset) before more.
    private(set) var isFull = false
    /// Raw time deltas, encoded into the times column only when the frame is cut and the
    /// coarsest unit dividing all of them is known.
    private var deltas: UnsafeMutablePointer<UInt64>
    private var deltaCapacity = 1 << 14
    /// 2: all deltas are whole milliseconds, 1: whole microseconds, 0: neither.
    private var unitLevel = 2

    /// - Parameter frameBytes: when a frame is full, 1 byte to `Container.maxFrameContent / 2`.
    init(frameBytes: Int = 1 << 20) {
        precondition(frameBytes > 0 && frameBytes <= Container.maxFrameContent / 2, "frame size out of range")
        self.frameBytes = frameBytes
        let capacity = frameBytes + Self.maxEventBytes
        // Untouched pages of these cost nothing: a column uses what the frame writes to it.
        tags = ColumnBuffer(capacity: capacity)
        nodes = ColumnBuffer(capacity: capacity)
        refs = ColumnBuffer(capacity: capacity)
        values = ColumnBuffer(capacity: capacity)
        deltas = .allocate(capacity: deltaCapacity)
    }

    deinit { deltas.deallocate() }
    private(set) var count: UInt32 = 0
    private(set) var firstTime: UInt64 = 0
    private(set) var lastTime: UInt64 = 0
    private var messageID: UInt64 = 0
    private var index: UInt64 = 0
    private var request: UInt64 = 0

    /// Bytes encoded so far (time deltas counted at their largest).
    var byteCount: Int { tags.count + 3 * Int(count) + nodes.count + refs.count + values.count }

    mutating func reset() {
        tags.removeAll(); times.removeAll(); nodes.removeAll(); refs.removeAll(); values.removeAll()
        isFull = false
        unitLevel = 2
        count = 0
        messageID = 0
        index = 0
        request = 0
    }

    /// Header, column lengths, then the columns, ready to compress.
    mutating func content(sequence: UInt32) -> [UInt8] {
        let unit: UInt64 = unitLevel == 2 ? 1_000_000 : unitLevel == 1 ? 1_000 : 1
        times.removeAll()
        times.reserve(10 * Int(count))
        // One loop per unit, so each divides by a constant (a multiplication), not by a variable.
        switch unitLevel {
        case 2: for i in 0..<Int(count) { times.varint(deltas[i] / 1_000_000) }
        case 1: for i in 0..<Int(count) { times.varint(deltas[i] / 1_000) }
        default: for i in 0..<Int(count) { times.varint(deltas[i]) }
        }
        var out = ByteWriter(capacity: Container.frameHeaderSize + byteCount)
        EventFrameHeader(sequence: sequence, count: count, firstTime: firstTime, lastTime: lastTime,
                         timeUnit: UInt32(unit)).write(&out)
        // Column order on the wire is `Column.allCases` order.
        for n in [tags.count, times.count, nodes.count, refs.count, values.count] { out.fixed32(UInt32(n)) }
        for c in [tags.bytes, times.bytes, nodes.bytes, refs.bytes, values.bytes] { out.bytes.append(contentsOf: c) }
        return out.bytes
    }

    @inline(never) private mutating func growDeltas() {
        let p = UnsafeMutablePointer<UInt64>.allocate(capacity: deltaCapacity * 2)
        p.update(from: deltas, count: deltaCapacity)
        deltas.deallocate()
        deltas = p
        deltaCapacity *= 2
    }

    @inline(__always) private mutating func node(_ n: NodeID?) { values.varint(UInt64(n?.rawValue ?? 0)) }
    @inline(__always) private mutating func flag(_ b: Bool) { values.u8(b ? 1 : 0) }

    @inline(__always) private mutating func deltaIndex(_ v: UInt64) {
        refs.zigzag(Int64(bitPattern: v &- index))
        index = v
    }

    @inline(__always) private mutating func deltaRequest(_ v: UInt64) {
        refs.zigzag(Int64(bitPattern: v &- request))
        request = v
    }

    @inline(__always) private mutating func deltaMessage(_ v: UInt64) {
        refs.zigzag(Int64(bitPattern: v &- messageID))
        messageID = v
    }

    @inline(__always) private mutating func link(_ l: DirectedLink) {
        values.varint(UInt64(l.from.rawValue))
        values.varint(UInt64(l.to.rawValue))
    }

    @inline(__always) mutating func append(_ e: TraceEvent) {
        precondition(!isFull, "append to a full frame")
        defer { isFull = byteCount >= frameBytes }
        if count == 0 {
            firstTime = e.time
            lastTime = e.time
        }
        let dt = e.time &- lastTime
        if Int(count) == deltaCapacity { growDeltas() }
        deltas[Int(count)] = dt
        if unitLevel == 2, dt % 1_000_000 != 0 { unitLevel = 1 }
        if unitLevel == 1, dt % 1_000 != 0 { unitLevel = 0 }
        lastTime = e.time
        // Every column has room for `maxEventBytes` more: the frame is not full (see the type).
        nodes.varint(UInt64(e.node?.rawValue ?? 0))
        count += 1
        switch e.kind {
        case .nodeStarted(let r):
            tags.u8(EventTag.nodeStarted.rawValue)
            values.varint(r.term); node(r.vote); values.varint(r.lastIndex); values.varint(r.lastTerm); flag(r.restart)
        case .nodeCrashed, .nodePaused, .nodeResumed:
            tags.u8(e.kind.tag.rawValue)
        case .becameFollower(let term, let leader):
            tags.u8(EventTag.becameFollower.rawValue)
            values.varint(term); node(leader)
        case .becamePreCandidate(let term), .becameCandidate(let term), .becameLeader(let term),
             .electionTimerFired(let term):
            tags.u8(e.kind.tag.rawValue)
            values.varint(term)
        case .termChanged(let from, let to, let cause):
            tags.u8(EventTag.termChanged.rawValue)
            values.varint(from); values.varint(to); values.u8(cause.rawValue)
        case .leaderSteppedDown(let term, let reason):
            tags.u8(EventTag.leaderSteppedDown.rawValue)
            values.varint(term); values.u8(reason.rawValue)
        case .voteRequested(let v):
            tags.u8(EventTag.voteRequested.rawValue)
            node(v.to); values.varint(v.term); values.varint(v.lastIndex); values.varint(v.lastTerm); flag(v.preVote)
        case .voteGranted(let c, let term, let pre):
            tags.u8(EventTag.voteGranted.rawValue)
            node(c); values.varint(term); flag(pre)
        case .voteRejected(let c, let term, let pre, let reason):
            tags.u8(EventTag.voteRejected.rawValue)
            node(c); values.varint(term); flag(pre); values.u8(reason.rawValue)
        case .messageSent(let m):
            tags.u8(EventTag.messageSent.rawValue)
            deltaMessage(m.id); node(m.to); values.u8(m.type.rawValue); values.varint(m.term)
            values.varint(UInt64(m.entries)); values.varint(UInt64(m.bytes))
        case .messageDelivered(let id):
            tags.u8(EventTag.messageDelivered.rawValue)
            deltaMessage(id)
        case .messageDropped(let id, let reason):
            tags.u8(EventTag.messageDropped.rawValue)
            deltaMessage(id); values.u8(reason.rawValue)
        case .entryProposed(let request, let index, let term):
            tags.u8(EventTag.entryProposed.rawValue)
            deltaRequest(request); deltaIndex(index); values.varint(term)
        case .entriesAppended(let first, let last, let term):
            tags.u8(EventTag.entriesAppended.rawValue)
            deltaIndex(first); values.varint(last &- first); values.varint(term)
        case .logTruncated(let from):
            tags.u8(EventTag.logTruncated.rawValue)
            deltaIndex(from)
        case .commitAdvanced(let from, let to):
            tags.u8(EventTag.commitAdvanced.rawValue)
            // Signed: a commit index moving back must be recordable, so the checker can flag it.
            deltaIndex(from); values.zigzag(Int64(bitPattern: to &- from))
        case .entryApplied(let index, let term, let hash):
            tags.u8(EventTag.entryApplied.rawValue)
            deltaIndex(index); values.varint(term); values.fixed64(hash)
        case .clientRequest(let id, let kind):
            tags.u8(EventTag.clientRequest.rawValue)
            deltaRequest(id); values.u8(kind.rawValue)
        case .clientResponse(let id, let outcome, let latency):
            tags.u8(EventTag.clientResponse.rawValue)
            deltaRequest(id); values.u8(outcome.rawValue); values.varint(latency)
        case .readIndexStarted(let request, let index):
            tags.u8(EventTag.readIndexStarted.rawValue)
            deltaRequest(request); deltaIndex(index)
        case .readServed(let request, let index, let mode):
            tags.u8(EventTag.readServed.rawValue)
            deltaRequest(request); deltaIndex(index); values.u8(mode.rawValue)
        case .snapshotTaken(let index, let term), .snapshotInstalled(let index, let term):
            tags.u8(e.kind.tag.rawValue)
            deltaIndex(index); values.varint(term)
        case .snapshotSent(let to, let index, let term):
            tags.u8(EventTag.snapshotSent.rawValue)
            node(to); deltaIndex(index); values.varint(term)
        case .membershipChangeProposed(let change, let target, let index),
             .membershipChangeApplied(let change, let target, let index):
            tags.u8(e.kind.tag.rawValue)
            values.u8(change.rawValue); node(target); deltaIndex(index)
        case .transferStarted(let target, let term):
            tags.u8(EventTag.transferStarted.rawValue)
            node(target); values.varint(term)
        case .transferFinished(let target, let term, let ok):
            tags.u8(EventTag.transferFinished.rawValue)
            node(target); values.varint(term); flag(ok)
        case .linkCut(let l), .linkHealed(let l):
            tags.u8(e.kind.tag.rawValue)
            link(l)
        case .linkDegraded(let l, let loss, let extra):
            tags.u8(EventTag.linkDegraded.rawValue)
            link(l); values.varint(UInt64(loss)); values.varint(extra)
        case .clockDriftSet(let target, let ppm):
            tags.u8(EventTag.clockDriftSet.rawValue)
            node(target); values.zigzag(Int64(ppm))
        case .label(let fault):
            tags.u8(EventTag.label.rawValue)
            values.varint(UInt64(fault))
        }
    }
}

/// Decodes the events of one frame's content, checking every length and field.
struct FrameDecoder {
    let header: EventFrameHeader
    private var tags: ByteReader
    private var times: ByteReader
    private var nodes: ByteReader
    private var refs: ByteReader
    private var values: ByteReader
    private var time: UInt64
    private let unit: UInt64
    private var messageID: UInt64 = 0
    private var index: UInt64 = 0
    private var request: UInt64 = 0
    /// `EventTag.table` and `MessageType.table`, held so the per-event look-ups skip the globals'
    /// initialisation checks.
    private let tagTable = EventTag.table
    private let messageTypeTable = MessageType.table

    /// A decoder with no events, to stand in before the first frame is loaded.
    init() {
        header = EventFrameHeader(sequence: 0, count: 0, firstTime: 0, lastTime: 0)
        let none = ByteReader(UnsafeRawBufferPointer(start: nil, count: 0))
        (tags, times, nodes, refs, values) = (none, none, none, none, none)
        time = 0
        unit = 1
    }

    init(_ content: UnsafeRawBufferPointer) throws(WireError) {
        var r = ByteReader(content)
        header = try EventFrameHeader.read(&r)
        var lengths: [Int] = []
        for _ in Column.allCases { lengths.append(Int(try r.fixed32())) }
        guard lengths.reduce(0, +) == content.count - r.position else {
            throw r.fail(.impossible("column lengths do not add up to the frame"))
        }
        guard lengths[Column.tags.rawValue] == Int(header.count) else {
            throw r.fail(.impossible("frame says \(header.count) events but has \(lengths[0]) tags"))
        }
        var at = r.position
        func column(_ c: Column) -> ByteReader {
            let slice = UnsafeRawBufferPointer(rebasing: content[at..<(at + lengths[c.rawValue])])
            at += lengths[c.rawValue]
            return ByteReader(slice)
        }
        tags = column(.tags)
        times = column(.times)
        nodes = column(.nodes)
        refs = column(.refs)
        values = column(.values)
        time = header.firstTime
        unit = UInt64(header.timeUnit)
    }

    /// The most bytes the decoding of one event reads from each column, whatever its kind and
    /// bytes: a varint at most 10 (longer ones are refused), a node id a varint, a flag or an enum
    /// 1 byte, a hash 8. The most from `values` is four varints and a byte (`nodeStarted`,
    /// `voteRequested`, `messageSent`), from `refs` two deltas. The unchecked reads' safety rests
    /// on these (a test holds every kind's record against them; the fuzzer compares the two ways).
    static let mostBytesPerEvent = (tags: 1, times: 10, nodes: 10, refs: 20, values: 41)

    /// How many events from here every column has bytes for, at the most an event reads from it:
    /// these can be decoded with `Unchecked` reads. A corrupt frame cannot make such a read run
    /// past its column: each read stays within that budget, and longer varints are read checked.
    var eventsDecodableUnchecked: Int {
        let most = Self.mostBytesPerEvent
        return min(tags.remaining / most.tags, times.remaining / most.times, nodes.remaining / most.nodes,
                   refs.remaining / most.refs, values.remaining / most.values)
    }

    /// The next event, every read checked, out of line: for the few events at a column's end
    /// (`eventsDecodableUnchecked`), so that the unchecked decoding is the one inlined.
    @inline(never)
    private mutating func nextChecked() throws(WireError) -> TraceEvent { try next(Checked.self) }

    /// Decodes the next `count` events into `out` and adds to `decoded` how many it wrote (after an
    /// error, those before the bad record): the same events and errors as `count` calls of `next()`,
    /// but reading without bounds checks as many at a time as the columns surely hold
    /// (`eventsDecodableUnchecked`), and one at a time, checked, near a column's end.
    @inline(__always)
    mutating func decode(_ count: Int, into out: UnsafeMutablePointer<TraceEvent>, counting decoded: inout Int) throws(WireError) {
        let start = out
        var out = out
        defer { decoded += out - start }
        let end = start + count
        while out < end {
            let unchecked = min(end - out, eventsDecodableUnchecked)
            if unchecked == 0 {
                out.initialize(to: try nextChecked())
                out += 1
                continue
            }
            let stop = out + unchecked
            while out < stop {
                out.initialize(to: try next(Unchecked.self))
                out += 1
            }
        }
    }

    /// Checks that every column was consumed exactly, after the last event.
    func finish() throws(WireError) {
        guard tags.isAtEnd, times.isAtEnd, nodes.isAtEnd, refs.isAtEnd, values.isAtEnd else {
            throw WireError(problem: .impossible("bytes left after the last event"), offset: values.position)
        }
        guard time == header.lastTime else {
            throw WireError(problem: .impossible("last event time disagrees with the frame header"), offset: times.position)
        }
    }

    @inline(__always) private mutating func optionalNode<B: BoundsCheck>(_: B.Type) throws(WireError) -> NodeID? {
        let raw = try values.varint32(B.self)
        return raw == 0 ? nil : NodeID(rawValue: raw)
    }

    @inline(__always) private mutating func node<B: BoundsCheck>(_: B.Type) throws(WireError) -> NodeID {
        guard let n = try optionalNode(B.self) else { throw values.fail(.impossible("missing node id")) }
        return n
    }

    @inline(__always) private mutating func flag<B: BoundsCheck>(_: B.Type) throws(WireError) -> Bool {
        switch try values.u8(B.self) {
        case 0: return false
        case 1: return true
        case let b: throw values.fail(.impossible("flag byte \(b)"))
        }
    }

    @inline(__always) private mutating func varint<B: BoundsCheck>(_: B.Type) throws(WireError) -> UInt64 { try values.varint(B.self) }

    @inline(__always) private mutating func enumeration<E: RawRepresentable, B: BoundsCheck>(_: E.Type, _: B.Type) throws(WireError) -> E
    where E.RawValue == UInt8 {
        let raw = try values.u8(B.self)
        guard let v = E(rawValue: raw) else { throw values.fail(.impossible("unknown \(E.self) \(raw)")) }
        return v
    }

    @inline(__always) private mutating func messageType<B: BoundsCheck>(_: B.Type) throws(WireError) -> MessageType {
        let raw = try values.u8(B.self)
        guard let t = messageTypeTable[Int(raw)] else { throw values.fail(.impossible("unknown MessageType \(raw)")) }
        return t
    }

    @inline(__always) private mutating func deltaIndex<B: BoundsCheck>(_: B.Type) throws(WireError) -> UInt64 {
        index = index &+ UInt64(bitPattern: try refs.zigzag(B.self))
        return index
    }

    @inline(__always) private mutating func deltaRequest<B: BoundsCheck>(_: B.Type) throws(WireError) -> UInt64 {
        request = request &+ UInt64(bitPattern: try refs.zigzag(B.self))
        return request
    }

    @inline(__always) private mutating func deltaMessage<B: BoundsCheck>(_: B.Type) throws(WireError) -> UInt64 {
        messageID = messageID &+ UInt64(bitPattern: try refs.zigzag(B.self))
        return messageID
    }

    @inline(__always) private mutating func link<B: BoundsCheck>(_: B.Type) throws(WireError) -> DirectedLink {
        DirectedLink(from: try node(B.self), to: try node(B.self))
    }

    @inline(__always) private func adding(_ base: UInt64, _ delta: UInt64) throws(WireError) -> UInt64 {
        let (sum, overflow) = base.addingReportingOverflow(delta)
        guard !overflow else { throw values.fail(.impossible("range overflows 64 bits")) }
        return sum
    }

    @inline(__always)
    mutating func next<B: BoundsCheck>(_: B.Type = Checked.self) throws(WireError) -> TraceEvent {
        let tagByte = try tags.u8(B.self)
        guard let tag = tagTable[Int(tagByte)] else { throw tags.fail(.impossible("unknown event tag \(tagByte)")) }
        let (dt, big) = try times.varint(B.self).multipliedReportingOverflow(by: unit)
        let (t, overflow) = time.addingReportingOverflow(dt)
        guard !big else { throw times.fail(.impossible("time overflows 64 bits")) }
        guard !overflow else { throw times.fail(.impossible("time overflows 64 bits")) }
        time = t
        let nodeRaw = try nodes.varint32(B.self)
        let eventNode = nodeRaw == 0 ? nil : NodeID(rawValue: nodeRaw)
        let kind: TraceEvent.Kind
        switch tag {
        case .nodeStarted:
            kind = .nodeStarted(NodeRecovery(term: try varint(B.self), vote: try optionalNode(B.self), lastIndex: try varint(B.self),
                                             lastTerm: try varint(B.self), restart: try flag(B.self)))
        case .nodeCrashed: kind = .nodeCrashed
        case .nodePaused: kind = .nodePaused
        case .nodeResumed: kind = .nodeResumed
        case .becameFollower: kind = .becameFollower(term: try varint(B.self), leader: try optionalNode(B.self))
        case .becamePreCandidate: kind = .becamePreCandidate(term: try varint(B.self))
        case .becameCandidate: kind = .becameCandidate(term: try varint(B.self))
        case .becameLeader: kind = .becameLeader(term: try varint(B.self))
        case .electionTimerFired: kind = .electionTimerFired(term: try varint(B.self))
        case .termChanged:
            kind = .termChanged(from: try varint(B.self), to: try varint(B.self), cause: try enumeration(TermChangeCause.self, B.self))
        case .leaderSteppedDown:
            kind = .leaderSteppedDown(term: try varint(B.self), reason: try enumeration(StepDownReason.self, B.self))
        case .voteRequested:
            kind = .voteRequested(VoteRequest(to: try node(B.self), term: try varint(B.self), lastIndex: try varint(B.self),
                                              lastTerm: try varint(B.self), preVote: try flag(B.self)))
        case .voteGranted:
            kind = .voteGranted(candidate: try node(B.self), term: try varint(B.self), preVote: try flag(B.self))
        case .voteRejected:
            kind = .voteRejected(candidate: try node(B.self), term: try varint(B.self), preVote: try flag(B.self),
                                 reason: try enumeration(VoteRejectReason.self, B.self))
        case .messageSent:
            kind = .messageSent(MessageSend(id: try deltaMessage(B.self), to: try node(B.self),
                                            type: try messageType(B.self), term: try varint(B.self),
                                            entries: try values.varint32(B.self), bytes: try values.varint32(B.self)))
        case .messageDelivered: kind = .messageDelivered(id: try deltaMessage(B.self))
        case .messageDropped:
            kind = .messageDropped(id: try deltaMessage(B.self), reason: try enumeration(DropReason.self, B.self))
        case .entryProposed:
            kind = .entryProposed(request: try deltaRequest(B.self), index: try deltaIndex(B.self), term: try varint(B.self))
        case .entriesAppended:
            let first = try deltaIndex(B.self)
            kind = .entriesAppended(first: first, last: try adding(first, try varint(B.self)), term: try varint(B.self))
        case .logTruncated: kind = .logTruncated(from: try deltaIndex(B.self))
        case .commitAdvanced:
            let from = try deltaIndex(B.self)
            kind = .commitAdvanced(from: from, to: from &+ UInt64(bitPattern: try values.zigzag(B.self)))
        case .entryApplied:
            kind = .entryApplied(index: try deltaIndex(B.self), term: try varint(B.self), hash: try values.fixed64(B.self))
        case .clientRequest:
            kind = .clientRequest(id: try deltaRequest(B.self), kind: try enumeration(ClientRequestKind.self, B.self))
        case .clientResponse:
            kind = .clientResponse(id: try deltaRequest(B.self), outcome: try enumeration(ClientOutcome.self, B.self),
                                   latency: try varint(B.self))
        case .readIndexStarted:
            kind = .readIndexStarted(request: try deltaRequest(B.self), index: try deltaIndex(B.self))
        case .readServed:
            kind = .readServed(request: try deltaRequest(B.self), index: try deltaIndex(B.self), mode: try enumeration(ReadMode.self, B.self))
        case .snapshotTaken: kind = .snapshotTaken(index: try deltaIndex(B.self), term: try varint(B.self))
        case .snapshotInstalled: kind = .snapshotInstalled(index: try deltaIndex(B.self), term: try varint(B.self))
        case .snapshotSent:
            kind = .snapshotSent(to: try node(B.self), index: try deltaIndex(B.self), term: try varint(B.self))
        case .membershipChangeProposed:
            kind = .membershipChangeProposed(change: try enumeration(MembershipChange.self, B.self), target: try node(B.self),
                                             index: try deltaIndex(B.self))
        case .membershipChangeApplied:
            kind = .membershipChangeApplied(change: try enumeration(MembershipChange.self, B.self), target: try node(B.self),
                                            index: try deltaIndex(B.self))
        case .transferStarted: kind = .transferStarted(target: try node(B.self), term: try varint(B.self))
        case .transferFinished:
            kind = .transferFinished(target: try node(B.self), term: try varint(B.self), succeeded: try flag(B.self))
        case .linkCut: kind = .linkCut(try link(B.self))
        case .linkHealed: kind = .linkHealed(try link(B.self))
        case .linkDegraded:
            kind = .linkDegraded(link: try link(B.self), lossPPM: try values.varint32(B.self), extraLatency: try varint(B.self))
        case .clockDriftSet:
            let target = try node(B.self)
            let ppm = try values.zigzag(B.self)
            guard let p = Int32(exactly: ppm) else { throw values.fail(.impossible("drift \(ppm) ppm")) }
            kind = .clockDriftSet(target: target, ppm: p)
        case .label: kind = .label(fault: try values.varint32(B.self))
        }
        return TraceEvent(time: t, node: eventNode, kind)
    }
}
