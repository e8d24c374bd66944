/// Constants and small encodings of the container: a zstd seekable archive whose first frame is a
/// skippable metadata frame and whose last two frames are a skippable time index and the seek table.
/// See docs/trace-format.md for the byte layout.
enum Container {
    static let zstdFrameMagic: UInt32 = 0xFD2F_B528
    static let skippableMagicMask: UInt32 = 0xFFFF_FFF0
    static let skippableMagicBase: UInt32 = 0x184D_2A50
    static let metadataMagic: UInt32 = 0x184D_2A5B
    static let timeIndexMagic: UInt32 = 0x184D_2A5C
    static let seekTableMagic: UInt32 = 0x184D_2A5E
    static let seekableFooterMagic: UInt32 = 0x8F92_EAB1
    static let footerSize = 9
    /// Our own tag at the start of metadata and time-index payloads.
    static let payloadMagic: [UInt8] = Array("RAFTTRC1".utf8)
    /// Low 32 bits of XXH64 of empty input: the seek-table checksum of a skippable frame.
    static let emptyChecksum: UInt32 = 0x51D8_E999

    /// Largest decompressed event frame a reader will allocate for.
    static let maxFrameContent = 64 << 20
    /// Largest compressed frame a reader will load (zstd's worst case expansion is tiny).
    static let maxFrameCompressed = maxFrameContent + (1 << 20)
    static let maxMetadata = 16 << 20
    /// Frame header plus one length per column.
    static let frameHeaderSize = 28 + 4 * Column.allCases.count

    static func isSkippable(_ magic: UInt32) -> Bool { magic & skippableMagicMask == skippableMagicBase }

    static func skippableFrame(magic: UInt32, payload: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: payload.count + 8)
        w.fixed32(magic)
        w.fixed32(UInt32(payload.count))
        w.bytes.append(contentsOf: payload)
        return w.bytes
    }
}

/// The header at the start of every event frame's decompressed content.
struct EventFrameHeader: Equatable {
    var sequence: UInt32
    var count: UInt32
    var firstTime: UInt64
    var lastTime: UInt64
    /// Every time delta in the frame is a multiple of this many nanoseconds and is stored divided
    /// by it (1, 1000 or 1000000), which saves a byte or more per event for µs-grained clocks.
    var timeUnit: UInt32 = 1

    func write(_ w: inout ByteWriter) {
        w.fixed32(sequence); w.fixed32(count); w.fixed64(firstTime); w.fixed64(lastTime); w.fixed32(timeUnit)
    }

    static func read(_ r: inout ByteReader) throws(WireError) -> EventFrameHeader {
        let h = EventFrameHeader(sequence: try r.fixed32(), count: try r.fixed32(),
                                 firstTime: try r.fixed64(), lastTime: try r.fixed64(), timeUnit: try r.fixed32())
        guard h.firstTime <= h.lastTime else { throw r.fail(.impossible("first time after last time")) }
        guard h.timeUnit == 1 || h.timeUnit == 1_000 || h.timeUnit == 1_000_000 else {
            throw r.fail(.impossible("time unit \(h.timeUnit) ns"))
        }
        return h
    }
}

/// One row of the seek table, as the zstd seekable format defines it.
struct SeekEntry: Equatable {
    var compressedSize: UInt32
    var decompressedSize: UInt32
    var checksum: UInt32
}

/// Where one event frame is and what it holds. `firstOrdinal` is the position of its first event
/// among all events of the trace.
public struct FrameInfo: Sendable, Equatable {
    /// Index among all frames of the file (the metadata frame is 0).
    public var index: Int
    public var offset: UInt64
    public var compressedSize: Int
    public var decompressedSize: Int
    public var sequence: UInt32
    public var eventCount: Int
    public var firstTime: UInt64
    public var lastTime: UInt64
    public var firstOrdinal: UInt64
    /// Not a frame: bytes a recovery scan could not read, between two frames it could (`offset`
    /// and `compressedSize` say where; the times are those of the frames on either side). It holds
    /// no known events, and reading it fails as a corrupt frame would.
    public var isDamaged = false
}

enum TimeIndex {
    /// Per event frame: sequence, count, first and last time, first ordinal (fixed width).
    static func encode(_ frames: [FrameInfo]) -> [UInt8] {
        var w = ByteWriter(capacity: 16 + frames.count * 32)
        w.bytes.append(contentsOf: Container.payloadMagic)
        w.fixed32(UInt32(frames.count))
        for f in frames {
            w.fixed32(f.sequence); w.fixed32(UInt32(f.eventCount))
            w.fixed64(f.firstTime); w.fixed64(f.lastTime); w.fixed64(f.firstOrdinal)
        }
        return w.bytes
    }

    struct Row: Equatable {
        var sequence: UInt32, count: UInt32, firstTime: UInt64, lastTime: UInt64, firstOrdinal: UInt64
    }

    static func decode(_ payload: UnsafeRawBufferPointer) throws(WireError) -> [Row] {
        var r = ByteReader(payload)
        for b in Container.payloadMagic where try r.u8() != b { throw r.fail(.impossible("time index tag")) }
        let n = try r.fixed32()
        guard UInt64(n) * 32 == UInt64(payload.count - r.position) else { throw r.fail(.impossible("time index size")) }
        var rows: [Row] = []
        rows.reserveCapacity(Int(n))
        for _ in 0..<n {
            rows.append(Row(sequence: try r.fixed32(), count: try r.fixed32(), firstTime: try r.fixed64(),
                            lastTime: try r.fixed64(), firstOrdinal: try r.fixed64()))
        }
        return rows
    }
}
