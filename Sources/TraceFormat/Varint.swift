/// Appends little-endian fixed-width integers and LEB128 varints to a growable byte buffer.
struct ByteWriter {
    var bytes: [UInt8]

    init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func fixed32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func fixed64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
}

/// Why a byte sequence could not be decoded; `offset` is relative to the start of the decoded buffer.
struct WireError: Error {
    enum Problem: Equatable {
        case truncated
        case badVarint
        case impossible(String)
    }
    var problem: Problem
    var offset: Int
}

/// Whether a read checks that the bytes it reads are there. `Unchecked` is for a caller that has
/// made sure of that for a run of reads (`FrameDecoder` does, for a batch of events, from the
/// bytes left in each column), so that each read skips a comparison with the end.
protocol BoundsCheck { static var checks: Bool { get } }
enum Checked: BoundsCheck { static var checks: Bool { true } }
enum Unchecked: BoundsCheck { static var checks: Bool { false } }

/// Reads what `ByteWriter` wrote, checking every length against the bytes actually present
/// (unless told `Unchecked`).
/// Holds a cursor and an end pointer (not a buffer and an offset), so a read compares two
/// pointers and moves one, with no optional base address to test and no count to recompute:
/// the frame decoder reads several values per event through these.
struct ByteReader {
    private let start: UnsafePointer<UInt8>
    private var cursor: UnsafePointer<UInt8>
    private let end: UnsafePointer<UInt8>

    /// Stands in for the base address of an empty buffer: never read or written, so sharing it
    /// between threads is safe.
    nonisolated(unsafe) private static let nowhere = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

    init(_ base: UnsafeRawBufferPointer, position: Int = 0) {
        // The bytes are read as UInt8: bind them so (the buffers are byte arrays or untyped memory).
        let s = base.bindMemory(to: UInt8.self).baseAddress ?? UnsafePointer(Self.nowhere)
        start = s
        cursor = s + min(max(position, 0), base.count)
        end = s + base.count
    }

    /// Bytes read so far: where the next read starts, from the start of the buffer.
    var position: Int { cursor - start }

    var isAtEnd: Bool { cursor >= end }

    @inline(never)
    func fail(_ p: WireError.Problem) -> WireError { WireError(problem: p, offset: position) }

    /// Bytes not read yet.
    var remaining: Int { end - cursor }

    @inline(__always)
    mutating func u8<B: BoundsCheck>(_: B.Type = Checked.self) throws(WireError) -> UInt8 {
        guard !B.checks || cursor < end else { throw fail(.truncated) }
        let b = cursor.pointee
        cursor += 1
        return b
    }

    /// One- and two-byte values (most of a trace's) are read inline; longer ones out of line
    /// (always checked: `Unchecked` callers allow for the longest varint, 10 bytes).
    @inline(__always)
    mutating func varint<B: BoundsCheck>(_: B.Type = Checked.self) throws(WireError) -> UInt64 {
        if !B.checks || end - cursor >= 2 {
            let b0 = cursor[0]
            if b0 < 0x80 {
                cursor += 1
                return UInt64(b0)
            }
            let b1 = cursor[1]
            if b1 < 0x80 {
                cursor += 2
                return UInt64(b0 & 0x7F) | UInt64(b1) << 7
            }
        } else if cursor < end, cursor[0] < 0x80 {
            defer { cursor += 1 }
            return UInt64(cursor[0])
        }
        return try varintSlow()
    }

    @inline(never)
    mutating func varintSlow() throws(WireError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard cursor < end else { throw fail(.truncated) }
            let b = cursor.pointee
            cursor += 1
            if shift == 63 && b > 1 { throw fail(.badVarint) }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift &+= 7
            if shift > 63 { throw fail(.badVarint) }
        }
    }

    @inline(__always)
    mutating func zigzag<B: BoundsCheck>(_: B.Type = Checked.self) throws(WireError) -> Int64 {
        let v = try varint(B.self)
        return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
    }

    @inline(__always)
    mutating func varint32<B: BoundsCheck>(_: B.Type = Checked.self) throws(WireError) -> UInt32 {
        let v = try varint(B.self)
        guard v <= UInt64(UInt32.max) else { throw fail(.impossible("value \(v) does not fit 32 bits")) }
        return UInt32(v)
    }

    mutating func fixed32() throws(WireError) -> UInt32 {
        guard end - cursor >= 4 else { throw fail(.truncated) }
        let v = UnsafeRawPointer(cursor).loadUnaligned(as: UInt32.self)
        cursor += 4
        return UInt32(littleEndian: v)
    }

    @inline(__always)
    mutating func fixed64<B: BoundsCheck>(_: B.Type = Checked.self) throws(WireError) -> UInt64 {
        guard !B.checks || end - cursor >= 8 else { throw fail(.truncated) }
        let v = UnsafeRawPointer(cursor).loadUnaligned(as: UInt64.self)
        cursor += 8
        return UInt64(littleEndian: v)
    }
}
