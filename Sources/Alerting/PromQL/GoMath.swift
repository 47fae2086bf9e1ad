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

    /// Go's `math.Log` (FreeBSD's `e_log.c`, which Go's amd64 assembly computes step for step): glibc's `log`
    /// differs from it in the last bit for some inputs.
    static func log(_ x: Double) -> Double {
        if x.isNaN || x == .infinity { return x }
        if x < 0 { return .nan }
        if x == 0 { return -.infinity }
        let ln2Hi = 6.93147180369123816490e-01
        let ln2Lo = 1.90821492927058770002e-10
        let l1 = 6.666666666666735130e-01
        let l2 = 3.999999999940941908e-01
        let l3 = 2.857142874366239149e-01
        let l4 = 2.222219843214978396e-01
        let l5 = 1.818357216161805012e-01
        let l6 = 1.531383769920937332e-01
        let l7 = 1.479819860511658591e-01
        var (f1, ki) = Self.frexp(x)
        if f1 < 0.70710678118654752440 {
            f1 *= 2
            ki -= 1
        }
        let f = f1 - 1
        let k = Double(ki)
        let s = f / (2 + f)
        let s2 = s * s
        let s4 = s2 * s2
        let t1 = s2 * (l1 + s4 * (l3 + s4 * (l5 + s4 * l7)))
        let t2 = s4 * (l2 + s4 * (l4 + s4 * l6))
        let r = t1 + t2
        let hfsq = 0.5 * f * f
        return k * ln2Hi - ((hfsq - (s * (hfsq + r) + k * ln2Lo)) - f)
    }

    /// Go's `math.Log2`: exact for powers of two, else `Log(frac)/Ln2 + exp`.
    static func log2(_ x: Double) -> Double {
        let (fraction, exponent) = Self.frexp(x)
        if fraction == 0.5 { return Double(exponent - 1) }
        return Self.log(fraction) * 1.44269504088896340736 + Double(exponent)
    }

    /// Go's `math.Log10`: `Log(x) * (1/Ln10)`.
    static func log10(_ x: Double) -> Double { Self.log(x) * 0.43429448190325182765 }

    /// Go's `math.Frexp`: a fraction in [½, 1) and a power of two (zero, infinities and NaN unchanged, exponent 0).
    static func frexp(_ x: Double) -> (Double, Int) {
        guard x.isFinite, x != 0 else { return (x, 0) }
        // significand is in [1, 2): halve it and count one more.
        return (Double(sign: x.sign, exponent: -1, significand: x.significand), Int(x.exponent) + 1)
    }

    /// Go's `math.Pow`.
    static func pow(_ a: Double, _ b: Double) -> Double {
        #if canImport(Glibc)
        Glibc.pow(a, b)
        #else
        Darwin.pow(a, b)
        #endif
    }
}
