import Foundation

/// Files the tests write: all under one directory per test process, removed when the process
/// exits, so a test run leaves nothing behind in the system's temporary directory.
public enum Scratch {
    /// The directory, created on first use.
    public static let directory: URL = {
        let dir = location(of: getpid())
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.location(of: getpid())) }
        return dir
    }()

    /// A new path in the directory: `name`, made unique unless `unique` is false.
    public static func path(_ name: String, unique: Bool = true) -> String {
        file(name, unique: unique).path
    }

    public static func file(_ name: String, unique: Bool = true) -> URL {
        guard unique else { return directory.appendingPathComponent(name) }
        let ext = (name as NSString).pathExtension
        let stem = (name as NSString).deletingPathExtension
        let unique = "\(stem)-\(UUID().uuidString)"
        return directory.appendingPathComponent(ext.isEmpty ? unique : "\(unique).\(ext)")
    }

    /// A new, empty subdirectory.
    public static func subdirectory(_ name: String) throws -> URL {
        let dir = file(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func location(of pid: Int32) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("raft-trace-tests-\(pid)")
    }
}
