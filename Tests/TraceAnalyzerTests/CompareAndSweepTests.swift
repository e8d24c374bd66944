import Foundation
import Testing
import RaftRecorder
import TraceFormat
@testable import TraceAnalyzer

@Suite struct CompareTests {
    func item(_ name: String, _ features: RaftFeatures? = nil) throws -> (path: String, metadata: TraceMetadata, report: AnalysisReport) {
        let (r, path) = try analyzeScenario(name, features: features)
        return (path, try TraceFile.open(path).metadata, r)
    }

    @Test func oneChangedSettingIsAttributed() throws {
        let items = [try item("rejoin"), try item("rejoin", RaftFeatures(preVote: true))]
        let c = RunComparison(items)
        #expect(c.differing == ["pre-vote"])
        let a = try #require(c.attributions.first)
        #expect(a.run == 1 && a.setting == "pre-vote" && a.from == "off" && a.to == "on")
        #expect(a.changed.contains("disruptions"))
        let disruptions = try #require(c.metrics.first { $0.name == "disruptions" })
        #expect(disruptions.values == [1, 0])
        #expect(disruptions.best == [1])
        // Failed pre-vote rounds are pre-vote at work: the breakdown by outcome is not judged.
        let failed = try #require(c.metrics.first { $0.name == "elections: preVoteFailed" })
        #expect(failed.values[0] == 0 && failed.values[1] > 0)
        #expect(!failed.judged && failed.best.isEmpty)
        // Attempts count failed pre-vote rounds too: candidacies are judged instead.
        #expect(c.metrics.first { $0.name == "election attempts" }?.judged == false)
        let candidacies = try #require(c.metrics.first { $0.name == "candidacies" })
        #expect(candidacies.judged && candidacies.values[1] < candidacies.values[0] && candidacies.best == [1])
        let sentence = CompareReport.attribution(a, c)
        #expect(sentence.hasPrefix("b enables pre-vote"))
        #expect(sentence.contains("disruptions 1 -> 0"))
        // Each run's own advice: pre-vote for the first; for the run that has it on, nothing to
        // advise but what pre-vote did there (its failed rounds, each a term not taken).
        #expect(c.runs[0].advice.map(\.feature) == [.preVote] && c.runs[0].advice[0].helps == 1)
        #expect(c.runs[0].featureEffects.isEmpty)
        #expect(c.runs[1].advice.isEmpty)
        let effect = try #require(c.runs[1].featureEffects.first)
        #expect(effect.feature == .preVote && effect.count > 0)
        let text = CompareReport.text(c)
        #expect(text.contains("a: Pre-vote would have prevented the disruption it was evaluated on"))
        #expect(text.contains("b: Pre-vote was on: \(effect.count) pre-vote rounds failed"))
        #expect(!text.contains("nothing to advise") && !text.contains("Nothing to advise"))
        // Breakdowns are named by their case names in JSON and in words in the text and page.
        #expect(text.contains("\n  elections: pre-vote failed ") && text.contains("\n  disruptions: rejoin "))
        #expect(!text.contains("preVoteFailed") && CompareReport.html(c, reports: items.map(\.report)).contains("<td>elections: pre-vote failed</td>"))
        // A run with neither advice nor a feature at work says so.
        var none = c.runs[1]
        none.featureEffects = []
        #expect(CompareReport.adviceLines(none) == ["Nothing to advise."])
        // ... unless some of its disruptions had nothing to advise, which it accounts for.
        none.unadvisedByCause = ["lostQuorum": 2]
        #expect(CompareReport.adviceLines(none)
                == ["Nothing to advise on 2 disruptions: 2 lost quorum (the leader reached no majority); no feature that was off applies to them."])
    }

    /// A measured figure within 1% of the best is as good as it (histogram resolution and noise,
    /// not an improvement); counts are compared exactly.
    @Test func measuredFiguresWithinOnePercentAreTies() throws {
        let base = try item("rejoin")
        func with(p50 scale: Double, disruptions: Int) -> (path: String, metadata: TraceMetadata, report: AnalysisReport) {
            var x = base
            x.report.availability.commitLatency.p50 = UInt64(Double(base.report.availability.commitLatency.p50) * scale)
            x.report.disruptionTotals.count = disruptions
            return x
        }
        let n = base.report.disruptionTotals.count
        let c = RunComparison([base, with(p50: 1.005, disruptions: n + 1), with(p50: 1.05, disruptions: n)])
        let p50 = try #require(c.metrics.first { $0.name == "commit latency p50" })
        #expect(p50.best == [0, 1])
        let disruptions = try #require(c.metrics.first { $0.name == "disruptions" })
        #expect(disruptions.best == [0, 2])
        let tie = RunComparison([base, with(p50: 0.995, disruptions: n)])
        #expect(tie.metrics.first { $0.name == "commit latency p50" }?.best == [])
    }

    @Test func runsDifferingInSeveralSettingsGetNoAttribution() throws {
        let c = RunComparison([try item("rejoin"), try item("chained", RaftFeatures(preVote: true))])
        #expect(c.differing.count > 1)
        #expect(c.attributions.isEmpty)
    }

    @Test func htmlAlignsOneTimelinePerRun() throws {
        let items = [try item("rejoin"), try item("rejoin", RaftFeatures(preVote: true))]
        let html = CompareReport.html(RunComparison(items), reports: items.map(\.report))
        #expect(html.contains("id=\"timeline-a\"") && html.contains("id=\"timeline-b\""))
        #expect(html.components(separatedBy: "class=\"data\"").count == 3)
    }
}

