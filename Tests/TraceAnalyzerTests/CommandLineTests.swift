import Foundation
import RaftRecorder
import TestSupport
import Testing
import TraceAnalyzer
import TraceFormat

/// Runs the built executables, as a user would, and checks their output and exit codes.
struct Tool {
    static let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

    static func run(_ name: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = directory.appendingPathComponent(name)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("traceanalyze").path)
    }
}

func scratchDirectory() throws -> URL {
    try Scratch.subdirectory("cli")
}

@Suite(.enabled(if: Tool.available, "the executables are built by `swift build --build-tests`"))
struct CommandLineTests {
    /// Both tools answer `--version` (the root command's, not the default subcommand's) with
    /// their version and the trace format they write or read, the one a trace's `info` shows.
    @Test func bothToolsPrintTheirVersion() throws {
        let format = "(trace format \(TraceFormatVersion.major).\(TraceFormatVersion.minor))"
        for (tool, version) in [("raftrecord", RaftRecorderVersion.current), ("traceanalyze", TraceAnalyzerVersion.current)] {
            let r = try Tool.run(tool, ["--version"])
            #expect(r.status == 0, "\(tool): \(r.err)")
            #expect(r.out.trimmingCharacters(in: .whitespacesAndNewlines) == "\(version) \(format)", "\(tool)")
        }
    }

    @Test func recordThenReportInEveryFormat() throws {
        let dir = try scratchDirectory()
        let trace = dir.appendingPathComponent("run.trace").path
        let rec = try Tool.run("raftrecord", ["run", "--scenario", "rejoin", "--duration", "8s", "--seed", "3", "-o", trace])
        #expect(rec.status == 0, "\(rec.err)")
        #expect(rec.out.contains("rejoin:") && rec.out.contains("elections") && rec.out.contains("bytes -> \(trace)"))

        let text = try Tool.run("traceanalyze", [trace])
        #expect(text.status == 0)
        #expect(text.out.contains("Disruptions"))

        let json = try Tool.run("traceanalyze", [trace, "--report", "json", "-o", "-"])
        #expect(json.status == 0)
        let obj = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        #expect(obj?["schemaVersion"] as? Int == 1)

        let html = try Tool.run("traceanalyze", [trace, "--report", "html"])
        #expect(html.status == 0)
        let written = dir.appendingPathComponent("run.html").path
        #expect(html.out.contains(written))
        #expect(FileManager.default.fileExists(atPath: written))

        let chrome = try Tool.run("traceanalyze", [trace, "--report", "chrome"])
        #expect(chrome.status == 0, "\(chrome.err)")
        let chromeFile = dir.appendingPathComponent("run.chrome.json")
        #expect(chrome.out.contains(chromeFile.path))
        let events = try JSONSerialization.jsonObject(with: Data(contentsOf: chromeFile)) as? [String: Any]
        #expect((events?["traceEvents"] as? [Any])?.isEmpty == false)

        let info = try Tool.run("traceanalyze", ["info", trace, "--json"])
        #expect(info.status == 0)
        #expect(info.out.contains("\"integrity\" : \"ok\""))
    }

