import Foundation
import TraceFormat
import Yams

/// Custom scenarios written in YAML (documented in docs/scenarios.md). Errors name the file,
/// the line and the field.
public enum ScenarioFile {
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public var path: String
        public var line: Int?
        public var field: String
        public var problem: String
        public var description: String {
            "\(path)\(line.map { ":\($0)" } ?? ""): \(field): \(problem)"
        }
    }

    public static func load(path: String) throws(Error) -> RunConfiguration {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw Error(path: path, line: nil, field: "file", problem: "cannot read: \(error.localizedDescription)")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ yaml: String, path: String = "<yaml>") throws(Error) -> RunConfiguration {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch let e as YamlError {
            throw Error(path: path, line: e.line, field: "yaml", problem: "\(e)".split(separator: "\n").first.map(String.init) ?? "syntax error")
        } catch {
            throw Error(path: path, line: nil, field: "yaml", problem: "\(error)")
        }
        guard let root, root.mapping != nil else {
            throw Error(path: path, line: 1, field: "document", problem: "expected a mapping of settings")
        }
        var p = Parser(path: path)
        return try p.configuration(root)
    }

    struct Parser {
        let path: String

        func fail(_ node: Node?, _ field: String, _ problem: String) -> Error {
            Error(path: path, line: node?.mark?.line, field: field, problem: problem)
        }

        /// Names a reader might reach for, with the field that holds what they mean.
        static let otherNames = ["timeline": "faults", "events": "faults", "schedule": "faults", "nodes": "cluster"]

        func mapping(_ node: Node, _ field: String, allowed: Set<String>) throws(Error) -> [(String, Node)] {
            guard let m = node.mapping else { throw fail(node, field, "expected a mapping") }
            var out: [(String, Node)] = []
            for (k, v) in m {
                guard let key = k.string else { throw fail(k, field, "keys must be text") }
                guard allowed.contains(key) else {
                    let hint = Self.otherNames[key].flatMap { allowed.contains($0) ? " (\(key): is written \($0):)" : nil }
                        ?? NameSuggestion.hint(for: key, in: allowed.sorted()) { "\($0):" }
                    throw fail(k, field.isEmpty ? key : "\(field).\(key)",
                               "unknown field\(hint); expected one of \(allowed.sorted().joined(separator: ", "))")
                }
                out.append((key, v))
            }
            return out
        }

        func string(_ node: Node, _ field: String) throws(Error) -> String {
            guard let s = node.scalar?.string else {
                let found = node.mapping != nil ? "a mapping" : node.sequence != nil ? "a list" : "something else"
                throw fail(node, field, "expected a single value, found \(found)")
            }
            return s
        }

        func duration(_ node: Node, _ field: String) throws(Error) -> UInt64 {
            let s = try string(node, field)
            guard let d = DurationText.parse(s) else { throw fail(node, field, "'\(s)' is not a duration like 150ms, 2s or 1m") }
            return d
        }

        func range(_ node: Node, _ field: String) throws(Error) -> ClosedRange<UInt64> {
            let s = try string(node, field)
            guard let r = DurationText.parseRange(s) else { throw fail(node, field, "'\(s)' is not a duration or range like 150ms-300ms") }
            return r
        }

        func int(_ node: Node, _ field: String, _ valid: ClosedRange<Int>) throws(Error) -> Int {
            let s = try string(node, field)
            guard let v = Int(s), valid.contains(v) else { throw fail(node, field, "'\(s)' is not a whole number in \(valid)") }
            return v
        }

        func double(_ node: Node, _ field: String, _ valid: ClosedRange<Double>) throws(Error) -> Double {
            let s = try string(node, field)
            guard let v = Double(s), valid.contains(v) else { throw fail(node, field, "'\(s)' is not a number in \(valid)") }
            return v
        }

        func bool(_ node: Node, _ field: String) throws(Error) -> Bool {
            switch try string(node, field).lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            case let s: throw fail(node, field, "'\(s)' is not true or false")
            }
        }

        func selector(_ node: Node, _ field: String, nodes: Int) throws(Error) -> NodeSelector {
            let s = try string(node, field).lowercased()
            switch s {
            case "leader": return .leader
            case "follower": return .follower(0)
            case "crashed": return .crashed
            default:
                if s.hasPrefix("follower"), let k = Int(s.dropFirst("follower".count)), k >= 1 { return .follower(k - 1) }
                if s.hasPrefix("n"), let id = UInt32(s.dropFirst()), id >= 1, Int(id) <= nodes { return .node(NodeID(id)) }
                throw fail(node, field, "'\(s)' is not a node: use n1..n\(nodes), leader, follower, follower2.., or crashed")
            }
        }

        func pair(_ node: Node, _ field: String, nodes: Int) throws(Error) -> (NodeSelector, NodeSelector) {
            guard let seq = node.sequence, seq.count == 2 else { throw fail(node, field, "expected two nodes, like [n1, n3]") }
            return (try selector(seq[0], field, nodes: nodes), try selector(seq[1], field, nodes: nodes))
        }

        /// `10ms` (fixed), `10ms-15ms` (uniform), or `{mean: 20ms, stddev: 5ms, floor: 2ms}` (normal).
        func latency(_ f: Node, _ field: String) throws(Error) -> LatencyModel {
            guard f.mapping != nil else {
                let r = try range(f, field)
                return r.lowerBound == r.upperBound ? .fixed(r.lowerBound) : .uniform(min: r.lowerBound, max: r.upperBound)
            }
            var mean: UInt64 = 0, sd: UInt64 = 0, floor: UInt64 = 0
            for (lk, lv) in try mapping(f, field, allowed: ["mean", "stddev", "floor"]) {
                let d = try duration(lv, "\(field).\(lk)")
                if lk == "mean" { mean = d } else if lk == "stddev" { sd = d } else { floor = d }
            }
            return .normal(mean: mean, stddev: sd, floor: floor)
        }

        /// A list of nodes named n1..nN (links are set before the run: no `leader` or `follower`).
        func nodeList(_ node: Node, _ field: String, nodes: Int) throws(Error) -> [NodeID] {
            guard let seq = node.sequence, !seq.isEmpty else { throw fail(node, field, "expected a list of nodes, like [n1, n2]") }
            var ids: [NodeID] = []
            for item in seq {
                guard case .node(let id) = try selector(item, field, nodes: nodes) else {
                    throw fail(item, field, "links are set before the run starts: name nodes n1..n\(nodes)")
                }
                ids.append(id)
            }
            return ids
        }

        /// `links: [{between: [n1, n2], and: [n3], latency: 40ms-60ms, loss: 0.01}, ...]`.
        func links(_ node: Node, _ field: String, nodes: Int) throws(Error) -> [LinkSettings] {
            guard let seq = node.sequence else {
                throw fail(node, field, "expected a list like [{between: [n1, n2], and: [n3], latency: 40ms-60ms}]")
            }
            guard seq.count <= 64 else { throw fail(node, field, "at most 64 entries") }
            return try seq.enumerated().map { (i, item) throws(Error) -> LinkSettings in
                let itemField = "\(field)[\(i)]"
                var s = LinkSettings(between: [], and: [])
                for (k, v) in try mapping(item, itemField, allowed: ["between", "and", "latency", "loss"]) {
                    switch k {
                    case "between": s.between = try nodeList(v, "\(itemField).between", nodes: nodes)
                    case "and": s.and = try nodeList(v, "\(itemField).and", nodes: nodes)
                    case "latency": s.latency = try latency(v, "\(itemField).latency")
                    default: s.loss = try double(v, "\(itemField).loss", 0...1)
                    }
                }
                guard !s.between.isEmpty, !s.and.isEmpty else { throw fail(item, itemField, "needs 'between' and 'and' (lists of nodes)") }
                guard s.latency != nil || s.loss != nil else { throw fail(item, itemField, "needs 'latency' or 'loss' (or both)") }
                return s
            }
        }

        mutating func configuration(_ root: Node) throws(Error) -> RunConfiguration {
            let top = try mapping(root, "", allowed: ["name", "description", "cluster", "seed", "duration", "features",
                                                      "timing", "snapshots", "network", "workload", "faults"])
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            var c = RunConfiguration(scenario: name)
            // The cluster size is needed to check node names, wherever it appears in the file.
            if let (_, n) = top.first(where: { $0.0 == "cluster" }) {
                guard n.scalar != nil else { throw fail(n, "cluster", "expected the number of nodes, as in 'cluster: 5'") }
                c.clusterSize = try int(n, "cluster", 1...64)
            }
            var stickinessSet = false
            for (key, v) in top {
                switch key {
                case "name": c.scenario = try string(v, key)
                case "description": c.summary = try string(v, key)
                case "seed":
                    guard let seed = UInt64(try string(v, key)) else { throw fail(v, key, "expected a whole number") }
                    c.seed = seed
                case "duration": c.duration = try duration(v, key)
                case "features":
                    for (k, f) in try mapping(v, key, allowed: ["pre-vote", "check-quorum", "leader-stickiness", "lease-reads", "learners"]) {
                        let on = try bool(f, "features.\(k)")
                        switch k {
                        case "pre-vote": c.features.preVote = on
                        case "check-quorum": c.features.checkQuorum = on
                        case "lease-reads": c.features.leaseReads = on
                        case "learners": c.features.learners = on
                        default: c.features.leaderStickiness = on; stickinessSet = true
                        }
                    }
                case "timing":
                    for (k, f) in try mapping(v, key, allowed: ["election-timeout", "heartbeat", "max-entries-per-append", "max-inflight"]) {
                        let field = "timing.\(k)"
                        switch k {
                        case "election-timeout":
                            let r = try range(f, field)
                            c.timing.electionTimeoutMin = r.lowerBound
                            c.timing.electionTimeoutMax = max(r.upperBound, r.lowerBound + 1_000)
                        case "heartbeat": c.timing.heartbeatInterval = try duration(f, field)
                        case "max-entries-per-append": c.timing.maxEntriesPerAppend = try int(f, field, 1...100_000)
                        default: c.timing.maxInflightAppends = try int(f, field, 1...1_000)
                        }
                    }
                    if let problem = c.timing.problem { throw fail(v, key, problem) }
                case "snapshots":
                    // `snapshots: off`, or `{every: 10000, keep: 1000}` (either key may be left out).
                    if v.mapping == nil {
                        if try bool(v, key) == false { c.snapshots = nil }
                        continue
                    }
                    var policy = c.snapshots ?? SnapshotPolicy()
                    for (k, f) in try mapping(v, key, allowed: ["every", "keep"]) {
                        if k == "every" { policy.every = try int(f, "snapshots.every", 1...Int(Int32.max)) }
                        else { policy.keep = try int(f, "snapshots.keep", 0...Int(Int32.max)) }
                    }
                    c.snapshots = policy
                case "network":
                    for (k, f) in try mapping(v, key, allowed: ["latency", "loss", "duplication", "reordering", "links"]) {
                        let field = "network.\(k)"
                        switch k {
                        case "latency": c.network.latency = try latency(f, field)
                        case "links": c.network.links = try links(f, field, nodes: c.clusterSize)
                        case "loss": c.network.loss = try double(f, field, 0...1)
                        case "duplication": c.network.duplication = try double(f, field, 0...1)
                        default: c.network.reordering = try double(f, field, 0...1)
                        }
                    }
                case "workload":
                    for (k, f) in try mapping(v, key, allowed: ["writes-per-second", "reads-per-second", "request-timeout", "give-up-after"]) {
                        let field = "workload.\(k)"
                        switch k {
                        case "writes-per-second": c.workload.writesPerSecond = try double(f, field, 0...1_000_000)
                        case "reads-per-second": c.workload.readsPerSecond = try double(f, field, 0...1_000_000)
                        case "request-timeout": c.workload.requestTimeout = try duration(f, field)
                        default: c.workload.giveUpAfter = try duration(f, field)
                        }
                    }
                case "faults":
                    guard let seq = v.sequence else { throw fail(v, key, "expected a list of faults") }
                    for (i, item) in seq.enumerated() { c.faults.append(try fault(item, "faults[\(i)]", nodes: c.clusterSize)) }
                default:
                    break
                }
            }
            if !stickinessSet { c.features.leaderStickiness = c.features.checkQuorum }
            c.faults.sort { $0.at < $1.at }
            return c
        }

        func fault(_ node: Node, _ field: String, nodes: Int) throws(Error) -> ScheduledFault {
            let entries = try mapping(node, field, allowed: ["at", "partition", "isolate", "cut", "cut-one-way", "heal",
                                                             "crash", "crash-after-heartbeat", "restart", "pause", "flap", "drift", "degrade", "label",
                                                             "transfer", "stop", "remove", "add", "add-learner"])
            guard let (_, atNode) = entries.first(where: { $0.0 == "at" }) else { throw fail(node, field, "missing 'at'") }
            let at = try duration(atNode, "\(field).at")
            let actions = entries.filter { $0.0 != "at" }
            guard actions.count == 1, let (kind, v) = actions.first else {
                throw fail(node, field, "expected exactly one action besides 'at'")
            }
            let f = "\(field).\(kind)"
            switch kind {
            case "partition":
                guard let groups = v.sequence, groups.count >= 2 else { throw fail(v, f, "expected groups, like [[n1, n2], [n3]]") }
                var out: [[NodeSelector]] = []
                for g in groups {
                    guard let members = g.sequence else { throw fail(g, f, "each group is a list of nodes") }
                    var sel: [NodeSelector] = []
                    for m in members { sel.append(try selector(m, f, nodes: nodes)) }
                    out.append(sel)
                }
                return ScheduledFault(at: at, .partition(groups: out))
            case "isolate": return ScheduledFault(at: at, .isolate(try selector(v, f, nodes: nodes)))
            case "cut", "cut-one-way":
                let (a, b) = try pair(v, f, nodes: nodes)
                return ScheduledFault(at: at, .cut(a, b, oneWay: kind == "cut-one-way"))
            case "heal":
                guard try string(v, f) == "all" else { throw fail(v, f, "only 'heal: all' is supported") }
                return ScheduledFault(at: at, .healAll)
            case "crash": return ScheduledFault(at: at, .crash(try selector(v, f, nodes: nodes)))
            case "crash-after-heartbeat":
                guard try string(v, f) == "leader" else { throw fail(v, f, "only 'crash-after-heartbeat: leader' is supported") }
                return ScheduledFault(at: at, .crashLeaderAfterHeartbeat)
            case "restart": return ScheduledFault(at: at, .restart(try selector(v, f, nodes: nodes)))
            case "transfer": return ScheduledFault(at: at, .transfer(try selector(v, f, nodes: nodes)))
            case "stop": return ScheduledFault(at: at, .stop(try selector(v, f, nodes: nodes)))
            case "remove": return ScheduledFault(at: at, .removeMember(try selector(v, f, nodes: nodes)))
            case "add": return ScheduledFault(at: at, .addMember(try selector(v, f, nodes: nodes)))
            case "add-learner": return ScheduledFault(at: at, .addLearner(try selector(v, f, nodes: nodes)))
            case "pause":
                var target: NodeSelector?, length: UInt64?
                for (k, x) in try mapping(v, f, allowed: ["node", "for"]) {
                    if k == "node" { target = try selector(x, "\(f).node", nodes: nodes) } else { length = try duration(x, "\(f).for") }
                }
                guard let target, let length else { throw fail(v, f, "needs 'node' and 'for'") }
                return ScheduledFault(at: at, .pause(target, duration: length))
            case "flap":
                var link: (NodeSelector, NodeSelector)?, period: UInt64?, until: UInt64?
                for (k, x) in try mapping(v, f, allowed: ["link", "period", "until"]) {
                    switch k {
                    case "link": link = try pair(x, "\(f).link", nodes: nodes)
                    case "period": period = try duration(x, "\(f).period")
                    default: until = try duration(x, "\(f).until")
                    }
                }
                guard let link, let period, let until else { throw fail(v, f, "needs 'link', 'period' and 'until'") }
                return ScheduledFault(at: at, .flap(link.0, link.1, period: period, until: until))
            case "drift":
                var target: NodeSelector?, ppm: Int?
                for (k, x) in try mapping(v, f, allowed: ["node", "ppm"]) {
                    if k == "node" { target = try selector(x, "\(f).node", nodes: nodes) } else { ppm = try int(x, "\(f).ppm", -500_000...500_000) }
                }
                guard let target, let ppm else { throw fail(v, f, "needs 'node' and 'ppm'") }
                return ScheduledFault(at: at, .drift(target, ppm: Int32(ppm)))
            case "degrade":
                var link: (NodeSelector, NodeSelector)?, loss = 0.0, extra: UInt64 = 0
                for (k, x) in try mapping(v, f, allowed: ["link", "loss", "latency"]) {
                    switch k {
                    case "link": link = try pair(x, "\(f).link", nodes: nodes)
                    case "loss": loss = try double(x, "\(f).loss", 0...1)
                    default: extra = try duration(x, "\(f).latency")
                    }
                }
                guard let link else { throw fail(v, f, "needs 'link'") }
                return ScheduledFault(at: at, .degrade(link.0, link.1, loss: loss, extraLatency: extra))
            default:
                return ScheduledFault(at: at, .label(try string(v, f)))
            }
        }
    }
}

extension YamlError {
    var line: Int? {
        switch self {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }
}
