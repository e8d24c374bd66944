/// Durations as people write them in scenarios and on the command line: `150ms`, `2s`, `1m`,
/// `500us`, `1.5s`, and ranges `150ms-300ms`. Values are nanoseconds.
public enum DurationText {
    /// Longest suffixes first, so "ms" is not read as "m" followed by "s".
    private static let units: [(suffix: String, ns: Double)] = [
        ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
    ]

    /// Parses one duration: a number and a unit, or several with units from largest to smallest
    /// (`1m30s`, `30m05.591541s`, `1h00m02.5s`, as `format` and the event listing write them);
    /// `nil` for anything else.
    public static func parse(_ text: String) -> UInt64? {
        var rest = text.trimmingCharacters(in: " ")
        var total = 0.0
        var lastScale = Double.infinity
        repeat {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            rest = rest.dropFirst(number.count)
            guard let v = Double(number), v >= 0, v.isFinite,
                  let (suffix, scale) = units.first(where: { rest.hasPrefix($0.suffix) }),
                  scale < lastScale
            else { return nil }
            rest = rest.dropFirst(suffix.count)
            total += v * scale
            lastScale = scale
        } while !rest.isEmpty
        guard total < 1.8e19 else { return nil }
        return UInt64(total.rounded())
    }

    /// Parses `a-b` (or a single duration, giving `a...a`).
    public static func parseRange(_ text: String) -> ClosedRange<UInt64>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 1, let v = parse(text) { return v...v }
        guard parts.count == 2, let a = parse(String(parts[0])), let b = parse(String(parts[1])), a <= b else { return nil }
        return a...b
    }

    /// A short human form: `0s`, `850ns`, `12.5us`, `150ms`, `1.25s`, `2m05s`.
    public static func format(_ ns: UInt64) -> String {
        if ns == 0 { return "0s" }
        if ns < 1_000 { return "\(ns)ns" }
        if ns < 1_000_000 { return trim(Double(ns) / 1e3) + "us" }
        if ns < 1_000_000_000 { return trim(Double(ns) / 1e6) + "ms" }
        if ns < 60 * nsPerSecond { return trim(Double(ns) / 1e9) + "s" }
        let s = ns / nsPerSecond
        let sec = s % 60
        return "\(s / 60)m" + (sec < 10 ? "0" : "") + "\(sec)s"
    }

    private static func trim(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        if r == r.rounded() { return String(Int(r)) }
        var s = String(r)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var s = self[...]
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return s
    }
}
