/// Stable wire tags of event kinds. Never renumber a tag; only add new ones.
public enum EventTag: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case nodeStarted = 1, nodeCrashed = 2, nodePaused = 3, nodeResumed = 4
    case becameFollower = 10, becamePreCandidate = 11, becameCandidate = 12, becameLeader = 13
    case termChanged = 14, leaderSteppedDown = 15
    case electionTimerFired = 20, voteRequested = 21, voteGranted = 22, voteRejected = 23
    case messageSent = 30, messageDelivered = 31, messageDropped = 32
    case entryProposed = 40, entriesAppended = 41, logTruncated = 42, commitAdvanced = 43, entryApplied = 44
    case clientRequest = 50, clientResponse = 51
    case readIndexStarted = 60, readServed = 61
    case snapshotTaken = 70, snapshotSent = 71, snapshotInstalled = 72
    case membershipChangeProposed = 80, membershipChangeApplied = 81
    case transferStarted = 90, transferFinished = 91
    case partitionStarted = 100, partitionHealed = 101, linkDegraded = 102, clockDriftSet = 103, label = 104

    public var description: String {
        switch self {
        case .nodeStarted: "nodeStarted"
        case .nodeCrashed: "nodeCrashed"
        case .nodePaused: "nodePaused"
        case .nodeResumed: "nodeResumed"
        case .becameFollower: "becameFollower"
        case .becamePreCandidate: "becamePreCandidate"
        case .becameCandidate: "becameCandidate"
        case .becameLeader: "becameLeader"
        case .termChanged: "termChanged"
        case .leaderSteppedDown: "leaderSteppedDown"
        case .electionTimerFired: "electionTimerFired"
        case .voteRequested: "voteRequested"
        case .voteGranted: "voteGranted"
        case .voteRejected: "voteRejected"
        case .messageSent: "messageSent"
        case .messageDelivered: "messageDelivered"
        case .messageDropped: "messageDropped"
        case .entryProposed: "entryProposed"
        case .entriesAppended: "entriesAppended"
        case .logTruncated: "logTruncated"
        case .commitAdvanced: "commitAdvanced"
        case .entryApplied: "entryApplied"
        case .clientRequest: "clientRequest"
        case .clientResponse: "clientResponse"
        case .readIndexStarted: "readIndexStarted"
        case .readServed: "readServed"
        case .snapshotTaken: "snapshotTaken"
        case .snapshotSent: "snapshotSent"
        case .snapshotInstalled: "snapshotInstalled"
        case .membershipChangeProposed: "membershipChangeProposed"
        case .membershipChangeApplied: "membershipChangeApplied"
        case .transferStarted: "transferStarted"
        case .transferFinished: "transferFinished"
        case .partitionStarted: "partitionStarted"
        case .partitionHealed: "partitionHealed"
        case .linkDegraded: "linkDegraded"
        case .clockDriftSet: "clockDriftSet"
        case .label: "label"
        }
    }
}

extension TraceEvent.Kind {
    public var tag: EventTag {
        switch self {
        case .nodeStarted: .nodeStarted
        case .nodeCrashed: .nodeCrashed
        case .nodePaused: .nodePaused
        case .nodeResumed: .nodeResumed
        case .becameFollower: .becameFollower
        case .becamePreCandidate: .becamePreCandidate
        case .becameCandidate: .becameCandidate
        case .becameLeader: .becameLeader
        case .termChanged: .termChanged
        case .leaderSteppedDown: .leaderSteppedDown
        case .electionTimerFired: .electionTimerFired
        case .voteRequested: .voteRequested
        case .voteGranted: .voteGranted
        case .voteRejected: .voteRejected
        case .messageSent: .messageSent
        case .messageDelivered: .messageDelivered
        case .messageDropped: .messageDropped
        case .entryProposed: .entryProposed
        case .entriesAppended: .entriesAppended
        case .logTruncated: .logTruncated
        case .commitAdvanced: .commitAdvanced
        case .entryApplied: .entryApplied
        case .clientRequest: .clientRequest
        case .clientResponse: .clientResponse
        case .readIndexStarted: .readIndexStarted
        case .readServed: .readServed
        case .snapshotTaken: .snapshotTaken
        case .snapshotSent: .snapshotSent
        case .snapshotInstalled: .snapshotInstalled
        case .membershipChangeProposed: .membershipChangeProposed
        case .membershipChangeApplied: .membershipChangeApplied
        case .transferStarted: .transferStarted
        case .transferFinished: .transferFinished
        case .partitionStarted: .partitionStarted
        case .partitionHealed: .partitionHealed
        case .linkDegraded: .linkDegraded
        case .clockDriftSet: .clockDriftSet
        case .label: .label
        }
    }
}

