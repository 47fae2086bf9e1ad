/// Go's trigonometric and hyperbolic functions (pure Go on amd64: Cephes' algorithms, Payne–Hanek reduction for
/// huge arguments), which Prometheus's `sin` … `atanh` use; glibc's differ from them in the last bit.
enum GoTrig {
    // Cephes' coefficients for sin and cos on [0, π/4].
    private static let sinCoefficients = [
        1.58962301576546568060e-10, -2.50507477628578072866e-8, 2.75573136213857245213e-6, -1.98412698295895385996e-4,
        8.33333333332211858878e-3, -1.66666666666666307295e-1,
    ]
    private static let cosCoefficients = [
        -1.13585365213876817300e-11, 2.08757008419747316778e-9, -2.75573141792967388112e-7, 2.48015872888517045348e-5,
        -1.38888888888730564116e-3, 4.16666666666665929218e-2,
    ]
    // π/4 in three parts, for reduction with little error.
    private static let pi4a = 7.85398125648498535156e-1
    private static let pi4b = 3.77489470793079817668e-8
    private static let pi4c = 2.69515142907905952645e-15
    /// Arguments from here on are reduced with Payne–Hanek.
    private static let reduceThreshold = Double(1 << 29)
    /// The binary digits of 4/π, 64 at a time (computed from Machin's formula; the same bits Go's table holds).
    private static let fourOverPi: [UInt64] = [
        0x0000_0000_0000_0001, 0x45f3_06dc_9c88_2a53, 0xf84e_afa3_ea69_bb81, 0xb6c5_2b32_7887_2083, 0xfca2_c757_bd77_8ac3,
        0x6e48_dc74_849b_a5c0, 0x0c92_5dd4_13a3_2439, 0xfc3b_d639_6253_4e7d, 0xd104_6bea_5d76_8909, 0xd338_e04d_68be_fc82,
        0x7323_ac73_06a6_73e9, 0x3908_bf17_7bf2_5076, 0x3ff1_2fff_bc0b_301f, 0xde5e_2316_b414_da3e, 0xda6c_fd9e_4f96_136e,
        0x9e8c_7ecd_3cbf_d45a, 0xea4f_758f_d7cb_e2f6, 0x7a0e_73ef_14a5_25d4, 0xd7f6_bf62_3f1a_ba10, 0xac06_608d_f8f6_d757,
    ]

    /// The octant and the reduced argument of a non-negative `x`: Cody–Waite below 2^29, Payne–Hanek above.
    private static func reduce(_ x: Double) -> (octant: UInt64, z: Double) {
        if x >= self.reduceThreshold { return self.payneHanek(x) }
        var j = UInt64(x * (4 / Double.pi))
        var y = Double(j)
        if j & 1 == 1 {
            j += 1
            y += 1
        }
        return (j & 7, ((x - y * self.pi4a) - y * self.pi4b) - y * self.pi4c)
    }

    /// Payne–Hanek: the argument's mantissa times the right 192 bits of 4/π gives the octant and the fraction.
    private static func payneHanek(_ x: Double) -> (octant: UInt64, z: Double) {
        let pi4 = Double.pi / 4
        if x < pi4 { return (0, x) }
        var mantissa = x.bitPattern
        let exponent = Int((mantissa >> 52) & 0x7FF) - 1023 - 52
        mantissa &= ~(UInt64(0x7FF) << 52)
        mantissa |= 1 << 52
        let digit = (exponent + 61) / 64
        let shift = UInt64((exponent + 61) % 64)
        func word(_ index: Int) -> UInt64 {
            (self.fourOverPi[index] << shift) | (shift == 0 ? 0 : self.fourOverPi[index + 1] >> (64 - shift))
        }
        let z0 = word(digit)
        let z1 = word(digit + 1)
        let z2 = word(digit + 2)
        let z2hi = z2.multipliedFullWidth(by: mantissa).high
        let (z1hi, z1lo) = z1.multipliedFullWidth(by: mantissa)
        let z0lo = z0 &* mantissa
        let (lo, carry) = z1lo.addingReportingOverflow(z2hi)
        var hi = z0lo &+ z1hi &+ (carry ? 1 : 0)
        var octant = hi >> 61
        hi = hi << 3 | lo >> 61
        let n = hi.leadingZeroBitCount + 1  // Go's shifts past 63 give 0, as Swift's smart shifts do
        let biased = UInt64(bitPattern: Int64(1023 - n))
        hi = (hi << n) | (n > 64 ? 0 : lo >> (64 - n))
        hi >>= 64 - 52
        hi |= biased << 52
        var z = Double(bitPattern: hi)
        if octant & 1 == 1 {
            octant = (octant + 1) & 7
            z -= 1
        }
        return (octant, z * pi4)
    }

    private static func sinSeries(_ z: Double, _ zz: Double) -> Double {
        let c = self.sinCoefficients
        return z + z * zz * (((((c[0] * zz + c[1]) * zz + c[2]) * zz + c[3]) * zz + c[4]) * zz + c[5])
    }

