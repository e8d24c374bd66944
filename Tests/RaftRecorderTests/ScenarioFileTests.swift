import Foundation
import RaftRecorder
import ScenarioFiles
import Testing
import TraceFormat
@testable import RaftRecorder

@Suite struct ScenarioFileTests {
    static let full = """
    name: my-split
    description: two groups, then heal
    cluster: 5
    seed: 7
    duration: 20s
    features: {pre-vote: true, check-quorum: true, learners: true}
    timing: {election-timeout: 150ms-300ms, heartbeat: 50ms, max-entries-per-append: 16, max-inflight: 2}
    snapshots: {every: 500, keep: 50}
    network:
      latency: {mean: 20ms, stddev: 5ms, floor: 2ms}
      loss: 0.01
    workload: {writes-per-second: 50, request-timeout: 400ms, give-up-after: 3s}
    faults:
      - at: 5s
        partition: [[n1, n2, n3], [n4, n5]]
      - at: 8s
        heal: all
      - at: 9s
        crash: leader
      - at: 10s
        cut: [n1, n3]
      - at: 10s
        cut-one-way: [follower2, n3]
      - at: 12s
        restart: crashed
      - at: 13s
        pause: {node: n2, for: 1s}
      - at: 14s
        flap: {link: [n1, n2], period: 400ms, until: 18s}
      - at: 15s
        drift: {node: n3, ppm: 50000}
      - at: 16s
        degrade: {link: [n1, n2], loss: 0.2, latency: 50ms}
      - at: 1.5s
        label: "phase 2"
      - at: 17s
        transfer: n4
      - at: 19s
        stop: leader
      - at: 19.5s
        remove: n2
      - at: 19.6s
        add-learner: n2
      - at: 19.8s
        add: n2
    """

