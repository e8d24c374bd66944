/// A single pass over the events of some frames of a trace, decoding one frame at a time.
///
/// Iteration stops at the first unreadable frame and leaves the error in `Iterator.error`, unless
/// the sequence skips corrupt frames, in which case each skipped frame's error is collected in
/// `Iterator.skipped` and iteration goes on with the next frame. Checksums are verified when a
/// frame is decompressed, before any of its events is returned; only a frame whose checksum is
/// right but whose records do not decode (a writer bug, not disk damage) can end after some of
/// its events were returned.
public struct EventSequence: Sequence {
    let file: TraceFile
    let frames: ArraySlice<FrameInfo>
    let timeRange: ClosedRange<UInt64>?
    let skipCorrupt: Bool

    public func makeIterator() -> Iterator { Iterator(self) }

    public struct Iterator: IteratorProtocol {
        private let file: TraceFile
        private let frames: ArraySlice<FrameInfo>
        private let timeRange: ClosedRange<UInt64>?
        private let skipCorrupt: Bool
        private var nextFrame: Int
        private let buffers = FrameBuffers()
        private var decoder: FrameDecoder
        private var remaining = 0
        private var currentFrame: FrameInfo?
        private var previousFrameEnd: UInt64 = 0
        /// The error that ended iteration early, if any.
        public private(set) var error: TraceFormatError?
        /// Frames left out because they were corrupt (only when skipping corrupt frames).
        public private(set) var skipped: [TraceFormatError] = []

        init(_ s: EventSequence) {
            file = s.file
            frames = s.frames
            timeRange = s.timeRange
            skipCorrupt = s.skipCorrupt
            nextFrame = s.frames.startIndex
            decoder = FrameDecoder()
        }

        public mutating func next() -> TraceEvent? {
            while true {
                if remaining > 0 {
                    do throws(WireError) {
                        let e = try decoder.next()
                        remaining &-= 1
                        if remaining == 0 { try decoder.finish() }
                        if let range = timeRange, !range.contains(e.time) {
                            if e.time > range.upperBound { remaining = 0; nextFrame = frames.endIndex; return nil }
                            continue
                        }
                        return e
                    } catch {
                        remaining = 0
                        report(error)
                        if !skipCorrupt { return nil }
                        continue
                    }
                }
                guard error == nil, nextFrame < frames.endIndex else { return nil }
                let frame = frames[nextFrame]
                nextFrame += 1
                currentFrame = frame
                do throws(TraceFormatError) {
                    decoder = try buffers.decoder(for: frame, of: file, after: &previousFrameEnd)
                    remaining = frame.eventCount
                } catch {
                    if skipCorrupt { skipped.append(error) } else { self.error = error }
                }
            }
        }

        private mutating func report(_ w: WireError) {
            guard let frame = currentFrame else { return }
            let e = TraceFormatError(.corruptFrame, path: file.path, frame: frame.index, offset: frame.offset, w.text)
            if skipCorrupt { skipped.append(e) } else { error = e }
        }
    }
}

extension WireError {
    var text: String {
        let why: String = switch problem {
        case .truncated: "a record runs past the end of its column"
        case .badVarint: "bad varint"
        case .impossible(let s): s
        }
        return "\(why) (decompressed byte \(offset))"
    }
}

extension FrameDecoder {
    /// A decoder for `content` whose header must agree with what the index says of `frame`.
    static func checked(_ content: UnsafeRawBufferPointer, expecting frame: FrameInfo, path: String) -> Result<FrameDecoder, TraceFormatError> {
        func corrupt(_ why: String) -> TraceFormatError {
            TraceFormatError(.corruptFrame, path: path, frame: frame.index, offset: frame.offset, why)
        }
        do throws(WireError) {
            let d = try FrameDecoder(content)
            let h = d.header
            guard h.count == UInt32(frame.eventCount), h.firstTime == frame.firstTime, h.lastTime == frame.lastTime else {
                return .failure(corrupt("frame header disagrees with the time index"))
            }
            return .success(d)
        } catch {
            return .failure(corrupt(error.text))
        }
    }
}

/// Reusable buffers for reading frames. The decompressed content lives in manually allocated memory
/// so that a `FrameDecoder` may point into it for as long as the frame is being read.
final class FrameBuffers {
    private var compressed: [UInt8] = []
    private var content = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private let decompressor = ZstdFrameDecompressor()

    deinit { content.deallocate() }

    /// A decoder for `frame`, after checking that it does not start before `previousEnd` (which
    /// becomes its end). Its bytes stay valid until the next call.
    func decoder(for frame: FrameInfo, of file: TraceFile, after previousEnd: inout UInt64) throws(TraceFormatError) -> FrameDecoder {
        guard frame.firstTime >= previousEnd else {
            throw TraceFormatError(.corruptFrame, path: file.path, frame: frame.index, offset: frame.offset,
                                   "frame starts at \(frame.firstTime) ns, before the previous frame ended (\(previousEnd) ns)")
        }
        previousEnd = frame.lastTime
        return try FrameDecoder.checked(try load(frame, of: file), expecting: frame, path: file.path).get()
    }

    /// Reads, checks and decompresses one event frame. The returned bytes stay valid until the next call.
    func load(_ frame: FrameInfo, of file: TraceFile) throws(TraceFormatError) -> UnsafeRawBufferPointer {
        let path = file.path
        func corrupt(_ why: String) -> TraceFormatError {
            TraceFormatError(.corruptFrame, path: path, frame: frame.index, offset: frame.offset, why)
        }
        guard frame.compressedSize <= Container.maxFrameCompressed, frame.decompressedSize <= Container.maxFrameContent else {
            throw TraceFormatError(.limitExceeded, path: path, frame: frame.index, offset: frame.offset,
                                   "frame declares \(frame.compressedSize) compressed, \(frame.decompressedSize) decompressed bytes")
        }
        try file.file.read(at: frame.offset, count: frame.compressedSize, into: &compressed)
        guard compressed.count == frame.compressedSize else {
            throw TraceFormatError(.truncated, path: path, frame: frame.index, offset: frame.offset, "file ends inside the frame")
        }
        let size = frame.decompressedSize
        if content.count < size {
            content.deallocate()
            content = .allocate(byteCount: max(size, 1 << 16), alignment: 16)
        }
        let target = UnsafeMutableRawBufferPointer(rebasing: content[0..<size])
        let problem: String? = compressed.withUnsafeBytes { p in
            switch ZstdFrameDecompressor.declaredSize(p, limit: Container.maxFrameContent) {
            case .failure(.tooLarge(let n)): return "frame declares \(n) decompressed bytes (limit \(Container.maxFrameContent))"
            case .failure: return "frame header does not declare its size"
            case .success(let n) where n != size: return "frame declares \(n) bytes; the seek table says \(size)"
            case .success:
                do throws(ZstdError) { try decompressor.decompress(p, into: target) } catch {
                    return error.isChecksumError ? "checksum mismatch" : "zstd: \(error.message)"
                }
                return nil
            }
        }
        if let problem { throw corrupt(problem) }
        return UnsafeRawBufferPointer(target)
    }
}
