/// Number rendering for the exposition formats, without allocating for the common cases.
enum NumberFormatting {
    /// Appends the decimal digits of `value`.
    static func appendUInt(_ value: UInt64, to bytes: inout [UInt8]) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 bytes: enough for 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            var remaining = value
            while remaining > 0 {
                buffer[31 - count] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10)
                remaining /= 10
                count += 1
            }
            bytes.append(contentsOf: buffer[(32 - count)...])
        }
    }

    /// Appends `value` as the formats expect: `NaN`, `+Inf`, `-Inf`, integers without a fraction,
    /// everything else in the shortest form that reads back exactly.
    static func appendDouble(_ value: Double, to bytes: inout [UInt8]) {
        if value.isNaN {
            bytes.append(contentsOf: "NaN".utf8)
        } else if value.isInfinite {
            bytes.append(contentsOf: (value > 0 ? "+Inf" : "-Inf").utf8)
        } else if value == value.rounded(.towardZero) && value.magnitude < 1e15 {
            if value < 0 {
                bytes.append(UInt8(ascii: "-"))
            }
            self.appendUInt(UInt64(value.magnitude), to: &bytes)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    /// Appends `value` in OpenMetrics' canonical float form, as `le` and `quantile` labels require:
    /// `1.0`, `0.25`, `+Inf`.
    static func appendCanonicalFloat(_ value: Double, to bytes: inout [UInt8]) {
        if value.isNaN || value.isInfinite {
            self.appendDouble(value, to: &bytes)
        } else if value == value.rounded(.towardZero) && value.magnitude < 1e15 {
            self.appendDouble(value, to: &bytes)
            bytes.append(contentsOf: ".0".utf8)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }
}
