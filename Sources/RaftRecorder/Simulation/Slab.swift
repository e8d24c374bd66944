/// Values addressed by small integer slots that are reused once freed, so the event heap can hold
/// a slot instead of the value itself. Not copyable: it owns its storage outright, so reading or
/// writing a slot checks only the index (an `Array` would also check, on every write, that its
/// buffer is not shared).
struct Slab<Element>: ~Copyable {
    /// Slots `0..<used` are initialized, free ones included (they keep their old element until reused).
    private var elements: UnsafeMutablePointer<Element>
    private var used = 0
    /// A stack of free slots; it never holds more than `capacity`.
    private var freeSlots: UnsafeMutablePointer<Int>
    private var freeCount = 0
    private var capacity: Int

    init() {
        capacity = 16
        elements = .allocate(capacity: capacity)
        freeSlots = .allocate(capacity: capacity)
    }

    deinit {
        elements.deinitialize(count: used)
        elements.deallocate()
        freeSlots.deallocate()
    }

    /// Stores `element` in a free slot (or a new one) and returns the slot.
    @inline(__always) mutating func insert(_ element: consuming Element) -> Int {
        if freeCount > 0 {
            freeCount -= 1
            let slot = freeSlots[freeCount]
            elements[slot] = element
            return slot
        }
        if used == capacity { grow() }
        (elements + used).initialize(to: element)
        used += 1
        return used - 1
    }

    @inline(never) private mutating func grow() {
        let newCapacity = capacity * 2
        let moved = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        moved.moveInitialize(from: elements, count: used)
        elements.deallocate()
        elements = moved
        let stack = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity)
        stack.update(from: freeSlots, count: freeCount)
        freeSlots.deallocate()
        freeSlots = stack
        capacity = newCapacity
    }

    /// Makes `slot` reusable. Its element stays until the slot is reused: clear what it holds first
    /// if that matters.
    @inline(__always) mutating func free(_ slot: Int) {
        precondition(slot >= 0 && slot < used && freeCount < used, "Slab: freeing a slot that is not in use")
        freeSlots[freeCount] = slot
        freeCount += 1
    }

    subscript(slot: Int) -> Element {
        @inline(__always) _read {
            precondition(slot >= 0 && slot < used, "Slab slot out of range")
            yield elements[slot]
        }
        @inline(__always) _modify {
            precondition(slot >= 0 && slot < used, "Slab slot out of range")
            yield &elements[slot]
        }
    }
}
