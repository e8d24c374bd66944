import TraceFormat

/// Sentences and labels shared by the text and HTML reports. Everything here formats facts the
/// analyses found; nothing is computed from the trace.
public enum ReportText {
    public static func time(_ ns: UInt64) -> String { DurationText.format(ns) }

    public static func node(_ id: UInt32?) -> String { id.map { "n\($0)" } ?? "-" }

    /// `s` followed by spaces up to `width` characters, for columns of plain text.
    public static func padded(_ s: String, to width: Int) -> String {
        s + String(repeating: " ", count: max(0, width - s.count))
    }

    public static func onOff(_ b: Bool) -> String { b ? "on" : "off" }

    /// "ok", "recovered (... bytes lost at the tail)", or "corrupt frames skipped: 2 (5s-10s,
    /// 20s-25s unread)": the stretches of time the skipped frames held, the first three of them.
    public static func integrity(_ t: TraceSummary) -> String {
        guard !t.unread.isEmpty else { return t.integrity }
        let spans = t.unread.prefix(3).map { "\(time($0.start))-\(time($0.end))" }
        return t.integrity + " (" + spans.joined(separator: ", ") + (t.unread.count > 3 ? ", ..." : "") + " unread)"
    }

    /// "152342 messages sent, 812 dropped (0.5%: partition 800, loss 12); delivery latency mean 12.51ms",
    /// then "; 57 held by paused receivers (not in the latency)" when a pause held some back.
    public static func network(_ n: NetworkReport) -> String {
        let dropped = n.droppedTotal == 0 ? "none dropped"
            : "\(n.droppedTotal) dropped (\(percent(n.droppedShare)): \(dropReasons(n.dropped)))"
        let held = n.heldByPause == 0 ? "" : "; \(n.heldByPause) held by paused receivers (not in the latency)"
        return "\(n.sent) messages sent, \(dropped); delivery latency mean \(time(n.meanLatency))\(held)"
    }

    /// "n4→n1 812 of 812 (100%: partition 812)".
    public static func linkDrops(_ l: LinkStats) -> String {
        "\(link(l)) \(l.droppedTotal) of \(l.sent) (\(percent(l.droppedShare)): \(dropReasons(l.dropped)))"
    }

    /// "n4→n1".
    public static func link(_ l: LinkStats) -> String { "\(node(l.from))→\(node(l.to))" }

    /// "partition 800, receiver down 12": messages dropped by reason, the most first.
    public static func dropReasons(_ dropped: [String: UInt64]) -> String {
        dropped.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\(dropReason($0.key)) \($0.value)" }.joined(separator: ", ")
    }

    /// Why a message was dropped, in words; `reason` is a `DropReason` case name, as the
    /// analysis records it.
    public static func dropReason(_ reason: String) -> String {
        switch caseNamed(reason, of: DropReason.self) {
        case .partition: "partition"
        case .loss: "loss"
        case .receiverDown: "receiver down"
        case nil: reason
        }
    }

    /// The case of `E` whose name is `name`: the analysis records enumerations by case name.
    private static func caseNamed<E: CaseIterable>(_ name: String?, of _: E.Type) -> E? {
        E.allCases.first { "\($0)" == name }
    }

    /// "n1→n5 mean 71ms, max 251ms (703 delivered)".
    public static func linkLatency(_ l: LinkStats) -> String {
        "\(link(l)) mean \(time(l.meanLatency)), max \(time(l.maxLatency)) (\(l.delivered) delivered)"
    }

