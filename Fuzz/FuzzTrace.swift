// A libFuzzer target for the trace reader (Fuzz/run.sh builds and runs it). It is compiled together
// with Sources/TraceFormat as one module, so it reaches the frame decoder directly: the checksum in
// every zstd frame stops random damage long before the decoder, but a frame whose checksum is right
// and whose records are wrong (a writer's bug) must still give an error, never a crash or a hang.
//
// The first byte of an input picks the target: even, the rest is the decompressed content of one
// event frame, decoded event by event and in batches as the reader decodes (the two must agree);
// odd, the rest is a whole trace file, opened (with recovery; reading ahead if the first byte's
// bit 4 is set, so that the frames start decoding before the metadata is parsed) and read both
// ways, skipping corrupt frames, and once more with frames handed over to the reader.
import Glibc

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrace(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let rest = UnsafeRawBufferPointer(rebasing: input[1...])
    if input[0] & 1 == 0 {
        // Event by event, every read checked; then as the reader decodes, in batches read without
        // bounds checks where the columns surely hold the events: the same events, the same error.
        guard var decoder = try? FrameDecoder(rest) else { return 0 }
        var batched = decoder
        let count = Int(decoder.header.count)  // no more than the bytes of the tags column
        var events: [TraceEvent] = []
        var error: WireError?
        do throws(WireError) {
            for _ in 0..<count { events.append(try decoder.next()) }
            try decoder.finish()
        } catch let e {
            error = e
        }
        let buffer = UnsafeMutablePointer<TraceEvent>.allocate(capacity: max(count, 1))
        defer { buffer.deallocate() }
        var decoded = 0
        var batchError: WireError?
        do throws(WireError) {
            try batched.decode(count, into: buffer, counting: &decoded)
            try batched.finish()
        } catch let e {
            batchError = e
        }
        precondition(Array(UnsafeBufferPointer(start: buffer, count: decoded)) == events,
                     "events decoded in batches differ from those decoded one by one")
        precondition(batchError?.problem == error?.problem && batchError?.offset == error?.offset,
                     "a frame decoded in batches ends differently")
    } else {
        let path = "/tmp/fuzz-trace-\(getpid()).trace"
        guard let f = fopen(path, "wb") else { return 0 }
        fwrite(rest.baseAddress, 1, rest.count, f)
        fclose(f)
        defer { unlink(path) }
        guard let trace = try? TraceFile.open(path, readingAhead: input[0] & 0x10 != 0) else { return 0 }
        var skipped: [TraceFormatError] = []
        try? trace.forEachEvent(skippingCorruptFrames: true, skipped: &skipped) { _ in }
        // In chunks: each starts where the last ended, or further on after a skipped frame.
        var chunks = trace.events(skippingCorruptFrames: true).makeIterator()
        let read = readChunks(&chunks)
        // Again with the decoding threads leaving the rest of every frame to this one after a
        // first chunk of 1 to 8 events (the first byte's other bits say how many): the same
        // events at the same places, the same gaps, the same frames skipped for the same reasons
        // (the chunks may be cut differently: the consumer decodes a frame's rest in chunks).
        var forced = trace.events(skippingCorruptFrames: true)
        forced.handOver = .init(chunk: Int(input[0] >> 1 & 7) + 1, always: true)
        var again = forced.makeIterator()
        let reread = readChunks(&again)
        precondition(reread.ordinals == read.ordinals && reread.events == read.events,
                     "a frame handed over to the consumer reads differently")
        precondition(reread.gaps == read.gaps && again.skipped.map(\.description) == chunks.skipped.map(\.description),
                     "a frame handed over to the consumer ends differently")
    }
    return 0
}

/// Every event a pass reads, with its place in the trace, and the places where a gap was said;
/// checks that each chunk starts where the last ended, or further on after a gap.
private func readChunks(_ chunks: inout EventSequence.Iterator) -> (ordinals: [UInt64], events: [TraceEvent], gaps: [UInt64]) {
    var next: UInt64 = 0
    var ordinals: [UInt64] = [], events: [TraceEvent] = [], gaps: [UInt64] = []
    while let chunk = chunks.nextChunk() {
        precondition(chunks.chunkOrdinal >= next, "a chunk numbered before the previous one's end")
        precondition(chunks.chunkFollowsGap || chunks.chunkOrdinal == next, "events missing with no gap said")
        if chunks.chunkFollowsGap { gaps.append(chunks.chunkOrdinal) }
        ordinals += (0..<UInt64(chunk.count)).map { chunks.chunkOrdinal + $0 }
        events += chunk
        next = chunks.chunkOrdinal + UInt64(chunk.count)
    }
    return (ordinals, events, gaps)
}
