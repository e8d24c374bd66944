import Foundation
import Testing
import TraceFormat
@testable import RaftRecorder

/// Scenario tests kept as data, in the manner of etcd's testdata/*.txt: each file is a script of
/// `> command` lines, each followed by the output it must produce. Run with
/// RAFT_TESTDATA_REWRITE=1 to re-record the expected output after a deliberate change.
struct ScenarioScript {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".txt") }.sorted()
    }

    struct Step {
        var comments: [String]
        var command: String
        var expected: [String]
    }

    static func parse(_ text: String) -> [Step] {
        var steps: [Step] = []
        var comments: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("> ") {
                steps.append(Step(comments: comments, command: String(line.dropFirst(2)), expected: []))
                comments = []
            } else if line.hasPrefix("#") || (steps.isEmpty && !line.isEmpty) {
                comments.append(line)
            } else if !line.isEmpty, !steps.isEmpty {
                steps[steps.count - 1].expected.append(line)
            }
        }
        return steps
    }

    static func render(_ steps: [Step]) -> String {
        steps.map { s in
            (s.comments + ["> " + s.command] + s.expected).joined(separator: "\n")
        }.joined(separator: "\n\n") + "\n"
    }

    /// Runs the commands and returns the steps with their actual output.
    static func run(_ steps: [Step]) -> [Step] {
        var cluster = TestCluster(size: 3)
        var request: UInt64 = 0
        return steps.map { step in
            var out: [String] = []
            let words = step.command.split(separator: " ").map(String.init)
            let arg = { (i: Int) in Int(words[i])! }
            switch words[0] {
            case "cluster":
                cluster = TestCluster(size: arg(1), features: RaftFeatures(
                    preVote: words.contains("pre-vote"), checkQuorum: words.contains("check-quorum"),
                    leaderStickiness: words.contains("stickiness") || words.contains("check-quorum")))
            case "timeout":
                // `timeout N` fires node N's next timer; `timeout N xK` does so K times.
                let times = words.count > 2 ? Int(words[2].dropFirst())! : 1
                for _ in 0..<times { cluster.fireTimer(arg(1)) }
                out = cluster.takeLog()
            case "stabilize":
                cluster.stabilize()
                out = cluster.takeLog()
            case "isolate": cluster.isolate(arg(1))
            case "cut": cluster.cutLink(arg(1), arg(2))
            case "heal": cluster.heal()
            case "drop": cluster.mailbox.removeAll()
            case "propose":
                request += 1
                out = ["\(cluster.propose(arg(1), request: request))"] + cluster.takeLog()
            case "status":
                out = cluster.status
            default:
                out = ["unknown command \(words[0])"]
            }
            var s = step
            s.expected = out
            return s
        }
    }
}

@Test(arguments: ScenarioScript.files)
func scenarioScript(_ file: String) throws {
    let url = ScenarioScript.directory.appendingPathComponent(file)
    let steps = ScenarioScript.parse(try String(contentsOf: url, encoding: .utf8))
    let actual = ScenarioScript.run(steps)
    if ProcessInfo.processInfo.environment["RAFT_TESTDATA_REWRITE"] != nil {
        try ScenarioScript.render(actual).write(to: url, atomically: true, encoding: .utf8)
        return
    }
    for (want, got) in zip(steps, actual) {
        #expect(got.expected == want.expected, "\(file): > \(want.command)")
    }
}

@Test func scenarioScriptsExist() {
    #expect(Set(ScenarioScript.files).isSuperset(of: [
        "disruptive-follower.txt", "disruptive-follower-pre-vote.txt", "check-quorum-step-down.txt",
        "split-vote.txt", "log-conflict-repair.txt",
    ]))
}
