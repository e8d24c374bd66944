#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Text and HTML renderings of a sweep: per configuration, percentiles and CDF plots of each metric.
public enum SweepText {
    public static func render(_ s: SweepReport) -> String {
        var out = ["sweep of \(s.scenario): \(s.configurations.count) configurations x \(s.trials) trials (seeds \(s.baseSeed)...\(s.baseSeed + UInt64(max(s.trials, 1)) - 1))"]
        for m in SweepReport.metrics {
            out.append("")
            out.append("\(m.name):")
            let width = s.configurations.map(\.label.count).max() ?? 0
            out.append("  " + ReportText.padded("configuration", to: width) + "        p50        p90        p99        max       mean")
            for d in s.distributions where d.metric == m.name {
                let label = ReportText.padded(s.configurations[d.configuration].label, to: width)
                func f(_ v: Double) -> String {
                    let t = d.unit == "ns" ? ReportText.time(UInt64(v)) : ReportText.number(v)
                    return String(repeating: " ", count: max(0, 11 - t.count)) + t
                }
                out.append("  \(label)" + [Double(d.p50), Double(d.p90), Double(d.p99), Double(d.max), d.mean].map(f).joined())
            }
        }
        out.append("")
        if s.unsafeRuns.isEmpty {
            out.append("safety: no violation in any of the \(ReportText.count(s.configurations.count * s.trials, "run"))")
        } else {
            out.append("SAFETY VIOLATIONS in \(ReportText.count(s.unsafeRuns.count, "run")): " + s.unsafeRuns.prefix(10).map { "config \($0.configuration) seed \($0.seed)" }.joined(separator: ", "))
        }
        return out.joined(separator: "\n") + "\n"
    }
}

