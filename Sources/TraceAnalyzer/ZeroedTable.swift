import TraceFormat

/// A fixed number of slots that start as all-zero bytes. The memory is a `PageBuffer`, mapped
/// zeroed from the system, so a large table costs nothing until its slots are written: the system
/// maps its pages on first touch (2 MiB at a time for a table of 512 KiB or more, where huge pages
/// are offered), where an `Array(repeating:count:)` writes every slot before the first event.
/// (Initialising the analysis' direct-mapped tables took about 2 ms of every run, however short
/// the trace.)
///
/// Write a slot known to be empty rather than read it first: reading a page that was never written
/// maps the system's shared zero page, and the write after it costs a second fault that flushes
/// the address caches of the process' other processors (an interrupt each; about 9 us in this
/// virtual machine, 7% of a 10-minute analysis before the safety checker and the message table
/// wrote first).
///
/// `Element` must be a valid value when all its bytes are zero (integers, `Bool`, enums without
/// payloads, which then read as their first case, and structs of those); callers mark a slot in
/// use with a field of their own. Copies share storage until one of them writes.
struct ZeroedTable<Element: BitwiseCopyable> {
    private var storage: PageBuffer<Element>
    /// The bytes from the start that `touch(through:)` has written to, a whole number of pages.
    private var touchedBytes = 0

    /// `smallPagesFor`: see `PageBuffer.init(count:smallPagesFor:)`.
    init(count: Int, smallPagesFor prefix: Int = 0) { storage = PageBuffer(count: count, smallPagesFor: prefix) }

    subscript(slot: Int) -> Element {
        @inline(__always) get {
            precondition(slot >= 0 && slot < storage.count, "ZeroedTable slot out of range")
            return storage.base[slot]
        }
        @inline(__always) set { update(slot) { $0 = newValue } }
    }

    /// Makes sure the pages holding slots up to `slot` were first touched by a write, for a table
    /// whose slots are read before they are written (a direct-mapped table reads a slot's old key
    /// first): each page from the last one touched through the one holding the end of `slot` is
    /// written (`PageBuffer.touchPages`). One fault a page, none of them flushing other
    /// processors' caches; pages past the slots in use stay untouched. A table that calls it must
    /// call it before every write past the pages it touched: the zero it writes assumes nothing
    /// there was written.
    @inline(__always) mutating func touch(through slot: Int) {
        let end = (slot + 1) * MemoryLayout<Element>.stride
        if end > touchedBytes { touchPages(to: end) }
    }

    /// Whether `touch(through:)` has covered `slot`. In a table that touches before every write,
    /// a slot it has not covered was never written: it is all zero bytes, and a lookup that
    /// learns so here does not read it, which would map the zero page under it (and make the
    /// write that later touches that page fault a second time).
    @inline(__always) func isTouched(_ slot: Int) -> Bool {
        (slot + 1) * MemoryLayout<Element>.stride <= touchedBytes
    }

    @inline(never) private mutating func touchPages(to end: Int) {
        update(0) { _ in }  // a table shared with a copy is copied first
        touchedBytes = storage.touchPages(from: touchedBytes, to: end)
    }

    /// Changes one slot in place, so that setting a field or two writes those, not the whole
    /// element (the subscript's `slots[k].field = x` reads the element out and writes all of it
    /// back).
    @inline(__always) mutating func update<Result>(_ slot: Int, _ body: (inout Element) -> Result) -> Result {
        precondition(slot >= 0 && slot < storage.count, "ZeroedTable slot out of range")
        if !isKnownUniquelyReferenced(&storage) {
            let copy = PageBuffer<Element>(count: storage.count)
            copy.base.update(from: storage.base, count: storage.count)
            storage = copy
        }
        return body(&storage.base[slot])
    }
}
