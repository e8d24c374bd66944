#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One self-contained HTML file: an SVG timeline (drawn by the page's own script from data
/// embedded in the page: zoom, pan, hover), then the advice and the tables. Loads nothing from
/// the network. Every string from the trace is escaped. Lists are capped by the analyses, so the
/// file stays small for any trace length.
public enum HTMLReport {
    /// Items listed in the page (the JSON report lists more), so that it stays small.
    static let listedAdvice = 150
    static let listedDisruptions = 300

    public static func render(_ r: AnalysisReport) -> String {
        typealias T = ReportText
        let t = r.trace
        var h = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        h += "<title>\(esc(t.scenario)) - raft trace report</title><style>\(css)</style></head><body>\n"
        h += "<header><h1>\(esc(t.scenario)) <span class=\"sub\">seed \(t.seed)</span></h1>"
        if !t.summary.isEmpty { h += "<p class=\"summary\">\(esc(t.summary))</p>" }
        h += "<p class=\"meta\">\(t.nodes.count) nodes &middot; \(esc(T.time(t.end - t.start))) &middot; \(t.events) events &middot; "
        h += "\(esc(T.features(t.features))) &middot; \(esc(T.timing(t.timing)))\(t.network.map { " &middot; " + esc(T.networkModel($0)) } ?? "") &middot; integrity \(esc(T.integrity(t)))</p>"
        h += "<p class=\"meta\">\(esc(t.path))</p>"
        if let focus = T.focus(t) { h += "<p class=\"focus\">\(esc(focus))</p>" }
        h += "</header>\n"
        h += cards(r)
        h += "<section id=\"timeline-section\"><h2>Timeline</h2>"
        h += toolbar(snapshots: [r])
        h += chart(r, id: "timeline") + "</section>\n"
        h += adviceSection(r)
        h += disruptionSection(r)
        h += availabilitySection(r)
        h += electionSection(r)
        h += snapshotSection(r)
        h += safetySection(r)
        h += "<script>\(script)</script>\n</body></html>\n"
        return h
    }

    /// One timeline: the SVG the page script draws into, its tooltip, and its data.
    static func chart(_ r: AnalysisReport, id: String) -> String {
        "<div class=\"chart\"><svg id=\"\(id)\" class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"timeline\"></svg>"
            + "<div class=\"tooltip\"></div><script type=\"application/json\" class=\"data\" id=\"data-\(id)\">\(embeddedData(r))</script></div>"
            + (ReportText.timelineDetail(r).map { "<p class=\"hint\">\(esc($0))</p>" } ?? "")
    }

    /// The toolbar shared by all timelines of a page; its legend names snapshot and violation
    /// marks only when one of the reports has one to mark.
    static func toolbar(snapshots reports: [AnalysisReport]) -> String {
        let snapshots = reports.contains { ($0.snapshots?.installCount ?? 0) > 0 }
        let violations = reports.contains { !$0.safety.violations.isEmpty }
        let focused = reports.contains { $0.trace.focus != nil }
        let whole = focused ? "stretch" : "run"
        return "<div class=\"toolbar\"><button data-zoom=\"in\">zoom in</button><button data-zoom=\"out\">zoom out</button>"
            + "<button data-zoom=\"reset\">whole \(whole)</button>" + arrowsAndLegend + (snapshots ? " <i class=\"s-mark\"></i>snapshot installed" : "")
            + (violations ? " <i class=\"v-mark\">×</i>safety violation" : "")
            + "</span></div><p class=\"hint\">Scroll to zoom, drag to pan, double-click for the whole \(whole). "
            + "Messages are drawn as arrows when less than 2 s is shown ("
            + (focused ? "every message sent in this stretch, at most \(MessageSampler.limit)" : "only around disruptions") + ").</p>"
    }

    private static let arrowsAndLegend = "<label>arrows <select id=\"arrows\"><option value=\"all\">all messages</option><option value=\"votes\">votes only</option><option value=\"none\">none</option></select></label><span id=\"range\"></span>"
        + "<span class=\"legend\"><i class=\"r-follower\"></i>follower <i class=\"r-preCandidate\"></i>pre-candidate "
        + "<i class=\"r-candidate\"></i>candidate <i class=\"r-leader\"></i>leader <i class=\"r-down\"></i>down "
        + "<i class=\"f-shade\"></i>fault in force <i class=\"d-mark\"></i>disruption"

    static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    private static func link(_ t0: UInt64, _ t1: UInt64, _ text: String) -> String {
        "<a href=\"#timeline-section\" class=\"goto\" data-t0=\"\(t0)\" data-t1=\"\(t1)\">\(esc(text))</a>"
    }

    private static func link(_ span: (UInt64, UInt64), _ text: String) -> String { link(span.0, span.1, text) }

    /// All of window `w` and a little on either side (within the timeline's stretch).
    private static func around(_ w: Window, _ r: AnalysisReport) -> (UInt64, UInt64) {
        (around(w.start, r).0, min(max(w.end, around(w.end, r).1), r.trace.focus?.end ?? .max))
    }

    private static func around(_ t: UInt64, _ r: AnalysisReport) -> (UInt64, UInt64) {
        // Within the timeline's stretch: the whole run, or the report's focus.
        let pad = 4 * r.trace.timing.electionTimeoutMax
        let start = r.trace.focus?.start ?? r.trace.start, end = r.trace.focus?.end ?? r.trace.end
        let t = min(max(t, start), end)
        return (t > start.addingSaturating(pad) ? t - pad : start, min(end, t.addingSaturating(pad)))
    }

