/// The known names a mistyped one most likely meant, for "did you mean" hints in error messages.
///
/// Names compare without case, hyphens or underscores (`preVote`, `pre_vote` and `pre-vote` are
/// one name), then by edit distance: the known names closest to the typed one are suggested if they
/// are at most a third of its length away (at least one edit), and no more than three are that close.
/// Failing that, a family of names that begin as the typed one does (all of it but at most its last
/// three letters, and at least four) is suggested, if it has at most four members: `snapshot` or
/// `membershipChanged` for the event kinds that begin `snapshot` or `membershipChange`.
public enum NameSuggestion {
    public static func closest(to name: String, in known: some Sequence<String>) -> [String] {
        let typed = folded(name)
        guard !typed.isEmpty else { return [] }
        var best: [String] = []
        var bestDistance = Int.max
        for candidate in known {
            let d = distance(typed, folded(candidate))
            if d < bestDistance {
                (best, bestDistance) = ([candidate], d)
            } else if d == bestDistance && !best.contains(candidate) {
                best.append(candidate)
            }
        }
        if bestDistance <= max(1, typed.count / 3) && best.count <= 3 { return best }
        guard typed.count >= 4 else { return [] }
        let stem = max(4, typed.count - 3)
        let family = known.filter { commonPrefix(typed, folded($0)) >= stem }
        return family.count <= 4 ? family : []
    }

    private static func commonPrefix(_ a: [Character], _ b: [Character]) -> Int {
        zip(a, b).prefix { $0 == $1 }.count
    }

    /// " (did you mean 'x'?)", " (did you mean 'x' or 'y'?)", or "" when no known name is close;
    /// `quote` writes each name (a YAML key is written `faults:`).
    public static func hint(for name: String, in known: some Sequence<String>,
                            quote: (String) -> String = { "'\($0)'" }) -> String {
        let names = closest(to: name, in: known).map(quote)
        guard let last = names.last else { return "" }
        let list = names.count == 1 ? last : names.dropLast().joined(separator: ", ") + " or " + last
        return " (did you mean \(list)?)"
    }

    private static func folded(_ s: String) -> [Character] {
        Array(s.lowercased().filter { $0 != "-" && $0 != "_" })
    }

    /// Levenshtein distance: insertions, deletions and substitutions.
    private static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
