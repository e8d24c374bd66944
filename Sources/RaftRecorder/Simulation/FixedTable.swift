/// A fixed number of values in storage its owner holds outright (the simulator's nodes, the
/// network's links). Updating an element of an `Array` checks that the array is uniquely
/// referenced on every access, several times per message; here an access checks only the index.
struct FixedTable<Element>: ~Copyable {
    private let base: UnsafeMutablePointer<Element>
    let count: Int

    init(_ elements: [Element]) {
        count = elements.count
        base = .allocate(capacity: count)
        _ = UnsafeMutableBufferPointer(start: base, count: count).initialize(from: elements)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    var indices: Range<Int> { 0..<count }

    subscript(i: Int) -> Element {
        @inline(__always) _read {
            precondition(i >= 0 && i < count, "table index out of range")
            yield base[i]
        }
        @inline(__always) _modify {
            precondition(i >= 0 && i < count, "table index out of range")
            yield &base[i]
        }
    }
}
