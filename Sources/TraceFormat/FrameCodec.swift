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

    /// Checks that every column was consumed exactly, after the last event.
    func finish() throws(WireError) {
        guard tags.isAtEnd, times.isAtEnd, nodes.isAtEnd, refs.isAtEnd, values.isAtEnd else {
            throw WireError(problem: .impossible("bytes left after the last event"), offset: values.position)
        }
        guard time == header.lastTime else {
            throw WireError(problem: .impossible("last event time disagrees with the frame header"), offset: times.position)
        }
    }

    @inline(__always) private mutating func optionalNode() throws(WireError) -> NodeID? {
        let raw = try values.varint32()
        return raw == 0 ? nil : NodeID(rawValue: raw)
    }

    @inline(__always) private mutating func node() throws(WireError) -> NodeID {
        guard let n = try optionalNode() else { throw values.fail(.impossible("missing node id")) }
        return n
    }

    @inline(__always) private mutating func flag() throws(WireError) -> Bool {
        switch try values.u8() {
        case 0: return false
        case 1: return true
        case let b: throw values.fail(.impossible("flag byte \(b)"))
        }
    }

    @inline(__always) private mutating func varint() throws(WireError) -> UInt64 { try values.varint() }

    @inline(__always) private mutating func enumeration<E: RawRepresentable>(_: E.Type) throws(WireError) -> E where E.RawValue == UInt8 {
        let raw = try values.u8()
        guard let v = E(rawValue: raw) else { throw values.fail(.impossible("unknown \(E.self) \(raw)")) }
        return v
    }

    @inline(__always) private mutating func messageType() throws(WireError) -> MessageType {
        let raw = try values.u8()
        guard let t = messageTypeTable[Int(raw)] else { throw values.fail(.impossible("unknown MessageType \(raw)")) }
        return t
    }

    @inline(__always) private mutating func deltaIndex() throws(WireError) -> UInt64 {
        index = index &+ UInt64(bitPattern: try refs.zigzag())
        return index
    }

    @inline(__always) private mutating func deltaRequest() throws(WireError) -> UInt64 {
        request = request &+ UInt64(bitPattern: try refs.zigzag())
        return request
    }

    @inline(__always) private mutating func deltaMessage() throws(WireError) -> UInt64 {
        messageID = messageID &+ UInt64(bitPattern: try refs.zigzag())
        return messageID
    }

    @inline(__always) private mutating func link() throws(WireError) -> DirectedLink {
        DirectedLink(from: try node(), to: try node())
    }

    @inline(__always) private func adding(_ base: UInt64, _ delta: UInt64) throws(WireError) -> UInt64 {
        let (sum, overflow) = base.addingReportingOverflow(delta)
        guard !overflow else { throw values.fail(.impossible("range overflows 64 bits")) }
        return sum
    }

    @inline(__always)
    mutating func next() throws(WireError) -> TraceEvent {
        let tagByte = try tags.u8()
        guard let tag = tagTable[Int(tagByte)] else { throw tags.fail(.impossible("unknown event tag \(tagByte)")) }
        let (dt, big) = try times.varint().multipliedReportingOverflow(by: unit)
        let (t, overflow) = time.addingReportingOverflow(dt)
        guard !big else { throw times.fail(.impossible("time overflows 64 bits")) }
        guard !overflow else { throw times.fail(.impossible("time overflows 64 bits")) }
        time = t
        let nodeRaw = try nodes.varint32()
        let eventNode = nodeRaw == 0 ? nil : NodeID(rawValue: nodeRaw)
        let kind: TraceEvent.Kind
        switch tag {
        case .nodeStarted:
            kind = .nodeStarted(NodeRecovery(term: try varint(), vote: try optionalNode(), lastIndex: try varint(),
                                             lastTerm: try varint(), restart: try flag()))
        case .nodeCrashed: kind = .nodeCrashed
        case .nodePaused: kind = .nodePaused
        case .nodeResumed: kind = .nodeResumed
        case .becameFollower: kind = .becameFollower(term: try varint(), leader: try optionalNode())
        case .becamePreCandidate: kind = .becamePreCandidate(term: try varint())
        case .becameCandidate: kind = .becameCandidate(term: try varint())
        case .becameLeader: kind = .becameLeader(term: try varint())
        case .electionTimerFired: kind = .electionTimerFired(term: try varint())
        case .termChanged:
            kind = .termChanged(from: try varint(), to: try varint(), cause: try enumeration(TermChangeCause.self))
        case .leaderSteppedDown:
            kind = .leaderSteppedDown(term: try varint(), reason: try enumeration(StepDownReason.self))
        case .voteRequested:
            kind = .voteRequested(VoteRequest(to: try node(), term: try varint(), lastIndex: try varint(),
                                              lastTerm: try varint(), preVote: try flag()))
        case .voteGranted:
            kind = .voteGranted(candidate: try node(), term: try varint(), preVote: try flag())
        case .voteRejected:
            kind = .voteRejected(candidate: try node(), term: try varint(), preVote: try flag(),
                                 reason: try enumeration(VoteRejectReason.self))
        case .messageSent:
            kind = .messageSent(MessageSend(id: try deltaMessage(), to: try node(),
                                            type: try messageType(), term: try varint(),
                                            entries: try values.varint32(), bytes: try values.varint32()))
        case .messageDelivered: kind = .messageDelivered(id: try deltaMessage())
        case .messageDropped:
            kind = .messageDropped(id: try deltaMessage(), reason: try enumeration(DropReason.self))
        case .entryProposed:
            kind = .entryProposed(request: try deltaRequest(), index: try deltaIndex(), term: try varint())
        case .entriesAppended:
            let first = try deltaIndex()
            kind = .entriesAppended(first: first, last: try adding(first, try varint()), term: try varint())
        case .logTruncated: kind = .logTruncated(from: try deltaIndex())
        case .commitAdvanced:
            let from = try deltaIndex()
            kind = .commitAdvanced(from: from, to: from &+ UInt64(bitPattern: try values.zigzag()))
        case .entryApplied:
            kind = .entryApplied(index: try deltaIndex(), term: try varint(), hash: try values.fixed64())
        case .clientRequest:
            kind = .clientRequest(id: try deltaRequest(), kind: try enumeration(ClientRequestKind.self))
        case .clientResponse:
            kind = .clientResponse(id: try deltaRequest(), outcome: try enumeration(ClientOutcome.self),
                                   latency: try varint())
        case .readIndexStarted:
            kind = .readIndexStarted(request: try deltaRequest(), index: try deltaIndex())
        case .readServed:
            kind = .readServed(request: try deltaRequest(), index: try deltaIndex(), mode: try enumeration(ReadMode.self))
        case .snapshotTaken: kind = .snapshotTaken(index: try deltaIndex(), term: try varint())
        case .snapshotInstalled: kind = .snapshotInstalled(index: try deltaIndex(), term: try varint())
        case .snapshotSent:
            kind = .snapshotSent(to: try node(), index: try deltaIndex(), term: try varint())
        case .membershipChangeProposed:
            kind = .membershipChangeProposed(change: try enumeration(MembershipChange.self), target: try node(),
                                             index: try deltaIndex())
        case .membershipChangeApplied:
            kind = .membershipChangeApplied(change: try enumeration(MembershipChange.self), target: try node(),
                                            index: try deltaIndex())
        case .transferStarted: kind = .transferStarted(target: try node(), term: try varint())
        case .transferFinished:
            kind = .transferFinished(target: try node(), term: try varint(), succeeded: try flag())
        case .linkCut: kind = .linkCut(try link())
        case .linkHealed: kind = .linkHealed(try link())
        case .linkDegraded:
            kind = .linkDegraded(link: try link(), lossPPM: try values.varint32(), extraLatency: try varint())
        case .clockDriftSet:
            let target = try node()
            let ppm = try values.zigzag()
            guard let p = Int32(exactly: ppm) else { throw values.fail(.impossible("drift \(ppm) ppm")) }
            kind = .clockDriftSet(target: target, ppm: p)
        case .label: kind = .label(fault: try values.varint32())
        }
        return TraceEvent(time: t, node: eventNode, kind)
    }
}
