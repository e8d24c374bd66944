import TraceFormat

/// What a trace holds, by a full pass that decodes every event but keeps only counters: events by
/// kind, per node, the time span, and every frame that could not be read.
public struct TraceInventory: Sendable {
    public var countsByKind: [EventTag: UInt64] = [:]
    public var countsByNode: [NodeID: UInt64] = [:]
    public var environmentEvents: UInt64 = 0
    public var decodedEvents: UInt64 = 0
    public var firstTime: UInt64?
    public var lastTime: UInt64?
    /// Frames skipped because they were corrupt, in file order.
    public var corruptFrames: [TraceFormatError] = []

    public init(file: TraceFile) {
        var byTag = [UInt64](repeating: 0, count: 256)
        var byNode: [NodeID: UInt64] = [:]
        var it = file.events(skippingCorruptFrames: true).makeIterator()
        while let e = it.next() {
            byTag[Int(e.kind.tag.rawValue)] += 1
            if let n = e.node { byNode[n, default: 0] += 1 } else { environmentEvents += 1 }
            if firstTime == nil { firstTime = e.time }
            lastTime = e.time
            decodedEvents += 1
        }
        for tag in EventTag.allCases where byTag[Int(tag.rawValue)] > 0 { countsByKind[tag] = byTag[Int(tag.rawValue)] }
        countsByNode = byNode
        corruptFrames = it.skipped
    }
}
