import CZstd

/// A zstd failure, already turned into text by the library.
struct ZstdError: Error {
    var message: String
    var isChecksumError: Bool
}

/// The single chokepoint that turns zstd's `size_t` error convention into a thrown error.
@inline(__always)
func zstdCheck(_ result: Int) throws(ZstdError) -> Int {
    if ZSTD_isError(result) != 0 {
        throw ZstdError(message: String(cString: ZSTD_getErrorName(result)),
                        isChecksumError: ZSTD_getErrorCode(result) == ZSTD_error_checksum_wrong)
    }
    return result
}

/// Compresses whole buffers into independent zstd frames with the content checksum on and the
/// content size in the header. Owns one compression context; not thread-safe.
final class ZstdFrameCompressor {
    private let context: OpaquePointer

    init(level: Int32) {
        guard let cctx = ZSTD_createCCtx() else { fatalError("ZSTD_createCCtx failed: out of memory") }
        context = cctx
        _ = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level)
        // At the fastest levels a 4K-entry hash table (16 KiB, in the L1 cache) rather than the
        // 16K-64K entries zstd picks for frames of 128 KiB-1 MiB: a fifth less time compressing
        // a recorded hour's frames for 0.7% more bytes (see docs/performance.md).
        if level <= 1 { _ = ZSTD_CCtx_setParameter(cctx, ZSTD_c_hashLog, 12) }
        _ = ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)
        _ = ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1)
    }

    deinit { ZSTD_freeCCtx(context) }

    /// The largest frame that `size` bytes of content can compress to.
    static func bound(_ size: Int) -> Int { ZSTD_compressBound(size) }

    /// Writes one zstd frame holding `input` to the start of `output` (grown as needed, never
    /// shrunk, so it is reused across frames) and returns its length.
    func compress(_ input: [UInt8], into output: inout [UInt8]) throws(ZstdError) -> Int {
        let bound = ZSTD_compressBound(input.count)
        if output.count < bound { output = [UInt8](repeating: 0, count: bound) }
        let written = try zstdCheck(input.withUnsafeBytes { src in
            output.withUnsafeMutableBytes { dst in
                ZSTD_compress2(context, dst.baseAddress, dst.count, src.baseAddress, src.count)
            }
        })
        return written
    }
}

/// Decompresses single frames into a caller-owned buffer after checking the declared size.
/// Owns one decompression context; not thread-safe.
final class ZstdFrameDecompressor {
    private let context: OpaquePointer

    init() {
        guard let dctx = ZSTD_createDCtx() else { fatalError("ZSTD_createDCtx failed: out of memory") }
        context = dctx
    }

    deinit { ZSTD_freeDCtx(context) }

    enum SizeProblem: Error {
        case unknown
        case tooLarge(UInt64)
        case mismatch(declared: UInt64, expected: Int)
    }

    /// The content size a frame declares, checked against `limit` before anything is allocated.
    static func declaredSize(_ frame: UnsafeRawBufferPointer, limit: Int) -> Result<Int, SizeProblem> {
        let size = ZSTD_getFrameContentSize(frame.baseAddress, frame.count)
        if size == CZstd_contentSizeUnknown() || size == CZstd_contentSizeError() { return .failure(.unknown) }
        if size > UInt64(limit) { return .failure(.tooLarge(size)) }
        return .success(Int(size))
    }

    /// Decompresses exactly one frame of `size` bytes into the start of `output`, which grows as
    /// needed and is never shrunk, so it is reused across frames.
    func decompress(_ frame: UnsafeRawBufferPointer, size: Int, into output: inout [UInt8]) throws(ZstdError) {
        // Its old bytes are overwritten: a fresh array (filled by one memset) grows it fastest.
        if output.count < size { output = [UInt8](repeating: 0, count: size) }
        try output.withUnsafeMutableBytes { dst in
            Result { () throws(ZstdError) in try decompress(frame, into: UnsafeMutableRawBufferPointer(rebasing: dst[0..<size])) }
        }.get()
    }

    /// Decompresses exactly one frame into `output`, which must be its exact content size.
    func decompress(_ frame: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(ZstdError) {
        let n = try zstdCheck(ZSTD_decompressDCtx(context, output.baseAddress, output.count, frame.baseAddress, frame.count))
        if n != output.count {
            throw ZstdError(message: "frame decompressed to \(n) bytes, declared \(output.count)", isChecksumError: false)
        }
    }

    /// The compressed length of the first frame in `bytes`, or an error if it is incomplete or bad.
    static func frameLength(_ bytes: UnsafeRawBufferPointer) throws(ZstdError) -> Int {
        try zstdCheck(ZSTD_findFrameCompressedSize(bytes.baseAddress, bytes.count))
    }
}