    private static func cosSeries(_ zz: Double) -> Double {
        let c = self.cosCoefficients
        return 1.0 - 0.5 * zz + zz * zz * (((((c[0] * zz + c[1]) * zz + c[2]) * zz + c[3]) * zz + c[4]) * zz + c[5])
    }

    /// Go's `math.Sin`.
    static func sin(_ value: Double) -> Double {
        if value == 0 || value.isNaN { return value }
        if value.isInfinite { return .nan }
        var negative = value < 0
        var (j, z) = self.reduce(Swift.abs(value))
        if j > 3 {
            negative.toggle()
            j -= 4
        }
        let zz = z * z
        let y = j == 1 || j == 2 ? self.cosSeries(zz) : self.sinSeries(z, zz)
        return negative ? -y : y
    }

    /// Go's `math.Cos`.
    static func cos(_ value: Double) -> Double {
        if value.isNaN || value.isInfinite { return .nan }
        var negative = false
        var (j, z) = self.reduce(Swift.abs(value))
        if j > 3 {
            j -= 4
            negative.toggle()
        }
        if j > 1 { negative.toggle() }
        let zz = z * z
        let y = j == 1 || j == 2 ? self.sinSeries(z, zz) : self.cosSeries(zz)
        return negative ? -y : y
    }

    /// Go's `math.Tan`.
    static func tan(_ value: Double) -> Double {
        if value == 0 || value.isNaN { return value }
        if value.isInfinite { return .nan }
        let p = [-1.30936939181383777646e4, 1.15351664838587416140e6, -1.79565251976484877988e7]
        let q = [1.0, 1.36812963470692954678e4, -1.32089234440210967447e6, 2.50083801823357915839e7, -5.38695755929454629881e7]
        let (j, z) = self.reduce(Swift.abs(value))
        let zz = z * z
        var y = z
        if zz > 1e-14 {
            y = z + z * (zz * ((p[0] * zz + p[1]) * zz + p[2]) / ((((zz + q[1]) * zz + q[2]) * zz + q[3]) * zz + q[4]))
        }
        if j & 2 == 2 { y = -1 / y }
        return value < 0 ? -y : y
    }

    /// Go's `math.Asin`.
    static func asin(_ value: Double) -> Double {
        if value == 0 { return value }
        let x = Swift.abs(value)
        if x > 1 { return .nan }
        let root = (1 - x * x).squareRoot()
        // Go's satan: GoMath.atan of a non-negative argument.
        let y = x > 0.7 ? Double.pi / 2 - GoMath.atan(root / x) : GoMath.atan(x / root)
        return value < 0 ? -y : y
    }

    /// Go's `math.Acos`: π/2 − asin.
    static func acos(_ value: Double) -> Double { Double.pi / 2 - self.asin(value) }

    /// Go's `math.Sinh`. `asGo119`: as the Go that built Prometheus 2.42 computes it (`e^x − 1/e^x`, halved by a
    /// multiplication); later Go computes `e^x − e^−x` and divides.
    static func sinh(_ value: Double, asGo119: Bool = false) -> Double {
        let x = Swift.abs(value)
        var y: Double
        if x > 21 {
            y = asGo119 ? GoMath.exp(x) * 0.5 : GoMath.exp(x) / 2
        } else if x > 0.5 {
            if asGo119 {
                let ex = GoMath.exp(x)
                y = (ex - 1 / ex) * 0.5
            } else {
                y = (GoMath.exp(x) - GoMath.exp(-x)) / 2
            }
        } else {
            let p0 = -0.6307673640497716991184787251e+6
            let p1 = -0.8991272022039509355398013511e+5
            let p2 = -0.2894211355989563807284660366e+4
            let p3 = -0.2630563213397497062819489e+2
            let q0 = -0.6307673640497716991212077277e+6
            let q1 = 0.1521517378790019070696485176e+5
            let q2 = -0.173678953558233699533450911e+3
            let sq = x * x
            y = (((p3 * sq + p2) * sq + p1) * sq + p0) * x
            y = y / (((sq + q2) * sq + q1) * sq + q0)
        }
        return value < 0 ? -y : y
    }

    /// Go's `math.Cosh`, with the same two generations as ``sinh(_:asGo119:)``.
    static func cosh(_ value: Double, asGo119: Bool = false) -> Double {
        let x = Swift.abs(value)
        if asGo119 {
            let ex = GoMath.exp(x)
            return x > 21 ? ex * 0.5 : (ex + 1 / ex) * 0.5
        }
        if x > 21 { return GoMath.exp(x) / 2 }
        return (GoMath.exp(x) + GoMath.exp(-x)) / 2
    }

