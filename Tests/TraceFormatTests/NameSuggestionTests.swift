import Testing
import TraceFormat

@Suite struct NameSuggestionTests {
    let scenarios = ["steady", "rejoin", "partial-connectivity-a", "partial-connectivity-b", "chained"]

    @Test(arguments: [
        ("rejon", ["rejoin"]),
        ("Rejoin", ["rejoin"]),
        ("partial-connectivity", ["partial-connectivity-a", "partial-connectivity-b"]),
        ("partial_connectivity_a", ["partial-connectivity-a"]),
        ("chaned", ["chained"]),
        ("xyz", []),
        ("", []),
        ("st", []),
    ])
    func suggestsTheClosestNames(typed: String, expected: [String]) {
        #expect(NameSuggestion.closest(to: typed, in: scenarios) == expected)
    }

    @Test func aNameTooFarFromEveryKnownOneGetsNoHint() {
        // "steady" is 3 edits from "stable": more than a third of its length.
        #expect(NameSuggestion.hint(for: "stable", in: scenarios) == "")
        #expect(NameSuggestion.hint(for: "preVote", in: ["pre-vote", "check-quorum"]) == " (did you mean 'pre-vote'?)")
        #expect(NameSuggestion.hint(for: "fautls", in: ["faults", "features"]) { "\($0):" } == " (did you mean faults:?)")
    }
}