    /// "1 window", "2 windows": a count and its noun, plural unless the count is one.
    public static func count(_ n: some BinaryInteger, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    public static func features(_ f: RaftFeatures) -> String {
        "pre-vote \(onOff(f.preVote)), check-quorum \(onOff(f.checkQuorum)), leader stickiness \(onOff(f.leaderStickiness))"
            + (f.leaseReads ? ", lease reads on" : "") + (f.learners ? ", learners on" : "")
    }

    public static func timing(_ t: RaftTiming) -> String {
        "election timeout \(time(t.electionTimeoutMin))-\(time(t.electionTimeoutMax)), heartbeat \(time(t.heartbeatInterval))"
    }

    /// "latency 10ms-15ms", with loss, duplication and reordering when set, and each link setting:
    /// "latency 1ms-2ms; n1,n2,n3 <-> n4,n5: latency 40ms-60ms, loss 0.01".
    public static func networkModel(_ n: NetworkModel) -> String {
        var s = "latency \(latency(n.latency))"
        for (name, p) in [("loss", n.loss), ("duplication", n.duplication), ("reordering", n.reordering)] where p > 0 {
            s += ", \(name) \(p)"
        }
        return s + n.links.map { "; \(linkSettings($0))" }.joined()
    }

    /// "10ms", "10ms-15ms", "normal(70ms, sd 40ms, floor 5ms)".
    public static func latency(_ l: LatencyModel) -> String {
        switch l {
        case .fixed(let v): time(v)
        case .uniform(let a, let b): "\(time(a))-\(time(b))"
        case .normal(let m, let sd, let f): "normal(\(time(m)), sd \(time(sd)), floor \(time(f)))"
        }
    }

    /// "n1,n2,n3 <-> n4,n5: latency 40ms-60ms, loss 0.01".
    public static func linkSettings(_ l: LinkSettings) -> String {
        func names(_ ids: [NodeID]) -> String { ids.map { node($0.rawValue) }.joined(separator: ",") }
        let parts = [l.latency.map { "latency \(latency($0))" }, l.loss.map { "loss \($0)" }].compactMap { $0 }
        return "\(names(l.between)) <-> \(names(l.and))" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", "))
    }

    /// "297 of 449 writes ok (66.1%), 152 gave up, 529 still waiting when the trace ends": the
    /// outcomes of one kind of client request, which add up to the requests issued.
    public static func clientOutcomes(_ c: ClientStats, _ noun: String) -> String {
        "\(c.succeeded) of \(c.succeeded + c.timedOut) \(noun) ok (\(percent(c.successRate))), \(c.timedOut) gave up"
            + (c.unanswered == 0 ? "" : ", \(c.unanswered) still waiting when the trace ends")
    }

    public static func percent(_ x: Double) -> String {
        let v = (x * 1000).rounded() / 10
        return v == v.rounded() ? "\(Int(v))%" : "\(v)%"
    }

    /// `x` with exactly `digits` decimals, like C's `%.Nf`.
    public static func fixed(_ x: Double, digits: Int) -> String {
        var scale: UInt64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(x) * Double(scale)).rounded()
        guard x.isFinite, scaled < 9e18 else { return "\(x)" }
        let n = UInt64(scaled)
        let fraction = String(n % scale)
        let sign = x < 0 && n != 0 ? "-" : ""
        guard digits > 0 else { return "\(sign)\(n)" }
        return "\(sign)\(n / scale)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    public static func number(_ x: Double, digits: Int = 1) -> String {
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let v = (x * p).rounded() / p
        guard abs(v) < 1e15 else { return "\(v)" }
        return v == v.rounded() ? "\(Int(v))" : "\(v)"
    }

    /// What makes votes split: "in 2 of the 3 terms with a vote round, candidates' timers raced ...",
    /// with a conclusion when timing is what the trace shows splitting them.
    public static func voteTiming(_ v: VoteTiming, timing t: RaftTiming) -> String {
        let width = t.electionTimeoutSpread
        var text = "in \(v.racedTerms) of the \(count(v.terms, "term")) with a vote round, candidates' timers raced: a voter became "
        text += "a candidate of the same term itself before another's request reached it, and refused it (it had voted for itself); "
        text += "vote requests took a median \(time(v.requestDelay.p50)) to arrive (p90 \(time(v.requestDelay.p90))), against an "
        text += "election timeout drawn from \(time(t.electionTimeoutMin))-\(time(t.electionTimeoutMax)) (\(time(width)) wide)."
        if v.timersTooClose {
            text += " Timers spread over \(time(width)) fire too close together for this network: Raft relies on the range to "
            text += "let one candidate win and send heartbeats before the others time out (Raft §5.2), and the wider it is "
            text += "against the time a vote request takes, the rarer such races (§9.3)."
        }
        return text
    }

    /// Why votes could not come back in time, when messages were that slow (`NetworkReport.roundTripExceedsTimeout`).
    public static func slowMessages(_ n: NetworkReport, timing t: RaftTiming) -> String {
        "messages took a mean \(time(n.meanLatency)) to arrive, so a vote took about \(time(n.meanLatency.addingSaturating(n.meanLatency))) to come back, "
            + "longer than any election timeout drawn from \(time(t.electionTimeoutMin))-\(time(t.electionTimeoutMax)): candidates' "
            + "timers fired before their votes returned, and they campaigned again in higher terms. Raft needs a message round "
            + "to take well under the election timeout (Raft §5.6)."
    }

    /// The advice's word on elections that timing undid, if it did: no feature changes that.
    public static func timingNote(_ r: AnalysisReport) -> String? {
        let e = r.elections, t = r.trace.timing
        if let n = r.network, n.roundTripExceedsTimeout {
            return "Elections were held back by timing, which no feature changes: messages took a mean \(time(n.meanLatency)) "
                + "to arrive, a round trip of about \(time(n.meanLatency.addingSaturating(n.meanLatency))) against election timeouts of at most "
                + "\(time(t.electionTimeoutMax)); an election timeout well above the round trip would let votes come back in "
                + "time (Elections; Raft §5.6)."
        }
        guard let v = e.voteTiming, v.timersTooClose else { return nil }
        return "The \(count(e.splitVotes, "split vote")) came from timing, which no feature changes: vote requests took a median "
            + "\(time(v.requestDelay.p50)) to arrive, against an election timeout whose random range is "
            + "\(time(t.electionTimeoutSpread)) wide; the wider the range against that delay, the "
            + "rarer such races (Elections; Raft §5.2, §9.3)."
    }

    public static func percentiles(_ p: Percentiles) -> String {
        p.count == 0 ? "none" : "p50 \(time(p.p50)), p90 \(time(p.p90)), p99 \(time(p.p99)), max \(time(p.max))"
    }

    /// "#5933 2.94s n1 leaderSteppedDown reason=higherTermSeen term=1": an event as evidence cites it.
    public static func event(_ r: EventRef) -> String { event(r, at: time(r.time)) }

    private static func event(_ r: EventRef, at time: String) -> String {
        let fields = r.fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "#\(r.ordinal) \(time) \(node(r.node)) \(r.event)" + (fields.isEmpty ? "" : " \(fields)")
    }

    /// What a focused report covers, or nil for a report of the whole run.
    public static func focus(_ t: TraceSummary) -> String? {
        t.focus.map {
            "Focused on \(boundTime($0.start)) to \(boundTime($0.end)) of \(time(t.end - t.start)): the timeline and the lists cover "
                + "this stretch; the counts, totals and percentiles are the whole run's."
        }
    }

    /// A stretch's bound: as `time`, but past a minute with the seconds' fraction (to the
    /// millisecond), so that `36m25.5s` is not shown as `36m25s`.
    static func boundTime(_ ns: UInt64) -> String {
        guard ns >= 60 * nsPerSecond else { return time(ns) }
        let ms = ns / 1_000_000 + (ns % 1_000_000 >= 500_000 ? 1 : 0)  // rounded, and no overflow near the end of the clock
        var fraction = ms % 1_000 == 0 ? "" : "." + String(String(ms % 1_000 + 1_000).dropFirst())
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let seconds = ms / 1_000
        return "\(seconds / 60)m" + (seconds % 60 < 10 ? "0" : "") + "\(seconds % 60)" + fraction + "s"
    }

    /// Trace time to the microsecond, for listing events: `2.940123s`, `1m02.940123s`, `1h00m02.940123s`.
    public static func preciseTime(_ ns: UInt64) -> String {
        let micros = ns / 1_000
        let fraction = String(micros % 1_000_000)
        var s = String(repeating: "0", count: 6 - fraction.count) + fraction + "s"
        let seconds = micros / 1_000_000
        func two(_ v: UInt64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        if seconds < 60 { return "\(seconds)." + s }
        s = two(seconds % 60) + "." + s
        if seconds < 3_600 { return "\(seconds / 60)m" + s }
        return "\(seconds / 3_600)h" + two(seconds / 60 % 60) + "m" + s
    }

    /// One line of `traceanalyze events`: the event as evidence cites it, at microsecond
    /// precision, and for a delivery or drop the send it ends ("<- #5990 n1 append term=6 entries=1").
    public static func listed(_ x: ListedEvent) -> String {
        var s = event(x.event, at: preciseTime(x.event.time))
        if let m = x.sent {
            let f = m.fields
            s += "  <- #\(m.ordinal) \(node(m.node)) \(f["type"] ?? "?") term=\(f["term"] ?? "?")"
            if let n = f["entries"], n != "0" { s += " entries=\(n)" }
        }
        return s
    }

    /// At most `limit` evidence lines, in file order, with "... n more" where some are left out.
    /// The faults and step-downs are kept (a rejoin's heal, a flapping link's changes); of the
    /// rest (campaigns, term changes), those nearest the end and the start, alternately.
    public static func evidenceLines(_ refs: [EventRef], limit: Int = 8) -> [String] {
        guard refs.count > limit else { return refs.map(event) }
        var shown = Set(refs.indices.filter { keptWhenShortened.contains(refs[$0].event) }.prefix(limit))
        var rest = refs.indices.filter { !shown.contains($0) }
        var fromEnd = true
        while shown.count < limit, !rest.isEmpty {
            shown.insert(fromEnd ? rest.removeLast() : rest.removeFirst())
            fromEnd.toggle()
        }
        var lines: [String] = []
        var left = 0
        for i in refs.indices {
            guard shown.contains(i) else { left += 1; continue }
            if left > 0 { lines.append("... \(left) more") }
            left = 0
            lines.append(event(refs[i]))
        }
        if left > 0 { lines.append("... \(left) more") }
        return lines
    }

    /// The events a shortened evidence list keeps: faults and step-downs.
    private static let keptWhenShortened: Set<String> = [
        "linkCut", "linkHealed", "linkDegraded", "nodeCrashed", "nodeStarted", "nodePaused", "nodeResumed",
        "leaderSteppedDown", "membershipChangeApplied", "clockDriftSet",
    ]

    /// "every 10000 applied entries, keeping 1000", or "none (log never compacted)".
    public static func snapshotPolicy(_ p: SnapshotPolicy?) -> String {
        p.map { "every \($0.every) applied entries, keeping \($0.keep)" } ?? "none (log never compacted)"
    }

    /// "175 taken (every 10000 applied entries, keeping 1000), 4 sent, 1 installed from a leader, ..."
    public static func snapshots(_ s: SnapshotSummary) -> String {
        let policy = s.policy.map { " (\(snapshotPolicy($0)))" } ?? ""
        return "\(s.taken) taken\(policy), \(s.sent) sent by leaders, \(s.installCount) installed from a leader, "
            + "\(count(s.restored, "restart")) from the node's own"
    }

    /// "n3 at 6.1s installed a snapshot through index 5200 (term 1); its log ended at 205"
    public static func snapshotInstall(_ i: SnapshotInstall) -> String {
        "\(node(i.node)) at \(time(i.time)) installed the leader's snapshot through index \(i.index) (term \(i.term)); "
            + "its log ended at \(i.lastIndexBefore)"
    }

    public static func cause(_ c: Disruption.Cause) -> String {
        switch c {
        case .rejoin: "rejoining node with an inflated term"
        case .partialConnectivity: "partial connectivity"
        case .flappingLink: "flapping link"
        case .degradedLink: "a degraded link with the leader (messages lost or delayed)"
        case .lostQuorum: "the leader had lost its quorum (it reached no majority)"
        case .leaderPaused: "the leader was paused (stalled) past its followers' election timeout"
        case .crash: "leader crashed"
        case .removedServer: "removed server"
        case .electionTimeout: "a follower's election timeout (its link with the leader was neither cut nor degraded)"
        }
    }

    /// Disruption counts by cause, the most frequent first: "97 partial connectivity, 41 crash".
    public static func causes(_ byCause: [String: Int]) -> String {
        byCause.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { key, n in
            "\(n) \(Disruption.Cause(rawValue: key).map(shortCause) ?? key)"
        }.joined(separator: ", ")
    }

    /// The disruptions no feature was advised on, by cause, with why; nil when there are none.
    public static func unadvised(_ byCause: [String: Int]) -> String? {
        let n = byCause.values.reduce(0, +)
        guard n > 0 else { return nil }
        let causes = byCause.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { key, count in
            let cause = Disruption.Cause(rawValue: key)
            let why = switch cause {
            case .lostQuorum: " (the leader reached no majority)"
            case .leaderPaused: " (its followers rightly stopped waiting for it)"
            default: ""
            }
            return "\(count) \(cause.map(shortCause) ?? key)\(why)"
        }.joined(separator: ", ")
        return "Nothing to advise on \(count(n, "disruption")): \(causes); no feature that was off applies to \(n == 1 ? "it" : "them")."
    }

    /// A disruption's cause in a word or two, for counts and labels.
    public static func shortCause(_ c: Disruption.Cause) -> String {
        switch c {
        case .rejoin: "rejoin"
        case .partialConnectivity: "partial connectivity"
        case .flappingLink: "flapping link"
        case .degradedLink: "degraded link"
        case .lostQuorum: "lost quorum"
        case .leaderPaused: "leader paused"
        case .crash: "crash"
        case .removedServer: "removed server"
        case .electionTimeout: "election timeout"
        }
    }

    /// A compared metric's name as shown. The name is the metric's identifier (as JSON gives it);
    /// the breakdowns by disruption cause and election outcome end in a case name, put in words.
    public static func metricName(_ name: String) -> String {
        let byCause = "disruptions: ", byOutcome = "elections: "
        if name.hasPrefix(byCause), let c = Disruption.Cause(rawValue: String(name.dropFirst(byCause.count))) {
            return byCause + shortCause(c)
        }
        if name.hasPrefix(byOutcome), let o = ElectionAttempt.Outcome(rawValue: String(name.dropFirst(byOutcome.count))) {
            return byOutcome + outcome(o)
        }
        return name
    }

    /// What a timeline draws only in part on a long trace, with how far each kept list reaches
    /// (nil when it draws everything).
    public static func timelineDetail(_ r: AnalysisReport) -> String? {
        let tl = r.timeline
        var parts: [String] = []
        if let last = tl.nodes.filter(\.truncated).compactMap({ $0.intervals.last?.end }).min() {
            parts.append("exact roles to \(time(last)) (each lane then shows its main role per column)")
        }
        if tl.leadersTruncated, let last = tl.leaders.last { parts.append("term leaders to \(time(last.start))") }
        if tl.faultsTruncated, let last = tl.faults.last { parts.append("faults to \(time(last.start))") }
        // (A focused report lists the disruptions of its stretch only: the others are not cut off.)
        if r.trace.focus == nil, r.disruptionTotals.count > r.disruptions.count, let last = r.disruptions.last {
            parts.append("disruptions to \(time(last.time)) (\(r.disruptions.count) of \(r.disruptionTotals.count))")
        }
        if r.elections.truncated, let last = r.elections.list.last {
            parts.append("election marks to \(time(last.start)) (\(r.elections.list.count) of \(r.elections.attempts))")
        }
        if tl.messagesTruncated, let last = tl.messages.last {
            parts.append("message arrows to \(time(last.sent)) (the first \(tl.messages.count)"
                         + (r.trace.focus == nil ? ", around disruptions; --from and --to draw every message of a stretch)" : ")"))
        }
        return parts.isEmpty ? nil : "The timeline keeps part of this run: " + parts.joined(separator: ", ") + "."
    }

    /// What a capped list left out: at most `limit` items printed of `listed` in the report, of
    /// `total` found (nil when nothing was left out). A focused report lists only what overlaps
    /// its stretch.
    public static func more(limit: Int, listed: Int, of total: Int, focused: Bool) -> String? {
        let shown = min(limit, listed)
        guard total > shown else { return nil }
        if focused {
            let here = listed > shown ? ["\(listed - shown) more in this stretch in the JSON report"] : []
            let elsewhere = total > listed ? ["\(total - listed) more in the run, counted in the totals (the lists hold those in this stretch)"] : []
            return (here + elsewhere).joined(separator: "; ")
        }
        if listed == total { return "\(total - shown) more in the JSON report" }
        if listed > shown { return "\(total - shown) more; the JSON report lists the first \(listed) of all \(total)" }
        return "\(total - shown) more, counted in the totals but not listed"
    }

    public static func disruption(_ d: Disruption) -> String {
        var s = "leader \(node(d.leader)) of term \(d.term) "
        switch d.cause {
        case .crash: s += "crashed"
        case .lostQuorum where d.origin == nil: s += "stepped down: it heard from no majority for an election timeout (check-quorum)"
        case .removedServer where d.origin == nil: s += "stepped down: it was removed"
        default:
            s += "stepped down on seeing term \(d.newTerm ?? 0)"
            if let inf = d.termInflation, inf > 1 { s += " (\(inf) terms above its own)" }
            s += "; the first to campaign against it was \(node(d.origin)): "
            s += d.cause == .removedServer ? "a server removed from the voters that had not learned of it" : cause(d.cause)
        }
        if let l = d.leaderlessFor { s += l == 0 ? "; another leader was already in place" : "; no leader for \(time(l))" }
        else { s += "; no leader again before the trace ends" }
        // (Not when it reads as the disruption's own time.)
        if let from = d.leaderlessFrom, time(from) != time(d.time) { s += ", from \(time(from)), when a majority stopped following it" }
        return s
    }

    public static func featureName(_ f: Advice.Feature) -> String {
        switch f {
        case .preVote: "Pre-vote"
        case .checkQuorum: "Check-quorum"
        case .leaderStickiness: "Leader stickiness"
        case .leadershipTransfer: "Leadership transfer"
        case .readIndex: "ReadIndex"
        case .learners: "Learners"
        }
    }

    private static func voters(_ vs: [VoterAssessment], _ pick: (VoterAssessment) -> Bool) -> String {
        let list = vs.filter(pick).map { "\(node($0.voter)) (log \($0.lastIndex)/\($0.lastTerm))" }
        return list.isEmpty ? "none" : list.joined(separator: ", ")
    }

    /// A voter that heard the candidate and would refuse it for a more up-to-date log (even one
    /// whose answer could not have reached it: the refusal stands however the link heals).
    private static func hasNewerLog(_ v: VoterAssessment) -> Bool {
        (v.connection == .open || v.connection == .answersCut) && !v.logUpToDate
    }

    /// Why the voters that could not answer a candidate's pre-vote would not have, by direction:
    /// "n4, n5 could not hear it", "n2 could hear it but its answers could not reach it", "n3 was down",
    /// "n1 was paused".
    private static func unanswered(_ vs: [VoterAssessment]) -> [String] {
        func named(_ c: VoterAssessment.Connection) -> [String] { vs.filter { $0.connection == c }.map { node($0.voter) } }
        var clauses: [String] = []
        let deaf = named(.requestsCut), unheard = named(.answersCut), down = named(.down), paused = named(.paused)
        if !deaf.isEmpty { clauses.append("\(deaf.joined(separator: ", ")) could not hear it") }
        if !unheard.isEmpty {
            clauses.append("\(unheard.joined(separator: ", ")) could hear it but \(unheard.count == 1 ? "its answers" : "their answers") could not reach it")
        }
        if !down.isEmpty { clauses.append("\(down.joined(separator: ", ")) \(down.count == 1 ? "was" : "were") down") }
        if !paused.isEmpty { clauses.append("\(paused.joined(separator: ", ")) \(paused.count == 1 ? "was" : "were") paused") }
        return clauses
    }

    /// A voter's connection to the candidate, as the HTML report's voter table shows it.
    public static func connection(_ c: VoterAssessment.Connection) -> String {
        switch c {
        case .open: "yes"
        case .down: "no: down"
        case .paused: "no: paused"
        case .requestsCut: "no: cut"
        case .answersCut: "no: answers cut"
        }
    }

    /// The votes a campaign would have collected against the quorum it needed.
    private static func votes(_ grants: Int?, of quorum: Int?) -> String {
        let g = grants ?? 0, q = quorum ?? 0
        return g < q ? "\(g) of the \(q) votes it needed" : "\(g) votes, at least the \(q) it needed"
    }

    /// "would have prevented 6 of the 7 disruptions it was evaluated on", "would not have
    /// prevented the disruption it was evaluated on", ...
    private static func adviceSummaryVerdict(_ s: AdviceSummary, _ verb: String, _ noun: String, _ context: String) -> String {
        switch (s.helps, s.evaluated) {
        case (0, 1): "would not have \(verb) the \(noun) \(context)"
        case (0, _): "would have \(verb) none of the \(s.evaluated) \(noun)s \(context)"
        case (1, 1): "would have \(verb) the \(noun) \(context)"
        default: "would have \(verb) \(s.helps) of the \(count(s.evaluated, noun)) \(context)"
        }
    }

    /// The time without a leader a disruption's advice would have avoided: at least the time to the
    /// end of the trace when no leader was elected before it.
    static func leaderlessAvoided(_ a: Advice) -> String {
        a.unavailabilityAvoidedAtLeast == true
            ? "at least \(time(a.unavailabilityAvoided)) without a leader (none was elected before the trace ends)"
            : "\(time(a.unavailabilityAvoided)) without a leader"
    }

    /// One feature's advice over the whole trace, in a sentence.
    public static func adviceSummary(_ s: AdviceSummary) -> String {
        let name = featureName(s.feature)
        switch s.feature {
        case .preVote, .leaderStickiness:
            // Term-inflation episodes (pre-vote only) are told apart from the disruptions.
            let episodes = s.episodes ?? 0, episodeTerms = s.episodeTermsAvoided ?? 0
            var parts: [String] = []
            if s.evaluated > episodes {
                var d = s
                // (Each episode advised on is one it helps with: `AdviceEngine` advises on no other.)
                d.evaluated -= episodes
                d.helps = max(0, d.helps - episodes)
                d.termsAvoided = d.termsAvoided > episodeTerms ? d.termsAvoided - episodeTerms : 0
                var text = adviceSummaryVerdict(d, "prevented", "disruption", "it was evaluated on")
                let atLeast = d.unavailabilityAvoidedAtLeast == true ? "at least " : ""
                let avoided = (d.unavailabilityAvoided > 0 ? ["\(atLeast)\(time(d.unavailabilityAvoided)) without a leader"] : [])
                    + (d.termsAvoided > 0 ? [count(d.termsAvoided, "term")] : [])
                if d.helps > 0 && !avoided.isEmpty { text += ", avoiding " + avoided.joined(separator: " and ") }
                parts.append(text)
            }
            if episodes > 0 {
                let which = episodes == 1 ? "the term-inflation episode" : "\(episodes) term-inflation episodes"
                parts.append("would have kept \(count(episodeTerms, "campaign")) from raising a term in \(which) in which no leader was deposed")
            }
            return "\(name) " + parts.joined(separator: "; and it ") + "."
        case .checkQuorum:
            let text = "\(name) \(adviceSummaryVerdict(s, "shortened", "window", "in which a leader could not reach a majority"))"
            return text + (s.helps > 0 ? ", by about \(time(s.unavailabilityAvoided))\(s.helps > 1 ? " in all" : "")." : ": no other node reached one long enough to take over.")
        case .leadershipTransfer:
            // Removed leaders are told apart from crashes: a removal is planned.
            let removals = s.removedLeaders ?? 0, removalSaving = s.removedLeaderUnavailabilityAvoided ?? 0
            let crashCount = s.evaluated - removals
            var sentences: [String] = []
            if removals > 0 {
                let which = removals == 1 ? "the removal of a leader" : "\(removals) removals of a leader"
                sentences.append("\(name) would have cut the time without a leader after \(which) to about a round trip, saving about \(time(removalSaving))\(removals > 1 ? " in all" : "").")
            }
            if crashCount > 0 {
                let crashes = crashCount == 1 ? "1 disruption was a crash" : "\(crashCount) disruptions were crashes"
                let planned = crashCount == 1 ? "had it been a planned restart" : "had they been planned restarts"
                let saving = s.unavailabilityAvoided > removalSaving ? s.unavailabilityAvoided - removalSaving : 0
                sentences.append("\(crashes): no feature prevents an unplanned one; \(planned), leadership transfer would have saved about \(time(saving)) without a leader.")
            }
            return sentences.joined(separator: " ")
        case .readIndex:
            return "\(name) would have prevented the \(count(s.staleReads, "stale read")) served on a lease (in \(count(s.evaluated, "leadership term")))."
        case .learners:
            let windows = s.evaluated == 1 ? "the window" : "the \(s.evaluated) windows"
            return "\(name) would have prevented \(windows) in which a server added as a voter before it could keep up cost the leader its majority, avoiding about \(time(s.unavailabilityAvoided))\(s.evaluated > 1 ? " in all" : "")."
        }
    }

    /// When a voter last heard from a leader: "12ms ago", "never", or "is the leader".
    public static func leaderContact(_ v: VoterAssessment) -> String {
        if v.isLeader == true { return "is the leader" }
        return v.sinceLeaderContact.map { time($0) + " ago" } ?? "never"
    }

    public static func advice(_ a: Advice) -> String {
        let target = a.disruptions.map { "#\($0)" }.joined(separator: ", ")
        switch a.feature {
        case .preVote where a.isAboutTermInflation:
            // Advised only when pre-vote would have stopped at least one of the campaigns.
            let c = node(a.candidate)
            let w = a.window.map { "\(time($0.start)) to \(time($0.end))" } ?? "-"
            let n = a.campaigns ?? 0
            var s = "\(featureName(a.feature)) would have stopped the term inflation of \(c): "
            s += "\(c) campaigned \(count(n, "time")) from \(w) with no leader elected, its term going from \(a.fromTerm ?? 0) to \(a.toTerm ?? 0); "
            let all = a.termsAvoided == UInt64(n)
            s += "its pre-vote would have failed in " + (all ? (n == 1 ? "its campaign" : "all \(n) campaigns") : "\(a.termsAvoided) of its \(n) campaigns")
            s += " (the last would have collected \(votes(a.preVoteGrants, of: a.quorum))"
            for clause in unanswered(a.voters) { s += "; " + clause }
            if a.voters.contains(where: hasNewerLog) { s += "; voters with a newer log: \(voters(a.voters, hasNewerLog))" }
            s += all ? "), so none of them would have raised a term." : "), so \(a.termsAvoided) fewer would have raised a term."
            if let l = a.leader, let lt = a.leaderTerm {
                s += " \(c) ended the trace at term \(a.toTerm ?? 0) while \(node(l)) led term \(lt): when they next exchange a message, "
                s += "\(node(l)) steps down on seeing the higher term (Raft §5.1), as a leader does when a node rejoins."
            }
            return s + " [\(a.reference)]"
        case .preVote:
            let c = node(a.candidate)
            let log = "\(a.candidateLastIndex ?? 0)/\(a.candidateLastTerm ?? 0)"
            var s = "\(featureName(a.feature)) would \(a.prevents ? "have prevented" : "not have prevented") disruption \(target): "
            s += "\(c) campaigned with log \(log) (last index/term); "
            for clause in unanswered(a.voters) { s += clause + "; " }
            s += "voters with a newer log: \(voters(a.voters, hasNewerLog)); its pre-vote would have collected \(votes(a.preVoteGrants, of: a.quorum))"
            if a.prevents {
                s += ", so it would have stayed in its term. Avoided: \(leaderlessAvoided(a)) and \(count(a.termsAvoided, "term"))."
            } else {
                s += ", so it would still have won the pre-vote and disrupted the leader."
            }
            return s + " [\(a.reference)]"
        case .leaderStickiness:
            let recent = a.voters.filter { $0.reachable && $0.logUpToDate && !$0.grantsWithStickiness }
                .map { $0.isLeader == true ? "\(node($0.voter)) (the leader itself)" : "\(node($0.voter)) \(leaderContact($0))" }
            var s = "\(featureName(a.feature)) (etcd turns it on with CheckQuorum) would \(a.prevents ? "have prevented" : "not have prevented") disruption \(target): "
            s += recent.isEmpty ? "no voter had heard from a leader within the minimum election timeout"
                : "voters that had heard from the leader within the minimum election timeout: \(recent.joined(separator: ", "))"
            s += "; \(node(a.candidate)) would have collected \(votes(a.preVoteGrants, of: a.quorum))"
            if a.prevents { s += ". Avoided: \(leaderlessAvoided(a)) and \(count(a.termsAvoided, "term"))." } else { s += "." }
            return s + " [\(a.reference)]"
        case .checkQuorum:
            let w = a.window.map { "\(time($0.duration)) (\(time($0.start))-\(time($0.end)))" } ?? "-"
            if a.windowKind == "deposedLeader" {
                // Only advised when it would have helped: the acknowledged leader reached a majority.
                var s = "\(featureName(a.feature)) would have shortened the stall of \(w), in which the clients waited on "
                s += "\(node(a.leader)), a deposed leader: \(node(a.newerLeader)) led term \(a.newerTerm ?? 0), followed by a "
                s += "majority, but the requests went to \(node(a.leader)), which still held the leader role and could exchange "
                s += "messages with only \(a.preVoteGrants ?? 0) of the \(a.quorum ?? 0) nodes it needs (itself included). With check-quorum it would "
                s += "have stepped down after an election timeout and the clients would have found \(node(a.newerLeader)). "
                s += "Avoided: about \(time(a.unavailabilityAvoided)) of unavailability."
                return s + " [\(a.reference)]"
            }
            let what = a.windowKind == "stall" ? "the stall of \(w), in which nothing committed while clients waited"
                : "the \(w) in which the majority no longer followed leader \(node(a.leader))"
            var s = "\(featureName(a.feature)) would \(a.prevents ? "have shortened" : "not have ended") \(what): "
            s += "\(node(a.leader)) could exchange messages with only \(a.preVoteGrants ?? 0) of the \(a.quorum ?? 0) nodes it needs (itself included)"
            let until = a.alternativeUntil.map { " until \(time($0)), when no node besides \(node(a.leader)) reached a majority any more" } ?? ""
            if a.prevents {
                s += ", so it would have stepped down after an election timeout and \(node(a.candidate)), which reached a majority\(until), could have taken over. Avoided: about \(time(a.unavailabilityAvoided)) of unavailability."
            } else if a.candidate != nil, let cost = a.takeOverCost {
                s += "; \(node(a.candidate)) reached a majority\(until), sooner than a step-down and an election (about \(time(cost))) would have let it take over."
            } else {
                s += ", but no other node reached a majority either, so nothing could have committed."
            }
            return s + " [\(a.reference)]"
        case .readIndex:
            // One time when the reads fell within the same instant as written.
            let w = a.window.map { time($0.start) == time($0.end) ? time($0.start) : "\(time($0.start))-\(time($0.end))" } ?? "-"
            var s = "\(featureName(a.feature)) (instead of lease reads) would have prevented \(count(a.staleReads ?? 0, "stale read")) "
            s += "that \(node(a.leader)) served on its lease at \(w)"
            let l = node(a.leader)
            if let n = a.newerLeader, let t = a.newerTerm {
                s += ", while \(node(n)) already led term \(t)"
                if let since = a.newerLeaderSince { s += " (elected at \(time(since)))" }
            }
            s += "."
            if let c = a.lastMajorityContact {
                s += " \(l) had last heard from a majority of the voters at \(time(c))"
                if let n = a.newerLeader, let since = a.newerLeaderSince, since >= c { s += "; \(node(n)) was elected \(time(since - c)) later" }
                s += a.ledUntil.map { $0 >= c ? ", and \(l) led until \(time($0)), \(time($0 - c)) after that" : "" } ?? ", and \(l) still led at the end of the trace"
                s += "."
            }
            if let ppm = a.driftPPM, ppm < 0, a.driftNode == a.leader {
                s += " \(l)'s clock ran \(abs(ppm)) ppm slow, so its check-quorum timer, and with it its lease, outlasted its leadership."
            } else if let ppm = a.driftPPM, ppm > 0, let n = a.driftNode {
                s += " \(node(n))'s clock ran \(ppm) ppm fast, so its election timer fired early."
            }
            if let p = a.leaderPause {
                s += " \(l) was paused from \(time(p.start)) to \(time(p.end)), its timers, check-quorum's among them, stopped with it."
            } else if a.driftPPM == nil, let i = a.checkQuorumInterval, a.lastMajorityContact != nil {
                s += " Check-quorum looks for a majority once every minimum election timeout (\(time(i))), so a leader cut off just after a look "
                s += "leads on, serving reads on its lease, for up to two of them (\(time(2 * i))) after its majority last answered, "
                s += "while the others may elect a new leader after one (etcd's lease reads do the same)."
            }
            s += " ReadIndex serves a read only after a majority answers a heartbeat round sent for it, which a deposed leader does not get."
            return s + " [\(a.reference)]"
        case .learners:
            let m = node(a.member), l = node(a.leader)
            let w = a.window.map { "\(time($0.duration)) (\(time($0.start))-\(time($0.end)))" } ?? "-"
            let what = a.windowKind == "stall" ? "the stall of \(w), in which nothing committed while clients waited"
                : "the \(w) without a leader acknowledged by a majority"
            let state = a.memberDown == true ? "while it was down"
                : "while its log ended at index \(a.memberLastIndex ?? 0) and the leader's at \(a.leaderLastIndex ?? 0)"
            var s = "\(featureName(a.feature)) would have prevented \(what): \(m) was added as a voter \(state), "
            s += "which raised the majority to \(a.quorum ?? 0) voters, and \(l) reached only \(a.votersReached ?? 0) voters besides \(m) (itself included). "
            s += "Had \(m) joined as a learner (etcd's member add --learner), which is replicated to but does not count towards a majority, "
            s += "and been promoted once it had caught up (member promote), those \(a.votersReached ?? 0) would have stayed a majority "
            s += "of the voters (\(a.quorumBefore ?? 0) needed). Avoided: about \(time(a.unavailabilityAvoided)) of unavailability."
            return s + " [\(a.reference)]"
        case .leadershipTransfer where a.isAboutRemovedLeader:
            let leaderless = a.window?.duration ?? 0
            var s = "Leadership transfer would have prevented disruption \(target): \(node(a.leader)) was removed from the voters while it led, "
                + "and stepped down when it applied its removal; the cluster then had no leader for \(time(leaderless))"
            let handOver = "Had \(node(a.leader)) handed leadership over first (etcd's move-leader, or stopping the member, which hands over before it goes down), "
            if let wait = a.campaignWait {
                s += ": the first campaign came \(time(wait)) after, as no follower campaigns before its election timeout, and the elections after it "
                    + "gave no majority a leader until the end of those \(time(leaderless)). " + handOver
                    + "its target would have campaigned at once, saving about \(time(a.unavailabilityAvoided)); whether the elections that followed would have gone better, the trace cannot say."
            } else {
                s += ", as no follower campaigns before its election timeout. " + handOver
                    + "a round trip (about \(time(a.roundTrip ?? leaderless - a.unavailabilityAvoided))) would have replaced that, saving about \(time(a.unavailabilityAvoided))."
            }
            return s + " [\(a.reference)]"
        case .leadershipTransfer:
            let leaderless = time(a.window?.duration ?? 0)
            if let wait = a.campaignWait {
                return "Disruption \(target) was a crash: no feature on the list prevents an unplanned one. If the restart was planned, leadership transfer "
                    + "would have spared the wait for the first campaign, \(time(wait)) of the \(leaderless) without a leader (the elections after it, "
                    + "which gave no majority a leader for the rest, a handover may not have spared), saving about \(time(a.unavailabilityAvoided)). [\(a.reference)]"
            }
            return "Disruption \(target) was a crash: no feature on the list prevents an unplanned one. If the restart was planned, leadership transfer would have replaced \(leaderless) without a leader by about one round trip, saving about \(time(a.unavailabilityAvoided)). [\(a.reference)]"
        }
    }

    public static func effect(_ e: FeatureEffect) -> String {
        switch e.feature {
        case .preVote:
            // Most frequent first; the reasons in words, as the elections table gives them.
            let reasons = e.rejectionsByReason.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
                .map { "\(voteRefusal($0.key)) \($0.value)" }.joined(separator: ", ")
            let unanswered = switch e.unanswered ?? 0 {
            case 0: ""
            case e.count: e.count == 1 ? " (it reached no majority)" : " (all reached no majority)"
            case let n: " (\(n) reached no majority)"
            }
            let failed = switch e.count {
            case 0: "no pre-vote round failed"
            case 1: "1 pre-vote round failed\(unanswered), a term increment that did not happen"
            default: "\(count(e.count, "pre-vote round")) failed\(unanswered), each a term increment that did not happen (\(count(e.termsAvoided, "term")))"
            }
            return "Pre-vote was on: \(failed)" + (reasons.isEmpty ? "." : "; pre-votes refused: \(reasons).")
        case .checkQuorum:
            let leaders = e.count == 0 ? "no leader" : count(e.count, "leader")
            return "Check-quorum was on: \(leaders) stepped down after hearing from no majority for an election timeout."
        case .leaderStickiness:
            let requests = e.count == 0 ? "no vote request was" : "\(e.count) vote request\(e.count == 1 ? " was" : "s were")"
            return "Leader stickiness was on: \(requests) refused because the voter had heard from its leader within the minimum election timeout."
        case .leadershipTransfer:
            return "Leadership transfer: \(count(e.count, "transfer"))."
        case .readIndex:
            return "ReadIndex: \(count(e.count, "read")) served after a majority's heartbeat answers."
        case .learners:
            guard e.count > 0 else { return "Learners were on: no server was promoted from learner to voter." }
            let servers = e.count == 1 ? "1 server joined" : "\(e.count) servers joined"
            return "Learners: \(servers) as a learner and \(e.count == 1 ? "was" : "were") promoted once caught up, after \(time(e.learnerTime ?? 0))\(e.count > 1 ? " in all" : "") in which \(e.count == 1 ? "it was" : "they were") not counted towards a majority."
        }
    }

    /// A safety rule's name in words.
    public static func rule(_ r: SafetyViolation.Rule) -> String {
        switch r {
        case .electionSafety: "election safety"
        case .stateMachineSafety: "state machine safety"
        case .commitMonotonic: "commit index"
        case .leaderAppendOnly: "leader append-only"
        case .staleRead: "stale read"
        }
    }

    /// A violation in one line: its rule, when, on which nodes, and what they did.
    public static func violationLine(_ v: SafetyViolation) -> String {
        "\(rule(v.rule)) at \(time(v.time)) on \(v.nodes.map { node($0) }.joined(separator: ", ")): \(violation(v))"
    }

    /// What the nodes of a violation did, in words, from its details (as `key=value` pairs if
    /// they are not the ones its rule records).
    public static func violation(_ v: SafetyViolation) -> String {
        let d = v.detail
        switch v.rule {
        case .electionSafety:
            if let term = d["term"] { return "both became leader of term \(term)" }
        case .stateMachineSafety:
            if let index = d["index"] { return "applied different entries at index \(index)" }
        case .commitMonotonic:
            if let snapshot = d["snapshot"], let previous = d["previous"] {
                return "installed a snapshot through index \(snapshot), below its commit index \(previous)"
            }
            if let from = d["from"], let to = d["to"], let f = UInt64(from), let t = UInt64(to) {
                if t < f { return "its commit index moved back from \(from) to \(to)" }
                if let previous = d["previous"] { return "its commit index advanced from \(from) to \(to), but it was \(previous)" }
            }
        case .leaderAppendOnly:
            if let from = d["from"] { return "truncated its log from index \(from) while leader" }
        case .staleRead:
            if let read = d["read"], let served = d["servedAt"], let write = d["acknowledgedWrite"] {
                let mode = switch caseNamed(d["mode"], of: ReadMode.self) {
                case .lease: ", a lease read,"
                case .readIndex: ", a ReadIndex read,"
                case .local: ", a local read,"
                case nil: ""
                }
                return "read request \(read)\(mode) was served at index \(served), below index \(write) of a write acknowledged before the read was issued"
            }
        }
        return d.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    public static func verification(_ v: AdviceVerification) -> String {
        if let why = v.unverifiable { return "advice \(v.advice + 1) (\(featureName(v.feature))) could not be replayed: \(why)." }
        let predicted = switch (v.feature, v.aboutWindow, v.predictedPrevents) {
        case (.preVote, true, let prevents) where v.termsRaisedBefore != nil:
            prevents ? "predicted: \(v.predictedTermsAvoided) fewer term-raising campaigns by the candidate" : "predicted: the candidate's term still rises"
        case (.readIndex, _, _): "predicted: no stale read"
        case (.leadershipTransfer, _, true): "predicted: no disruption, about \(time(v.predictedUnavailabilityAvoided)) less without a leader"
        case (.leadershipTransfer, _, false): "predicted: about \(time(v.predictedUnavailabilityAvoided)) less without a leader, had the restart been planned"
        case (_, true, true): "predicted: about \(time(v.predictedUnavailabilityAvoided)) less unavailability"
        case (_, true, false): "predicted: no shorter"
        case (_, false, true): "predicted: no disruption, \(time(v.predictedUnavailabilityAvoided)) and \(count(v.predictedTermsAvoided, "term")) avoided"
        case (_, false, false): "predicted: still disrupted"
        }
        // (Leadership transfer predicts preventing a removal's disruption, not a crash's.)
        let how = v.feature == .leadershipTransfer ? "replayed handing leadership over before the \(v.predictedPrevents ? "removal" : "crash")"
            : v.feature == .readIndex ? "replayed with lease reads off" : "replayed with it on"
        // What only some kinds of advice are judged by.
        var specific = v.staleReadsBefore > 0 || v.staleReadsAfter > 0 ? "stale reads \(v.staleReadsBefore) -> \(v.staleReadsAfter), " : ""
        if let before = v.termsRaisedBefore, let after = v.termsRaisedAfter {
            specific += "the candidate's term inflation \(before) -> \(after) terms, "
        }
        return "advice \(v.advice + 1) (\(featureName(v.feature))) \(how), \(time(v.window.start))-\(time(v.window.end)): \(predicted); "
            + "observed: \(specific)disruptions \(v.disruptionsBefore) -> \(v.disruptionsAfter), unavailable \(time(v.unavailableBefore)) -> \(time(v.unavailableAfter)), "
            + "highest term of the run \(v.highestTermBefore) -> \(v.highestTermAfter): \(v.confirmed ? "confirmed" : "NOT confirmed")."
    }

    public static func outcomes(_ byOutcome: [String: Int]) -> String {
        ElectionAttempt.Outcome.allCases.compactMap { o in
            let n = byOutcome[o.rawValue, default: 0]
            return n == 0 ? nil : "\(outcome(o)) \(n)"
        }.joined(separator: ", ")
    }

    /// What started an election attempt, in words (the JSON report keeps `ElectionAttempt.trigger`).
    public static func trigger(_ t: String) -> String {
        switch t {
        case "electionTimeout": "election timeout"
        case "transfer": "leadership transfer"
        case "campaign": "campaign without a timeout"
        default: t
        }
    }

    /// An election outcome in words (the JSON report keeps the schema names of docs/analysis.md).
    public static func outcome(_ o: ElectionAttempt.Outcome) -> String {
        switch o {
        case .won: "won"
        case .splitVote: "split vote"
        case .noQuorum: "no quorum"
        case .superseded: "superseded"
        case .preVoteFailed: "pre-vote failed"
        case .lost: "lost"
        case .abandoned: "abandoned"
        case .open: "open"
        }
    }

    /// Why a vote was refused, in words; `reason` is a `VoteRejectReason` case name, as the
    /// analysis records it.
    public static func voteRefusal(_ reason: String) -> String {
        guard let r = caseNamed(reason, of: VoteRejectReason.self) else { return reason }
        return switch r {
        case .alreadyVoted: "already voted"
        case .leaderKnown: "follows a leader of this term"
        case .logNotUpToDate: "log not up to date"
        case .staleTerm: "stale term"
        case .leaderRecentlyHeard: "heard from a leader recently"
        case .notVoter: "not a voter"
        }
    }
}
