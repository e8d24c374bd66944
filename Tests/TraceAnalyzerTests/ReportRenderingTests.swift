import Foundation
import TestSupport
import Testing
import RaftRecorder
import TraceFormat
@testable import TraceAnalyzer

/// The structure of the HTML report: its sections in order, the timeline and the embedded data.
/// Compared with golden/html-structure.txt; RAFT_TESTDATA_REWRITE=1 re-records it.
func htmlStructure(_ html: String) -> [String] {
    var lines: [String] = []
    let patterns = [#"<section[^>]*id="([^"]+)""#, #"<h2>([^<]+)</h2>"#, #"<svg id="([^"]+)""#, #"<script type="application/json" class="data" id="([^"]+)""#]
    let regexes = patterns.map { try! NSRegularExpression(pattern: $0) }
    let ns = html as NSString
    var found: [(Int, String)] = []
    for (k, re) in regexes.enumerated() {
        for m in re.matches(in: html, range: NSRange(location: 0, length: ns.length)) {
            found.append((m.range.location, ["section", "h2", "svg", "data"][k] + " " + ns.substring(with: m.range(at: 1))))
        }
    }
    for (_, s) in found.sorted(by: { $0.0 < $1.0 }) { lines.append(s) }
    return lines
}

@Suite struct HTMLReportTests {
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("golden/html-structure.txt")

    @Test func rejoinReportMatchesTheGoldenStructure() throws {
        let (r, _) = try analyzeScenario("rejoin")
        let html = HTMLReport.render(r)
        let structure = htmlStructure(html).joined(separator: "\n") + "\n"
        if ProcessInfo.processInfo.environment["RAFT_TESTDATA_REWRITE"] != nil {
            try structure.write(to: Self.golden, atomically: true, encoding: .utf8)
        }
        #expect(structure == (try String(contentsOf: Self.golden, encoding: .utf8)))
        #expect(html.contains("id=\"disruption-1\""))
        #expect(html.contains("id=\"advice-1\""))
        #expect(html.contains("Pre-vote would have prevented disruption #1"))
    }

    static var node: String? {
        ["/usr/bin/node", "/usr/local/bin/node"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The page script is checked by a JavaScript parser, so a syntax slip cannot leave the
    /// timeline blank (the rest of the page would still look fine).
    @Test(.enabled(if: node != nil, "needs node to parse the page script"))
    func pageScriptParses() throws {
        let path = Scratch.file("page.js")
        try HTMLReport.script.write(to: path, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.node!)
        p.arguments = ["--check", path.path]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }

    /// The page's times past a minute keep their fraction of a second: a timeline zoomed in on
    /// 1.5 s at 36 minutes labelled every tick "36m24s".
    @Test(.enabled(if: node != nil, "needs node to run the page script's time format"))
    func pageTimesPastAMinuteKeepTheirFraction() throws {
        let fmt = try #require(HTMLReport.script.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("function fmt(ns)") })
        let path = Scratch.file("fmt.js")
        try (fmt + "\nconsole.log([2184.5e9, 2165e9, 61.007e9, 125e9, 2.5e9, 3600.25e9].map(fmt).join(' '))")
            .write(to: path, atomically: true, encoding: .utf8)
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: Self.node!)
        p.arguments = [path.path]
        p.standardOutput = out
        try p.run()
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(printed == "36m24.5s 36m05s 1m01.007s 2m05s 2.5s 60m00.25s\n")
    }

    /// On a run where some advice would help and much would not, the page can hide the rest;
    /// items keep their numbers. A report whose advice all helps has no such switch.
    @Test func adviceCanBeNarrowedToWhatWouldHelp() throws {
        let (r, _) = try analyzeScenario("random", seed: 4242, duration: 60 * nsPerSecond)
        let helping = r.advice.filter(\.prevents).count
        #expect(helping > 0 && helping < r.advice.count)
        let html = HTMLReport.render(r)
        #expect(html.contains("show only the \(helping) of these \(r.advice.count) items that would help"))
        #expect(html.contains(".advice.only li.nohelp{display:none}"))
        #expect(html.contains("<li id=\"advice-\(r.advice.count)\" value=\"\(r.advice.count)\""))
        #expect(!HTMLReport.render(try analyzeScenario("rejoin").report).contains("only-helps"))
    }

    @Test func reportLoadsNothingFromTheNetwork() throws {
        let (r, _) = try analyzeScenario("rejoin")
        let html = HTMLReport.render(r)
        for needle in ["src=\"http", "href=\"http", "@import", "url(http", "fetch(", "XMLHttpRequest", "<link"] {
            #expect(!html.contains(needle), "found \(needle)")
        }
    }

    @Test func embeddedDataParsesAndMatchesTheReport() throws {
        let (r, _) = try analyzeScenario("rejoin")
        let html = HTMLReport.render(r)
        let start = try #require(html.range(of: "<script type=\"application/json\" class=\"data\" id=\"data-timeline\">"))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        let json = try JSONSerialization.jsonObject(with: Data(html[start.upperBound..<end.lowerBound].utf8)) as! [String: Any]
        #expect((json["lanes"] as! [Any]).count == 5)
        #expect((json["disruptions"] as! [Any]).count == r.disruptions.count)
        #expect(!(json["msgs"] as! [Any]).isEmpty)
    }

    @Test func stringsFromTheTraceAreEscaped() throws {
        let nasty = "</script><script>alert(1)</script><b>&"
        let events = [
            TraceEvent(time: 0, node: NodeID(1), .nodeStarted(NodeRecovery(term: 0, vote: nil, lastIndex: 0, lastTerm: 0, restart: false))),
            TraceEvent(time: 5, node: nil, .label(fault: 0)),
        ]
        let path = try writeTrace(events, scenario: "<img src=x onerror=alert(1)>", faults: [ScheduledFault(at: 5, .label(nasty))])
        let html = HTMLReport.render(try TraceAnalysis.analyze(try TraceFile.open(path)))
        #expect(!html.contains(nasty))
        #expect(!html.contains("<img src=x"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.components(separatedBy: "</script>").count == 3)  // exactly the two scripts of the page
    }

    @Test func jsonReportRoundTripsThroughTheSchema() throws {
        let (r, _) = try analyzeScenario("chained")
        let data = JSONReport.render(r)
        let back = try JSONDecoder().decode(AnalysisReport.self, from: data)
        #expect(back.schemaVersion == AnalysisReport.schemaVersion)
        #expect(back.disruptions == r.disruptions)
        #expect(back.advice == r.advice)
    }

    /// The recorded network heads the text and HTML reports and is in the JSON one, link settings too.
    @Test func reportsSayWhatNetworkTheRunHad() throws {
        var c = ScenarioCatalog.steady.configuration
        c.duration = 2 * nsPerSecond
        c.network.links = [LinkSettings(between: [NodeID(1), NodeID(2)], and: [NodeID(3)], latency: .fixed(40 * nsPerMillisecond), loss: 0.05)]
        let path = Scratch.path("network-header.trace")
        _ = try Recorder.record(c, to: path)
        let r = try TraceAnalysis.analyze(try TraceFile.open(path))
        #expect(r.trace.network == c.network)
        let header = "latency 10ms-15ms; n1,n2 <-> n3: latency 40ms, loss 0.05"
        #expect(TextReport.render(r, color: false).split(separator: "\n")[2].hasSuffix(header))
        #expect(HTMLReport.render(r).contains("latency 10ms-15ms; n1,n2 &lt;-&gt; n3: latency 40ms, loss 0.05"))
        #expect(try JSONDecoder().decode(AnalysisReport.self, from: JSONReport.render(r)).trace.network == c.network)
        #expect(ReportText.linkSettings(LinkSettings(between: [NodeID(1)], and: [NodeID(2), NodeID(3)],
                                                     latency: .uniform(min: 1, max: 2), loss: 0.5))
                == "n1 <-> n2,n3: latency 1ns-2ns, loss 0.5")
    }

    @Test func textReportNamesTheCauseAndTheAdvice() throws {
        let (r, _) = try analyzeScenario("rejoin")
        let text = TextReport.render(r, color: false)
        #expect(text.contains("rejoining node with an inflated term"))
        #expect(text.contains("Pre-vote would have prevented disruption #1"))
        #expect(!text.contains("\u{1B}["))
        #expect(TextReport.render(r, color: true).contains("\u{1B}["))
    }

    /// A long evidence list keeps its faults and step-downs when it is cut short: a rejoin's heal
    /// is not among the events left out, the repeated campaigns in the middle are.
    @Test func shortenedEvidenceKeepsTheFaults() {
        func ref(_ i: UInt64, _ event: String, node: UInt32? = 5) -> EventRef {
            EventRef(ordinal: i, time: i * 1_000_000, node: node, event: event, fields: [:])
        }
        let refs = [ref(1, "linkCut", node: nil)] + (2...7).map { ref($0, "termChanged") }
            + [ref(8, "linkHealed", node: nil), ref(9, "termChanged"), ref(10, "leaderSteppedDown", node: 1), ref(11, "termChanged", node: 1)]
        let lines = ReportText.evidenceLines(refs, limit: 8)
        #expect(lines.count == 9)
        #expect(lines.filter { $0.hasPrefix("#") }.map { UInt64($0.dropFirst().prefix { $0.isNumber })! } == [1, 2, 3, 7, 8, 9, 10, 11])
        #expect(lines[3] == "... 3 more")
        #expect(ReportText.evidenceLines(Array(refs.prefix(8))).count == 8)
    }

    /// Outcomes and refusals read as words in text and HTML; the JSON keeps the schema names.
    @Test func electionOutcomesAndRefusalsInWords() throws {
        let (r, _) = try analyzeScenario("rejoin")
        let noQuorum = try #require(r.elections.byOutcome["noQuorum"])
        #expect(TextReport.render(r, color: false).contains("no quorum \(noQuorum)"))
        let html = HTMLReport.render(r)
        #expect(html.contains(">no quorum</td>") && html.contains("(already voted)"))
        #expect(!html.contains(">noQuorum<") && !html.contains("alreadyVoted"))
        #expect(String(decoding: JSONReport.render(r), as: UTF8.self).contains("\"noQuorum\""))
    }
}

