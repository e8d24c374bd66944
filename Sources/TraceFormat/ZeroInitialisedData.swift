#if canImport(Glibc)
import Glibc
#endif

/// The running executable's zero-initialised data (its `.bss`: in a static Swift executable, most
/// of the runtime's metadata caches and conformance cache), written in by the system in one call.
///
/// Left to fault in, those pages cost one fault each as the runtime first uses them, about 120 in
/// a `traceanalyze` run, on whichever thread touches them; a page the runtime reads before it
/// writes maps the zero page first, and the write then faults again and interrupts the other
/// processors to flush their address caches. Asked for at start-up, before any other thread
/// runs, they cost one `madvise(MADV_POPULATE_WRITE)` (Linux 5.14 and later; elsewhere, and where
/// the call is refused, nothing changes).
package enum ZeroInitialisedData {
    /// Has the system write in the executable's zero-initialised data, and returns its address
    /// range (page-aligned; empty where there is none or it cannot be found).
    @discardableResult
    package static func populate() -> Range<UInt> {
        #if os(Linux)
        guard let range = find() else { return 0..<0 }
        let populateWrite: Int32 = 23  // MADV_POPULATE_WRITE, which Glibc's module does not export
        _ = madvise(UnsafeMutableRawPointer(bitPattern: range.lowerBound), Int(range.upperBound - range.lowerBound), populateWrite)
        return range
        #else
        return 0..<0
        #endif
    }

    #if os(Linux)
    /// The part of the executable's writable segment past its file contents, from the program
    /// headers the auxiliary vector points at (`getauxval` is not in Glibc's module).
    static func find() -> Range<UInt>? {
        let fd = open("/proc/self/auxv", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var auxv = [UInt64](repeating: 0, count: 128)  // (type, value) pairs, ending with type 0
        let bytes = auxv.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard bytes > 0 else { return nil }
        var headers: UInt64 = 0, count: UInt64 = 0, entrySize: UInt64 = 0
        for i in stride(from: 0, to: bytes / 8 - 1, by: 2) {
            switch auxv[i] {
            case 3: headers = auxv[i + 1]  // AT_PHDR
            case 4: entrySize = auxv[i + 1]  // AT_PHENT
            case 5: count = auxv[i + 1]  // AT_PHNUM
            default: break
            }
        }
        // ELF64 program headers: p_type (4 bytes) at 0, p_vaddr at 16, p_filesz at 32, p_memsz at 40.
        guard let table = UnsafeRawPointer(bitPattern: UInt(headers)), entrySize >= 48, count > 0, count < 256 else { return nil }
        func header(_ i: Int) -> (type: UInt32, address: UInt64, fileSize: UInt64, memorySize: UInt64) {
            let h = table + i * Int(entrySize)
            return (h.loadUnaligned(as: UInt32.self), h.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                    h.loadUnaligned(fromByteOffset: 32, as: UInt64.self), h.loadUnaligned(fromByteOffset: 40, as: UInt64.self))
        }
        // Where the executable was loaded: the headers' own address less the one they give
        // themselves (PT_PHDR); zero for an executable linked at a fixed address.
        var bias: UInt64 = 0
        for i in 0..<Int(count) where header(i).type == 6 { bias = headers &- header(i).address }
        let page = UInt64(PageMapping.smallPageSize)
        for i in 0..<Int(count) {
            let h = header(i)
            guard h.type == 1, h.memorySize > h.fileSize else { continue }  // PT_LOAD with zero-filled memory
            // The page holding the end of the file's contents is the file's; the rest is zeroes.
            let start = (bias &+ h.address &+ h.fileSize + page - 1) / page * page
            let end = (bias &+ h.address &+ h.memorySize + page - 1) / page * page
            if end > start { return UInt(start)..<UInt(end) }
        }
        return nil
    }
    #endif
}