    private static func cards(_ r: AnalysisReport) -> String {
        typealias T = ReportText
        let a = r.availability
        func card(_ label: String, _ value: String, _ bad: Bool) -> String {
            "<div class=\"card\(bad ? " bad" : "")\"><div class=\"v\">\(esc(value))</div><div class=\"l\">\(esc(label))</div></div>"
        }
        var s = "<section class=\"cards\">"
        s += card("without a leader (longest \(T.time(a.leaderlessLongest)))", T.time(a.leaderlessTotal), a.leaderlessTotal > 0)
        s += card("disruptions of a stable leader", "\(r.disruptionTotals.count)", r.disruptionTotals.count > 0)
        // Failed pre-vote rounds are attempts too, but harmless: candidacies (terms campaigned for) colour it.
        let candidacies = r.elections.candidacies == 1 ? "1 candidacy" : "\(r.elections.candidacies) candidacies"
        s += card("election attempts (\(candidacies)), highest term \(r.elections.highestTerm)",
                  "\(r.elections.attempts)", r.elections.candidacies > 1)
        let waiting = a.client.unanswered == 0 ? "" : "; \(a.client.unanswered) still waiting at the end"
        s += card("client writes ok (\(a.client.succeeded) of \(a.client.succeeded + a.client.timedOut)\(waiting))",
                  T.percent(a.client.successRate), a.client.successRate < 1)
        s += card("stalled with a leader", T.time(a.stallTotal), a.stallTotal > 0)
        s += card("safety violations", "\(r.safety.violationCount)", r.safety.violationCount > 0)
        return s + "</section>\n"
    }

    private static func adviceSection(_ r: AnalysisReport) -> String {
        var s = "<section id=\"advice\"><h2>What would have helped</h2>"
        if r.advisesNothing {
            s += "<p>Nothing to advise: no disruption or stall that one of the features would have changed.</p>"
        }
        if let note = ReportText.timingNote(r) {
            s += "<p>\(esc(note)) <a class=\"goto\" href=\"#elections\">Elections</a></p>"
        }
        if !r.adviceSummary.isEmpty {
            s += "<ul class=\"verdicts\">"
            for summary in r.adviceSummary {
                s += "<li class=\"\(summary.helps > 0 ? "helps" : "nohelp")\">\(esc(ReportText.adviceSummary(summary)))</li>"
            }
            s += "</ul>"
        }
        if !r.advice.isEmpty {
            let listed = r.advice.prefix(Self.listedAdvice)
            let helping = listed.filter(\.prevents).count
            if helping > 0 && helping < listed.count {
                // On a churning run the items that would help can sit among many that would not.
                s += "<p><label><input type=\"checkbox\" id=\"only-helps\" onchange=\"document.querySelector('ol.advice')"
                s += ".classList.toggle('only',this.checked)\"> show only the \(helping) of these \(listed.count) items that would help</label></p>"
            }
            s += "<ol class=\"advice\">"
            for (i, a) in listed.enumerated() {
                let (t0, t1) = a.window.map { around($0, r) }
                    ?? around(r.disruptions.first { a.disruptions.contains($0.id) }?.time ?? r.trace.start, r)
                s += "<li id=\"advice-\(i + 1)\" value=\"\(i + 1)\" class=\"\(a.prevents ? "helps" : "nohelp")\"><span class=\"tag\">\(a.prevents ? "would help" : "would not help")</span> "
                s += "\(esc(ReportText.advice(a))) \(link(t0, t1, "show on timeline"))"
                if !a.voters.isEmpty {
                    s += "<table class=\"voters\"><tr><th>voter</th><th>reachable</th><th>last index/term</th><th>log up to date</th><th>heard from leader</th><th>pre-vote</th><th>with stickiness</th></tr>"
                    for v in a.voters {
                        s += "<tr><td>n\(v.voter)</td><td>\(ReportText.connection(v.connection))</td><td>\(v.lastIndex)/\(v.lastTerm)</td><td>\(v.logUpToDate ? "yes" : "no")</td>"
                        s += "<td>\(esc(ReportText.leaderContact(v)))</td>"
                        s += "<td>\(v.grantsPreVote ? "grant" : "refuse")</td><td>\(v.grantsWithStickiness ? "grant" : "refuse")</td></tr>"
                    }
                    s += "</table>"
                }
                if let v = r.verification?.first(where: { $0.advice == i }) {
                    s += "<p class=\"verify \(v.confirmed ? "ok" : "bad")\"><b>Replay:</b> \(esc(ReportText.verification(v)))</p>"
                }
                s += evidence(a.evidence, in: r)
                s += "</li>"
            }
            s += "</ol>"
        }
        s += more(limit: Self.listedAdvice, listed: r.advice.count, of: r.adviceEvaluated, in: r)
        let unadvised = ReportText.unadvised(r.disruptionTotals.unadvisedByCause)
        if !r.featureEffects.isEmpty || unadvised != nil {
            s += "<ul class=\"effects\">"
            for f in r.featureEffects { s += "<li>\(esc(ReportText.effect(f)))\(evidence(f.evidence, in: r))</li>" }
            if let unadvised { s += "<li>\(esc(unadvised))</li>" }
            s += "</ul>"
        }
        return s + "</section>\n"
    }

    /// A paragraph saying what a capped list left out (empty when nothing was).
    private static func more(limit: Int, listed: Int, of total: Int, in r: AnalysisReport) -> String {
        ReportText.more(limit: limit, listed: listed, of: total, focused: r.trace.focus != nil).map { "<p>\(esc($0)).</p>" } ?? ""
    }

    private static func evidence(_ refs: [EventRef], in r: AnalysisReport) -> String {
        guard let first = refs.first else { return "" }
        return "<details><summary>evidence (\(ReportText.count(refs.count, "event")))</summary><ul class=\"ev\">"
            + refs.map { "<li>\(esc(ReportText.event($0)))</li>" }.joined() + "</ul>"
            + "<p class=\"evhint\">The events around one: <code>traceanalyze events \(esc(r.trace.path)) --around \(first.ordinal)</code></p></details>"
    }

