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
}
