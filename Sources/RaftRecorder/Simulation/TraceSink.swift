import TraceFormat

/// Where a simulation sends its events. The simulator calls `record` in time order.
public protocol TraceSink: AnyObject {
    func record(_ event: TraceEvent) throws
}

extension TraceWriter: TraceSink {
    @inline(__always) public func record(_ event: TraceEvent) throws { try append(event) }
}

/// Keeps events in memory; for tests and for replaying short runs.
public final class MemorySink: TraceSink {
    public private(set) var events: [TraceEvent] = []
    public init() {}
    public func record(_ event: TraceEvent) { events.append(event) }
}

/// Discards events (the `--no-trace` mode), so tracing overhead can be measured.
public final class DiscardingSink: TraceSink {
    public init() {}
    public func record(_ event: TraceEvent) {}
}
