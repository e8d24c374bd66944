#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw file descriptor with positional reads and whole writes; closes itself when released.
final class FileDescriptor {
    let fd: Int32
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    private static func lastError() -> String { String(cString: strerror(errno)) }

    static func openForReading(_ path: String) throws(TraceFormatError) -> FileDescriptor {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TraceFormatError(.io, path: path, "cannot open: \(lastError())") }
        return FileDescriptor(fd: fd, path: path)
    }

    static func create(_ path: String) throws(TraceFormatError) -> FileDescriptor {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TraceFormatError(.io, path: path, "cannot create: \(lastError())") }
        return FileDescriptor(fd: fd, path: path)
    }

    func size() throws(TraceFormatError) -> UInt64 {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw TraceFormatError(.io, path: path, "cannot stat: \(Self.lastError())") }
        return UInt64(st.st_size)
    }

    /// Reads up to `count` bytes at `offset` into `buffer` (resized to what was read).
    func read(at offset: UInt64, count: Int, into buffer: inout [UInt8]) throws(TraceFormatError) {
        // Appending an array of zeros is a memset and a copy; appending `repeatElement` went
        // element by element (slow in debug builds, where a recovery scan reads large windows).
        if buffer.count < count { buffer += [UInt8](repeating: 0, count: count - buffer.count) }
        var done = 0
        let failure: String? = buffer.withUnsafeMutableBytes { raw in
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    return Self.lastError()
                }
                if n == 0 { break }
                done += n
            }
            return nil
        }
        if let failure { throw TraceFormatError(.io, path: path, offset: offset, "read failed: \(failure)") }
        buffer.removeSubrange(done...)
    }

    func write(_ bytes: ArraySlice<UInt8>) throws(TraceFormatError) {
        var done = 0
        let failure: String? = bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return Self.lastError()
                }
                done += n
            }
            return nil
        }
        if let failure { throw TraceFormatError(.io, path: path, "write failed: \(failure)") }
    }
}
