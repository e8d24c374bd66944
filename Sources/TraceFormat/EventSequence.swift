/// A single pass over the events of some frames of a trace, decoding one frame at a time.
///
/// Iteration stops at the first unreadable frame and leaves the error in `Iterator.error`, unless
/// the sequence skips corrupt frames, in which case each skipped frame's error is collected in
/// `Iterator.skipped` and iteration goes on with the next frame.
public struct EventSequence: Sequence {
    let file: TraceFile
    let frames: ArraySlice<FrameInfo>
    let timeRange: ClosedRange<UInt64>?
    let skipCorrupt: Bool

    public func makeIterator() -> Iterator { Iterator(self) }

    public var underestimatedCount: Int { 0 }

    public struct Iterator: IteratorProtocol {
        private let file: TraceFile
        private let frames: ArraySlice<FrameInfo>
        private let timeRange: ClosedRange<UInt64>?
        private let skipCorrupt: Bool
        private var nextFrame: Int
        private var compressed: [UInt8] = []
        private var content: [UInt8] = []
        private var position = 0
        private var remaining = 0
        private var currentFrame: FrameInfo?
        private var context = RecordContext(frameStart: 0)
        private let decompressor = ZstdFrameDecompressor()
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
        }

        public mutating func next() -> TraceEvent? {
            while true {
                if remaining > 0, let event = decodeOne() {
                    if let range = timeRange {
                        if event.time < range.lowerBound { continue }
                        if event.time > range.upperBound { remaining = 0; nextFrame = frames.endIndex; return nil }
                    }
                    return event
                }
                if error != nil { return nil }
                guard nextFrame < frames.endIndex else { return nil }
                let frame = frames[nextFrame]
                nextFrame += 1
                do {
                    try load(frame)
                } catch {
                    if skipCorrupt { skipped.append(error) } else { self.error = error; return nil }
                }
            }
        }

        private mutating func decodeOne() -> TraceEvent? {
            let result: Result<TraceEvent, WireError> = content.withUnsafeBytes { p in
                var r = ByteReader(p, position: position)
                do throws(WireError) {
                    let e = try r.record(&context)
                    position = r.position
                    return .success(e)
                } catch {
                    return .failure(error)
                }
            }
            switch result {
            case .success(let e):
                remaining -= 1
                if remaining == 0, position != content.count {
                    fail(WireError(problem: .impossible("\(content.count - position) bytes after the last event"),
                                   offset: position))
                }
                return e
            case .failure(let w):
                fail(w)
                return nil
            }
        }

        private mutating func fail(_ w: WireError) {
            remaining = 0
            guard let frame = currentFrame else { return }
            let why: String = switch w.problem {
            case .truncated: "record runs past the end of the frame"
            case .badVarint: "bad varint"
            case .impossible(let s): s
            }
            let e = TraceFormatError(.corruptFrame, path: file.path, frame: frame.index, offset: frame.offset,
                                     "\(why) (decompressed byte \(w.offset))")
            if skipCorrupt { skipped.append(e) } else { error = e }
        }

        private mutating func load(_ frame: FrameInfo) throws(TraceFormatError) {
            currentFrame = frame
            let path = file.path
            func corrupt(_ why: String) -> TraceFormatError {
                TraceFormatError(.corruptFrame, path: path, frame: frame.index, offset: frame.offset, why)
            }
            guard frame.compressedSize <= Container.maxFrameCompressed else {
                throw TraceFormatError(.limitExceeded, path: path, frame: frame.index, offset: frame.offset,
                                       "frame is \(frame.compressedSize) compressed bytes")
            }
            try file.file.read(at: frame.offset, count: frame.compressedSize, into: &compressed)
            guard compressed.count == frame.compressedSize else {
                throw TraceFormatError(.truncated, path: path, frame: frame.index, offset: frame.offset,
                                       "file ends inside the frame")
            }
            let problem: String? = compressed.withUnsafeBytes { p in
                switch ZstdFrameDecompressor.declaredSize(p, limit: Container.maxFrameContent) {
                case .failure(.tooLarge(let n)): return "frame declares \(n) decompressed bytes (limit \(Container.maxFrameContent))"
                case .failure: return "frame header does not declare its size"
                case .success(let n) where n != frame.decompressedSize:
                    return "frame declares \(n) bytes; the seek table says \(frame.decompressedSize)"
                case .success(let n):
                    do throws(ZstdError) { try decompressor.decompress(p, size: n, into: &content) } catch {
                        return error.isChecksumError ? "checksum mismatch" : "zstd: \(error.message)"
                    }
                    return nil
                }
            }
            if let problem { throw corrupt(problem) }
            let header: EventFrameHeader
            do {
                header = try content.withUnsafeBytes { (p) throws(WireError) in
                    var r = ByteReader(p)
                    return try EventFrameHeader.read(&r)
                }
            } catch { throw corrupt("bad frame header") }
            guard header.count == UInt32(frame.eventCount), header.firstTime == frame.firstTime,
                  header.lastTime == frame.lastTime
            else { throw corrupt("frame header disagrees with the time index") }
            position = Container.frameHeaderSize
            remaining = Int(header.count)
            context = RecordContext(frameStart: header.firstTime)
        }
    }
}
