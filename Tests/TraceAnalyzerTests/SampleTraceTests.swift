import Foundation
import TestSupport
import Testing
import RaftRecorder
import TraceFormat
@testable import TraceAnalyzer

/// The committed sample traces (sample-traces/, made by regenerate.sh) still read, still yield
/// their headline findings, and regenerate byte for byte from their own metadata.
struct SampleTrace: Sendable, CustomStringConvertible {
    var file: String
    var disruptions: ClosedRange<Int>
    var cause: Disruption.Cause?
    var advised: Advice.Feature?
    var effect: Advice.Feature?
    /// Stale reads the trace holds (its only expected safety violations).
    var staleReads: ClosedRange<Int> = 0...0

    var description: String { file }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("sample-traces")

    static let all: [SampleTrace] = [
        .init(file: "steady.trace", disruptions: 0...0),
        .init(file: "leader-crash.trace", disruptions: 1...1, cause: .crash, advised: .leadershipTransfer),
        .init(file: "rejoin.trace", disruptions: 1...1, cause: .rejoin, advised: .preVote),
        .init(file: "rejoin-pre-vote.trace", disruptions: 0...0, effect: .preVote),
        .init(file: "partial-connectivity-a.trace", disruptions: 3...100, cause: .partialConnectivity, advised: .preVote),
        .init(file: "partial-connectivity-a-pre-vote.trace", disruptions: 0...0, effect: .preVote),
        .init(file: "partial-connectivity-b.trace", disruptions: 0...0, advised: .checkQuorum),
        .init(file: "partial-connectivity-b-check-quorum.trace", disruptions: 1...1, cause: .lostQuorum, effect: .checkQuorum),
        .init(file: "chained.trace", disruptions: 1...3, cause: .partialConnectivity, advised: .preVote),
        .init(file: "chained-pre-vote-check-quorum.trace", disruptions: 0...0, effect: .leaderStickiness),
        .init(file: "quorum-loss.trace", disruptions: 0...0, advised: .checkQuorum),
        .init(file: "quorum-loss-check-quorum.trace", disruptions: 1...1, cause: .lostQuorum, effect: .checkQuorum),
        .init(file: "flapping-link.trace", disruptions: 1...10, cause: .flappingLink, advised: .preVote),
        .init(file: "flapping-link-pre-vote-check-quorum.trace", disruptions: 0...0, effect: .leaderStickiness),
        .init(file: "slow-network.trace", disruptions: 0...5),
        .init(file: "slow-network-pre-vote-check-quorum.trace", disruptions: 0...5),
        .init(file: "random.trace", disruptions: 1...100),
        .init(file: "paper-9.3.trace", disruptions: 1...1, cause: .crash),
        .init(file: "lagging-follower.trace", disruptions: 0...0),
        .init(file: "planned-restart.trace", disruptions: 0...0),
        .init(file: "removed-server.trace", disruptions: 3...30, cause: .removedServer, advised: .preVote),
        .init(file: "two-sites.trace", disruptions: 1...1, cause: .rejoin, advised: .preVote),
        .init(file: "two-sites-pre-vote.trace", disruptions: 0...0, effect: .preVote),
        .init(file: "removed-server-idle.trace", disruptions: 1...3, cause: .removedServer, advised: .leaderStickiness),
        .init(file: "removed-server-check-quorum.trace", disruptions: 0...0, effect: .leaderStickiness),
        .init(file: "lease-read-drift.trace", disruptions: 1...3, advised: .readIndex, staleReads: 5...50),
        .init(file: "lease-read-drift-read-index.trace", disruptions: 1...3),
        .init(file: "replace-member.trace", disruptions: 0...0, advised: .learners),
        .init(file: "replace-member-learners.trace", disruptions: 0...0, effect: .learners),
    ]
}

@Suite struct SampleTraceTests {
    @Test(arguments: SampleTrace.all)
    func sampleStillReadsAndYieldsItsHeadline(_ s: SampleTrace) throws {
        let path = SampleTrace.directory.appendingPathComponent(s.file).path
        let file = try TraceFile.open(path)
        #expect(file.integrity == .ok)
        #expect(file.fileSize <= 1_000_000)
        let r = try TraceAnalysis.analyze(file)
        #expect(s.disruptions.contains(r.disruptions.count), "\(r.disruptions.map(\.cause))")
        if let cause = s.cause { #expect(r.disruptions.contains { $0.cause == cause }, "\(r.disruptions.map(\.cause))") }
        if let f = s.advised { #expect(r.advice.contains { $0.feature == f }, "\(r.advice.map(\.feature))") }
        if let f = s.effect { #expect(r.featureEffects.contains { $0.feature == f && $0.count > 0 }) }
        #expect(r.safety.violations.allSatisfy { $0.rule == .staleRead })
        #expect(s.staleReads.contains(r.safety.violations.count), "\(r.safety.violations.count) violations")
        #expect(r.safety.staleReadCount == r.safety.violations.count)
    }

    @Test(arguments: SampleTrace.all)
    func sampleRegeneratesByteForByte(_ s: SampleTrace) throws {
        let path = SampleTrace.directory.appendingPathComponent(s.file).path
        let meta = try TraceFile.open(path).metadata
        #expect(meta.createdAt == nil)
        let again = Scratch.path("regen-\(s.file)")
        _ = try Recorder.record(meta.run, to: again)
        #expect(try Data(contentsOf: URL(fileURLWithPath: again)) == Data(contentsOf: URL(fileURLWithPath: path)),
                "run sample-traces/regenerate.sh after a deliberate change to the recorder or the format")
    }

    @Test func everySampleIsListedAndEveryCatalogScenarioHasOne() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: SampleTrace.directory.path).filter { $0.hasSuffix(".trace") }
        #expect(Set(files) == Set(SampleTrace.all.map(\.file)))
        for scenario in ScenarioCatalog.all {
            #expect(files.contains("\(scenario.name).trace"), "no sample for \(scenario.name)")
        }
    }
}