/// What the reports say in words where the analysis records case names.
@Suite struct ReportWordingTests {
    private func line(_ rule: SafetyViolation.Rule, _ nodes: [UInt32], _ detail: [String: String]) -> String {
        ReportText.violationLine(SafetyViolation(rule: rule, time: 1_500_000_000, nodes: nodes, detail: detail, evidence: []))
    }

    /// Every rule's violation reads as a sentence built from the details the checkers record;
    /// details a rule does not record fall back to key=value pairs rather than being lost.
    @Test func eachRuleReadsAsASentence() {
        #expect(line(.electionSafety, [1, 2], ["term": "4"]) == "election safety at 1.5s on n1, n2: both became leader of term 4")
        #expect(line(.stateMachineSafety, [1, 3], ["index": "42"]) == "state machine safety at 1.5s on n1, n3: applied different entries at index 42")
        #expect(line(.commitMonotonic, [2], ["from": "7", "to": "6", "previous": "7"])
                == "commit index at 1.5s on n2: its commit index moved back from 7 to 6")
        #expect(line(.commitMonotonic, [2], ["from": "8", "to": "9", "previous": "5"])
                == "commit index at 1.5s on n2: its commit index advanced from 8 to 9, but it was 5")
        #expect(line(.commitMonotonic, [2], ["snapshot": "10", "previous": "15"])
                == "commit index at 1.5s on n2: installed a snapshot through index 10, below its commit index 15")
        #expect(line(.leaderAppendOnly, [1], ["from": "30"]) == "leader append-only at 1.5s on n1: truncated its log from index 30 while leader")
        #expect(line(.staleRead, [5], ["read": "630", "servedAt": "288", "acknowledgedWrite": "293", "mode": "readIndex"])
                == "stale read at 1.5s on n5: read request 630, a ReadIndex read, was served at index 288, below index 293 "
                + "of a write acknowledged before the read was issued")
        #expect(line(.electionSafety, [1, 2], ["round": "3", "epoch": "9"]) == "election safety at 1.5s on n1, n2: epoch=9 round=3")
    }

    @Test func dropReasonsAndRefusalsAreWordsTheMostFirst() {
        #expect(ReportText.dropReasons(["receiverDown": 3, "partition": 5, "loss": 3]) == "partition 5, loss 3, receiver down 3")
        let preVote = FeatureEffect(feature: .preVote, count: 2, termsAvoided: 2,
                                    rejectionsByReason: ["alreadyVoted": 1, "logNotUpToDate": 4], evidence: [])
        #expect(ReportText.effect(preVote) == "Pre-vote was on: 2 pre-vote rounds failed, each a term increment that did not happen (2 terms); "
                + "pre-votes refused: log not up to date 4, already voted 1.")
    }

    /// A feature that was on but had nothing to do says so, rather than "0 rounds failed, each ...".
    @Test func featuresThatDidNothingSaySo() {
        func effect(_ f: Advice.Feature, _ n: Int, _ reasons: [String: Int] = [:]) -> String {
            ReportText.effect(FeatureEffect(feature: f, count: n, termsAvoided: UInt64(n), rejectionsByReason: reasons, evidence: []))
        }
        #expect(effect(.preVote, 0, ["alreadyVoted": 3]) == "Pre-vote was on: no pre-vote round failed; pre-votes refused: already voted 3.")
        #expect(effect(.preVote, 0) == "Pre-vote was on: no pre-vote round failed.")
        #expect(effect(.preVote, 1) == "Pre-vote was on: 1 pre-vote round failed, a term increment that did not happen.")
        #expect(effect(.checkQuorum, 0) == "Check-quorum was on: no leader stepped down after hearing from no majority for an election timeout.")
        #expect(effect(.leaderStickiness, 0).hasPrefix("Leader stickiness was on: no vote request was refused because"))
        #expect(effect(.leaderStickiness, 1).hasPrefix("Leader stickiness was on: 1 vote request was refused because"))
    }

    /// Failed pre-vote rounds that too few voters answered are told apart from refused ones.
    @Test func unansweredPreVoteRoundsAreCounted() {
        func effect(_ n: Int, unanswered: Int) -> String {
            ReportText.effect(FeatureEffect(feature: .preVote, count: n, termsAvoided: UInt64(n), rejectionsByReason: [:],
                                            evidence: [], unanswered: unanswered))
        }
        #expect(effect(18, unanswered: 17) == "Pre-vote was on: 18 pre-vote rounds failed (17 reached no majority), each a term increment that did not happen (18 terms).")
        #expect(effect(3, unanswered: 3) == "Pre-vote was on: 3 pre-vote rounds failed (all reached no majority), each a term increment that did not happen (3 terms).")
        #expect(effect(1, unanswered: 1) == "Pre-vote was on: 1 pre-vote round failed (it reached no majority), a term increment that did not happen.")
        #expect(effect(2, unanswered: 0) == "Pre-vote was on: 2 pre-vote rounds failed, each a term increment that did not happen (2 terms).")
    }
}

