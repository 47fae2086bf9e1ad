#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Floating-point helpers that behave as Go's `math` package does, so results match Prometheus bit for bit.
enum GoMath {
    /// `math.Max`: NaN when either is NaN.
    static func max(_ a: Double, _ b: Double) -> Double {
        if a.isNaN || b.isNaN { return .nan }
        return Swift.max(a, b)
    }

    /// `math.Min`: NaN when either is NaN.
    static func min(_ a: Double, _ b: Double) -> Double {
        if a.isNaN || b.isNaN { return .nan }
        return Swift.min(a, b)
    }

    /// Neumaier's improved Kahan summation step (`kahanSumInc` in Prometheus).
    @inline(__always)
    static func kahanSumInc(_ increment: Double, _ sum: Double, _ compensation: Double) -> (Double, Double) {
        let total = sum + increment
        var c = compensation
        if Swift.abs(sum) >= Swift.abs(increment) { c += (sum - total) + increment } else { c += (increment - total) + sum }
        return (total, c)
    }

    /// Go's `math.Mod`: the remainder with the sign of `a`.
    static func mod(_ a: Double, _ b: Double) -> Double { a.truncatingRemainder(dividingBy: b) }

    /// Go's `math.Pow`.
    static func pow(_ a: Double, _ b: Double) -> Double {
        #if canImport(Glibc)
        Glibc.pow(a, b)
        #else
        Darwin.pow(a, b)
        #endif
    }
}
