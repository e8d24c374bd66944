// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "raft-trace",
    products: [
        .library(name: "TraceFormat", targets: ["TraceFormat"]),
        .library(name: "RaftRecorder", targets: ["RaftRecorder"]),
        .library(name: "TraceAnalyzer", targets: ["TraceAnalyzer"]),
        .executable(name: "raftrecord", targets: ["raftrecord"]),
        .executable(name: "traceanalyze", targets: ["traceanalyze"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .target(name: "TraceFormat", dependencies: ["CZstd"]),
        .target(
            name: "RaftRecorder",
            dependencies: [
                "TraceFormat",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "ScenarioFiles",
            dependencies: ["TraceFormat", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "TraceAnalyzer",
            dependencies: [
                "TraceFormat",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .executableTarget(
            name: "raftrecord",
            dependencies: [
                "RaftRecorder", "ScenarioFiles", "TraceFormat", "TraceAnalyzer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "traceanalyze",
            dependencies: [
                "TraceAnalyzer", "TraceFormat", "RaftRecorder",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TraceFormatTests", dependencies: ["TraceFormat", "TestSupport"]),
        .testTarget(
            name: "RaftRecorderTests",
            dependencies: ["RaftRecorder", "ScenarioFiles", "TraceFormat", "TestSupport"],
            exclude: ["testdata"]
        ),
        .testTarget(
            name: "TraceAnalyzerTests",
            dependencies: [
                "TraceAnalyzer", "TraceFormat", "RaftRecorder", "TestSupport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            exclude: ["golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
