public import LibYAML

/// How promtool's YAML library (go-yaml v2) reads a scalar into a `float64`, as an expected sample's `value`:
/// YAML 1.1's `.inf`, `-.inf` and `.nan` in their three spellings, integers in any base Go's `ParseInt` knows
/// (`0x10`, `0o17`, `017`, `0b101`) with `_` separators, and decimal floats; a quoted scalar is a string and no
/// number, and so are `Inf` and `NaN` (PromQL's spellings, not YAML's).
public enum YAMLFloat {
    /// The value, or `nil` when go-yaml would refuse to put the scalar in a `float64`.
    public static func value(of scalar: YAMLNode.Scalar) -> Double? {
        guard scalar.style == .plain else { return nil }
        return self.value(plain: scalar.string)
    }

    /// The value of an unquoted scalar's text.
    public static func value(plain text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        guard let first = text.utf8.first else { return nil }
        if first == UInt8(ascii: ".") {
            // go-yaml hands a scalar starting with "." to ParseFloat as it is.
            return text.utf8.dropFirst().allSatisfy(Self.isFloatByte) ? Double(text) : nil
        }
        let plain = String(text.filter { $0 != "_" })
        if let integer = self.goInteger(plain) { return integer }
        if self.isYAMLStyleFloat(plain) { return Double(plain) }
        return nil
    }

    private static func isFloatByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
    }

    /// Go's `strconv.ParseInt(s, 0, 64)` (and `ParseUint` beyond it): an optional sign, then `0x`, `0o`, `0b`, a
    /// leading `0` (octal) or decimal digits.
    private static func goInteger(_ text: String) -> Double? {
        var body = Substring(text)
        var negative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        guard !body.isEmpty else { return nil }
        let radix: Int
        let lowered = body.lowercased()
        if lowered.hasPrefix("0x") {
            radix = 16
            body = body.dropFirst(2)
        } else if lowered.hasPrefix("0o") {
            radix = 8
            body = body.dropFirst(2)
        } else if lowered.hasPrefix("0b") {
            radix = 2
            body = body.dropFirst(2)
        } else if body.count > 1 && body.first == "0" {
            radix = 8
            body = body.dropFirst()
        } else {
            radix = 10
        }
        guard !body.isEmpty, let magnitude = UInt64(body, radix: radix) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return -Double(magnitude)
        }
        return Double(magnitude)
    }

    /// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
    private static func isYAMLStyleFloat(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        func digits() -> Int {
            let count = bytes.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
            bytes = bytes.dropFirst(count)
            return count
        }
        if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            guard digits() > 0 else { return false }
        } else {
            guard digits() > 0 else { return false }
            if bytes.first == UInt8(ascii: ".") {
                bytes = bytes.dropFirst()
                _ = digits()
            }
        }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }
}