    private static func disruptionSection(_ r: AnalysisReport) -> String {
        var s = "<section id=\"disruptions\"><h2>Disruptions</h2>"
        let totals = r.disruptionTotals
        if totals.count == 0 {
            s += "<p>No stable leader lost its leadership.</p>"
        } else {
            if totals.byCause.count > 1 { s += "<p>\(totals.count) in all: \(esc(ReportText.causes(totals.byCause))).</p>" }
            s += "<table><tr><th>#</th><th>time</th><th>cause</th><th>what happened</th><th>without a leader</th></tr>"
            for d in r.disruptions.prefix(Self.listedDisruptions) {
                let (t0, t1) = around(d.time, r)
                s += "<tr id=\"disruption-\(d.id)\"><td>\(link(t0, t1, "#\(d.id)"))</td><td>\(esc(ReportText.time(d.time)))</td>"
                s += "<td>\(esc(ReportText.cause(d.cause)))</td><td>\(esc(ReportText.disruption(d)))\(evidence(d.evidence, in: r))</td>"
                s += "<td>\(esc(d.leaderlessFor.map(ReportText.time) ?? "until the end"))"
                if let from = d.leaderlessFrom { s += " from \(esc(ReportText.time(from)))" }
                s += "</td></tr>"
            }
            s += "</table>"
            s += more(limit: Self.listedDisruptions, listed: r.disruptions.count, of: totals.count, in: r)
        }
        // Term inflation is listed whether or not it deposed a leader (the text report does the same).
        if !r.termInflation.isEmpty {
            s += "<h3>Term inflation</h3><ul>"
            for i in r.termInflation.prefix(100) {
                s += "<li>\(link(i.start, i.end, "n\(i.node)")) campaigned from term \(i.fromTerm) to \(i.toTerm) between \(esc(ReportText.time(i.start))) and \(esc(ReportText.time(i.end))) with no leader elected\(evidence(i.evidence, in: r))</li>"
            }
            s += "</ul>"
            s += more(limit: 100, listed: r.termInflation.count, of: r.termInflationCount, in: r)
        }
        return s + "</section>\n"
    }

    private static func availabilitySection(_ r: AnalysisReport) -> String {
        typealias T = ReportText
        let a = r.availability
        var s = "<section id=\"availability\"><h2>Availability and latency</h2><table class=\"kv\">"
        s += "<tr><th>without a leader</th><td>\(esc(T.time(a.leaderlessTotal))) in \(T.count(a.leaderlessCount, "window")), longest \(esc(T.time(a.leaderlessLongest)))</td></tr>"
        s += "<tr><th>stalls (a leader, no commits, clients waiting)</th><td>\(esc(T.time(a.stallTotal))) in \(a.stallCount), longest \(esc(T.time(a.stallLongest)))</td></tr>"
        s += "<tr><th>client writes</th><td>\(a.client.requests) issued, \(a.client.succeeded) ok, \(a.client.timedOut) gave up, \(a.client.unanswered) still waiting at the end, \(a.client.redirects) redirects</td></tr>"
        s += "<tr><th>client latency</th><td>\(esc(T.percentiles(a.client.latency)))</td></tr>"
        if let rd = a.reads {
            s += "<tr><th>client reads</th><td>\(rd.requests) issued, \(rd.succeeded) ok, \(rd.timedOut) gave up, \(rd.unanswered) still waiting at the end, \(rd.redirects) redirects</td></tr>"
            s += "<tr><th>read latency</th><td>\(esc(T.percentiles(rd.latency)))</td></tr>"
        }
        s += "<tr><th>commit latency</th><td>\(esc(T.percentiles(a.commitLatency)))</td></tr>"
        s += "<tr><th>throughput</th><td>\(a.committedEntries) entries, \(esc(T.number(a.throughputPerSecond))) per second, \(esc(T.number(a.messagesPerCommit))) messages per commit</td></tr>"
        if let n = r.network { s += "<tr><th>network</th><td>\(esc(T.network(n)))</td></tr>" }
        s += "</table>"
        if let n = r.network, !n.lossyLinks.isEmpty || !n.slowLinks.isEmpty {
            // The links that dropped messages (most first) and the slow ones; the JSON report has all.
            let shown = Array(n.lossyLinks.prefix(20))
            let slow = n.slowLinks.filter { l in !shown.contains { $0.from == l.from && $0.to == l.to } }
            s += "<h3>Links</h3><table><tr><th>link</th><th>sent</th><th>dropped</th><th>why</th><th>mean latency</th><th>max latency</th></tr>"
            for l in shown + slow {
                let why = T.dropReasons(l.dropped)
                s += "<tr><td>\(T.link(l))</td><td>\(l.sent)</td><td>\(l.droppedTotal) (\(esc(T.percent(l.droppedShare))))</td>"
                s += "<td>\(esc(why))</td><td>\(l.timedDeliveries == 0 ? "-" : esc(T.time(l.meanLatency)))</td><td>\(l.timedDeliveries == 0 ? "-" : esc(T.time(l.maxLatency)))</td></tr>"
            }
            s += "</table>"
            let lossy = n.lossyLinks.count
            if lossy > shown.count { s += "<p class=\"more\">\(ReportText.count(lossy - shown.count, "more link")) dropped messages; the JSON report lists every link.</p>" }
        }
        if !a.longestWindows.isEmpty {
            s += "<h3>Longest windows</h3><table><tr><th>kind</th><th>from</th><th>to</th><th>length</th></tr>"
            for l in a.longestWindows {
                let w = l.window, kind = l.kind == .stall ? "stall" : "no leader"
                s += "<tr><td>\(kind)</td><td>\(link(around(w, r), T.time(w.start)))</td>"
                s += "<td>\(esc(T.time(w.end)))</td><td>\(esc(T.time(w.duration)))</td></tr>"
            }
            s += "</table>"
        }
        return s + "</section>\n"
    }

