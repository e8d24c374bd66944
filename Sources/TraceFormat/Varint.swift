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

/// Reads what `ByteWriter` wrote, checking every length against the bytes actually present.
struct ByteReader {
    let base: UnsafeRawBufferPointer
    var position: Int

    init(_ base: UnsafeRawBufferPointer, position: Int = 0) {
        self.base = base
        self.position = position
    }

    var isAtEnd: Bool { position >= base.count }

    @inline(never)
    func fail(_ p: WireError.Problem) -> WireError { WireError(problem: p, offset: position) }

    @inline(__always)
    mutating func u8() throws(WireError) -> UInt8 {
        guard position < base.count else { throw fail(.truncated) }
        let b = base[position]
        position &+= 1
        return b
    }

    /// One- and two-byte values (most of a trace's) are read inline; longer ones out of line.
    @inline(__always)
    mutating func varint() throws(WireError) -> UInt64 {
        if position &+ 1 < base.count {
            let b0 = base[position]
            if b0 < 0x80 {
                position &+= 1
                return UInt64(b0)
            }
            let b1 = base[position &+ 1]
            if b1 < 0x80 {
                position &+= 2
                return UInt64(b0 & 0x7F) | UInt64(b1) << 7
            }
        } else if position < base.count, base[position] < 0x80 {
            defer { position &+= 1 }
            return UInt64(base[position])
        }
        return try varintSlow()
    }

    @inline(never)
    mutating func varintSlow() throws(WireError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < base.count else { throw fail(.truncated) }
            let b = base[position]
            position &+= 1
            if shift == 63 && b > 1 { throw fail(.badVarint) }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift &+= 7
            if shift > 63 { throw fail(.badVarint) }
        }
    }

    @inline(__always)
    mutating func zigzag() throws(WireError) -> Int64 {
        let v = try varint()
        return Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1)
    }

    @inline(__always)
    mutating func varint32() throws(WireError) -> UInt32 {
        let v = try varint()
        guard v <= UInt64(UInt32.max) else { throw fail(.impossible("value \(v) does not fit 32 bits")) }
        return UInt32(v)
    }

    mutating func fixed32() throws(WireError) -> UInt32 {
        guard base.count - position >= 4 else { throw fail(.truncated) }
        let v = base.loadUnaligned(fromByteOffset: position, as: UInt32.self)
        position += 4
        return UInt32(littleEndian: v)
    }

    @inline(__always)
    mutating func fixed64() throws(WireError) -> UInt64 {
        guard base.count - position >= 8 else { throw fail(.truncated) }
        let v = base.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return UInt64(littleEndian: v)
    }
}
