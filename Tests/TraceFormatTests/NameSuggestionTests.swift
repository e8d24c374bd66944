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

    /// Too far for an edit or two, but the beginning of a family of names.
    @Test func theBeginningOfAFamilyOfNamesSuggestsItsMembers() {
        let kinds = EventTag.allCases.map(\.description)
        #expect(NameSuggestion.closest(to: "membershipChanged", in: kinds) == ["membershipChangeProposed", "membershipChangeApplied"])
        #expect(NameSuggestion.closest(to: "snapshot", in: kinds) == ["snapshotTaken", "snapshotSent", "snapshotInstalled"])
        #expect(NameSuggestion.closest(to: "vote", in: kinds) == ["voteRequested", "voteGranted", "voteRejected"])
        #expect(NameSuggestion.closest(to: "partial", in: scenarios) == ["partial-connectivity-a", "partial-connectivity-b"])
        #expect(NameSuggestion.closest(to: "became", in: kinds) == ["becameFollower", "becamePreCandidate", "becameCandidate", "becameLeader"])
        // Five members are too many to list; three letters are too few to go on.
        #expect(NameSuggestion.closest(to: "alpha", in: (1...5).map { "alpha\($0)" }).isEmpty)
        #expect(NameSuggestion.closest(to: "vot", in: kinds).isEmpty)
    }
}
