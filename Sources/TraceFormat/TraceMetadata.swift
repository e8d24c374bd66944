#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The first frame of every trace: who wrote it, the nodes, and the run configuration.
public struct TraceMetadata: Codable, Sendable, Equatable {
    public struct Writer: Codable, Sendable, Equatable {
        public var name: String
        public var version: String
        public init(name: String, version: String) {
            self.name = name
            self.version = version
        }
    }

    public struct Node: Codable, Sendable, Equatable {
        public var id: NodeID
        public var name: String
        public init(id: NodeID, name: String) {
            self.id = id
            self.name = name
        }
    }

    public var writer: Writer
    /// Seconds since the Unix epoch. `nil` keeps traces reproducible byte for byte; the recorder
    /// fills it from SOURCE_DATE_EPOCH or on request.
    public var createdAt: UInt64?
    public var nodes: [Node]
    public var run: RunConfiguration

    public init(writer: Writer, createdAt: UInt64? = nil, nodes: [Node], run: RunConfiguration) {
        self.writer = writer
        self.createdAt = createdAt
        self.nodes = nodes
        self.run = run
    }

    /// Sorted-key JSON, so the same metadata always gives the same bytes.
    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain Codable values with finite numbers cannot fail.
        return Array(try! encoder.encode(self))
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws -> TraceMetadata {
        try JSONDecoder().decode(TraceMetadata.self, from: Data(bytes))
    }
}

/// The format version the code writes. A reader accepts any minor version of its major version.
public enum TraceFormatVersion {
    public static let major: UInt16 = 1
    public static let minor: UInt16 = 5
    /// "major.minor", as errors and `--version` print it.
    public static var text: String { "\(major).\(minor)" }
}
