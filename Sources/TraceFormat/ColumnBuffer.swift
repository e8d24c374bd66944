/// A growable byte buffer for the encoder's hot path: one capacity check per write and no
/// copy-on-write bookkeeping, unlike appending to an `Array`. Owns its memory.
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
        reserve(1)
        start[count] = v
        count &+= 1
    }

    @inline(__always) mutating func varint(_ value: UInt64) {
        reserve(10)
        var v = value
        while v >= 0x80 {
            start[count] = UInt8(truncatingIfNeeded: v) | 0x80
            count &+= 1
            v >>= 7
        }
        start[count] = UInt8(truncatingIfNeeded: v)
        count &+= 1
    }

    @inline(__always) mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func fixed64(_ v: UInt64) {
        reserve(8)
        UnsafeMutableRawPointer(start + count).storeBytes(of: v.littleEndian, as: UInt64.self)
        count &+= 8
    }

    mutating func blob(_ b: [UInt8]) {
        varint(UInt64(b.count))
        reserve(b.count)
        b.withUnsafeBufferPointer { (start + count).update(from: $0.baseAddress!, count: b.count) }
        count &+= b.count
    }
}