    /// Without `--report`, the output file's extension picks the format; `--report` wins over it.
    @Test func outputExtensionPicksTheFormat() throws {
        let dir = try scratchDirectory()
        let trace = dir.appendingPathComponent("run.trace").path
        _ = try Tool.run("raftrecord", ["run", "--scenario", "steady", "--duration", "2s", "-o", trace])
        func written(_ args: [String], _ file: String) throws -> String {
            let path = dir.appendingPathComponent(file).path
            let r = try Tool.run("traceanalyze", [trace, "-o", path] + args)
            #expect(r.status == 0, "\(r.err)")
            return try String(contentsOfFile: path, encoding: .utf8)
        }
        #expect(try written([], "a.html").hasPrefix("<!doctype html>"))
        #expect(try written([], "a.JSON").hasPrefix("{"))
        #expect(try written([], "a.txt").hasPrefix("steady (seed"))
        #expect(try written(["--report", "text"], "b.html").hasPrefix("steady (seed"))
        let other = dir.appendingPathComponent("other.trace").path
        _ = try Tool.run("raftrecord", ["run", "--scenario", "steady", "--duration", "2s", "--seed", "2", "-o", other])
        let compare = dir.appendingPathComponent("compare.html").path
        #expect(try Tool.run("traceanalyze", ["compare", trace, other, "-o", compare]).status == 0)
        #expect(try String(contentsOfFile: compare, encoding: .utf8).hasPrefix("<!doctype html>"))
        let chrome = try Tool.run("traceanalyze", ["compare", trace, other, "--report", "chrome"])
        #expect(chrome.status == 0 && chrome.out.contains(dir.appendingPathComponent("compare.chrome.json").path), "\(chrome.err)")
        #expect(try written([], "c.chrome.json").hasPrefix("{\"displayTimeUnit\":\"ms\",\"otherData\""))
        #expect(try written(["--report", "json"], "d.chrome.json").contains("\"schemaVersion\" : 1"))
        let failed = try Tool.run("traceanalyze", [trace, "-o", dir.appendingPathComponent("missing/a.html").path])
        #expect(failed.status == 1)
        #expect(failed.err.contains("cannot write") && failed.err.contains("No such file or directory"))
    }

