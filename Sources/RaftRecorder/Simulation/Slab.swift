/// Values addressed by small integer slots that are reused once freed, so the event heap can hold
/// a slot instead of the value itself.
struct Slab<Element> {
    private var elements: [Element] = []
    private var freeSlots: [Int] = []

    /// Stores `element` in a free slot (or a new one) and returns the slot.
    @inline(__always) mutating func insert(_ element: Element) -> Int {
        guard !freeSlots.isEmpty else {
            elements.append(element)
            return elements.count - 1
        }
        let slot = freeSlots.removeLast()
        elements[slot] = element
        return slot
    }

    /// Makes `slot` reusable. Its element stays until the slot is reused: clear what it holds first
    /// if that matters.
    @inline(__always) mutating func free(_ slot: Int) { freeSlots.append(slot) }

    subscript(slot: Int) -> Element {
        @inline(__always) _read { yield elements[slot] }
        @inline(__always) _modify { yield &elements[slot] }
    }
}