    private static func electionSection(_ r: AnalysisReport) -> String {
        typealias T = ReportText
        let e = r.elections
        var s = "<section id=\"elections\"><h2>Elections</h2><p>\(e.attempts) attempts (\(esc(T.outcomes(e.byOutcome)))), "
        s += "\(esc(T.number(e.ratePerMinute))) candidacies per minute, highest term \(e.highestTerm).</p>"
        if let n = r.network, n.roundTripExceedsTimeout {
            s += "<p>Messages too slow: \(esc(T.slowMessages(n, timing: r.trace.timing)))</p>"
        }
        if let v = e.splitVoteTiming {
            s += "<p>Split votes: \(esc(T.voteTiming(v, timing: r.trace.timing)))</p>" + evidence(v.evidence, in: r)
        }
        guard !e.list.isEmpty else { return s + "</section>\n" }
        s += "<table><tr><th>#</th><th>node</th><th>start</th><th>trigger</th><th>took</th><th>term</th><th>pre-vote</th><th>votes</th><th>outcome</th></tr>"
        func votes(_ v: [VoteRecord]) -> String {
            v.map { "n\($0.voter) \($0.granted ? "yes" : "no" + ($0.reason.map { " (\(T.voteRefusal($0)))" } ?? ""))" }.joined(separator: ", ")
        }
        for a in e.list.prefix(200) {
            let (t0, t1) = around(a.start, r)
            s += "<tr><td>\(link(t0, t1, "\(a.id)"))</td><td>n\(a.node)</td><td>\(esc(T.time(a.start)))</td><td>\(esc(T.trigger(a.trigger)))</td><td>\(esc(T.time(a.end - a.start)))</td>"
            s += "<td>\(a.fromTerm)&rarr;\(a.term)</td><td>\(esc(a.preVote.map(votes) ?? "-"))</td><td>\(esc(votes(a.votes)))</td><td class=\"o-\(a.outcome.rawValue)\">\(esc(T.outcome(a.outcome)))</td></tr>"
        }
        s += "</table>"
        if e.list.count > 200 || e.truncated { s += "<p>The first 200 are shown; the JSON report lists up to \(ElectionTracker.limit).</p>" }
        return s + "</section>\n"
    }

    /// Only when the trace has any snapshot event.
    private static func snapshotSection(_ r: AnalysisReport) -> String {
        guard let snap = r.snapshots, !snap.isEmpty else { return "" }
        var s = "<section id=\"snapshots\"><h2>Log compaction</h2><p>Snapshots: \(esc(ReportText.snapshots(snap))).</p>"
        if !snap.installs.isEmpty {
            s += "<ul>"
            for i in snap.installs {
                let (t0, t1) = around(i.time, r)
                s += "<li>\(link(t0, t1, ReportText.time(i.time))): \(esc(ReportText.snapshotInstall(i)))\(evidence(i.evidence, in: r))</li>"
            }
            s += "</ul>"
            if snap.installCount > snap.installs.count {
                s += "<p>The first \(snap.installs.count) of \(snap.installCount) installs are listed.</p>"
            }
        }
        return s + "</section>\n"
    }

    private static func safetySection(_ r: AnalysisReport) -> String {
        let sr = r.safety
        var s = "<section id=\"safety\"><h2>Safety</h2>"
        if sr.violations.isEmpty {
            s += "<p class=\"ok\">No violations: at most one leader in each term (\(sr.leadersChecked) elections won), \(sr.appliedEntriesChecked) applied entries agree across nodes, commit indexes never moved back, no leader truncated its log\(sr.readsChecked > 0 ? ", and \(sr.readsChecked) reads saw every write acknowledged before them" : "").</p>"
        } else {
            s += "<ul class=\"violations\">"
            for v in sr.violations.prefix(100) {
                s += "<li><b>\(esc(ReportText.rule(v.rule)))</b> at \(esc(ReportText.time(v.time))) on \(esc(v.nodes.map { ReportText.node($0) }.joined(separator: ", "))): \(esc(ReportText.violation(v)))\(evidence(v.evidence, in: r))</li>"
            }
            s += "</ul>"
            s += more(limit: 100, listed: sr.violations.count, of: sr.violationCount, in: r)
        }
        return s + "</section>\n"
    }

    /// The timeline data in a compact array form for the page script. `<` is escaped so no string
    /// from the trace can close the script element.
    static func embeddedData(_ r: AnalysisReport) -> String {
        let roles = RoleName.allCases
        let outcomes = ElectionAttempt.Outcome.allCases
        func role(_ r: RoleName) -> PageData { .int(roles.firstIndex(of: r)!) }
        let tl = r.timeline
        var d: PageData = [
            "start": .int(tl.start), "end": .int(tl.end), "colW": .int(tl.columnWidth),
            "roles": .array(roles.map { .string($0.rawValue) }),
            "lanes": .array(tl.nodes.map { n in
                ["node": .int(n.node), "truncated": .bool(n.truncated),
                 "iv": .array(n.intervals.map { [.int($0.start), .int($0.end), role($0.role), .int($0.term)] }),
                 "cols": .array(n.columns.map { [role($0.role), .int($0.changes), .int($0.maxTerm)] })]
            }),
            "leaders": .array(tl.leaders.map { [.int($0.term), .int($0.leader), .int($0.start), .int($0.end)] }),
            "faults": .array(tl.faults.map { f in
                [.string(f.kind.rawValue), .int(f.start), .int(f.end), .array(f.nodes.map { .int($0) }),
                 .string(f.links.map { "n\($0[0])→n\($0[1])" }.joined(separator: " "))]
            }),
            "labels": .array(tl.labels.map { [.int($0.time), .string($0.fields["text"] ?? "")] }),
            "msgs": .array(tl.messages.map { m in
                [.int(m.from), .int(m.to), .int(m.sent), .int(m.received ?? 0), .string(m.type),
                 .string(m.dropped.map(ReportText.dropReason) ?? ""), .int(m.term)]
            }),
            "disruptions": .array(r.disruptions.map { x in
                [.int(x.id), .int(x.time), .int(x.leader), .string(ReportText.cause(x.cause)), .int(x.origin ?? 0),
                 .int(x.leaderlessFor ?? 0), .int(x.leaderlessStart)]
            }),
            "elections": .array(r.elections.list.map { a in
                [.int(a.id), .int(a.node), .int(a.start), .int(a.end), .int(outcomes.firstIndex(of: a.outcome)!), .int(a.term)]
            }),
            "outcomes": .array(outcomes.map { .string(ReportText.outcome($0)) }),
            "windows": .array(r.availability.leaderless.map { [.int($0.start), .int($0.end)] }),
            "snaps": .array((r.snapshots?.installs ?? []).map { i in
                [.int(i.node), .int(i.time), .int(i.index), .int(i.term), .int(i.lastIndexBefore)]
            }),
            "viols": .array(r.safety.violations.map { v in
                [.int(v.time), .int(v.nodes.first ?? 0), .string(ReportText.rule(v.rule)),
                 .string(ReportText.violation(v))]
            }),
        ]
        // Stretches of skipped corrupt frames, greyed out (only present when there are some).
        if case .object(var fields) = d, !r.trace.unread.isEmpty {
            fields["unread"] = .array(r.trace.unread.map { [.int($0.start), .int($0.end)] })
            d = .object(fields)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(d)) ?? Data("{}".utf8)
        return String(decoding: json, as: UTF8.self).replacing("<", with: "\\u003c")
    }