public enum SweepHTML {
    /// Tableau 10 and two more, so neighbouring configurations are easy to tell apart.
    static let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                         "#bcbd22", "#17becf", "#000000", "#aec7e8"]

    public static func render(_ s: SweepReport) -> String {
        let esc = HTMLReport.esc
        var h = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>sweep: \(esc(s.scenario))</title><style>\(HTMLReport.css)"
        h += ".plot{margin:8px 0 20px}.scale-log .lin,.scale-lin .log{display:none}.key i{display:inline-block;width:14px;height:3px;margin:0 4px 3px 12px;vertical-align:middle}</style></head><body class=\"scale-log\">\n"
        h += "<header><h1>Sweep: \(esc(s.scenario))</h1><p class=\"meta\">\(s.configurations.count) configurations &times; \(s.trials) trials, seeds \(s.baseSeed) to \(s.baseSeed + UInt64(max(s.trials, 1)) - 1)</p></header>"
        if s.unsafeRuns.isEmpty {
            h += "<p class=\"ok\">No safety violation in any of the \(ReportText.count(s.configurations.count * s.trials, "run")).</p>"
        } else {
            h += "<p class=\"card bad\">Safety violations in \(ReportText.count(s.unsafeRuns.count, "run")): \(esc(s.unsafeRuns.prefix(20).map { "configuration \($0.configuration) seed \($0.seed)" }.joined(separator: ", ")))</p>"
        }
        h += "<p>Time axis: <label><input type=\"radio\" name=\"scale\" checked onchange=\"document.body.className='scale-log'\"> log</label> "
        h += "<label><input type=\"radio\" name=\"scale\" onchange=\"document.body.className='scale-lin'\"> linear</label></p>"
        h += "<p class=\"key\">" + s.configurations.map { "<i style=\"background:\(colors[$0.index % colors.count])\"></i>\(esc($0.label))" }.joined() + "</p>"
        for m in SweepReport.metrics {
            let ds = s.distributions.filter { $0.metric == m.name }
            h += "<section><h2>\(esc(m.name))</h2>"
            if m.unit == "ns" {
                h += plot(ds, log: true, unit: m.unit) + plot(ds, log: false, unit: m.unit)
            } else {
                h += plot(ds, log: false, unit: m.unit).replacing("class=\"plot lin\"", with: "class=\"plot\"")
            }
            h += "<table><tr><th>configuration</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>mean</th></tr>"
            for d in ds {
                func f(_ v: Double) -> String { m.unit == "ns" ? ReportText.time(UInt64(v)) : ReportText.number(v) }
                h += "<tr><td><i style=\"display:inline-block;width:10px;height:10px;background:\(colors[d.configuration % colors.count])\"></i> \(esc(s.configurations[d.configuration].label))</td>"
                h += [Double(d.p50), Double(d.p90), Double(d.p99), Double(d.max), d.mean].map { "<td>\(esc(f($0)))</td>" }.joined() + "</tr>"
            }
            h += "</table></section>\n"
        }
        return h + "</body></html>\n"
    }

    /// One CDF plot as inline SVG: each configuration a step line, fraction of trials on the y axis.
    static func plot(_ ds: [SweepDistribution], log: Bool, unit: String) -> String {
        let w = 900.0, h = 300.0, l = 60.0, r = 20.0, t = 10.0, b = 40.0
        let values = ds.flatMap { $0.cdf.map { $0[0] } }
        var lo = values.min() ?? 0, hi = values.max() ?? 1
        if log {
            // From the power of ten below the smallest positive value (zeros sit on the left edge).
            let smallest = values.filter { $0 > 0 }.min() ?? 1
            lo = pow(10, floor(log10(smallest)))
            hi = max(hi, lo * 10)
        } else {
            lo = min(lo, 0)
            hi = max(hi, lo + 1)
        }
        func x(_ v: Double) -> Double {
            let f = log ? (log10(max(v, lo)) - log10(lo)) / (log10(hi) - log10(lo)) : (v - lo) / (hi - lo)
            return l + f * (w - l - r)
        }
        func y(_ f: Double) -> Double { t + (1 - f) * (h - t - b) }
        var s = "<svg class=\"plot \(log ? "log" : "lin")\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" width=\"100%\" style=\"max-width:900px\" xmlns=\"http://www.w3.org/2000/svg\">"
        s += "<rect x=\"\(l)\" y=\"\(t)\" width=\"\(w - l - r)\" height=\"\(h - t - b)\" fill=\"none\" stroke=\"#d9dee7\"/>"
        for f in stride(from: 0.0, through: 1.0, by: 0.25) {
            s += "<line x1=\"\(l)\" x2=\"\(w - r)\" y1=\"\(y(f))\" y2=\"\(y(f))\" stroke=\"#eef1f5\"/><text x=\"\(l - 6)\" y=\"\(y(f) + 4)\" text-anchor=\"end\">\(Int(f * 100))%</text>"
        }
        var ticks: [Double] = []
        if log {
            var decade = pow(10, floor(log10(lo)))
            while decade <= hi {
                for m in [1.0, 2.0, 5.0] where decade * m >= lo && decade * m <= hi { ticks.append(decade * m) }
                decade *= 10
            }
        }
        else { for k in 0...5 { ticks.append(lo + (hi - lo) * Double(k) / 5) } }
        for v in ticks {
            let label = unit == "ns" ? ReportText.time(UInt64(v)) : ReportText.number(v)
            s += "<line x1=\"\(x(v))\" x2=\"\(x(v))\" y1=\"\(h - b)\" y2=\"\(h - b + 5)\" stroke=\"#9aa3b2\"/><text x=\"\(x(v))\" y=\"\(h - b + 18)\" text-anchor=\"middle\">\(HTMLReport.esc(label))</text>"
        }
        for d in ds {
            var path = "M\(x(d.cdf.first?[0] ?? lo)),\(y(0))"
            for p in d.cdf { path += "H\(x(p[0]))V\(y(p[1]))" }
            s += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(colors[d.configuration % colors.count])\" stroke-width=\"1.6\"/>"
        }
        return s + "</svg>"
    }
}
