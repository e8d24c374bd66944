import ArgumentParser
import TraceFormat
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Where the commands' output goes: standard error for diagnostics, a file or standard output for
// reports. Plain POSIX calls, so a failure says why in the system's words.

/// Writes `s` and a newline to standard error, after what was printed to standard output (so a
/// terminal shows both in order).
func printError(_ s: String) {
    fflush(nil)  // every output stream: standard output first
    var line = s + "\n"
    line.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
}

/// Says why a trace could not be read; for a corrupt frame met while not skipping such frames,
/// also how to read past it.
func printReadError(_ error: any Error, skipping: Bool) {
    printError("error: \(error)")
    if !skipping, let e = error as? TraceFormatError, e.code == .corruptFrame {
        printError("  (--skip-corrupt reads past corrupt frames and says which stretches went unread)")
    }
}

/// Writes `data` to the file at `path` (replacing it), or explains on standard error why it cannot.
func writeReport(_ data: Data, to path: String) throws(ExitCode) {
    func fail() -> ExitCode {
        printError("error: cannot write \(path): \(String(cString: strerror(errno)))")
        return ExitCode(1)
    }
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw fail() }
    let complete = data.withUnsafeBytes { bytes -> Bool in
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }
    guard complete else {
        let error = fail()
        close(fd)
        throw error
    }
    guard close(fd) == 0 else { throw fail() }
}

/// Writes a rendered report (UTF-8 text) to standard output, after anything already printed.
func writeStandardOutput(_ data: Data) {
    print(String(decoding: data, as: UTF8.self), terminator: "")
}