    /// The page data: numbers, text, flags, and arrays and objects of them (the page script reads
    /// compact arrays of mixed types).
    enum PageData: Encodable, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
        case number(UInt64)
        case string(String)
        case bool(Bool)
        case array([PageData])
        case object([String: PageData])

        static func int<I: BinaryInteger>(_ v: I) -> PageData { .number(UInt64(clamping: v)) }

        init(arrayLiteral elements: PageData...) { self = .array(elements) }

        init(dictionaryLiteral elements: (String, PageData)...) {
            self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .number(let v): try c.encode(v)
            case .string(let v): try c.encode(v)
            case .bool(let v): try c.encode(v)
            case .array(let v): try c.encode(v)
            case .object(let v): try c.encode(v)
            }
        }
    }

    static let css = #"""
    :root{--fg:#1d2330;--muted:#5b6577;--line:#d9dee7;--bg:#fff;--follower:#9fb3c8;--preCandidate:#e8d44d;--candidate:#f0a04b;--leader:#2e9d5b;--down:#3a3f4b;--fault:rgba(214,48,49,.16);--bad:#c0392b}
    *{box-sizing:border-box}body{font:14px/1.45 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:var(--fg);margin:0;padding:20px 28px;background:var(--bg)}
    h1{margin:0;font-size:24px}h1 .sub{font-weight:400;color:var(--muted);font-size:15px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px}
    .summary{margin:4px 0;font-size:15px}.meta{color:var(--muted);margin:2px 0;font-size:12.5px}.focus{margin:6px 0 2px;padding:4px 8px;background:#fff8e1;border-left:3px solid #d69e2e;font-size:13px}
    .cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}.card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:150px}
    .card .v{font-size:22px;font-weight:600}.card .l{color:var(--muted);font-size:12px}.card.bad .v{color:var(--bad)}
    .toolbar{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin-bottom:4px}.toolbar button{font:inherit;padding:2px 10px;border:1px solid var(--line);background:#f6f8fa;border-radius:4px;cursor:pointer}
    #range{color:var(--muted);font-variant-numeric:tabular-nums}.legend{margin-left:auto;color:var(--muted);font-size:12px}.legend i{display:inline-block;width:12px;height:10px;margin:0 3px 0 10px;vertical-align:-1px}
    .r-follower{background:var(--follower)}.r-preCandidate{background:var(--preCandidate)}.r-candidate{background:var(--candidate)}.r-leader{background:var(--leader)}.r-down{background:var(--down)}.f-shade{background:var(--fault);outline:1px solid rgba(214,48,49,.5)}.d-mark{background:var(--bad);border-radius:50%}.s-mark{background:#6c5ce7;transform:rotate(45deg) scale(.8)}.v-mark{color:#c53030;font-style:normal;font-weight:700;line-height:10px;text-align:center}
    .hint{color:var(--muted);font-size:12px;margin:0 0 6px}#chart,.chart{position:relative;border:1px solid var(--line);border-radius:6px;overflow:hidden;margin-bottom:8px}svg.timeline{display:block;width:100%;cursor:grab;user-select:none}
    #tooltip,.tooltip{position:absolute;pointer-events:none;background:#1d2330;color:#fff;font-size:12px;padding:5px 8px;border-radius:4px;display:none;max-width:420px;white-space:pre-line;z-index:2}
    svg text{font-size:11px;fill:var(--fg)}svg .lane-label{font-weight:600}svg .axis text{fill:var(--muted)}svg .term{fill:#fff;font-size:10px;pointer-events:none}
    svg .fault{fill:var(--fault);stroke:rgba(214,48,49,.45);stroke-width:.5}svg .fault.light{fill:rgba(214,48,49,.06);stroke:none}svg .faultbar{fill:rgba(214,48,49,.55)}svg .dline{stroke:var(--bad);stroke-width:1.2;stroke-dasharray:4 3}svg .dmark{fill:var(--bad)}svg .dmark.many{fill:#7f1d1d}svg .snap{fill:#6c5ce7;stroke:#fff;stroke-width:1}svg .viol{stroke:#c53030;stroke-width:2.5;stroke-linecap:round}svg .dmark-t{fill:#fff;font-weight:700;font-size:10px;pointer-events:none}
    svg .msg{stroke:#4a5568;stroke-width:.8;fill:none;opacity:.75}svg .msg.dropped{stroke:var(--bad);stroke-dasharray:2 2}svg .msg.vote,svg .msg.preVote{stroke:#b7791f}svg .win{fill:rgba(214,48,49,.07)}svg .unread{stroke:#5a606e;stroke-dasharray:3 2}
    table{border-collapse:collapse;margin:6px 0;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}th{color:var(--muted);font-weight:600}
    table.kv th{width:260px}.advice li{margin-bottom:12px}.advice.only li.nohelp{display:none}.verdicts{list-style:none;padding:8px 14px;background:#f6faf7;border:1px solid #dce8e0;border-radius:6px}.verdicts li{margin:5px 0}.verdicts li.helps::before{content:"\2713  ";color:#1e7e44;font-weight:700}.verdicts li.nohelp{color:#555}.verdicts li.nohelp::before{content:"\2013  "}.tag{font-size:11px;padding:1px 6px;border-radius:8px;background:#e6f4ea;color:#1e7e44}.nohelp .tag{background:#f1f1f1;color:#666}
    .voters{font-size:12px;margin:6px 0}details{margin:4px 0}summary{cursor:pointer;color:var(--muted);font-size:12px}.ev{font:12px ui-monospace,Menlo,monospace;margin:4px 0;padding-left:18px}.evhint{font-size:12px;color:var(--muted);margin:2px 0 6px 18px}
    a.goto{color:#2b6cb0}.ok{color:#1e7e44}.verify{margin:4px 0;font-size:13px}.verify.bad{color:var(--bad)}.o-won{color:#1e7e44}.o-noQuorum,.o-splitVote,.o-preVoteFailed{color:#b7791f}
    """#

    static let script = #"""
    (function(){
    const NS='http://www.w3.org/2000/svg',L=56,R=14,LANE=30,TOP=34;
    const charts=[...document.querySelectorAll('.chart')].map(c=>({svg:c.querySelector('svg'),tip:c.querySelector('.tooltip'),D:JSON.parse(c.querySelector('script.data').textContent)}));
    if(!charts.length)return;
    const full0=Math.min(...charts.map(c=>c.D.start)),full1=Math.max(...charts.map(c=>Math.max(c.D.end,c.D.start+1)));
    let t0=full0,t1=full1,W=1200;const rangeEl=document.getElementById('range'),arrowsEl=document.getElementById('arrows');
    const palette=['#2e9d5b','#3b82c4','#8e44ad','#d35400','#16a085','#c0392b','#7f8c8d','#2c3e50'];
    function fmt(ns){ns=Number(ns);if(ns===0)return '0s';if(ns<1e3)return ns+'ns';if(ns<1e6)return +(ns/1e3).toFixed(2)+'us';if(ns<1e9)return +(ns/1e6).toFixed(2)+'ms';if(ns<6e10)return +(ns/1e9).toFixed(3)+'s';const ms=Math.round(ns/1e6),m=Math.floor(ms/6e4),r=(ms-m*6e4)/1e3;return m+'m'+(r<10?'0':'')+r+'s'}
    function x(t){return L+(t-t0)/(t1-t0)*(W-L-R)}
    function drawChart(C){
      const D=C.D,svg=C.svg,tip=C.tip,ROLE=D.roles,lanes=D.lanes,H=TOP+lanes.length*LANE+72;const nodeIndex={};lanes.forEach((l,i)=>nodeIndex[l.node]=i);
      function el(name,attrs,parent,text){const e=document.createElementNS(NS,name);for(const k in attrs)e.setAttribute(k,attrs[k]);if(text!==undefined)e.textContent=text;(parent||svg).appendChild(e);return e}
      function laneY(node){return TOP+nodeIndex[node]*LANE}
      function tipOn(e,text){e.addEventListener('mousemove',ev=>{tip.style.display='block';tip.textContent=text;const r=svg.parentNode.getBoundingClientRect();let lx=ev.clientX-r.left+12;if(lx>r.width-300)lx-=320;tip.style.left=lx+'px';tip.style.top=(ev.clientY-r.top+14)+'px'});e.addEventListener('mouseleave',()=>tip.style.display='none')}
      W=Math.max(600,svg.parentNode.clientWidth||1200);svg.setAttribute('viewBox','0 0 '+W+' '+H);svg.setAttribute('height',H);
      while(svg.firstChild)svg.removeChild(svg.firstChild);
      const span=t1-t0;if(rangeEl)rangeEl.textContent=fmt(t0)+' - '+fmt(t1)+' ('+fmt(span)+' shown)';
      el('defs',{},svg).innerHTML='<marker id="ah" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L6,3L0,6z" fill="#4a5568"/></marker><pattern id="hatch-'+C.svg.id+'" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eceef2"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8a909c" stroke-width="2"/></pattern><clipPath id="clip-'+C.svg.id+'"><rect x="'+L+'" y="0" width="'+(W-L-R)+'" height="'+H+'"/></clipPath>';
      const g=el('g',{'clip-path':'url(#clip-'+C.svg.id+')'});
      for(const w of D.windows){if(w[1]<t0||w[0]>t1)continue;const r=el('rect',{x:x(w[0]),y:TOP-6,width:Math.max(1,x(w[1])-x(w[0])),height:lanes.length*LANE+6,class:'win'},g);tipOn(r,'no leader acknowledged by a majority\n'+fmt(w[0])+' - '+fmt(w[1])+' ('+fmt(w[1]-w[0])+')')}
      lanes.forEach((lane,i)=>{
        const y=TOP+i*LANE;el('text',{x:8,y:y+16,class:'lane-label'},svg,'n'+lane.node);
        const useIv=!lane.truncated&&lane.iv.length>0&&(lane.iv.length<5*(W-L-R)||span<(D.end-D.start)/4);
        if(useIv){for(const v of lane.iv){if(v[1]<t0||v[0]>t1)continue;const x0=Math.max(L,x(v[0])),x1=Math.min(W-R,x(v[1]));if(x1-x0<.3)continue;
          const r=el('rect',{x:x0,y:y+3,width:Math.max(.6,x1-x0),height:LANE-8,fill:'var(--'+ROLE[v[2]]+')'},g);
          tipOn(r,'n'+lane.node+' '+ROLE[v[2]]+' in term '+v[3]+'\n'+fmt(v[0])+' - '+fmt(v[1])+' ('+fmt(v[1]-v[0])+')');
          if(x1-x0>24&&ROLE[v[2]]!=='down')el('text',{x:(x0+x1)/2,y:y+17,class:'term','text-anchor':'middle'},g,String(v[3]))}}
        else{lane.cols.forEach((c,k)=>{const a=D.start+k*D.colW,b=a+D.colW;if(b<t0||a>t1)return;const r=el('rect',{x:x(a),y:y+3,width:Math.max(.6,x(b)-x(a)),height:LANE-8,fill:'var(--'+ROLE[c[0]]+')'},g);
          tipOn(r,'n'+lane.node+' '+fmt(a)+' - '+fmt(b)+'\nmostly '+ROLE[c[0]]+', '+c[1]+' role changes, up to term '+c[2])})}
      });
      const ly=TOP-26;el('text',{x:8,y:ly+12,class:'lane-label'},svg,'leader');
      for(const l of D.leaders){if(l[3]<t0||l[2]>t1)continue;const x0=Math.max(L,x(l[2])),x1=Math.min(W-R,x(l[3]));const r=el('rect',{x:x0,y:ly+2,width:Math.max(1,x1-x0),height:12,fill:palette[(l[1]-1)%palette.length]},g);
        tipOn(r,'n'+l[1]+' leads term '+l[0]+'\n'+fmt(l[2])+' - '+fmt(l[3]));if(x1-x0>46)el('text',{x:x0+4,y:ly+12,class:'term'},g,'n'+l[1]+' t'+l[0])}
      for(const u of (D.unread||[])){if(u[1]<t0||u[0]>t1)continue;const x0=Math.max(L,x(u[0])),x1=Math.min(W-R,x(u[1]));const r=el('rect',{x:x0-1.5,y:ly,width:Math.max(3,x1-x0+3),height:lanes.length*LANE+26,class:'unread',fill:'url(#hatch-'+C.svg.id+')'},g);tipOn(r,'unread: a corrupt frame was skipped\n'+fmt(u[0])+' - '+fmt(u[1])+': its events were not analysed')}
      const fy=TOP+lanes.length*LANE+2;el('text',{x:8,y:fy+11,class:'lane-label'},svg,'faults');
      for(const f of D.faults){if(f[2]<t0||f[1]>t1)continue;const x0=Math.max(L,x(f[1])),x1=Math.min(W-R,x(f[2]));
        const cuts={};if(f[0]==='partition'){for(const p of f[4].split(' ')){const m=p.match(/n(\d+)→n(\d+)/);if(m){cuts[m[1]]=(cuts[m[1]]||0)+1;cuts[m[2]]=(cuts[m[2]]||0)+1}}}
        const most=Math.max(0,...Object.values(cuts));
        for(const n of f[3]){if(nodeIndex[n]===undefined)continue;const light=f[0]==='partition'&&cuts[n]<most;const r=el('rect',{x:x0,y:laneY(n)+1,width:Math.max(1,x1-x0),height:LANE-4,class:'fault'+(light?' light':'')},g);tipOn(r,f[0]+' '+(f[4]||('n'+f[3].join(', n')))+'\n'+fmt(f[1])+' - '+fmt(f[2]))}
        const b=el('rect',{x:x0,y:fy+2,width:Math.max(1.5,x1-x0),height:10,class:'faultbar'},g);tipOn(b,f[0]+' '+(f[4]||('n'+f[3].join(', n')))+'\n'+fmt(f[1])+' - '+fmt(f[2]))}
      for(const lb of D.labels){if(lb[0]<t0||lb[0]>t1)continue;el('text',{x:x(lb[0])+3,y:fy+25,fill:'#5b6577'},g,lb[1])}
      if(D.elections.length&&D.elections.filter(e=>e[2]>=t0&&e[2]<=t1).length<400){for(const e of D.elections){if(e[2]<t0||e[2]>t1||nodeIndex[e[1]]===undefined)continue;const cx=x(e[2]),y=laneY(e[1]);
        const p=el('path',{d:'M'+(cx-4)+','+(y)+'L'+(cx+4)+','+(y)+'L'+cx+','+(y+6)+'z',fill:D.outcomes[e[4]]==='won'?'#1e7e44':'#b7791f'},g);tipOn(p,'election '+e[0]+' by n'+e[1]+' for term '+e[5]+': '+D.outcomes[e[4]]+'\n'+fmt(e[2])+', took '+fmt(e[3]-e[2]))}}
      for(const sn of (D.snaps||[])){if(sn[1]<t0||sn[1]>t1||nodeIndex[sn[0]]===undefined)continue;const cx=x(sn[1]),y=laneY(sn[0])+LANE/2-2;
        const p=el('path',{d:'M'+cx+','+(y-6)+'L'+(cx+5)+','+y+'L'+cx+','+(y+6)+'L'+(cx-5)+','+y+'z',class:'snap'},g);tipOn(p,'n'+sn[0]+' installed the leader\'s snapshot at '+fmt(sn[1])+'\nthrough index '+sn[2]+' (term '+sn[3]+'); its log ended at '+sn[4])}
      for(const v of (D.viols||[])){if(v[0]<t0||v[0]>t1||nodeIndex[v[1]]===undefined)continue;const cx=x(v[0]),y=laneY(v[1])+LANE/2-2;
        const p=el('path',{d:'M'+(cx-4)+','+(y-4)+'L'+(cx+4)+','+(y+4)+'M'+(cx+4)+','+(y-4)+'L'+(cx-4)+','+(y+4),class:'viol'},g);tipOn(p,v[2]+' on n'+v[1]+' at '+fmt(v[0])+'\n'+v[3])}
      const mode=arrowsEl?arrowsEl.value:'all';
      if(span<=2e9&&mode!=='none'){for(const m of D.msgs){const r=m[3]||0;if(mode==='votes'&&!/[vV]ote/.test(m[4]))continue;if(m[2]>t1||(r||m[2])<t0||nodeIndex[m[0]]===undefined||nodeIndex[m[1]]===undefined)continue;const y0=laneY(m[0])+LANE/2-2,y1=laneY(m[1])+LANE/2-2;
        const end=r?x(r):x(m[2])+Math.min(30,(x(m[2]+1e7)-x(m[2])));const yy=r?y1:(y0+y1)/2;const ln=el('line',{x1:x(m[2]),y1:y0,x2:end,y2:yy,class:'msg '+m[4]+(m[5]?' dropped':''),'marker-end':r?'url(#ah)':''},g);
        tipOn(ln,m[4]+' n'+m[0]+' -> n'+m[1]+' term '+m[6]+'\nsent '+fmt(m[2])+(r?', delivered '+fmt(r):', dropped ('+(m[5]||'in flight')+')'))}}
      // Marks closer than 18 px merge into one that counts them (click: zoom to them), so a long run zoomed out is not a red smear.
      const groups=[];for(const d of D.disruptions){if(d[1]<t0||d[1]>t1)continue;const cx=x(d[1]),last=groups[groups.length-1];if(last&&cx-last.x<18)last.items.push(d);else groups.push({x:cx,items:[d]})}
      for(const gr of groups){const cx=gr.x,d=gr.items[0];
        if(gr.items.length===1){el('line',{x1:cx,y1:TOP-8,x2:cx,y2:TOP+lanes.length*LANE,class:'dline'},g);
          const c=el('circle',{cx:cx,cy:TOP-8,r:8,class:'dmark'},svg);el('text',{x:cx,y:TOP-4.5,class:'dmark-t','text-anchor':'middle'},svg,String(d[0]));
          tipOn(c,'disruption #'+d[0]+' at '+fmt(d[1])+'\nleader n'+d[2]+': '+d[3]+(d[4]?'\nfirst campaign by n'+d[4]:'')+(d[5]?'\nno leader for '+fmt(d[5])+(d[6]<d[1]?' from '+fmt(d[6]):''):''));
          c.style.cursor='pointer';c.addEventListener('click',()=>{const row=document.getElementById('disruption-'+d[0]);if(row)row.scrollIntoView({behavior:'smooth'})})}
        else{const a=gr.items[0],b=gr.items[gr.items.length-1];
          const c=el('circle',{cx:cx,cy:TOP-8,r:9,class:'dmark many'},svg);el('text',{x:cx,y:TOP-4.5,class:'dmark-t','text-anchor':'middle'},svg,String(gr.items.length));
          tipOn(c,gr.items.length+' disruptions, #'+a[0]+' to #'+b[0]+'\n'+fmt(a[1])+' - '+fmt(b[1])+'\nclick to zoom in');
          c.style.cursor='pointer';c.addEventListener('click',()=>{const pad=Math.max(2e8,(b[1]-a[1])/4);setRange(a[1]-pad,b[1]+pad)})}}
      const ay=H-20,ax=el('g',{class:'axis'});el('line',{x1:L,y1:ay-12,x2:W-R,y2:ay-12,stroke:'#d9dee7'},ax);
      const target=span/8,steps=[1e3,2e3,5e3,1e4,2e4,5e4,1e5,2e5,5e5,1e6,2e6,5e6,1e7,2e7,5e7,1e8,2e8,5e8,1e9,2e9,5e9,1e10,2e10,3e10,6e10,1.2e11,3e11,6e11,1.2e12,1.8e12,3.6e12,7.2e12];let step=steps.find(s=>s>=target)||steps[steps.length-1];
      for(let tt=Math.ceil(t0/step)*step;tt<=t1;tt+=step){el('line',{x1:x(tt),y1:ay-15,x2:x(tt),y2:ay-9,stroke:'#9aa3b2'},ax);el('text',{x:x(tt),y:ay+2,'text-anchor':'middle'},ax,fmt(tt))}
    }
    function draw(){for(const C of charts)drawChart(C)}
    function setRange(a,b){const min=2e5;if(b-a<min){const c=(a+b)/2;a=c-min/2;b=c+min/2}
      if(a<full0){b+=full0-a;a=full0}if(b>full1){a-=b-full1;b=full1}t0=Math.max(full0,a);t1=Math.min(full1,b);draw()}
    function zoom(f,c){c=c===undefined?(t0+t1)/2:c;setRange(c-(c-t0)*f,c+(t1-c)*f)}
    document.querySelectorAll('[data-zoom]').forEach(b=>b.addEventListener('click',()=>{const z=b.dataset.zoom;if(z==='in')zoom(.5);else if(z==='out')zoom(2);else setRange(full0,full1)}));
    let drag=null;
    for(const C of charts){const svg=C.svg;
      svg.addEventListener('wheel',ev=>{ev.preventDefault();const r=svg.getBoundingClientRect();const px=(ev.clientX-r.left)*W/r.width;const c=t0+(px-L)/(W-L-R)*(t1-t0);zoom(ev.deltaY<0?.8:1.25,c)},{passive:false});
      svg.addEventListener('mousedown',ev=>{drag={x:ev.clientX,a:t0,b:t1,svg:svg};svg.style.cursor='grabbing'});
      svg.addEventListener('dblclick',()=>setRange(full0,full1))}
    window.addEventListener('mousemove',ev=>{if(!drag)return;const r=drag.svg.getBoundingClientRect();const dt=(ev.clientX-drag.x)*W/r.width/(W-L-R)*(drag.b-drag.a);setRange(drag.a-dt,drag.b-dt)});
    window.addEventListener('mouseup',()=>{if(drag)drag.svg.style.cursor='grab';drag=null});
    document.querySelectorAll('a.goto').forEach(a=>a.addEventListener('click',()=>setRange(Number(a.dataset.t0),Number(a.dataset.t1))));
    window.addEventListener('resize',draw);if(arrowsEl)arrowsEl.addEventListener('change',draw);
    const h=location.hash.match(/^#t=(\d+)-(\d+)$/);if(h)setRange(Number(h[1]),Number(h[2]));else draw();
    })();
    """#
}
