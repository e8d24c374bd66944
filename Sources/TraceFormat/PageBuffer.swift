#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Room for `count` values of `Element`, starting as zero bytes, in memory mapped straight from the
/// system (a `PageMapping`) and returned to it when the last buffer in it goes (buffers made
/// together by `sharing` lie in one). `Element` must be a valid value when all its bytes are zero
/// for a slot to be read before it is written.
///
/// A buffer of at least `PageMapping.hugePageThreshold` bytes is, on Linux, aligned to and sized in 2 MiB and
/// advised to be backed by transparent huge pages (`MADV_HUGEPAGE`, which systems that leave huge
/// pages to `madvise` honour): the system then maps and zeroes it 2 MiB at a time on first touch,
/// instead of faulting in each 4 KiB page. On the 2-processor VM this was measured on, a fault
/// costs about 2 us, so a frame's 1 MB of events took 0.5 ms of faults, against 0.06-0.2 ms for one
/// huge page. Where huge pages are off or none is free, the system maps small pages as before.
/// Memory only reserved costs nothing until touched, so a buffer sized for what a file declares
/// does not take memory the file does not fill.
@usableFromInline
package final class PageBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    /// The first of `count` values, aligned to at least a page.
    @usableFromInline package let base: UnsafeMutablePointer<Element>
    package let count: Int
    /// The memory the buffer lies in, shared with the other buffers made with it (`sharing`).
    private let pages: PageMapping

    /// `smallPagesFor`: the first values a buffer of huge pages keeps in small pages (to the next
    /// 2 MiB), for a buffer written from its start on, of which a short run touches little: a
    /// first touch costs about 1 us a 4 KiB page, and 45-400 us for a 2 MiB one in the VM measured
    /// (more for a huge page the host has not backed yet).
    package convenience init(count: Int, smallPagesFor prefix: Int = 0) {
        let pages = PageMapping(byteCount: Self.byteCount(count), smallPages: Self.byteCount(min(max(prefix, 0), count)))
        self.init(count: count, at: pages.start, in: pages)
    }

    private init(count: Int, at start: UnsafeMutableRawPointer, in pages: PageMapping) {
        base = start.bindMemory(to: Element.self, capacity: count)
        self.count = count
        self.pages = pages
    }

    /// `buffers` buffers of `count` values each, laid end to end (each starting on a page) in one
    /// mapping, which is returned to the system when the last of them goes. Buffers that would
    /// each take a huge page of their own share one: a decoding thread's two frames of about
    /// 1 MB of events, 2 MiB to zero, not 4.
    package static func sharing(_ buffers: Int, count: Int) -> [PageBuffer] {
        precondition(buffers > 0, "at least one buffer")
        let page = PageMapping.smallPageSize
        let each = (byteCount(count) + page - 1) / page * page
        let (total, overflow) = each.multipliedReportingOverflow(by: buffers)
        precondition(!overflow, "cannot allocate \(buffers) buffers of \(count) values of \(Element.self)")
        let pages = PageMapping(byteCount: total)
        return (0..<buffers).map { PageBuffer(count: count, at: pages.start + $0 * each, in: pages) }
    }

    private static func byteCount(_ count: Int) -> Int {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Element>.stride)
        precondition(count >= 0 && !overflow, "cannot allocate \(count) values of \(Element.self)")
        return bytes
    }

    /// Writes a zero byte at the start of each page from byte `start` (a page's start) until byte
    /// `end`, and returns the start of the page after the last one written. For a buffer whose
    /// values are read before they are written: a page first read maps the system's shared zero
    /// page, and the write after it faults again and flushes the other processors' address
    /// caches; a page first written faults once. The pages must not have been written yet.
    package func touchPages(from start: Int, to end: Int) -> Int {
        let bytes = UnsafeMutableRawPointer(base)
        let page = PageMapping.smallPageSize
        var offset = start
        while offset < end {
            bytes.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self)
            offset += page
        }
        return offset
    }

    /// `buffer` if it holds at least `needed` values, else a new buffer of `size` values (at least
    /// `needed`), which `buffer` then holds. The old one is released first, so the two are never
    /// mapped at once.
    package static func reusing(_ buffer: inout PageBuffer?, holding needed: Int, elseAllocating size: Int) -> PageBuffer {
        if let buffer, buffer.count >= needed { return buffer }
        buffer = nil
        let new = PageBuffer(count: max(size, needed))
        buffer = new
        return new
    }
}

/// Memory mapped straight from the system, zero bytes until written, and returned to it on
/// `deinit`; the memory of one or more `PageBuffer`s.
final class PageMapping: @unchecked Sendable {
    let start: UnsafeMutableRawPointer
    private let size: Int

    /// Mappings this large or larger use huge pages where the system offers them: at 2 us a
    /// fault, 512 KiB of small pages (128 faults) cost more than zeroing one 2 MiB page.
    static var hugePageThreshold: Int { 512 << 10 }
    static var hugePageSize: Int { 2 << 20 }
    static var smallPageSize: Int { Int(sysconf(Int32(_SC_PAGESIZE))) }
    /// Private, anonymous, and on Linux not counted against the system's commit limit up front:
    /// storage sized for the largest frame a file's index declares may be far larger than what
    /// is written, and only pages written take memory.
    #if os(Linux)
    private static var flags: Int32 { MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE }
    #else
    private static var flags: Int32 { MAP_PRIVATE | MAP_ANON }
    #endif

    /// `smallPages`: how many bytes at the start of a mapping of huge pages stay in small pages
    /// (rounded up to a huge page).
    init(byteCount: Int, smallPages: Int = 0) {
        let huge = byteCount >= Self.hugePageThreshold
        let unit = huge ? Self.hugePageSize : Self.smallPageSize
        size = max(unit, (byteCount + unit - 1) / unit * unit)
        // For huge pages, map one huge page more than needed and trim both ends, so the memory
        // starts on a 2 MiB boundary (mmap only promises page alignment).
        let extra = huge ? Self.hugePageSize : 0
        guard let raw = mmap(nil, size + extra, PROT_READ | PROT_WRITE, Self.flags, -1, 0), raw != MAP_FAILED else {
            fatalError("cannot map \(size) bytes of memory: \(String(cString: strerror(errno)))")
        }
        var start = raw
        if huge {
            let address = UInt(bitPattern: raw)
            let mask = UInt(Self.hugePageSize - 1)
            let head = Int(((address + mask) & ~mask) - address)
            start = raw + head
            if head > 0 { munmap(raw, head) }
            if extra - head > 0 { munmap(start + size, extra - head) }
            #if os(Linux)
            // Advice only: where it is refused, the memory works the same with small pages.
            let small = min(size, (smallPages + Self.hugePageSize - 1) / Self.hugePageSize * Self.hugePageSize)
            if small < size { _ = madvise(start + small, size - small, MADV_HUGEPAGE) }
            #endif
        }
        self.start = start
    }

    deinit { munmap(start, size) }
}