@Suite struct BoundedOutputTests {
    @Test func timelineKeepsAFixedNumberOfColumnsAndCapsIntervals() {
        var t = TimelineBuilder(nodes: 1, start: 0, end: 100 * nsPerSecond)
        for k in 0..<(Timeline.intervalLimit(nodes: 1) + 500) {
            t.nodeChanged(0, role: k % 2 == 0 ? .leader : .follower, term: UInt64(k), at: UInt64(k) * 1_000_000)
        }
        let tl = t.finish(ids: [NodeID(1)], messages: [])
        #expect(tl.nodes[0].intervals.count == Timeline.intervalLimit(nodes: 1))
        #expect(tl.nodes[0].truncated)
        #expect(tl.nodes[0].columns.count == Timeline.columnCount)
    }

    /// Each column says which role its node held longest in it (the first in `RoleName` order on a
    /// tie), how many times the node's role or term changed in it, and the highest term it held in
    /// it; over the whole run and over a focused stretch, whose columns are narrower.
    @Test func columnsSummariseTheRolesHeldInThem() {
        let end = 10 * nsPerSecond
        let width = end / UInt64(Timeline.columnCount) + 1  // 8,333,334 ns
        func build(focus: ClosedRange<UInt64>? = nil) -> Timeline {
            var t = TimelineBuilder(nodes: 3, start: 0, end: end, focus: focus)
            // Node 0: follower in term 1, a candidate at 1 s, leader at 1.004 s (term 2).
            t.nodeChanged(0, role: .follower, term: 1, at: 0)
            t.nodeChanged(0, role: .candidate, term: 2, at: nsPerSecond)
            t.nodeChanged(0, role: .leader, term: 2, at: nsPerSecond + 4_000_000)
            // Node 1: follower, then leader half-way through the first column: a tie.
            t.nodeChanged(1, role: .follower, term: 1, at: 0)
            t.nodeChanged(1, role: .leader, term: 1, at: width / 2)
            // Node 2: down until 5 s, then a follower in term 2.
            t.nodeChanged(2, role: .follower, term: 2, at: 5 * nsPerSecond)
            return t.finish(ids: (1...3).map(NodeID.init(rawValue:)), messages: [])
        }
        let run = build()
        let n0 = run.nodes[0].columns, n1 = run.nodes[1].columns, n2 = run.nodes[2].columns
        // 1 s falls in column 119, where node 0 was a follower but for its last 80 ns.
        #expect(n0[118] == RoleColumn(role: .follower, changes: 0, maxTerm: 1))
        #expect(n0[119] == RoleColumn(role: .follower, changes: 1, maxTerm: 2))
        // Column 120: a candidate for 3.99992 ms, then the leader for 4.33 ms.
        #expect(n0[120] == RoleColumn(role: .leader, changes: 1, maxTerm: 2))
        #expect(n0[1_199] == RoleColumn(role: .leader, changes: 0, maxTerm: 2))
        #expect(n0[0] == RoleColumn(role: .follower, changes: 1, maxTerm: 1))
        // Half a column each: the follower, first in `RoleName` order, is shown.
        #expect(n1[0] == RoleColumn(role: .follower, changes: 2, maxTerm: 1))
        #expect(n1[1] == RoleColumn(role: .leader, changes: 0, maxTerm: 1))
        #expect(n2[0] == RoleColumn(role: .down, changes: 0, maxTerm: 0))
        // 5 s falls in column 599, whose last 200 ns node 2 spent as a follower.
        #expect(n2[599] == RoleColumn(role: .down, changes: 1, maxTerm: 2))
        #expect(n2[600] == RoleColumn(role: .follower, changes: 0, maxTerm: 2))
        #expect(n2[1_199] == RoleColumn(role: .follower, changes: 0, maxTerm: 2))

        // Focused on 1 s ... 2 s: columns of 833,334 ns. 1.004 s falls in column 4, where node 0
        // was a candidate for 666,664 ns and the leader for 166,670.
        let stretch = build(focus: nsPerSecond...(2 * nsPerSecond))
        let f0 = stretch.nodes[0].columns
        #expect(f0[0] == RoleColumn(role: .candidate, changes: 1, maxTerm: 2))
        #expect(f0[4] == RoleColumn(role: .candidate, changes: 1, maxTerm: 2))
        #expect(f0[5] == RoleColumn(role: .leader, changes: 0, maxTerm: 2))
        #expect(stretch.nodes[1].columns.allSatisfy { $0 == RoleColumn(role: .leader, changes: 0, maxTerm: 1) })
        #expect(stretch.nodes[2].columns.allSatisfy { $0 == RoleColumn(role: .down, changes: 0, maxTerm: 0) })
    }

