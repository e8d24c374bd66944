import TraceFormat

/// A node's local clock: it runs `ppm` parts per million fast or slow relative to virtual time.
/// Drift changes are piecewise, so local time stays continuous.
struct NodeClock {
    private var baseGlobal: UInt64 = 0
    private var baseLocal: UInt64 = 0
    private(set) var ppm: Int32 = 0

    func local(_ global: UInt64) -> UInt64 {
        let d = global - baseGlobal
        guard ppm != 0 else { return baseLocal + d }
        return baseLocal + UInt64(max(0, Double(d) * (1 + Double(ppm) / 1e6)))
    }

    /// The first virtual time at which the local clock reads at least `local`.
    func global(_ local: UInt64) -> UInt64 {
        guard local > baseLocal else { return baseGlobal }
        let d = local - baseLocal
        guard ppm != 0 else { return baseGlobal + d }
        return baseGlobal + UInt64((Double(d) / (1 + Double(ppm) / 1e6)).rounded(.up))
    }

    mutating func setDrift(_ newPPM: Int32, at global: UInt64) {
        baseLocal = local(global)
        baseGlobal = global
        ppm = newPPM
    }
}
