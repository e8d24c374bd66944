import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TraceAnalyzer
import TraceFormat

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List a trace's events: a stretch of time, or those around one event a report cites.",
        discussion: """
            Each line is an event as reports cite it as evidence, with its position in the trace (#), its time \
            to the microsecond, its node (- for the network and the scenario) and its fields; a delivery or \
            drop names the send it ends (<- #position sender type term). Only the frames holding the \
            events are read, so a stretch of a long trace lists at once.

              traceanalyze events run.trace --around 5933 --no-messages
              traceanalyze events run.trace --from 2.9s --to 3s --node n1,n3
              traceanalyze events run.trace --kind termChanged,becameLeader --limit 0
            """
    )

    @Argument(help: "The trace file.") var file: String
    @Option(help: ArgumentHelp("List events from this trace time on (e.g. 2.9s, 1m30s).", valueName: "time"))
    var from: String?
    @Option(help: ArgumentHelp("List events up to this trace time.", valueName: "time")) var to: String?
    @Option(help: ArgumentHelp("List the events around the one at this position (the number after # in a report's evidence).",
                               valueName: "position"))
    var around: String?
    @Option(help: "With --around: how many events to list before it and after it.") var context = 10
    @Option(help: ArgumentHelp("Only events of these nodes (n1,n3 or 1,3), and the network events that concern them.",
                               valueName: "nodes"))
    var node: [String] = []
    @Option(help: ArgumentHelp("Only events of these kinds (comma-separated, e.g. termChanged,voteGranted).", valueName: "kinds"))
    var kind: [String] = []
    @Option(help: ArgumentHelp("Leave out events of these kinds.", valueName: "kinds")) var excludeKind: [String] = []
    @Flag(help: "Leave out message traffic (messageSent, messageDelivered, messageDropped).") var noMessages = false
    @Option(help: "The most events to list (0: no limit).") var limit = 1_000
    @Flag(help: "Print one JSON object per line (the fields reports use for evidence).") var json = false
    @Flag(help: "Skip corrupt frames instead of stopping at the first one.") var skipCorrupt = false

    /// The comma-separated items of an option given once or more.
    private static func items(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
    }

    private static func kinds(_ values: [String], _ option: String) throws -> Set<EventTag> {
        let byName = Dictionary(uniqueKeysWithValues: EventTag.allCases.map { ($0.description.lowercased(), $0) })
        var tags: Set<EventTag> = []
        for name in Self.items(values) {
            guard let t = byName[name.lowercased()] else {
                let hint = NameSuggestion.hint(for: name, in: EventTag.allCases.map(\.description))
                throw ValidationError("--\(option): no event kind '\(name)'\(hint); kinds: "
                                      + EventTag.allCases.map(\.description).joined(separator: ", "))
            }
            tags.insert(t)
        }
        return tags
    }

    private static func nodes(_ values: [String]) throws -> Set<UInt32> {
        var ids: Set<UInt32> = []
        for name in Self.items(values) {
            let digits = name.lowercased().hasPrefix("n") ? name.dropFirst() : name[...]
            guard let id = UInt32(digits), id > 0 else { throw ValidationError("--node: '\(name)' is not a node (write n1 or 1)") }
            ids.insert(id)
        }
        return ids
    }

    /// What the options select; throws `ValidationError` for a malformed one.
    private func query() throws -> (selection: EventListing.Selection, filter: EventFilter) {
        if around != nil && (from != nil || to != nil) { throw ValidationError("--around lists the events around one event; leave out --from and --to") }
        if context < 0 { throw ValidationError("--context must be 0 or more") }
        if limit < 0 { throw ValidationError("--limit must be 0 (no limit) or more") }
        let stretch = try traceTimeRange(from: from, to: to) ?? 0...UInt64.max
        var filter = EventFilter(nodes: try Self.nodes(node), kinds: try Self.kinds(kind, "kind"),
                                 excludedKinds: try Self.kinds(excludeKind, "exclude-kind"))
        if noMessages { filter.excludedKinds.formUnion(EventFilter.messageKinds) }
        guard let around else { return (.time(stretch), filter) }
        let digits = around.hasPrefix("#") ? around.dropFirst() : around[...]
        guard let target = UInt64(digits) else {
            throw ValidationError("--around: '\(around)' is not an event position (write 5933 or '#5933')")
        }
        return (.around(ordinal: target, before: context, after: context), filter)
    }

    func validate() throws { _ = try query() }

    func run() throws {
        let (selection, filter) = try query()
        var target: UInt64? = nil
        if case .around(let ordinal, _, _) = selection { target = ordinal }

        let trace: TraceFile
        do { trace = try TraceFile.open(file) } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
        if let target, target >= trace.eventCount {
            printError("error: \(file) has \(trace.eventCount) events (#0-#\(max(trace.eventCount, 1) - 1)); there is no #\(target)")
            throw ExitCode(1)
        }
        let listing = EventListing(file: trace, selection: selection, filter: filter, limit: limit == 0 ? nil : limit,
                                   skipCorruptFrames: skipCorrupt)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let summary: EventListing.Summary
        do {
            summary = try listing.run { x in
                if json {
                    print(String(decoding: try encoder.encode(x), as: UTF8.self))
                } else {
                    if x.followsGap { print("   ... events lost here: a corrupt frame was skipped") }
                    print((target == nil ? "" : x.isTarget ? "> " : "  ") + ReportText.listed(x))
                }
            }
        } catch let error as TraceFormatError {
            printReadError(error, skipping: skipCorrupt)
            throw ExitCode(2)
        }
        for e in summary.skipped { printError("warning: skipped \(e)") }
        if let t = summary.stoppedAt {
            printError("stopped after \(summary.listed) events, at \(ReportText.preciseTime(t)): --limit 0 lists them all"
                       + (target == nil ? ", --from \(ReportText.preciseTime(t)) goes on from there" : ""))
        }
        if let target, !summary.targetFound {
            printError("error: event #\(target) is in a frame that could not be read")
            throw ExitCode(2)
        }
        if summary.listed == 0 && target == nil { printError("no events match") }
    }
}
