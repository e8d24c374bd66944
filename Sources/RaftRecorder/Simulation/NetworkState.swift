import TraceFormat

/// Which one-way links are cut, which are degraded, and how long a message takes.
/// Draws from its own generator, split from the run's seed.
struct NetworkState: ~Copyable {
    let size: Int
    let model: NetworkModel
    private var rng: SplitMix64
    // Internal, not private: a private element type of `FixedTable` crashes the compiler in debug builds.
    struct Link {
        var cut = false
        var loss: Double
        var extraLatency: UInt64 = 0
        /// 0: the network's latency model; k: `linkLatency[k - 1]` (`NetworkModel.links`).
        var latency: UInt8 = 0
    }
    /// The latency models of `NetworkModel.links` that set one, by `Link.latency`.
    private let linkLatency: [LatencyModel]
    /// By `slot(_:)`.
    private var links: FixedTable<Link>
    /// For the uniform model (with a range): its minimum and the number of whole microseconds to
    /// draw from, worked out once rather than unpacked from `model` (and divided) per message.
    private let uniform: (low: UInt64, span: UInt64)?

    init(size: Int, model: NetworkModel, rng: SplitMix64) {
        self.size = size
        self.model = model
        self.rng = rng
        var table = Array(repeating: Link(loss: model.loss), count: size * size)
        var linkLatency: [LatencyModel] = []
        // Later settings override earlier ones, link by link.
        for settings in model.links {
            // Each distinct model once (at most 255 of them: scenario files list at most 64 entries).
            var latency: UInt8 = 0
            if let model = settings.latency {
                if let k = linkLatency.firstIndex(of: model) {
                    latency = UInt8(k + 1)
                } else if linkLatency.count < Int(UInt8.max) {
                    linkLatency.append(model)
                    latency = UInt8(linkLatency.count)
                }
            }
            for a in settings.between where (1...size).contains(Int(a.rawValue)) {
                for b in settings.and where a != b && (1...size).contains(Int(b.rawValue)) {
                    for (from, to) in [(a, b), (b, a)] {
                        let s = Int(from.rawValue - 1) * size + Int(to.rawValue - 1)
                        if latency != 0 { table[s].latency = latency }
                        if let loss = settings.loss { table[s].loss = loss }
                    }
                }
            }
        }
        links = FixedTable(table)
        self.linkLatency = linkLatency
        if case .uniform(let lo, let hi) = model.latency, hi > lo {
            uniform = (lo, max(1, (hi - lo) / 1_000))
        } else {
            uniform = nil
        }
    }

    private func slot(_ l: DirectedLink) -> Int { Int(l.from.rawValue - 1) * size + Int(l.to.rawValue - 1) }

    func isCut(_ l: DirectedLink) -> Bool { links[slot(l)].cut }

    var cutLinks: [DirectedLink] {
        links.indices.filter { links[$0].cut }.map {
            DirectedLink(from: NodeID(UInt32($0 / size + 1)), to: NodeID(UInt32($0 % size + 1)))
        }
    }

    /// Cuts the links and returns those that were not already cut.
    mutating func cutLinks(_ links: [DirectedLink]) -> [DirectedLink] {
        var changed: [DirectedLink] = []
        for l in links where l.from != l.to && !self.links[slot(l)].cut {
            self.links[slot(l)].cut = true
            changed.append(l)
        }
        return changed
    }

    /// Restores the links and returns those that were cut.
    mutating func heal(_ links: [DirectedLink]) -> [DirectedLink] {
        var changed: [DirectedLink] = []
        for l in links where self.links[slot(l)].cut {
            self.links[slot(l)].cut = false
            changed.append(l)
        }
        return changed
    }

    mutating func degrade(_ l: DirectedLink, loss p: Double, extra: UInt64) {
        links[slot(l)].loss = p
        links[slot(l)].extraLatency = extra
    }

    private mutating func unit() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }

    /// Drawn for every message on the link in `slot`: the network's uniform model (the catalog's)
    /// is inlined, the others are not.
    @inline(__always) mutating func baseLatency(_ slot: Int) -> UInt64 {
        let k = links[slot].latency
        if k != 0 { return draw(linkLatency[Int(k) - 1]) }
        if let uniform { return uniform.low + (rng.next() % uniform.span) * 1_000 }
        return draw(model.latency)
    }

    @inline(never) private mutating func draw(_ latency: LatencyModel) -> UInt64 {
        switch latency {
        case .fixed(let v):
            return v
        case .uniform(let lo, let hi):
            // Whole microseconds, as `uniform` draws them (an empty range gives its minimum).
            return hi > lo ? lo + (rng.next() % max(1, (hi - lo) / 1_000)) * 1_000 : lo
        case .normal(let mean, let sd, let floor):
            // Box-Muller; rounded to whole microseconds like the other models.
            let z = (-2 * log(max(unit(), 1e-300))).squareRoot() * cos(2 * Double.pi * unit())
            let v = max(Double(floor), Double(mean) + z * Double(sd))
            return UInt64(v / 1_000) * 1_000
        }
    }

    enum Fate {
        case lost
        /// `inOrder`: the message arrives after every message sent before it on the link (and
        /// before every later one that is also in order), unlike one that `reordering` held back.
        case delivered(after: UInt64, inOrder: Bool, duplicateAfter: UInt64?)
    }

    /// Decides what happens to one message sent at `now` on an uncut link. A link is a stream
    /// (like the TCP connections of etcd's transport): a message arrives no earlier than
    /// `notBefore`, when the in-order message sent ahead of it on the link arrives (the caller
    /// queues those), except one that `reordering` holds back by a further latency (later
    /// messages may overtake it) and the second copy of a duplicated one.
    @inline(__always) mutating func fate(_ l: DirectedLink, at now: UInt64, notBefore: UInt64) -> Fate {
        let s = slot(l)
        let p = links[s].loss
        if p > 0, unit() < p { return .lost }
        var delay = baseLatency(s) + links[s].extraLatency
        let heldBack = model.reordering > 0 && unit() < model.reordering
        if heldBack {
            delay += baseLatency(s)
        } else {
            delay = max(delay, notBefore > now ? notBefore - now : 0)
        }
        var dup: UInt64?
        if model.duplication > 0, unit() < model.duplication { dup = delay + baseLatency(s) }
        return .delivered(after: delay, inOrder: !heldBack, duplicateAfter: dup)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
