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

    @Test func textReportNamesTheCauseAndTheAdvice() throws {
        let (r, _) = try analyzeScenario("rejoin")
        let text = TextReport.render(r, color: false)
        #expect(text.contains("rejoining node with an inflated term"))
        #expect(text.contains("Pre-vote would have prevented disruption #1"))
        #expect(!text.contains("\u{1B}["))
        #expect(TextReport.render(r, color: true).contains("\u{1B}["))
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

@Suite struct BoundedOutputTests {
    @Test func timelineKeepsAFixedNumberOfColumnsAndCapsIntervals() {
        var t = TimelineBuilder(nodes: 1, start: 0, end: 100 * nsPerSecond)
        for k in 0..<(Timeline.intervalLimit + 500) {
            t.nodeChanged(0, role: k % 2 == 0 ? .leader : .follower, term: UInt64(k), at: UInt64(k) * 1_000_000)
        }
        let tl = t.finish(ids: [NodeID(1)], messages: [])
        #expect(tl.nodes[0].intervals.count == Timeline.intervalLimit)
        #expect(tl.nodes[0].truncated)
        #expect(tl.nodes[0].columns.count == Timeline.columnCount)
    }

    @Test func reportOfAChurningRunStaysSmall() throws {
        let (r, _) = try analyzeScenario("partial-connectivity-a", duration: 60 * nsPerSecond)
        let html = HTMLReport.render(r)
        #expect(html.utf8.count < 3_000_000)
        #expect(r.disruptions.count > 10)
    }
}