    /// Go's `math.Tanh`.
    static func tanh(_ value: Double) -> Double {
        let maxLog = 8.8029691931113054295988e+01
        let z = Swift.abs(value)
        if z > 0.5 * maxLog { return value < 0 ? -1 : 1 }
        if z >= 0.625 {
            let s = GoMath.exp(2 * z)
            let y = 1 - 2 / (s + 1)
            return value < 0 ? -y : y
        }
        if value == 0 { return value }
        let p = [-9.64399179425052238628E-1, -9.92877231001918586564E1, -1.61468768441708447952E3]
        let q = [1.12811678491632931402E2, 2.23548839060100448583E3, 4.84406305325125486048E3]
        let s = value * value
        return value + value * s * ((p[0] * s + p[1]) * s + p[2]) / (((s + q[0]) * s + q[1]) * s + q[2])
    }

    private static let ln2 = 6.93147180559945286227e-01

    /// Go's `math.Asinh`.
    static func asinh(_ value: Double) -> Double {
        if value.isNaN || value.isInfinite { return value }
        let x = Swift.abs(value)
        let y: Double
        if x > Double(1 << 28) {
            y = GoMath.log(x) + self.ln2
        } else if x > 2 {
            y = GoMath.log(2 * x + 1 / ((x * x + 1).squareRoot() + x))
        } else if x < 1.0 / Double(1 << 28) {
            y = x
        } else {
            y = self.log1p(x + x * x / (1 + (1 + x * x).squareRoot()))
        }
        return value < 0 ? -y : y
    }

    /// Go's `math.Acosh`.
    static func acosh(_ x: Double) -> Double {
        if x < 1 || x.isNaN { return .nan }
        if x == 1 { return 0 }
        if x >= Double(1 << 28) { return GoMath.log(x) + self.ln2 }
        if x > 2 { return GoMath.log(2 * x - 1 / (x + (x * x - 1).squareRoot())) }
        let t = x - 1
        return self.log1p(t + (2 * t + t * t).squareRoot())
    }

    /// Go's `math.Atanh`.
    static func atanh(_ value: Double) -> Double {
        if value < -1 || value > 1 || value.isNaN { return .nan }
        if value == 1 { return .infinity }
        if value == -1 { return -.infinity }
        let x = Swift.abs(value)
        let y: Double
        if x < 1.0 / Double(1 << 28) {
            y = x
        } else if x < 0.5 {
            let doubled = x + x
            y = 0.5 * self.log1p(doubled + doubled * x / (1 - x))
        } else {
            y = 0.5 * self.log1p((x + x) / (1 - x))
        }
        return value < 0 ? -y : y
    }

    /// Go's `math.Log1p` (FreeBSD's `s_log1p.c`, as Go writes it).
    static func log1p(_ x: Double) -> Double {
        if x < -1 || x.isNaN { return .nan }
        if x == -1 { return -.infinity }
        if x == .infinity { return .infinity }
        let sqrt2M1 = 4.142135623730950488017e-01
        let sqrt2HalfM1 = -2.928932188134524755992e-01
        let (ln2Hi, ln2Lo) = (GoMath.ln2Hi, GoMath.ln2Lo)
        let absx = Swift.abs(x)
        var f = 0.0
        var iu: UInt64 = 0
        var k = 1
        if absx < sqrt2M1 {
            if absx < 1.0 / Double(1 << 29) {
                if absx < 1.0 / Double(UInt64(1) << 54) { return x }
                return x - x * x * 0.5
            }
            if x > sqrt2HalfM1 {
                k = 0
                f = x
                iu = 1
            }
        }
        var c = 0.0
        if k != 0 {
            var u: Double
            if absx < Double(UInt64(1) << 53) {
                u = 1.0 + x
                iu = u.bitPattern
                k = Int((iu >> 52)) - 1023
                c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0)
                c /= u
            } else {
                u = x
                iu = u.bitPattern
                k = Int((iu >> 52)) - 1023
                c = 0
            }
            iu &= 0x000F_FFFF_FFFF_FFFF
            if iu < 0x0006_A09E_667F_3BCD {
                u = Double(bitPattern: iu | 0x3FF0_0000_0000_0000)
            } else {
                k += 1
                u = Double(bitPattern: iu | 0x3FE0_0000_0000_0000)
                iu = (0x0010_0000_0000_0000 - iu) >> 2
            }
            f = u - 1.0
        }
        let hfsq = 0.5 * f * f
        let kk = Double(k)
        if iu == 0 {
            if f == 0 {
                if k == 0 { return 0 }
                c += kk * ln2Lo
                return kk * ln2Hi + c
            }
            let r = hfsq * (1.0 - 0.66666666666666666 * f)
            if k == 0 { return f - r }
            return kk * ln2Hi - ((r - (kk * ln2Lo + c)) - f)
        }
        let s = f / (2.0 + f)
        let z = s * s
        let lp = GoMath.logSeries
        let r = z * (lp[0] + z * (lp[1] + z * (lp[2] + z * (lp[3] + z * (lp[4] + z * (lp[5] + z * lp[6]))))))
        if k == 0 { return f - (hfsq - s * (hfsq + r)) }
        return kk * ln2Hi - ((hfsq - (s * (hfsq + r) + (kk * ln2Lo + c))) - f)
    }
}
