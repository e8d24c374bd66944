/// The entries an append carries, as handed to `RaftNode.step` beside the message. Most appends
/// carry none or one (each proposal is sent as it arrives), so those are held inline and cost no
/// allocation or reference count; longer runs (catching up a follower) live in an array.
public struct LogEntries: Sendable, Equatable, RandomAccessCollection, ExpressibleByArrayLiteral {
    private enum Storage: Sendable, Equatable {
        case none
        case one(LogEntry)
        case many([LogEntry])
    }

    private var storage: Storage

    public init() { storage = .none }

    public init(arrayLiteral elements: LogEntry...) { self.init(elements) }

    /// Exactly one entry (held inline: nothing is allocated).
    public init(_ entry: LogEntry) { storage = .one(entry) }

    public init<C: Collection<LogEntry>>(_ entries: C) {
        switch entries.count {
        case 0: storage = .none
        case 1: storage = .one(entries[entries.startIndex])
        default: storage = .many(Array(entries))
        }
    }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .none: 0
        case .one: 1
        case .many(let a): a.count
        }
    }

    public subscript(position: Int) -> LogEntry {
        switch storage {
        case .one(let e):
            precondition(position == 0, "LogEntries index out of range")
            return e
        case .many(let a):
            return a[position]
        case .none:
            preconditionFailure("LogEntries index out of range")
        }
    }
}