/// Frame-local context for delta coding. Both sides reset it at every frame start, so frames stay
/// independently decodable.
struct RecordContext {
    var time: UInt64
    var messageID: UInt64 = 0
    var index: UInt64 = 0
    var request: UInt64 = 0

    init(frameStart: UInt64) { time = frameStart }
}

/// Longest label or link list a record may declare; larger declarations are treated as corruption.
let maxRecordPayload = 1 << 20

extension ByteWriter {
    mutating func node(_ n: NodeID?) { varint(UInt64(n?.rawValue ?? 0)) }
    mutating func flag(_ b: Bool) { u8(b ? 1 : 0) }

    mutating func deltaIndex(_ v: UInt64, _ ctx: inout RecordContext) {
        zigzag(Int64(bitPattern: v &- ctx.index))
        ctx.index = v
    }

    mutating func deltaRequest(_ v: UInt64, _ ctx: inout RecordContext) {
        zigzag(Int64(bitPattern: v &- ctx.request))
        ctx.request = v
    }

    mutating func deltaMessage(_ v: UInt64, _ ctx: inout RecordContext) {
        zigzag(Int64(bitPattern: v &- ctx.messageID))
        ctx.messageID = v
    }

    mutating func links(_ links: [DirectedLink]) {
        varint(UInt64(links.count))
        for l in links {
            varint(UInt64(l.from.rawValue))
            varint(UInt64(l.to.rawValue))
        }
    }

    /// Appends one record: tag, time delta, node, then the kind's fields.
    mutating func record(_ e: TraceEvent, _ ctx: inout RecordContext) {
        u8(e.kind.tag.rawValue)
        varint(e.time &- ctx.time)
        ctx.time = e.time
        node(e.node)
        switch e.kind {
        case .nodeStarted(let r):
            varint(r.term); node(r.vote); varint(r.lastIndex); varint(r.lastTerm); flag(r.restart)
        case .nodeCrashed, .nodePaused, .nodeResumed:
            break
        case .becameFollower(let term, let leader):
            varint(term); node(leader)
        case .becamePreCandidate(let term), .becameCandidate(let term), .becameLeader(let term),
             .electionTimerFired(let term):
            varint(term)
        case .termChanged(let from, let to, let cause):
            varint(from); varint(to); u8(cause.rawValue)
        case .leaderSteppedDown(let term, let reason):
            varint(term); u8(reason.rawValue)
        case .voteRequested(let v):
            node(v.to); varint(v.term); varint(v.lastIndex); varint(v.lastTerm); flag(v.preVote)
        case .voteGranted(let c, let term, let pre):
            node(c); varint(term); flag(pre)
        case .voteRejected(let c, let term, let pre, let reason):
            node(c); varint(term); flag(pre); u8(reason.rawValue)
        case .messageSent(let m):
            deltaMessage(m.id, &ctx); node(m.to); u8(m.type.rawValue); varint(m.term)
            varint(UInt64(m.entries)); varint(UInt64(m.bytes))
        case .messageDelivered(let id):
            deltaMessage(id, &ctx)
        case .messageDropped(let id, let reason):
            deltaMessage(id, &ctx); u8(reason.rawValue)
        case .entryProposed(let request, let index, let term):
            deltaRequest(request, &ctx); deltaIndex(index, &ctx); varint(term)
        case .entriesAppended(let first, let last, let term):
            deltaIndex(first, &ctx); varint(last &- first); varint(term)
        case .logTruncated(let from):
            deltaIndex(from, &ctx)
        case .commitAdvanced(let from, let to):
            deltaIndex(from, &ctx); varint(to &- from)
        case .entryApplied(let index, let term, let hash):
            deltaIndex(index, &ctx); varint(term); fixed64(hash)
        case .clientRequest(let id, let kind):
            deltaRequest(id, &ctx); u8(kind.rawValue)
        case .clientResponse(let id, let outcome, let latency):
            deltaRequest(id, &ctx); u8(outcome.rawValue); varint(latency)
        case .readIndexStarted(let request, let index):
            deltaRequest(request, &ctx); deltaIndex(index, &ctx)
        case .readServed(let request, let index, let mode):
            deltaRequest(request, &ctx); deltaIndex(index, &ctx); u8(mode.rawValue)
        case .snapshotTaken(let index, let term), .snapshotInstalled(let index, let term):
            deltaIndex(index, &ctx); varint(term)
        case .snapshotSent(let to, let index, let term):
            node(to); deltaIndex(index, &ctx); varint(term)
        case .membershipChangeProposed(let change, let target, let index),
             .membershipChangeApplied(let change, let target, let index):
            u8(change.rawValue); node(target); deltaIndex(index, &ctx)
        case .transferStarted(let target, let term):
            node(target); varint(term)
        case .transferFinished(let target, let term, let ok):
            node(target); varint(term); flag(ok)
        case .partitionStarted(let l), .partitionHealed(let l):
            links(l)
        case .linkDegraded(let link, let loss, let extra):
            links([link]); varint(UInt64(loss)); varint(extra)
        case .clockDriftSet(let target, let ppm):
            node(target); zigzag(Int64(ppm))
        case .label(let s):
            blob(Array(s.utf8))
        }
    }
}

