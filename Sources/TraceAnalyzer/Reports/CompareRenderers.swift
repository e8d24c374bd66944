#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Text, JSON and HTML renderings of a `RunComparison`.
public enum CompareReport {
    static func value(_ v: Double, _ unit: String) -> String {
        switch unit {
        case "ns": ReportText.time(UInt64(max(0, v)))
        case "ratio": ReportText.percent(v)
        case "perSecond": ReportText.number(v) + "/s"
        default: ReportText.number(v)
        }
    }

    /// "b enables pre-vote: disruptions 4 -> 0, time without leader 1.9s -> 200ms".
    public static func attribution(_ a: RunComparison.Attribution, _ c: RunComparison) -> String {
        let who = c.runs[a.run].label, base = c.runs[0].label
        let verb: String = switch (a.from, a.to) {
        case ("off", "on"): "enables \(a.setting)"
        case ("on", "off"): "disables \(a.setting)"
        default: "changes \(a.setting) from \(a.from) to \(a.to)"
        }
        let changes = a.changed.compactMap { name -> String? in
            guard let m = c.metrics.first(where: { $0.name == name }) else { return nil }
            return "\(ReportText.metricName(name)) \(value(m.values[0], m.unit)) -> \(value(m.values[a.run], m.unit))"
        }
        return "\(who) \(verb) (compared with \(base)): " + (changes.isEmpty ? "no headline metric changed" : changes.joined(separator: ", "))
    }

    /// A run's value, with its difference from the first run when they read differently.
    static func cell(_ m: RunComparison.Metric, _ i: Int) -> String {
        let v = value(m.values[i], m.unit)
        guard i > 0, v != value(m.values[0], m.unit) else { return v }
        let d = m.values[i] - m.values[0]
        return v + " (\(d > 0 ? "+" : "-")\(value(abs(d), m.unit)))"
    }

    public static func text(_ c: RunComparison) -> String {
        var out: [String] = []
        for r in c.runs { out.append("\(r.label): \(r.path) (\(r.scenario), seed \(r.seed))") }
        out.append("")
        out.append(c.differing.isEmpty ? "configurations: identical" : "configuration differences:")
        let labels = c.runs.map(\.label)
        for s in c.settings where c.differing.contains(s.name) {
            out.append("  \(s.name): " + zip(labels, s.values).map { "\($0)=\($1)" }.joined(separator: "  "))
        }
        out.append("")
        let rows: [[String]] = c.metrics.map { m in
            [ReportText.metricName(m.name)] + m.values.indices.map { cell(m, $0) } + [!m.judged ? "" : m.best.isEmpty ? "=" : m.best.map { labels[$0] }.joined(separator: ",")]
        }
        let header = ["metric"] + labels + ["better"]
        let widths = header.indices.map { k in ([header] + rows).map { $0[k].count }.max() ?? 0 }
        for row in [header] + rows {
            out.append("  " + row.enumerated().map { ReportText.padded($0.element, to: widths[$0.offset]) }
                .joined(separator: "  "))
        }
        if !c.attributions.isEmpty {
            out.append("")
            for a in c.attributions { out.append(attribution(a, c)) }
        }
        if c.runs.contains(where: { !$0.advice.isEmpty || !$0.featureEffects.isEmpty || !$0.unadvisedByCause.isEmpty }) {
            out.append("")
            out.append("advice of each run's own analysis:")
            for r in c.runs {
                for line in adviceLines(r) { out.append("  \(r.label): " + line) }
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// A run's advice, then what the features it had on did, then the disruptions nothing was
    /// advised on; "Nothing to advise." when none of these.
    static func adviceLines(_ r: RunComparison.Run) -> [String] {
        let lines = r.advice.map(ReportText.adviceSummary) + r.featureEffects.map(ReportText.effect)
            + [ReportText.unadvised(r.unadvisedByCause)].compactMap { $0 }
        return lines.isEmpty ? ["Nothing to advise."] : lines
    }

    public static func json(_ c: RunComparison) -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try! enc.encode(c)
    }

    public static func html(_ c: RunComparison, reports: [AnalysisReport]) -> String {
        let esc = HTMLReport.esc
        let labels = c.runs.map(\.label)
        var h = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>compare: \(esc(c.runs.map(\.scenario).joined(separator: " vs ")))</title>"
        h += "<style>\(HTMLReport.css) td.best{font-weight:600;color:#1e7e44}.runlabel{font-weight:700;margin:10px 0 2px}</style></head><body>\n"
        h += "<header><h1>Comparison of \(c.runs.count) runs</h1>"
        for r in c.runs { h += "<p class=\"meta\"><b>\(esc(r.label))</b>: \(esc(r.path)) (\(esc(r.scenario)), seed \(r.seed))</p>" }
        h += "</header>"
        if !c.attributions.isEmpty {
            h += "<section id=\"attribution\"><h2>What the difference did</h2><ul>" + c.attributions.map { "<li>\(esc(attribution($0, c)))</li>" }.joined() + "</ul></section>"
        }
        h += "<section id=\"configuration\"><h2>Configuration</h2>"
        if c.differing.isEmpty { h += "<p>The configurations are identical.</p>" }
        h += "<table><tr><th>setting</th>" + labels.map { "<th>\(esc($0))</th>" }.joined() + "</tr>"
        for s in c.settings where c.differing.contains(s.name) || ["scenario", "seed", "pre-vote", "check-quorum", "election-timeout"].contains(s.name) {
            h += "<tr><td>\(esc(s.name))</td>" + s.values.map { "<td>\(esc($0))</td>" }.joined() + "</tr>"
        }
        h += "</table></section><section id=\"metrics\"><h2>Metrics</h2><table><tr><th>metric</th>" + labels.map { "<th>\(esc($0))</th>" }.joined() + "</tr>"
        for m in c.metrics {
            h += "<tr><td>\(esc(ReportText.metricName(m.name)))</td>"
            for i in m.values.indices {
                h += "<td\(m.best.contains(i) ? " class=\"best\"" : "")>\(esc(cell(m, i)))</td>"
            }
            h += "</tr>"
        }
        if c.runs.contains(where: { !$0.advice.isEmpty || !$0.featureEffects.isEmpty || !$0.unadvisedByCause.isEmpty }) {
            h += "</table></section><section id=\"advice\"><h2>What each run's analysis advises</h2><table><tr><th>run</th><th>advice</th></tr>"
            for r in c.runs {
                h += "<tr><td>\(esc(r.label))</td><td>" + adviceLines(r).map(esc).joined(separator: "<br>") + "</td></tr>"
            }
        }
        h += "</table></section><section id=\"timeline-section\"><h2>Timelines on a common time axis</h2>" + HTMLReport.toolbar(snapshots: reports)
        for (i, r) in reports.enumerated() {
            h += "<div class=\"runlabel\">\(esc(labels[i])): \(esc(r.trace.scenario)) &middot; \(esc(ReportText.features(r.trace.features)))</div>"
            h += HTMLReport.chart(r, id: "timeline-\(labels[i])")
        }
        h += "</section><script>\(HTMLReport.script)</script>\n</body></html>\n"
        return h
    }
}
