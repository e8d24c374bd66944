import Foundation
import Testing
import TraceFormat

private let python = "/usr/bin/env"

private func pyzstdAvailable() -> Bool {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = ["python3", "-c", "import pyzstd; pyzstd.SeekableZstdFile"]
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}

/// An independent reader of the zstd seekable format (pyzstd, installed by `make test`) must see the
/// same decompressed bytes at any offset as a sequential `zstd -dc`.
@Test(.enabled(if: pyzstdAvailable(), "needs python3 with pyzstd"))
func pyzstdSeeksFrameByFrame() throws {
    let path = temporaryPath()
    try writeTrace(path, SyntheticWorkload(seed: 2).prefix(20_000))
    let script = """
    import pyzstd, subprocess, sys
    path = sys.argv[1]
    whole = subprocess.run(["zstd", "-dc", path], capture_output=True, check=True).stdout
    f = pyzstd.SeekableZstdFile(path, "r")
    for off in (0, 1, len(whole) // 3, len(whole) - 7):
        f.seek(off)
        assert f.read(7) == whole[off:off + 7], off
    print("ok", len(whole))
    """
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = ["python3", "-c", script, path]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    p.waitUntilExit()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(p.terminationStatus == 0)
    #expect(text.hasPrefix("ok "))
}