@Suite struct SweepTests {
    @Test func distributionsSummariseEveryConfiguration() throws {
        var runs: [SweepRun] = []
        let configs = [SweepConfiguration(index: 0, settings: [("pre-vote", "off")]),
                       SweepConfiguration(index: 1, settings: [("pre-vote", "on")])]
        for (k, on) in [false, true].enumerated() {
            var c = ScenarioCatalog.paperElection.configuration
            c.features.preVote = on
            for seed in 1...8 as ClosedRange<UInt64> {
                c.seed = seed
                let r = TraceAnalysis.analyze(events: try Recorder.events(c), metadata: Recorder.metadata(for: c), timeRange: 0...c.duration)
                runs.append(SweepRun(configuration: k, seed: seed, report: r))
            }
        }
        let report = SweepReport(scenario: "paper-9.3", trials: 8, baseSeed: 1, configurations: configs, runs: runs)
        #expect(report.distributions.count == configs.count * SweepReport.metrics.count)
        for d in report.distributions {
            #expect(d.count == 8)
            #expect(d.p50 <= d.p90 && d.p90 <= d.p99 && d.p99 <= d.max)
            #expect(d.cdf.last?[1] == 1.0)
            #expect(zip(d.cdf, d.cdf.dropFirst()).allSatisfy { $0[0] < $1[0] && $0[1] < $1[1] })
        }
        let leaderless = report.distributions.first { $0.metric == "time without leader" && $0.configuration == 0 }!
        #expect(leaderless.p50 > 100 * nsPerMillisecond)  // a crash costs at least an election timeout
        #expect(report.unsafeRuns.isEmpty)
        let html = SweepHTML.render(report)
        #expect(html.contains("<svg class=\"plot log\"") && html.contains("<svg class=\"plot lin\""))
        #expect(SweepText.render(report).contains("pre-vote=on"))
        // Safety is reported either way: all runs safe, or which ones were not.
        #expect(SweepText.render(report).contains("\nsafety: no violation in any of the 16 runs\n"))
        #expect(html.contains("No safety violation in any of the 16 runs."))
        var unsafe = runs
        unsafe[9].safe = false
        let bad = SweepReport(scenario: "paper-9.3", trials: 8, baseSeed: 1, configurations: configs, runs: unsafe)
        #expect(SweepText.render(bad).contains("\nSAFETY VIOLATIONS in 1 run: config 1 seed 2\n"))
        #expect(!SweepText.render(bad).contains("no violation") && !SweepHTML.render(bad).contains("No safety violation"))
    }
}