    @Test func everyFieldIsRead() throws {
        let c = try ScenarioFile.parse(Self.full)
        #expect(c.scenario == "my-split")
        #expect(c.summary == "two groups, then heal")
        #expect(c.clusterSize == 5)
        #expect(c.seed == 7)
        #expect(c.duration == 20 * nsPerSecond)
        #expect(c.features == RaftFeatures(preVote: true, checkQuorum: true, leaderStickiness: true, learners: true))
        #expect(c.timing.maxEntriesPerAppend == 16 && c.timing.maxInflightAppends == 2)
        #expect(c.snapshots == SnapshotPolicy(every: 500, keep: 50))
        #expect(try ScenarioFile.parse("snapshots: off\n").snapshots == nil)
        #expect(try ScenarioFile.parse("snapshots: {keep: 7}\n").snapshots == SnapshotPolicy(every: 10_000, keep: 7))
        #expect(c.network.latency == .normal(mean: 20 * nsPerMillisecond, stddev: 5 * nsPerMillisecond, floor: 2 * nsPerMillisecond))
        #expect(c.network.loss == 0.01)
        #expect(c.workload.writesPerSecond == 50)
        #expect(c.faults.count == 16)
        #expect(c.faults.suffix(5) == [ScheduledFault(at: 17 * nsPerSecond, .transfer(.node(NodeID(4)))),
                                       ScheduledFault(at: 19 * nsPerSecond, .stop(.leader)),
                                       ScheduledFault(at: 19_500 * nsPerMillisecond, .removeMember(.node(NodeID(2)))),
                                       ScheduledFault(at: 19_600 * nsPerMillisecond, .addLearner(.node(NodeID(2)))),
                                       ScheduledFault(at: 19_800 * nsPerMillisecond, .addMember(.node(NodeID(2))))])
        #expect(c.faults.first == ScheduledFault(at: 1_500 * nsPerMillisecond, .label("phase 2")))  // sorted by time
        #expect(c.faults.contains(ScheduledFault(at: 5 * nsPerSecond, .partition(groups: [
            [.node(NodeID(1)), .node(NodeID(2)), .node(NodeID(3))], [.node(NodeID(4)), .node(NodeID(5))]]))))
        #expect(c.faults.contains(ScheduledFault(at: 10 * nsPerSecond, .cut(.follower(1), .node(NodeID(3)), oneWay: true))))
        #expect(c.faults.contains(ScheduledFault(at: 14 * nsPerSecond, .flap(.node(NodeID(1)), .node(NodeID(2)), period: 400 * nsPerMillisecond, until: 18 * nsPerSecond))))
    }

    /// Links between groups of nodes with their own latency and loss; the example in docs parses.
    @Test func linkSettingsAreRead() throws {
        let c = try ScenarioFile.parse("""
            cluster: 5
            network:
              latency: 1ms-2ms
              links:
                - between: [n1, n2, n3]
                  and: [n4, n5]
                  latency: {mean: 60ms, stddev: 30ms, floor: 30ms}
                  loss: 0.01
                - between: [n4]
                  and: [n5]
                  latency: 20ms
            """)
        let ids = { (n: [UInt32]) in n.map { NodeID($0) } }
        #expect(c.network.latency == .uniform(min: nsPerMillisecond, max: 2 * nsPerMillisecond))
        #expect(c.network.links == [
            LinkSettings(between: ids([1, 2, 3]), and: ids([4, 5]),
                         latency: .normal(mean: 60 * nsPerMillisecond, stddev: 30 * nsPerMillisecond, floor: 30 * nsPerMillisecond), loss: 0.01),
            LinkSettings(between: ids([4]), and: ids([5]), latency: .fixed(20 * nsPerMillisecond)),
        ])
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/examples/two-sites.yaml").path
        #expect(try ScenarioFile.load(path: example).network.links.count == 1)
    }

    @Test func aParsedScenarioRuns() throws {
        var c = try ScenarioFile.parse(Self.full)
        c.duration = 6 * nsPerSecond
        let events = try Recorder.events(c)
        #expect(events.contains { $0.kind.tag == .linkCut })
        let phase2 = try #require(c.faults.firstIndex { $0.action == .label("phase 2") })
        #expect(events.contains { if case .label(fault: UInt32(phase2)) = $0.kind { true } else { false } })
    }

    /// A mapping or a list where one value goes says what it found.
    @Test func aStructureWhereAValueGoesIsNamed() {
        for (yaml, found) in [("duration: {seconds: 5}\n", "a mapping"), ("seed: [1, 2]\n", "a list")] {
            #expect(throws: ScenarioFile.Error.self) { try ScenarioFile.parse(yaml) }
            do { _ = try ScenarioFile.parse(yaml) } catch {
                #expect(error.problem == "expected a single value, found \(found)", "\(error)")
            }
        }
    }

    /// The mistakes a newcomer makes first are answered with what to write instead.
    @Test(arguments: [
        ("cluster:\n  nodes: 5\n", "cluster", "expected the number of nodes, as in 'cluster: 5'"),
        ("cluster: 3\ntimeline:\n  - at: 1s\n    crash: leader\n", "timeline",
         "unknown field (timeline: is written faults:); expected one of cluster, description, duration, faults, "
            + "features, name, network, seed, snapshots, timing, workload"),
        ("nodes: 3\n", "nodes", "unknown field (nodes: is written cluster:); expected one of cluster, description, "
            + "duration, faults, features, name, network, seed, snapshots, timing, workload"),
        ("cluster: 3\nfautls:\n  - at: 1s\n    crash: leader\n", "fautls",
         "unknown field (did you mean faults:?); expected one of cluster, description, duration, faults, "
            + "features, name, network, seed, snapshots, timing, workload"),
        ("cluster: 3\nfeatures: {pre_vote: true}\n", "features.pre_vote",
         "unknown field (did you mean pre-vote:?); expected one of check-quorum, leader-stickiness, learners, lease-reads, pre-vote"),
    ])
    func commonMistakesSayWhatToWrite(yaml: String, field: String, problem: String) {
        do {
            _ = try ScenarioFile.parse(yaml, path: "bad.yaml")
            Issue.record("expected an error for \(field)")
        } catch {
            #expect(error.field == field, "\(error)")
            #expect(error.problem == problem, "\(error)")
        }
    }

    @Test(arguments: [
        ("cluster: 3\nfaults:\n  - at: 1s\n    crash: n9\n", 4, "faults[0].crash"),
        ("cluster: 3\nduration: soon\n", 2, "duration"),
        ("cluster: 3\nfeatures: {pre-vote: maybe}\n", 2, "features.pre-vote"),
        ("cluster: 3\nnetwrok: {loss: 0.1}\n", 2, "netwrok"),
        ("cluster: 3\nfaults:\n  - at: 1s\n", 3, "faults[0]"),
        ("cluster: 3\ntiming: {election-timeout: 300ms-150ms}\n", 2, "timing.election-timeout"),
        ("cluster: 3\ntiming:\n  heartbeat: 0ms\n", 3, "timing"),
        ("cluster: 3\ntiming:\n  election-timeout: 100ms-200ms\n  heartbeat: 100ms\n", 3, "timing"),
        ("cluster: [3\n", 2, "yaml"),
        ("cluster: 3\nsnapshots: {every: 0}\n", 2, "snapshots.every"),
        ("cluster: 3\nsnapshots: sometimes\n", 2, "snapshots"),
        ("cluster: 3\nfaults:\n  - at: 1s\n    transfer: n4\n", 4, "faults[0].transfer"),
        ("cluster: 3\nfaults:\n  - at: 1s\n    remove: [n1]\n", 4, "faults[0].remove"),
        ("cluster:\n  nodes: 5\n", 2, "cluster"),
        ("cluster: 3\nnetwork:\n  links:\n    - between: [leader]\n      and: [n2]\n      latency: 5ms\n", 4, "network.links[0].between"),
        ("cluster: 3\nnetwork:\n  links:\n    - between: [n1]\n      and: [n2]\n", 4, "network.links[0]"),
        ("cluster: 3\nnetwork:\n  links: {between: [n1], and: [n2], loss: 0.1}\n", 3, "network.links"),
        ("cluster: 3\nnetwork:\n  links:\n    - {between: [n1], and: [n4], loss: 0.1}\n", 4, "network.links[0].and"),
    ])
    func malformedFilesNameTheLineAndTheField(yaml: String, line: Int, field: String) {
        do {
            _ = try ScenarioFile.parse(yaml, path: "bad.yaml")
            Issue.record("expected an error for \(field)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.field == field, "\(error)")
            #expect(error.description.hasPrefix("bad.yaml:\(line): \(field):"))
        }
    }

    /// A schedule of random membership changes, crashes and restarts (seed 192 of a sweep of
    /// them) on which a node restarting from its snapshot's membership, several changes old,
    /// counted votes by a majority of that membership: elected by two of an old three, it lacked
    /// entries a majority of the current voters had committed, and overwrote them. A restarted
    /// node now starts from the membership it last applied.
    @Test func restartsAmidMembershipChangesKeepStateMachineSafety() throws {
        var c = try ScenarioFile.parse("""
        cluster: 5
        duration: 10s
        seed: 192
        features: {pre-vote: false, check-quorum: true}
        snapshots: {every: 72, keep: 12}
        faults:
          - at: 1666ms
            remove: n3
          - at: 1716ms
            crash: n3
          - at: 2738ms
            restart: n3
          - at: 2005ms
            add-learner: n3
          - at: 3487ms
            add: n3
          - at: 1795ms
            isolate: leader
          - at: 3479ms
            heal: all
          - at: 1839ms
            crash: leader
          - at: 3213ms
            restart: crashed
          - at: 2072ms
            remove: n4
          - at: 3768ms
            add: n4
          - at: 2917ms
            remove: n4
          - at: 2967ms
            crash: n4
          - at: 4418ms
            restart: n4
          - at: 3543ms
            add-learner: n4
          - at: 4030ms
            add: n4
          - at: 3590ms
            crash: leader
          - at: 4654ms
            restart: crashed
          - at: 3945ms
            remove: n2
          - at: 3995ms
            crash: n2
          - at: 5592ms
            restart: n2
          - at: 4673ms
            add: n2
          - at: 4556ms
            crash: leader
          - at: 6373ms
            restart: crashed
          - at: 4685ms
            remove: n5
          - at: 4735ms
            crash: n5
          - at: 6213ms
            restart: n5
          - at: 5161ms
            add-learner: n5
          - at: 5120ms
            add: n5
          - at: 4822ms
            isolate: leader
          - at: 6843ms
            heal: all
        """)
        c.scenario = "membership-restarts"
        var checker = SafetyChecker()
        for e in try Recorder.events(c) { checker.check(e) }
        #expect(checker.violations.isEmpty, "\(checker.violations.prefix(3))")
        #expect(checker.applied.count > 500)
    }
}