    /// The nodes share one budget of exact intervals, so a larger cluster does not make a larger report.
    @Test func nodesShareTheIntervalBudget() {
        #expect(Timeline.intervalLimit(nodes: 5) == 4_000)
        let nodes = 9, limit = Timeline.intervalLimit(nodes: nodes)
        var t = TimelineBuilder(nodes: nodes, start: 0, end: 100 * nsPerSecond)
        for k in 0..<(limit + 50) {
            for i in 0..<nodes { t.nodeChanged(i, role: k % 2 == 0 ? .leader : .follower, term: UInt64(k), at: UInt64(k) * 1_000_000) }
        }
        let tl = t.finish(ids: (1...UInt32(nodes)).map(NodeID.init(rawValue:)), messages: [])
        #expect(tl.nodes.allSatisfy { $0.intervals.count == limit && $0.truncated })
        #expect(tl.nodes.reduce(0) { $0 + $1.intervals.count } <= Timeline.intervalBudget)
    }

    /// However many advice items a report holds, the page lists a fixed number after the summary
    /// per feature and says how many more there are and where.
    @Test func longAdviceListsAreSummarisedAndCapped() throws {
        var (r, _) = try analyzeScenario("rejoin")
        let item = try #require(r.advice.first)
        r.advice = Array(repeating: item, count: 400)
        r.adviceSummary = [AdviceSummary(feature: .preVote, evaluated: 1_000, helps: 1_000, unavailabilityAvoided: 2_500_000_000,
                                         termsAvoided: 5)]
        let html = HTMLReport.render(r)
        #expect(html.components(separatedBy: "<li id=\"advice-").count - 1 == HTMLReport.listedAdvice)
        #expect(html.contains("\(1_000 - HTMLReport.listedAdvice) more; the JSON report lists the first 400 of all 1000"))
        #expect(html.contains("Pre-vote would have prevented 1000 of the 1000 disruptions it was evaluated on, avoiding 2.5s without a leader and 5 terms."))
        let text = TextReport.render(r, color: false)
        let numbered = text.split(separator: "\n").filter { $0.range(of: #"^  [0-9]+\. "#, options: .regularExpression) != nil }
        #expect(numbered.count == TextReport.listed)
        #expect(text.contains("\(1_000 - TextReport.listed) more; the JSON report lists the first 400 of all 1000"))
    }

    @Test func reportOfAChurningRunStaysSmall() throws {
        let (r, _) = try analyzeScenario("partial-connectivity-a", duration: 60 * nsPerSecond)
        let html = HTMLReport.render(r)
        #expect(html.utf8.count < 3_000_000)
        #expect(r.disruptions.count > 10)
    }
}

/// The Chrome trace export (`--report chrome`), read back as Perfetto would read it.
@Suite struct ChromeTraceTests {
    struct Parsed {
        let top: [String: Any]
        let events: [[String: Any]]
        init(_ data: Data) throws {
            top = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            events = try #require(top["traceEvents"] as? [[String: Any]])
        }
        func of(_ ph: String, _ cat: String? = nil) -> [[String: Any]] {
            events.filter { $0["ph"] as? String == ph && (cat == nil || $0["cat"] as? String == cat) }
        }
        func trackNames(pid: Int = 1) -> [Int: String] {
            var names: [Int: String] = [:]
            for e in of("M") where e["name"] as? String == "thread_name" && e["pid"] as? Int == pid {
                names[e["tid"] as! Int] = (e["args"] as! [String: Any])["name"] as? String
            }
            return names
        }
        /// Slices per (pid, tid) that overlap without nesting: the format cannot draw those.
        func overlaps() -> [String] {
            var byTrack: [[Int]: [(Double, Double)]] = [:]
            for e in of("X") {
                byTrack[[e["pid"] as! Int, e["tid"] as! Int], default: []].append((e["ts"] as! Double, e["dur"] as! Double))
            }
            var found: [String] = []
            for (track, slices) in byTrack {
                let sorted = slices.sorted { $0.0 < $1.0 }
                for (a, b) in zip(sorted, sorted.dropFirst()) where a.0 + a.1 > b.0 + 1e-6 {
                    found.append("track \(track): [\(a.0), +\(a.1)] overlaps [\(b.0), +\(b.1)]")
                }
            }
            return found
        }
    }

    @Test func rejoinRunAsTracksOfNodesElectionsFaultsAndDisruptions() throws {
        let (r, _) = try analyzeScenario("rejoin")
        let p = try Parsed(ChromeTraceReport.render(r))
        #expect(p.top["displayTimeUnit"] as? String == "ms")
        for e in p.events {
            #expect(e["name"] is String && e["ph"] is String && e["ts"] is Double && e["pid"] as? Int == 1 && e["tid"] is Int,
                    "\(e)")
        }
        let names = p.trackNames()
        #expect((1...5).map { names[$0] } == ["n1", "n2", "n3", "n4", "n5"])
        for e in p.events where e["ph"] as? String != "M" {
            #expect(names[e["tid"] as! Int] != nil, "event on an unnamed track: \(e)")
        }
        #expect(p.overlaps().isEmpty, "\(p.overlaps())")

        // Each node's role slices are its timeline's intervals, in microseconds, end to end.
        for n in r.timeline.nodes {
            let slices = p.of("X", "role").filter { $0["tid"] as? Int == Int(n.node) }
            #expect(slices.count == n.intervals.count)
            #expect(slices.first?["ts"] as? Double == Double(n.intervals[0].start) / 1_000)
            let total = slices.reduce(0.0) { $0 + ($1["dur"] as! Double) }
            #expect(abs(total - Double(n.intervals.last!.end - n.intervals[0].start) / 1_000) < 1e-3)
        }
        #expect(p.of("X", "role").contains { $0["name"] as? String == "leader t1" })

        let elections = p.of("X", "election")
        #expect(elections.count == r.elections.list.count)
        #expect(elections.first?["ts"] as? Double == Double(r.elections.list[0].start) / 1_000)
        #expect(p.of("X", "fault").count == r.timeline.faults.count)
        #expect(p.of("X", "leader").count == r.timeline.leaders.count)

        let disruptions = p.of("i", "disruption")
        #expect(disruptions.count == r.disruptions.count && r.disruptions.count == 1)
        let d = try #require(disruptions.first)
        #expect((d["name"] as? String)?.contains("rejoining node with an inflated term") == true)
        let args = try #require(d["args"] as? [String: Any])
        #expect((args["advice"] as? String)?.contains("Pre-vote would have prevented disruption #1") == true)
        #expect((args["evidence"] as? String)?.contains("#\(r.disruptions[0].evidence[0].ordinal) ") == true)

        // Every message arrow starts on the sender's track and ends, bound to a slice, on the receiver's.
        let starts = p.of("s", "message"), ends = p.of("f", "message")
        #expect(!starts.isEmpty && starts.count == ends.count)
        let endByID = Dictionary(uniqueKeysWithValues: ends.map { ($0["id"] as! UInt64, $0) })
        for s in starts {
            let f = try #require(endByID[s["id"] as! UInt64])
            #expect(f["bp"] as? String == "e")
            #expect((f["ts"] as! Double) >= (s["ts"] as! Double))
            #expect((s["args"] as! [String: Any])["to"] as? String == names[f["tid"] as! Int])
        }
    }

    @Test func lanesKeepOverlappingSlicesApart() {
        #expect(ChromeTraceReport.lanes([(0, 10), (5, 15), (10, 20), (12, 13)]) == [0, 1, 0, 2])
        #expect(ChromeTraceReport.lanes([]) == [])
    }

    /// Past the exact intervals a truncated timeline keeps, nodes are drawn from its column
    /// summaries, still without overlaps, and the file stays small.
    @Test func truncatedTimelineContinuesWithColumnSummaries() throws {
        var (r, _) = try analyzeScenario("rejoin")
        // One node of five changes role all the time; the others keep theirs (one interval each).
        var t = TimelineBuilder(nodes: 5, start: 0, end: 100 * nsPerSecond)
        for k in 0..<(Timeline.intervalLimit(nodes: 5) + 500) {
            t.nodeChanged(0, role: k % 2 == 0 ? .leader : .follower, term: UInt64(k), at: UInt64(k) * 20_000_000)
        }
        r.timeline = t.finish(ids: (1...5).map(NodeID.init(rawValue:)), messages: [])
        let data = ChromeTraceReport.render(r)
        #expect(data.count < 3_000_000)
        let p = try Parsed(data)
        #expect(p.overlaps().isEmpty, "\(p.overlaps())")
        let roles = p.of("X", "role")
        let summaries = roles.filter { ($0["name"] as? String)?.hasSuffix("(summary)") == true }
        #expect(roles.count - summaries.count == Timeline.intervalLimit(nodes: 5) + 4)
        #expect(!summaries.isEmpty)
        let last = try #require(roles.max { ($0["ts"] as! Double) < ($1["ts"] as! Double) })
        #expect(abs((last["ts"] as! Double) + (last["dur"] as! Double) - 100e6) < 1e-3)
    }

    /// A truncated timeline whose times end at the largest value: the column summaries' bounds
    /// saturate instead of overflowing.
    @Test func timelineEndingAtTheLargestTime() throws {
        var (r, _) = try analyzeScenario("rejoin")
        let start = UInt64.max - 1_000_000_000_000
        var t = TimelineBuilder(nodes: 1, start: start, end: UInt64.max)
        for k in 0..<(Timeline.intervalLimit(nodes: 1) + 10) {
            t.nodeChanged(0, role: k % 2 == 0 ? .leader : .follower, term: UInt64(k), at: start + UInt64(k) * 1_000)
        }
        r.timeline = t.finish(ids: [NodeID(1)], messages: [])
        let p = try Parsed(ChromeTraceReport.render(r))
        #expect(p.of("X", "role").contains { ($0["name"] as? String)?.hasSuffix("(summary)") == true })
        #expect(p.overlaps().isEmpty)
    }

    /// Safety violations (the stale reads of lease-read-drift) are instant events on a track of
    /// their own, with their detail, evidence and the ReadIndex advice about them.
    @Test func staleReadsAreInstantEventsWithTheirAdvice() throws {
        let (r, _) = try analyzeScenario("lease-read-drift")
        let p = try Parsed(ChromeTraceReport.render(r))
        let safety = p.of("i", "safety")
        #expect(safety.count == r.safety.violations.count && !safety.isEmpty)
        #expect(Set(safety.map { $0["tid"] as! Int }).count == 1)
        #expect(p.trackNames()[safety[0]["tid"] as! Int] == "safety violations")
        let args = safety[0]["args"] as! [String: Any]
        #expect(args["rule"] as? String == "staleRead" && args["acknowledgedWrite"] is String)
        #expect((args["advice"] as? String)?.hasPrefix("ReadIndex") == true)
        #expect(safety[0]["ts"] as? Double == Double(r.safety.violations[0].time) / 1_000)
    }

    @Test func stringsFromTheTraceStayStrings() throws {
        let events = [
            TraceEvent(time: 0, node: NodeID(1), .nodeStarted(NodeRecovery(term: 0, vote: nil, lastIndex: 0, lastTerm: 0, restart: false))),
            TraceEvent(time: 5_000, node: nil, .label(fault: 0)),
        ]
        let scenario = #"quote " backslash \ and </script>"#
        let path = try writeTrace(events, scenario: scenario, faults: [ScheduledFault(at: 5_000, .label("label \"x\""))])
        let p = try Parsed(ChromeTraceReport.render(try TraceAnalysis.analyze(try TraceFile.open(path))))
        let process = p.of("M").first { $0["name"] as? String == "process_name" }
        #expect((process?["args"] as? [String: Any])?["name"] as? String == "\(scenario) (seed 1)")
        #expect(p.of("i", "label").first?["name"] as? String == "label \"x\"")
        #expect(p.of("i", "label").first?["ts"] as? Double == 5)
    }

    @Test func compareWritesOneProcessPerRunWithDistinctFlowIDs() throws {
        let a = try analyzeScenario("rejoin").report
        let b = try analyzeScenario("rejoin", features: RaftFeatures(preVote: true)).report
        let c = try analyzeScenario("rejoin", seed: 2).report
        let p = try Parsed(ChromeTraceReport.render(runs: [("a", a), ("b", b), ("c", c)]))
        let processes = p.of("M").filter { $0["name"] as? String == "process_name" }
            .map { ($0["args"] as! [String: Any])["name"] as! String }
        #expect(processes == ["a: rejoin (seed 1)", "b: rejoin (seed 1)", "c: rejoin (seed 2)"])
        #expect(p.trackNames(pid: 2)[1] == "n1")
        #expect(p.of("i", "disruption").map { $0["pid"] as! Int } == [1, 3])
        // Both disrupted runs sampled messages, with ids counted from 1 in each trace.
        let starts = p.of("s", "message")
        #expect(Set(starts.map { $0["pid"] as! Int }) == [1, 3])
        let ids = starts.map { $0["id"] as! UInt64 }
        #expect(Set(ids).count == ids.count)
        #expect(p.overlaps().isEmpty)
    }
}
