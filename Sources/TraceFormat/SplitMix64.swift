/// A small, fast, seedable random number generator (Steele, Lea and Flood's SplitMix64). Every
/// random choice in a recording draws from one of these, so a seed reproduces the run exactly.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A new generator whose stream is independent of this one's, for a sub-component.
    public mutating func split() -> SplitMix64 { SplitMix64(seed: next()) }
}
