/// Identifies one Raft server in a trace. Ids start at 1; 0 is reserved on the wire for "no node".
public struct NodeID: RawRepresentable, Hashable, BitwiseCopyable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt32

    public init(rawValue: UInt32) {
        precondition(rawValue != 0, "node id 0 is reserved for 'no node'")
        self.rawValue = rawValue
    }

    public init(_ rawValue: UInt32) { self.init(rawValue: rawValue) }

    /// The id of the node at `position` (0-based) of a cluster numbered n1, n2, ... as
    /// `RunConfiguration.nodeIDs` numbers it; no check, for the recorder's per-event path.
    @inlinable package init(position: Int) { self.rawValue = UInt32(truncatingIfNeeded: position) &+ 1 }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "n\(rawValue)" }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(UInt32.self)
        guard raw != 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "node id 0 is reserved"))
        }
        self.rawValue = raw
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// A one-way network link, `from` -> `to`. Partitions are sets of cut links, so one-way cuts and
/// single-link (partial connectivity) cuts are expressed the same way as full isolation.
public struct DirectedLink: Hashable, BitwiseCopyable, Sendable, Codable, CustomStringConvertible {
    public var from: NodeID
    public var to: NodeID

    public init(from: NodeID, to: NodeID) {
        self.from = from
        self.to = to
    }

    public var description: String { "\(from)->\(to)" }
}
