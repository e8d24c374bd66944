import TraceFormat

/// A node's local clock: it runs `ppm` parts per million fast or slow relative to virtual time.
/// Drift changes are piecewise, so local time stays continuous.
struct NodeClock {
    private var baseGlobal: UInt64 = 0
    private var baseLocal: UInt64 = 0
    private(set) var ppm: Int32 = 0

    // Each conversion runs for every delivery: the common case (no drift) is inlined, the
    // arithmetic of a drifting clock is not.
    @inline(__always) func local(_ global: UInt64) -> UInt64 {
        ppm == 0 ? baseLocal + (global - baseGlobal) : driftedLocal(global)
    }

    /// The first virtual time at which the local clock reads at least `local`.
    @inline(__always) func global(_ local: UInt64) -> UInt64 {
        guard local > baseLocal else { return baseGlobal }
        return ppm == 0 ? baseGlobal + (local - baseLocal) : driftedGlobal(local)
    }

    @inline(never) private func driftedLocal(_ global: UInt64) -> UInt64 {
        baseLocal + UInt64(max(0, Double(global - baseGlobal) * (1 + Double(ppm) / 1e6)))
    }

    @inline(never) private func driftedGlobal(_ local: UInt64) -> UInt64 {
        baseGlobal + UInt64((Double(local - baseLocal) / (1 + Double(ppm) / 1e6)).rounded(.up))
    }

    mutating func setDrift(_ newPPM: Int32, at global: UInt64) {
        baseLocal = local(global)
        baseGlobal = global
        ppm = newPPM
    }
}
