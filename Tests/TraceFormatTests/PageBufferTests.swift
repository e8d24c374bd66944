import Foundation
import Testing
@testable import TraceFormat

/// Buffers made together share one mapping: each starts on a page, none overlaps another, all
/// start as zeros, and the memory stays until the last of them goes.
@Suite struct PageBufferTests {
    @Test(arguments: [0, 1, 1000, 20_000])
    func buffersSharingAMappingAreSeparateAndZeroed(count: Int) {
        var buffers = PageBuffer<TraceEvent>.sharing(2, count: count)
        #expect(buffers.count == 2 && buffers.allSatisfy { $0.count == count })
        let page = Int(PageMapping.smallPageSize)
        let starts = buffers.map { UInt(bitPattern: $0.base) }
        #expect(starts.allSatisfy { $0 % UInt(page) == 0 })
        let bytes = count * MemoryLayout<TraceEvent>.stride
        #expect(starts[1] >= starts[0] + UInt(bytes))
        let zero = TraceEvent(time: 0, node: nil, .nodeCrashed)
        for b in buffers {
            let raw = UnsafeRawBufferPointer(start: b.base, count: bytes)
            #expect(raw.allSatisfy { $0 == 0 })
        }
        let event = TraceEvent(time: 7, node: NodeID(3), .nodeCrashed)
        for i in 0..<count { buffers[0].base[i] = event }
        // The second buffer is untouched by the first's writes, and outlives it.
        buffers.removeFirst()
        if count > 0 {
            #expect(buffers[0].base[0] != event && buffers[0].base[count - 1] != event)
            buffers[0].base[count - 1] = zero
            #expect(buffers[0].base[count - 1] == zero)
        }
    }

    /// A buffer of huge pages asked to keep its start in small pages is advised for huge pages
    /// only from the next 2 MiB on (Linux, where the system has transparent huge pages: the
    /// advice shows as `hg` in the mapping's flags), and is usable throughout.
    @Test func aBufferKeepsItsStartInSmallPagesWhenAsked() throws {
        let huge = 2 << 20
        let buffer = PageBuffer<UInt64>(count: 3 * huge / 8, smallPagesFor: 1)
        for i in stride(from: 0, to: buffer.count, by: 512) { #expect(buffer.base[i] == 0); buffer.base[i] = UInt64(i) }
        #expect(buffer.base[buffer.count - 512] == UInt64(buffer.count - 512))
        #if os(Linux)
        // (Read through a handle: the file reports a size of 0.)
        guard FileManager.default.fileExists(atPath: "/sys/kernel/mm/transparent_hugepage/enabled"),
              let handle = FileHandle(forReadingAtPath: "/proc/self/smaps") else { return }
        let smaps = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        /// The flags of the mapping holding `address` (mappings alike in every way merge).
        func flags(at address: UInt) -> [Substring]? {
            let lines = smaps.split(separator: "\n")
            guard let i = lines.firstIndex(where: { line in
                let range = line.prefix { $0 != " " }.split(separator: "-")
                guard range.count == 2, let lo = UInt(range[0], radix: 16), let hi = UInt(range[1], radix: 16) else { return false }
                return lo <= address && address < hi
            }) else { return nil }
            return lines[i...].first { $0.hasPrefix("VmFlags:") }?.split(separator: " ")
        }
        let start = UInt(bitPattern: buffer.base)
        #expect(try #require(flags(at: start)).contains("hg") == false)
        #expect(try #require(flags(at: start + UInt(huge))).contains("hg"))
        #endif
    }
}

#if os(Linux)
/// The executable's zero-initialised data is found from its program headers (here, the test
/// runner's) and written in whole: afterwards every page of it is mapped and resident.
@Test func zeroInitialisedDataIsWrittenIn() {
    let range = ZeroInitialisedData.populate()
    let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
    #expect(!range.isEmpty && range.lowerBound % page == 0 && range.upperBound % page == 0)
    var resident = [UInt8](repeating: 0, count: Int((range.upperBound - range.lowerBound) / page))
    // `mincore` fails (ENOMEM) if any page of the range is not mapped.
    #expect(mincore(UnsafeMutableRawPointer(bitPattern: range.lowerBound), Int(range.upperBound - range.lowerBound), &resident) == 0)
    #expect(resident.allSatisfy { $0 & 1 == 1 }, "\(resident.filter { $0 & 1 == 0 }.count) of \(resident.count) pages not resident")
}
#endif
