/// The one error type `TraceFormat` throws. It names the file, the frame and the byte offset
/// where a problem was found whenever those are known, so a user can find the bad spot.
public struct TraceFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem this is. A struct, not an enum, so adding kinds does not break callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: Hashable, Sendable {
            case io, notATrace, unsupportedVersion, corruptFrame, truncated, limitExceeded, badMetadata, outOfOrder
        }
        fileprivate let base: Base
        public static let io = Code(base: .io)
        public static let notATrace = Code(base: .notATrace)
        public static let unsupportedVersion = Code(base: .unsupportedVersion)
        public static let corruptFrame = Code(base: .corruptFrame)
        public static let truncated = Code(base: .truncated)
        public static let limitExceeded = Code(base: .limitExceeded)
        public static let badMetadata = Code(base: .badMetadata)
        public static let outOfOrder = Code(base: .outOfOrder)

        public var description: String {
            switch base {
            case .io: "I/O error"
            case .notATrace: "not a trace file"
            case .unsupportedVersion: "unsupported format version"
            case .corruptFrame: "corrupt frame"
            case .truncated: "truncated"
            case .limitExceeded: "size limit exceeded"
            case .badMetadata: "bad metadata"
            case .outOfOrder: "events out of order"
            }
        }
    }

    public var code: Code
    public var path: String
    /// Index of the frame in the file (0 is the metadata frame), when known.
    public var frame: Int?
    /// Absolute byte offset in the file, when known.
    public var offset: UInt64?
    public var detail: String

    public init(_ code: Code, path: String, frame: Int? = nil, offset: UInt64? = nil, _ detail: String) {
        self.code = code
        self.path = path
        self.frame = frame
        self.offset = offset
        self.detail = detail
    }

    public var description: String {
        var s = "\(path)"
        if let frame { s += ": frame \(frame)" }
        if let offset { s += frame == nil ? ": byte offset \(offset)" : " at byte offset \(offset)" }
        return s + ": \(code): \(detail)"
    }
}
