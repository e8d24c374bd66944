import TraceFormat

/// Which one-way links are cut, which are degraded, and how long a message takes.
/// Draws from its own generator, split from the run's seed.
struct NetworkState {
    let size: Int
    let model: NetworkModel
    private var rng: SplitMix64
    private var cut: [Bool]
    private var loss: [Double]
    private var extraLatency: [UInt64]
    /// Per link, when its latest in-order message arrives: a link is a stream (like the TCP
    /// connections of etcd's transport), so a message never overtakes one sent before it unless
    /// `reordering` holds that one back.
    private var arrivalTail: [UInt64]
    /// For the uniform model: the number of whole microseconds to draw from, worked out once
    /// rather than with a division per message.
    private let uniformSpan: UInt64

    init(size: Int, model: NetworkModel, rng: SplitMix64) {
        self.size = size
        self.model = model
        self.rng = rng
        cut = Array(repeating: false, count: size * size)
        loss = Array(repeating: model.loss, count: size * size)
        extraLatency = Array(repeating: 0, count: size * size)
        arrivalTail = Array(repeating: 0, count: size * size)
        if case .uniform(let lo, let hi) = model.latency, hi > lo {
            uniformSpan = max(1, (hi - lo) / 1_000)
        } else {
            uniformSpan = 1
        }
    }

    private func slot(_ l: DirectedLink) -> Int { Int(l.from.rawValue - 1) * size + Int(l.to.rawValue - 1) }

    func isCut(_ l: DirectedLink) -> Bool { cut[slot(l)] }

    var cutLinks: [DirectedLink] {
        cut.indices.filter { cut[$0] }.map {
            DirectedLink(from: NodeID(UInt32($0 / size + 1)), to: NodeID(UInt32($0 % size + 1)))
        }
    }

    /// Cuts the links and returns those that were not already cut.
    mutating func cutLinks(_ links: [DirectedLink]) -> [DirectedLink] {
        var changed: [DirectedLink] = []
        for l in links where l.from != l.to && !cut[slot(l)] {
            cut[slot(l)] = true
            changed.append(l)
        }
        return changed
    }

    /// Restores the links and returns those that were cut.
    mutating func heal(_ links: [DirectedLink]) -> [DirectedLink] {
        var changed: [DirectedLink] = []
        for l in links where cut[slot(l)] {
            cut[slot(l)] = false
            changed.append(l)
        }
        return changed
    }

    mutating func degrade(_ l: DirectedLink, loss p: Double, extra: UInt64) {
        loss[slot(l)] = p
        extraLatency[slot(l)] = extra
    }

    private mutating func unit() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }

    mutating func baseLatency() -> UInt64 {
        switch model.latency {
        case .fixed(let v):
            return v
        case .uniform(let lo, let hi):
            guard hi > lo else { return lo }
            return lo + (rng.next() % uniformSpan) * 1_000
        case .normal(let mean, let sd, let floor):
            // Box-Muller; rounded to whole microseconds like the other models.
            let z = (-2 * log(max(unit(), 1e-300))).squareRoot() * cos(2 * Double.pi * unit())
            let v = max(Double(floor), Double(mean) + z * Double(sd))
            return UInt64(v / 1_000) * 1_000
        }
    }

    enum Fate {
        case lost
        case delivered(after: UInt64, duplicateAfter: UInt64?)
    }

    /// Decides what happens to one message sent at `now` on an uncut link. Messages arrive in
    /// the order they were sent, except one that `reordering` holds back by a further latency
    /// (later messages may overtake it) and the second copy of a duplicated one.
    mutating func fate(_ l: DirectedLink, at now: UInt64) -> Fate {
        let s = slot(l)
        let p = loss[s]
        if p > 0, unit() < p { return .lost }
        var delay = baseLatency() + extraLatency[s]
        if model.reordering > 0, unit() < model.reordering {
            delay += baseLatency()
        } else {
            // Not before the message sent ahead of it on this link.
            delay = max(delay, arrivalTail[s] > now ? arrivalTail[s] - now : 0)
            arrivalTail[s] = now + delay
        }
        var dup: UInt64?
        if model.duplication > 0, unit() < model.duplication { dup = delay + baseLatency() }
        return .delivered(after: delay, duplicateAfter: dup)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