    /// The evidence a report cites can be looked up: `events --around` lists the cited event,
    /// marked, among its neighbours.
    @Test func eventsListsWhatTheReportCites() throws {
        let dir = try scratchDirectory()
        let trace = dir.appendingPathComponent("events.trace").path
        _ = try Tool.run("raftrecord", ["run", "--scenario", "chained", "-o", trace])
        let report = try Tool.run("traceanalyze", [trace]).out
        let cited = try #require(report.split(separator: "\n").first { $0.hasPrefix("      #") && $0.contains("leaderSteppedDown") })
        let words = cited.split(separator: " ")
        let position = String(words[0].dropFirst())  // "#5933" -> "5933"

        let around = try Tool.run("traceanalyze", ["events", trace, "--around", "#" + position, "--context", "2", "--no-messages"])
        #expect(around.status == 0, "\(around.err)")
        let lines = around.out.split(separator: "\n")
        #expect(lines.count == 5)
        let target = try #require(lines.first { $0.hasPrefix("> ") })
        #expect(target.hasPrefix("> #\(position) ") && target.contains(" \(words[2]) leaderSteppedDown ") && target.hasSuffix(String(words.last!)))
        #expect(!around.out.contains("message"))

        let json = try Tool.run("traceanalyze", ["events", trace, "--from", "2s", "--to", "2.05s", "--node", "n1", "--json"])
        #expect(json.status == 0)
        let objects = try json.out.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(objects.count > 10)
        #expect(objects.allSatisfy { o in
            let t = (o["time"] as? NSNumber)?.uint64Value ?? 0
            return t >= 2_000_000_000 && t <= 2_050_000_000 && (o["node"] as? Int ?? 1) == 1 && o["ordinal"] != nil
        })

        let missing = try Tool.run("traceanalyze", ["events", trace, "--around", "99999999"])
        #expect(missing.status == 1 && missing.err.contains("there is no #99999999"))
        let badKind = try Tool.run("traceanalyze", ["events", trace, "--kind", "leaderElected"])
        #expect(badKind.status != 0 && badKind.err.contains("no event kind 'leaderElected'") && badKind.err.contains("becameLeader"))
        let typo = try Tool.run("traceanalyze", ["events", trace, "--kind", "termchange"])
        #expect(typo.status != 0 && typo.err.contains("no event kind 'termchange' (did you mean 'termChanged'?)"))
        let limited = try Tool.run("traceanalyze", ["events", trace, "--limit", "3"])
        #expect(limited.out.split(separator: "\n").count == 3 && limited.err.contains("stopped after 3 events"))
    }

    /// `--from`/`--to` focus a report (the JSON says on what); bounds that select nothing, come in
    /// the wrong order or are not times are refused with a reason.
    @Test func reportsFocusOnAStretch() throws {
        let trace = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sample-traces/rejoin.trace").path
        let json = try Tool.run("traceanalyze", [trace, "--from", "2s", "--to", "3.5s", "--report", "json", "-o", "-"])
        #expect(json.status == 0, "\(json.err)")
        let report = try JSONDecoder().decode(AnalysisReport.self, from: Data(json.out.utf8))
        #expect(report.trace.focus?.start == 2 * nsPerSecond && report.trace.focus?.end == 3_500 * nsPerMillisecond)
        #expect(report.timeline.start == 2 * nsPerSecond && report.timeline.end == 3_500 * nsPerMillisecond)
        let open = try Tool.run("traceanalyze", [trace, "--from", "3s"])
        #expect(open.status == 0 && open.out.contains("Focused on 3s to "), "\(open.err)")

        let late = try Tool.run("traceanalyze", [trace, "--from", "10m"])
        #expect(late.status == 1 && late.err.contains("--from and --to select none of it") && late.err.contains(trace))
        let backwards = try Tool.run("traceanalyze", [trace, "--from", "3s", "--to", "2s"])
        #expect(backwards.status != 0 && backwards.err.contains("--from 3s is after --to 2s"))
        let notATime = try Tool.run("traceanalyze", [trace, "--to", "soon"])
        #expect(notATime.status != 0 && notATime.err.contains("--to: 'soon' is not a time"))
    }

    @Test func damagedTracesGetErrorsNamingFrameAndOffset() throws {
        let dir = try scratchDirectory()
        let trace = dir.appendingPathComponent("run.trace").path
        _ = try Tool.run("raftrecord", ["run", "--scenario", "steady", "--duration", "20s", "-o", trace])
        var data = try Data(contentsOf: URL(fileURLWithPath: trace))
        let original = data
        let frame = try TraceFile.open(trace).frames[1]
        data[Int(frame.offset) + frame.compressedSize / 2] ^= 0xFF
        try data.write(to: URL(fileURLWithPath: trace))
        let info = try Tool.run("traceanalyze", ["info", trace])
        #expect(info.status == 1)
        #expect(info.out.contains("integrity  corrupt"))
        #expect(info.out.contains("frame \(frame.index) at byte offset \(frame.offset)"))
        let analyze = try Tool.run("traceanalyze", [trace])
        #expect(analyze.status == 1)
        #expect(analyze.err.contains("frame \(frame.index) at byte offset \(frame.offset)"))
        #expect(analyze.err.contains("--skip-corrupt reads past corrupt frames"))
        // The event listing reads up to the corrupt frame, then says the same.
        let listing = try Tool.run("traceanalyze", ["events", trace, "--kind", "commitAdvanced", "--limit", "0"])
        #expect(listing.status == 2 && listing.err.contains("--skip-corrupt reads past corrupt frames"))
        #expect(listing.out.split(separator: "\n").count > 10)
        let listingSkipping = try Tool.run("traceanalyze", ["events", trace, "--kind", "commitAdvanced", "--limit", "0", "--skip-corrupt"])
        #expect(listingSkipping.status == 0 && listingSkipping.out.contains("events lost here: a corrupt frame was skipped"))
        #expect(listingSkipping.err.contains("warning: skipped") && listingSkipping.err.contains("frame \(frame.index) at byte offset \(frame.offset)"))
        let skipping = try Tool.run("traceanalyze", [trace, "--skip-corrupt"])
        #expect(skipping.status == 0)
        #expect(skipping.out.contains("corrupt frames skipped: 1"))
        let check = try Tool.run("traceanalyze", ["check", trace])
        #expect(check.status == 2)
        #expect(check.err.contains("frame \(frame.index) at byte offset \(frame.offset)"))
        // Skipping the frame, `check` still says what it could not read, so "safe" is not taken
        // for the whole run.
        let checkSkipping = try Tool.run("traceanalyze", ["check", trace, "--skip-corrupt"])
        #expect(checkSkipping.status == 0)
        #expect(checkSkipping.out.contains("safe: "))
        #expect(checkSkipping.out.contains("only 0s-20s, less the unread stretches, could be checked: integrity corrupt frames skipped: 1 ("))
        // A trace cut short (a crashed writer): the complete frames are checked, and the span said.
        let cut = dir.appendingPathComponent("cut.trace").path
        let third = try TraceFile.open(trace).frames[2]
        try original.prefix(Int(third.offset) + 10).write(to: URL(fileURLWithPath: cut))
        let checkCut = try Tool.run("traceanalyze", ["check", cut])
        #expect(checkCut.status == 0)
        #expect(checkCut.out.contains("only 0s-"))
        #expect(checkCut.out.contains("could be checked: integrity recovered"))

        let missing = try Tool.run("traceanalyze", [dir.appendingPathComponent("nope.trace").path])
        #expect(missing.status == 1)
        #expect(missing.err.contains("nope.trace"))
    }

    /// The trace the default command names is analysed while the command line is parsed
    /// (`EarlyAnalysis`): the report is the same whether the trace comes first, after `analyze`, or
    /// after the options (where it is analysed once parsed), and with `--from`/`--to` (analysed
    /// once parsed) the same as the focused report of `analyze`; an invalid option is still
    /// refused, and a first argument that is a file but not a trace gets the usual error.
    @Test func theTraceAnalysedWhileTheCommandLineIsParsedGivesTheSameReport() throws {
        let dir = try scratchDirectory()
        let trace = dir.appendingPathComponent("early.trace").path
        _ = try Tool.run("raftrecord", ["run", "--scenario", "rejoin", "--duration", "8s", "-o", trace])
        let reports = try [[trace, "--report", "json", "-o", "-"], ["analyze", trace, "--report", "json", "-o", "-"],
                           ["--report", "json", "-o", "-", trace]].map { try Tool.run("traceanalyze", $0) }
        #expect(reports.allSatisfy { $0.status == 0 && $0.out == reports[0].out })
        #expect(reports[0].out.contains("\"schemaVersion\""))
        let focused = try [[trace, "--from", "2s", "--to", "4s", "--report", "json", "-o", "-"],
                           ["analyze", "--from=2s", "--to=4s", "--report", "json", "-o", "-", trace]].map { try Tool.run("traceanalyze", $0) }
        #expect(focused.allSatisfy { $0.status == 0 && $0.out == focused[0].out } && focused[0].out != reports[0].out)
        let stats = try Tool.run("traceanalyze", [trace, "--stats", "-o", "/dev/null"])
        #expect(stats.status == 0 && stats.err.hasPrefix("analysis: ") && stats.err.contains(" events in ")
                    && stats.err.contains("peak memory"))
        let refused = try Tool.run("traceanalyze", [trace, "--report", "bogus"])
        #expect(refused.status == 64 && refused.err.contains("'bogus' is invalid for '--report"))
        let help = try Tool.run("traceanalyze", [trace, "--help"])
        #expect(help.status == 0 && help.out.contains("USAGE: traceanalyze"))
        let written = dir.appendingPathComponent("early.json").path
        let toFile = try Tool.run("traceanalyze", [trace, "--report", "json", "-o", written])
        #expect(toFile.status == 0 && toFile.out == "wrote \(written)\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: written)) == Data(reports[0].out.utf8))
        let notATrace = dir.appendingPathComponent("notes.txt")
        try Data("not a trace".utf8).write(to: notATrace)
        let wrong = try Tool.run("traceanalyze", [notATrace.path])
        #expect(wrong.status == 1 && wrong.err.contains("notes.txt: frame 0 at byte offset 0: not a trace file"))
    }

    @Test func checkExitsOneOnAViolation() throws {
        let events = [
            TraceEvent(time: 1, node: NodeID(1), .becameLeader(term: 4)),
            TraceEvent(time: 2, node: NodeID(2), .becameLeader(term: 4)),
        ]
        let path = try writeTrace(events)
        let r = try Tool.run("traceanalyze", ["check", path])
        #expect(r.status == 1)
        #expect(r.out.contains("election safety at 2ns on n1, n2: both became leader of term 4"))
    }

    @Test func badScenarioInputIsRefusedWithAReason() throws {
        let dir = try scratchDirectory()
        let yaml = dir.appendingPathComponent("bad.yaml")
        try "cluster: 3\nfaults:\n  - at: 1s\n    crash: n7\n".write(to: yaml, atomically: true, encoding: .utf8)
        let r = try Tool.run("raftrecord", ["run", "--scenario-file", yaml.path, "-o", dir.appendingPathComponent("x.trace").path])
        #expect(r.status == 2)
        #expect(r.err.contains("bad.yaml:4: faults[0].crash"))
        try "cluster: 3\nduration: 2s\nfaults:\n  - at: 1s\n    crash: follower3\n".write(to: yaml, atomically: true, encoding: .utf8)
        let idle = try Tool.run("raftrecord", ["run", "--scenario-file", yaml.path, "-o", dir.appendingPathComponent("x.trace").path])
        #expect(idle.status == 0)
        #expect(idle.err.contains("warning: faults[0] at 1s, crash: follower3, did nothing"))
        let unknown = try Tool.run("raftrecord", ["run", "--scenario", "nope"])
        #expect(unknown.status != 0)
        #expect(unknown.err.contains("unknown scenario 'nope'; known: steady, "))
        let typo = try Tool.run("raftrecord", ["run", "--scenario", "partial-connectivity"])
        #expect(typo.err.contains("unknown scenario 'partial-connectivity' (did you mean 'partial-connectivity-a' or 'partial-connectivity-b'?)"))
        let range = try Tool.run("raftrecord", ["run", "--election-timeout", "fast"])
        #expect(range.status != 0)
        #expect(range.err.contains("--election-timeout 'fast'"))
        // Timings the simulator cannot run are refused before it starts (a zero heartbeat would
        // never let time move on).
        let zero = try Tool.run("raftrecord", ["run", "--heartbeat", "0ms", "-o", dir.appendingPathComponent("x.trace").path])
        #expect(zero.status == 2 && zero.err.contains("error: the heartbeat interval must be at least 1ms, not 0s"))
        let slow = try Tool.run("raftrecord", ["run", "--heartbeat", "150ms", "--no-trace"])
        #expect(slow.status == 2 && slow.err.contains("the minimum election timeout (150ms) must be longer than the heartbeat interval (150ms)"))
        let sweep = try Tool.run("raftrecord", ["sweep", "--scenario", "paper-9.3", "--trials", "1", "--vary", "heartbeat=50ms,200ms",
                                                "-o", dir.appendingPathComponent("sweep").path])
        #expect(sweep.status == 2 && sweep.err.contains("error: heartbeat=200ms: the minimum election timeout (150ms)"))
    }

    @Test func sweepWritesItsReportsAndCompareAttributes() throws {
        let dir = try scratchDirectory()
        let out = dir.appendingPathComponent("sweep").path
        let sweep = try Tool.run("raftrecord", ["sweep", "--scenario", "paper-9.3", "--trials", "3", "--vary", "pre-vote=off,on",
                                                "--vary", "election-timeout=150ms-200ms,150ms-300ms", "-o", out, "--quiet"])
        #expect(sweep.status == 0, "\(sweep.err)")
        #expect(sweep.out.contains("12 runs"))
        for f in ["summary.jsonl", "report.txt", "report.json", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + f), "\(f)")
        }
        let lines = try String(contentsOfFile: out + "/summary.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 12)
        let bad = try Tool.run("raftrecord", ["sweep", "--vary", "colour=red"])
        #expect(bad.status != 0)
        #expect(bad.err.contains("--vary 'colour=red'"))

        let a = dir.appendingPathComponent("a.trace").path, b = dir.appendingPathComponent("b.trace").path
        _ = try Tool.run("raftrecord", ["run", "--scenario", "rejoin", "-o", a])
        _ = try Tool.run("raftrecord", ["run", "--scenario", "rejoin", "--pre-vote", "-o", b])
        let cmp = try Tool.run("traceanalyze", ["compare", a, b])
        #expect(cmp.status == 0)
        #expect(cmp.out.contains("b enables pre-vote"))
        let verify = try Tool.run("traceanalyze", [a, "--verify-advice"])
        #expect(verify.out.contains("confirmed"))
    }
}
