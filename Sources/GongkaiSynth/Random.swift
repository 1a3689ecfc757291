import Foundation

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and the same on every platform, so a
/// seed names one corpus forever. The system generator is never used.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for one part of the corpus (an agency, one report's layout), independent of
    /// how much randomness the other parts used.
    public init(seed: UInt64, stream: UInt64, _ sub: UInt64 = 0) {
        var mixer = SplitMix64(seed: seed ^ 0x6A09_E667_F3BC_C909)
        _ = mixer.next()
        state = mixer.next() ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ (sub &* 0xC2B2_AE3D_27D4_EB4F)
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<n` (n > 0), by multiply-shift (bias is negligible for our n).
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        return Int((UInt64(n).multipliedFullWidth(by: next())).high)
    }

    /// Uniform in the closed range.
    public mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + below(r.upperBound - r.lowerBound + 1) }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// Picks an index with the given weights.
    public mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var x = unit() * total
        for (i, w) in weights.enumerated() {
            if x < w { return i }
            x -= w
        }
        return weights.count - 1
    }

    /// Log-uniform in [lo, hi]: most values small, a long tail of large ones.
    public mutating func logUniform(_ lo: Double, _ hi: Double) -> Double {
        lo * pow(hi / lo, unit())
    }

    /// Splits `n` into buckets in proportion to `weights`, with noise: each bucket draws its
    /// share in turn from what is left, so the parts always add up to `n` exactly.
    public mutating func split(_ n: Int, weights: [Double]) -> [Int] {
        var out = [Int](repeating: 0, count: weights.count)
        var left = n
        var wLeft = weights.reduce(0, +)
        for i in weights.indices {
            if left == 0 { break }
            if i == weights.count - 1 || wLeft <= 0 { out[i] = left; left = 0; break }
            let p = min(1, max(0, weights[i] / wLeft))
            let mean = Double(left) * p
            // Binomial-like draw: mean ± a spread of about √(n·p·(1−p)).
            let spread = (mean * (1 - p)).squareRoot()
            var k = Int((mean + spread * gaussianish()).rounded())
            if p == 0 { k = 0 }
            k = min(left, max(0, k))
            out[i] = k
            left -= k
            wLeft -= weights[i]
        }
        return out
    }

    /// Roughly standard normal (sum of four uniforms), cheap and bounded.
    public mutating func gaussianish() -> Double {
        (unit() + unit() + unit() + unit() - 2) * 1.7320508
    }
}