extension ByteReader {
    mutating func optionalNode() throws(WireError) -> NodeID? {
        let raw = try varint32()
        return raw == 0 ? nil : NodeID(rawValue: raw)
    }

    mutating func node() throws(WireError) -> NodeID {
        guard let n = try optionalNode() else { throw fail(.impossible("missing node id")) }
        return n
    }

    mutating func flag() throws(WireError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let b: throw fail(.impossible("flag byte \(b)"))
        }
    }

    mutating func enumeration<E: RawRepresentable>(_: E.Type) throws(WireError) -> E where E.RawValue == UInt8 {
        let raw = try u8()
        guard let v = E(rawValue: raw) else { throw fail(.impossible("unknown \(E.self) \(raw)")) }
        return v
    }

    mutating func deltaIndex(_ ctx: inout RecordContext) throws(WireError) -> UInt64 {
        ctx.index = ctx.index &+ UInt64(bitPattern: try zigzag())
        return ctx.index
    }

    mutating func deltaRequest(_ ctx: inout RecordContext) throws(WireError) -> UInt64 {
        ctx.request = ctx.request &+ UInt64(bitPattern: try zigzag())
        return ctx.request
    }

    mutating func deltaMessage(_ ctx: inout RecordContext) throws(WireError) -> UInt64 {
        ctx.messageID = ctx.messageID &+ UInt64(bitPattern: try zigzag())
        return ctx.messageID
    }

    mutating func links() throws(WireError) -> [DirectedLink] {
        let n = try varint()
        // Each link takes at least two bytes, so a count larger than the remaining bytes is a lie.
        guard n <= UInt64(base.count - position) / 2 else { throw fail(.impossible("link count \(n)")) }
        var out: [DirectedLink] = []
        out.reserveCapacity(Int(n))
        for _ in 0..<n { out.append(DirectedLink(from: try node(), to: try node())) }
        return out
    }

    mutating func adding(_ base: UInt64, _ delta: UInt64) throws(WireError) -> UInt64 {
        let (sum, overflow) = base.addingReportingOverflow(delta)
        guard !overflow else { throw fail(.impossible("range overflows 64 bits")) }
        return sum
    }

    /// Decodes one record written by `ByteWriter.record`.
    mutating func record(_ ctx: inout RecordContext) throws(WireError) -> TraceEvent {
        let tagByte = try u8()
        guard let tag = EventTag(rawValue: tagByte) else { throw fail(.impossible("unknown event tag \(tagByte)")) }
        let dt = try varint()
        let time = try adding(ctx.time, dt)
        ctx.time = time
        let node = try optionalNode()
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
            kind = .voteRequested(VoteRequest(to: try self.node(), term: try varint(), lastIndex: try varint(),
                                              lastTerm: try varint(), preVote: try flag()))
        case .voteGranted:
            kind = .voteGranted(candidate: try self.node(), term: try varint(), preVote: try flag())
        case .voteRejected:
            kind = .voteRejected(candidate: try self.node(), term: try varint(), preVote: try flag(),
                                 reason: try enumeration(VoteRejectReason.self))
        case .messageSent:
            kind = .messageSent(MessageSend(id: try deltaMessage(&ctx), to: try self.node(),
                                            type: try enumeration(MessageType.self), term: try varint(),
                                            entries: try varint32(), bytes: try varint32()))
        case .messageDelivered: kind = .messageDelivered(id: try deltaMessage(&ctx))
        case .messageDropped:
            kind = .messageDropped(id: try deltaMessage(&ctx), reason: try enumeration(DropReason.self))
        case .entryProposed:
            kind = .entryProposed(request: try deltaRequest(&ctx), index: try deltaIndex(&ctx), term: try varint())
        case .entriesAppended:
            let first = try deltaIndex(&ctx)
            kind = .entriesAppended(first: first, last: try adding(first, try varint()), term: try varint())
        case .logTruncated: kind = .logTruncated(from: try deltaIndex(&ctx))
        case .commitAdvanced:
            let from = try deltaIndex(&ctx)
            kind = .commitAdvanced(from: from, to: try adding(from, try varint()))
        case .entryApplied:
            kind = .entryApplied(index: try deltaIndex(&ctx), term: try varint(), hash: try fixed64())
        case .clientRequest:
            kind = .clientRequest(id: try deltaRequest(&ctx), kind: try enumeration(ClientRequestKind.self))
        case .clientResponse:
            kind = .clientResponse(id: try deltaRequest(&ctx), outcome: try enumeration(ClientOutcome.self),
                                   latency: try varint())
        case .readIndexStarted:
            kind = .readIndexStarted(request: try deltaRequest(&ctx), index: try deltaIndex(&ctx))
        case .readServed:
            kind = .readServed(request: try deltaRequest(&ctx), index: try deltaIndex(&ctx),
                               mode: try enumeration(ReadMode.self))
        case .snapshotTaken: kind = .snapshotTaken(index: try deltaIndex(&ctx), term: try varint())
        case .snapshotInstalled: kind = .snapshotInstalled(index: try deltaIndex(&ctx), term: try varint())
        case .snapshotSent:
            kind = .snapshotSent(to: try self.node(), index: try deltaIndex(&ctx), term: try varint())
        case .membershipChangeProposed:
            kind = .membershipChangeProposed(change: try enumeration(MembershipChange.self), target: try self.node(),
                                             index: try deltaIndex(&ctx))
        case .membershipChangeApplied:
            kind = .membershipChangeApplied(change: try enumeration(MembershipChange.self), target: try self.node(),
                                            index: try deltaIndex(&ctx))
        case .transferStarted: kind = .transferStarted(target: try self.node(), term: try varint())
        case .transferFinished:
            kind = .transferFinished(target: try self.node(), term: try varint(), succeeded: try flag())
        case .partitionStarted: kind = .partitionStarted(links: try links())
        case .partitionHealed: kind = .partitionHealed(links: try links())
        case .linkDegraded:
            let l = try links()
            guard l.count == 1 else { throw fail(.impossible("linkDegraded names \(l.count) links")) }
            kind = .linkDegraded(link: l[0], lossPPM: try varint32(), extraLatency: try varint())
        case .clockDriftSet:
            let target = try self.node()
            let ppm = try zigzag()
            guard let p = Int32(exactly: ppm) else { throw fail(.impossible("drift \(ppm) ppm")) }
            kind = .clockDriftSet(target: target, ppm: p)
        case .label:
            let bytes = try blob(limit: maxRecordPayload)
            kind = .label(String(decoding: bytes, as: UTF8.self))
        }
        return TraceEvent(time: time, node: node, kind)
    }
}
