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

    /// Prometheus 3's `kahanSumInc`: as above, but the compensation is reset when the sum becomes infinite (else
    /// `Inf - Inf` would turn it into NaN).
    @inline(__always)
    static func kahanSumIncFinite(_ increment: Double, _ sum: Double, _ compensation: Double) -> (Double, Double) {
        let total = sum + increment
        if total.isInfinite { return (total, 0) }
        return Self.kahanSumInc(increment, sum, compensation)
    }

    /// Go's `math.Mod`: the remainder with the sign of `a`.
    static func mod(_ a: Double, _ b: Double) -> Double { a.truncatingRemainder(dividingBy: b) }

    /// ln 2 in two parts (FreeBSD's), for `log` and `log1p`.
    static let ln2Hi = 6.93147180369123816490e-01
    static let ln2Lo = 1.90821492927058770002e-10
    /// The series `log` and `log1p` share (FreeBSD's Lg1 … Lg7).
    static let logSeries = [
        6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01, 2.222219843214978396e-01,
        1.818357216161805012e-01, 1.531383769920937332e-01, 1.479819860511658591e-01,
    ]

    /// Go's `math.Log` on amd64 (FreeBSD's `e_log.c`, computed step for step by Go's assembly): glibc's `log`
    /// differs from it in the last bit for some inputs.
    static func log(_ x: Double) -> Double {
        if x.isNaN || x == .infinity { return x }
        if x < 0 { return .nan }
        if x == 0 { return -.infinity }
        let (ln2Hi, ln2Lo) = (Self.ln2Hi, Self.ln2Lo)
        let l = Self.logSeries
        let (l1, l2, l3, l4, l5, l6, l7) = (l[0], l[1], l[2], l[3], l[4], l[5], l[6])
        // Go's amd64 assembly takes the exponent and fraction straight from the bits, so a subnormal x gives what
        // its bits say as if it were normal (Log(5e-324) is -709.09 there, not -744.44): followed here.
        let bits = x.bitPattern
        var f1 = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FE0_0000_0000_0000)
        var ki = Int((bits >> 52) & 0x7FF) - 0x3FE
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

    /// Go's `math.Exp` on amd64, as its assembly computes it on a CPU with FMA (every x86-64 server of the last
    /// decade): Shibata's method (the argument reduced by ln 2 in two fused steps and divided by 16, a Taylor series
    /// in fused multiply-adds, four steps of `y → y(y + 2)`, plus one, times a power of two; no subnormal results).
    /// glibc's `exp` differs from it in the last bit for some inputs.
    static func exp(_ x: Double) -> Double {
        if x.isNaN || x == .infinity { return x }
        if x == -.infinity { return 0 }
        if x > 7.09782712893384e+02 { return .infinity }
        let ln2u = 0.69314718055966295651160180568695068359375
        let ln2l = 0.28235290563031577122588448175013436025525412068e-12
        // CVTSD2SL: to nearest, and 0x80000000 when out of range.
        let scaled = x * 1.4426950408889634073599246810018920
        let exponent: Int32 = scaled.magnitude < 2_147_483_647 ? Int32(scaled.rounded(.toNearestOrEven)) : Int32.min
        let k = Double(exponent)
        var r = x.addingProduct(-ln2u, k)
        r = r.addingProduct(-ln2l, k)
        r *= 0.0625
        var y = 2.4801587301587301587e-5
        for coefficient in [
            1.9841269841269841270e-4, 1.3888888888888888889e-3, 8.3333333333333333333e-3, 4.1666666666666666667e-2,
            1.6666666666666666667e-1, 0.5, 1.0,
        ] {
            y = coefficient.addingProduct(y, r)
        }
        var z = r * y
        for _ in 0..<3 { z *= z + 2 }
        z = (1.0).addingProduct(z, z + 2)
        let biased = Int64(exponent) + 0x3FF
        if biased <= 0 { return 0 }
        if biased >= 0x7FF { return .infinity }
        return z * Double(bitPattern: UInt64(biased) << 52)
    }

    /// Go's `math.Atan2` (pure Go: Cephes' `atan` and the quadrant), which glibc's `atan2` differs from in the last
    /// bit.
    static func atan2(_ y: Double, _ x: Double) -> Double {
        let pi = Double.pi
        if y.isNaN || x.isNaN { return .nan }
        if y == 0 {
            if x >= 0 && x.sign == .plus { return Double(signOf: y, magnitudeOf: 0) }
            return Double(signOf: y, magnitudeOf: pi)
        }
        if x == 0 { return Double(signOf: y, magnitudeOf: pi / 2) }
        if x.isInfinite {
            if x > 0 { return y.isInfinite ? Double(signOf: y, magnitudeOf: pi / 4) : Double(signOf: y, magnitudeOf: 0) }
            return y.isInfinite ? Double(signOf: y, magnitudeOf: 3 * pi / 4) : Double(signOf: y, magnitudeOf: pi)
        }
        if y.isInfinite { return Double(signOf: y, magnitudeOf: pi / 2) }
        let q = Self.atan(y / x)
        if x < 0 { return q <= 0 ? q + pi : q - pi }
        return q
    }

    /// Go's `math.Atan` (Cephes).
    static func atan(_ x: Double) -> Double {
        if x == 0 { return x }
        return x > 0 ? Self.reducedAtan(x) : -Self.reducedAtan(-x)
    }

    /// Cephes' `satan`: a positive argument reduced to [0, 0.66].
    private static func reducedAtan(_ x: Double) -> Double {
        let moreBits = 6.123233995736765886130e-17  // pi/2 = PIO2 + moreBits
        if x <= 0.66 { return Self.seriesAtan(x) }
        if x > 2.41421356237309504880 { return Double.pi / 2 - Self.seriesAtan(1 / x) + moreBits }
        return Double.pi / 4 + Self.seriesAtan((x - 1) / (x + 1)) + 0.5 * moreBits
    }

    /// Cephes' `xatan`: the series valid in [0, 0.66].
    private static func seriesAtan(_ x: Double) -> Double {
        let p0 = -8.750608600031904122785e-01
        let p1 = -1.615753718733365076637e+01
        let p2 = -7.500855792314704667340e+01
        let p3 = -1.228866684490136173410e+02
        let p4 = -6.485021904942025371773e+01
        let q0 = 2.485846490142306297962e+01
        let q1 = 1.650270098316988542046e+02
        let q2 = 4.328810604912902668951e+02
        let q3 = 4.853903996359136964868e+02
        let q4 = 1.945506571482613964425e+02
        var z = x * x
        let numerator = (((p0 * z + p1) * z + p2) * z + p3) * z + p4
        let denominator = ((((z + q0) * z + q1) * z + q2) * z + q3) * z + q4
        z = z * numerator / denominator
        return x * z + x
    }

    /// Go's `math.Pow` (pure Go on amd64): the fractional power through ``exp(_:)`` and ``log(_:)``, the integral one
    /// by repeated squaring of the fraction, then scaled with `Ldexp`.
    static func pow(_ x: Double, _ y: Double) -> Double {
        if y == 0 || x == 1 { return 1 }
        if y == 1 { return x }
        if x.isNaN || y.isNaN { return .nan }
        if x == 0 {
            if y < 0 { return x.sign == .minus && Self.isOddInteger(y) ? -.infinity : .infinity }
            return x.sign == .minus && Self.isOddInteger(y) ? x : 0
        }
        if y.isInfinite {
            if x == -1 { return 1 }
            return (Swift.abs(x) < 1) == (y > 0) ? 0 : .infinity
        }
        if x.isInfinite {
            if x < 0 { return Self.pow(1 / x, -y) }
            return y < 0 ? 0 : .infinity
        }
        if y == 0.5 { return x.squareRoot() }
        if y == -0.5 { return 1 / x.squareRoot() }
        var yi = Swift.abs(y).rounded(.towardZero)
        var yf = Swift.abs(y) - yi
        if yf != 0 && x < 0 { return .nan }
        if yi >= 9.223372036854775808e18 {
            if x == -1 { return 1 }
            return (Swift.abs(x) < 1) == (y > 0) ? 0 : .infinity
        }
        var a1 = 1.0
        var ae = 0
        if yf != 0 {
            if yf > 0.5 {
                yf -= 1
                yi += 1
            }
            a1 = Self.exp(yf * Self.log(x))
        }
        var (x1, xe) = Self.frexp(x)
        var i = Int64(yi)
        while i != 0 {
            if xe < -(1 << 12) || 1 << 12 < xe {
                ae += xe
                break
            }
            if i & 1 == 1 {
                a1 *= x1
                ae += xe
            }
            x1 *= x1
            xe <<= 1
            if x1 < 0.5 {
                x1 += x1
                xe -= 1
            }
            i >>= 1
        }
        if y < 0 {
            a1 = 1 / a1
            ae = -ae
        }
        return Self.ldexp(a1, ae)
    }

    private static func isOddInteger(_ x: Double) -> Bool {
        guard x.magnitude < 9.007199254740992e15, x == x.rounded(.towardZero) else { return false }
        return Int64(x) & 1 == 1
    }

    /// Go's `math.Ldexp`: `fraction × 2^exponent`, rounded once, also into the subnormals.
    static func ldexp(_ fraction: Double, _ exponent: Int) -> Double {
        if fraction == 0 || fraction.isInfinite || fraction.isNaN { return fraction }
        var (frac, e) = Self.normalize(fraction)
        var exp = exponent + e
        var bits = frac.bitPattern
        exp += Int((bits >> 52) & 0x7FF) - 1023
        if exp < -1075 { return fraction.sign == .minus ? -0.0 : 0 }
        if exp > 1023 { return fraction < 0 ? -.infinity : .infinity }
        var m = 1.0
        if exp < -1022 {
            exp += 53
            m = 1.0 / 9_007_199_254_740_992.0  // 2^-53
        }
        bits &= ~(UInt64(0x7FF) << 52)
        bits |= UInt64(exp + 1023) << 52
        frac = Double(bitPattern: bits)
        return m * frac
    }

    /// Go's `normalize`: a subnormal scaled up by 2^52, with the exponent to undo it.
    private static func normalize(_ x: Double) -> (Double, Int) {
        Swift.abs(x) < Double.leastNormalMagnitude ? (x * 4_503_599_627_370_496.0, -52) : (x, 0)
    }
}
