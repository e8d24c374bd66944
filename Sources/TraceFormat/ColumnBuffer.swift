/// A growable byte buffer for the encoder's hot path. Writes do not check capacity (debug builds
/// assert): the encoder sizes its columns for a whole frame, or calls `reserve(_:)` first, so each
/// write is a store and an increment, with no copy-on-write bookkeeping as with an `Array`. Owns
/// its memory.
struct ColumnBuffer: ~Copyable {
    private var start: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        start = .allocate(capacity: self.capacity)
    }

    deinit { start.deallocate() }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: start, count: count) }

    mutating func removeAll() { count = 0 }

    /// Makes room for `n` more bytes. - Complexity: amortized O(1)
    @inline(__always) mutating func reserve(_ n: Int) {
        if count + n > capacity { grow(count + n) }
    }

    @inline(never) private mutating func grow(_ needed: Int) {
        let newCapacity = max(capacity * 2, needed)
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        p.update(from: start, count: count)
        start.deallocate()
        start = p
        capacity = newCapacity
    }

    @inline(__always) mutating func u8(_ v: UInt8) {
        assert(count < capacity, "write without reserve")
        start[count] = v
        count &+= 1
    }

    @inline(__always) mutating func varint(_ value: UInt64) {
        assert(count + 10 <= capacity, "write without reserve")
        // Locals, so the byte stores (which may alias anything) do not force reloads of `count`.
        let p = start
        var c = count
        var v = value
        while v >= 0x80 {
            p[c] = UInt8(truncatingIfNeeded: v) | 0x80
            c &+= 1
            v >>= 7
        }
        p[c] = UInt8(truncatingIfNeeded: v)
        count = c &+ 1
    }

    @inline(__always) mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    @inline(__always) mutating func fixed64(_ v: UInt64) {
        assert(count + 8 <= capacity, "write without reserve")
        UnsafeMutableRawPointer(start + count).storeBytes(of: v.littleEndian, as: UInt64.self)
        count &+= 8
    }
}
