/// The terminal report: a summary a person reads top to bottom, with colour on a TTY.
public enum TextReport {
    /// Disruptions and advice items printed; the rest are in the JSON report.
    static let listed = 20

    public static func render(_ r: AnalysisReport, color: Bool) -> String {
        func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
        func head(_ s: String) -> String { paint(s, "1") }
        let bad = { (s: String) in paint(s, "31") }
        let good = { (s: String) in paint(s, "32") }
        typealias T = ReportText
        // What a capped list left out (a focused report's lists hold its stretch only).
        func more(limit: Int, listed: Int, of total: Int) -> String? {
            T.more(limit: limit, listed: listed, of: total, focused: r.trace.focus != nil)
        }
        var out: [String] = []
        let t = r.trace
        out.append(head("\(t.scenario)") + " (seed \(t.seed)): \(t.nodes.count) nodes, \(T.time(t.end - t.start)), \(t.events) events, integrity \(T.integrity(t))")
        if !t.summary.isEmpty { out.append("  \(t.summary)") }
        out.append("  \(T.features(t.features)); \(T.timing(t.timing))" + (t.network.map { "; \(T.networkModel($0))" } ?? ""))
        if let focus = T.focus(t) { out.append("  " + paint(focus, "1")) }
        out.append("")
        let a = r.availability
        out.append(head("Availability"))
        out.append("  without a leader  \(a.leaderlessTotal == 0 ? good("never") : "\(T.time(a.leaderlessTotal)) in \(T.count(a.leaderlessCount, "window")), longest \(T.time(a.leaderlessLongest))")")
        out.append("  stalls            \(a.stallCount == 0 ? good("none") : bad("\(T.time(a.stallTotal)) in \(a.stallCount), longest \(T.time(a.stallLongest))"))")
        let c = a.client
        out.append("  clients           \(T.clientOutcomes(c, "writes")), \(c.redirects) redirects; latency \(T.percentiles(c.latency))")
        if let rd = r.availability.reads {
            out.append("  reads             \(T.clientOutcomes(rd, "reads")), \(rd.redirects) redirects; latency \(T.percentiles(rd.latency))")
        }
        out.append("  commits           \(a.committedEntries) entries, \(T.number(a.throughputPerSecond)) per second, \(T.number(a.messagesPerCommit)) messages per commit; latency \(T.percentiles(a.commitLatency))")
        if let n = r.network {
            out.append("  network           \(T.network(n))")
            let lossy = n.lossyLinks
            if !lossy.isEmpty {
                out.append("                    most dropped: " + lossy.prefix(3).map(T.linkDrops).joined(separator: "; ")
                           + (lossy.count > 3 ? "; \(ReportText.count(lossy.count - 3, "more link"))" : ""))
            }
            if !n.slowLinks.isEmpty {
                out.append("                    slow: " + n.slowLinks.prefix(3).map(T.linkLatency).joined(separator: "; ")
                           + (n.slowLinks.count > 3 ? "; \(n.slowLinks.count - 3) more" : ""))
            }
        }
        out.append("")
        let e = r.elections
        out.append(head("Elections") + "  \(e.attempts) attempts (\(T.outcomes(e.byOutcome))), \(T.number(e.ratePerMinute)) candidacies per minute, highest term \(e.highestTerm)")
        if let n = r.network, n.roundTripExceedsTimeout {
            out.append("  messages too slow: " + T.slowMessages(n, timing: r.trace.timing))
        }
        if let v = e.splitVoteTiming {
            out.append("  split votes: " + T.voteTiming(v, timing: r.trace.timing))
            for line in T.evidenceLines(v.evidence) { out.append("      \(line)") }
        }
        let transfers = e.list.filter { $0.trigger == "transfer" }
        if !transfers.isEmpty {
            out.append("  started by a leadership transfer: " + transfers.prefix(10).map { "#\($0.id) \(T.node($0.node)) (\(T.outcome($0.outcome)))" }.joined(separator: ", "))
        }
        out.append("")
        let totals = r.disruptionTotals
        out.append(head("Disruptions") + "  " + (totals.count == 0 ? good("none")
            : bad("\(totals.count)") + (totals.byCause.count > 1 ? " (\(T.causes(totals.byCause)))" : "")))
        for d in r.disruptions.prefix(Self.listed) {
            out.append("  #\(d.id) at \(T.time(d.time)): \(T.disruption(d))")
            for line in T.evidenceLines(d.evidence) { out.append("      \(line)") }
        }
        if let more = more(limit: Self.listed, listed: r.disruptions.count, of: totals.count) {
            out.append("  ... \(more)")
        }
        if !r.termInflation.isEmpty {
            out.append("")
            out.append(head("Term inflation"))
            for i in r.termInflation.prefix(10) {
                out.append("  \(T.node(i.node)) campaigned from term \(i.fromTerm) to \(i.toTerm) between \(T.time(i.start)) and \(T.time(i.end)) with no leader elected")
            }
            if let more = more(limit: 10, listed: r.termInflation.count, of: r.termInflationCount) {
                out.append("  ... \(more)")
            }
        }
        if let snap = r.snapshots, !snap.isEmpty {
            out.append("")
            out.append(head("Snapshots") + "  " + T.snapshots(snap))
            for i in snap.installs.prefix(10) {
                out.append("  " + T.snapshotInstall(i))
                for line in T.evidenceLines(i.evidence) { out.append("      \(line)") }
            }
            if snap.installCount > 10 { out.append("  ... \(snap.installCount - 10) more installs") }
        }
        out.append("")
        let s = r.safety
        out.append(head("Safety") + "  " + (s.violations.isEmpty
            ? good("no violations") + " (\(T.count(s.leadersChecked, "leader election")), \(s.appliedEntriesChecked) applied entries"
                + (s.readsChecked > 0 ? ", \(T.count(s.readsChecked, "read"))" : "") + " checked)"
            : bad(T.count(s.violationCount, "violation"))))
        for v in s.violations.prefix(10) {
            out.append("  \(T.violationLine(v))")
            for ev in v.evidence { out.append("      \(T.event(ev))") }
        }
        if let more = more(limit: 10, listed: s.violations.count, of: s.violationCount) {
            out.append("  ... \(more)")
        }
        out.append("")
        out.append(head("Advice"))
        // (A focused report may list no advice while the run's summary has some.)
        if r.advisesNothing {
            out.append("  nothing to advise: no disruption or stall that a feature would have changed")
        }
        if let note = T.timingNote(r) { out.append("  - " + note) }
        for summary in r.adviceSummary { out.append("  " + (summary.helps > 0 ? "* " : "- ") + T.adviceSummary(summary)) }
        if !r.adviceSummary.isEmpty && !r.advice.isEmpty { out.append("  In detail:") }
        for (i, adv) in r.advice.prefix(Self.listed).enumerated() {
            out.append("  \(i + 1). \(adv.prevents ? "" : "(would not help) ")\(T.advice(adv))")
        }
        if let more = more(limit: Self.listed, listed: r.advice.count, of: r.adviceEvaluated) {
            out.append("  ... \(more)")
        }
        for f in r.featureEffects { out.append("  - \(T.effect(f))") }
        if let line = T.unadvised(r.disruptionTotals.unadvisedByCause) { out.append("  - \(line)") }
        if let verification = r.verification {
            out.append("")
            out.append(head("Advice verified by replay"))
            if verification.isEmpty { out.append(r.trace.focus == nil ? "  no advice to verify" : "  no advice about this stretch to verify") }
            for v in verification { out.append("  " + (v.confirmed ? good("✓") : bad("✗")) + " " + T.verification(v)) }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
