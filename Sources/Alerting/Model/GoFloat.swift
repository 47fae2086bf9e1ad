#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Formats doubles as Go's `strconv.FormatFloat` and `fmt`'s `%v` do, which is how Prometheus prints sample values in
/// templates, test output and its API: the shortest digits that read back to the same double.
public enum GoFloat {
    /// `v` as Go prints it with `%v` (`'g'`, shortest): `16`, `0.16666666666666669`, `1e+06`, `1.5e-05`, `+Inf`, `NaN`;
    /// exponent form when the decimal exponent is below -4 or at least 6.
    public static func format(_ v: Double) -> String {
        if let special = self.nonFinite(v) { return special }
        if v == 0 { return v.sign == .minus ? "-0" : "0" }
        let (negative, digits, exponent) = self.shortestDigits(v)
        guard exponent < -4 || exponent >= 6 else { return (negative ? "-" : "") + self.plain(digits, exponent) }
        return self.exponentForm(negative, digits, exponent, marker: "e")
    }

    /// `v` as `strconv.FormatFloat(v, 'f', -1, 64)` prints it: shortest digits, never an exponent.
    public static func formatPlain(_ v: Double) -> String {
        if let special = self.nonFinite(v) { return special }
        if v == 0 { return v.sign == .minus ? "-0" : "0" }
        // Swift's description has the same shortest digits and, between 1e-4 and 1e16, no exponent: only its ".0"
        // on whole numbers differs (the query API formats every value, so this path matters).
        let description = v.description
        if !description.utf8.contains(UInt8(ascii: "e")) {
            return description.hasSuffix(".0") ? String(description.dropLast(2)) : description
        }
        let (negative, digits, exponent) = self.shortestDigits(v)
        return (negative ? "-" : "") + self.plain(digits, exponent)
    }

    /// `v` as Go's `%f` prints it: six decimals, correctly rounded (as C's `%.6f` rounds), `NaN`, `+Inf`, `-Inf`.
    public static func formatFixed6(_ v: Double) -> String { self.fixed(v, "%.6f") }

    /// `v` as Go's `%.3f` prints it.
    public static func formatFixed3(_ v: Double) -> String { self.fixed(v, "%.3f") }

    private static func fixed(_ v: Double, _ format: String) -> String {
        if let special = self.nonFinite(v) { return special }
        var buffer = [CChar](repeating: 0, count: 400)
        _ = withVaList([v]) { arguments in vsnprintf(&buffer, buffer.count, format, arguments) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `v` as `strconv.FormatFloat(v, 'E', -1, 64)` prints it: `2E+00`, `1.25E-01` (promtool's test output).
    public static func formatExponent(_ v: Double) -> String { self.exponent(v, marker: "E") }

    /// `v` as `strconv.FormatFloat(v, 'e', -1, 64)` prints it: `1e+00`, `1.5e-01` (Prometheus's alerts API).
    public static func formatLowerExponent(_ v: Double) -> String { self.exponent(v, marker: "e") }

    private static func exponent(_ v: Double, marker: String) -> String {
        if let special = self.nonFinite(v) { return special }
        if v == 0 { return (v.sign == .minus ? "-0" : "0") + marker + "+00" }  // Go keeps the sign of zero
        let (negative, digits, exponent) = self.shortestDigits(v)
        return self.exponentForm(negative, digits, exponent, marker: marker)
    }

    private static func nonFinite(_ v: Double) -> String? {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
        return nil
    }

    /// `d.ddd` followed by the marker, the exponent's sign and at least two of its digits.
    private static func exponentForm(_ negative: Bool, _ digits: [Character], _ exponent: Int, marker: String) -> String {
        var text = (negative ? "-" : "") + String(digits[0])
        if digits.count > 1 { text += "." + String(digits.dropFirst()) }
        let magnitude = Swift.abs(exponent)
        return text + marker + (exponent < 0 ? "-" : "+") + (magnitude < 10 ? "0\(magnitude)" : "\(magnitude)")
    }

    /// Digits placed around the decimal point: `d.ddd × 10^exponent` written without an exponent.
    static func plain(_ digits: [Character], _ exponent: Int) -> String {
        if exponent < 0 { return "0." + String(repeating: "0", count: -exponent - 1) + String(digits) }
        if digits.count <= exponent + 1 { return String(digits) + String(repeating: "0", count: exponent + 1 - digits.count) }
        return String(digits[0...exponent]) + "." + String(digits[(exponent + 1)...])
    }

    /// The shortest round-tripping decimal digits of `v` (Swift's `description` finds them) and the power of ten of
    /// the first digit.
    static func shortestDigits(_ v: Double) -> (negative: Bool, digits: [Character], exponent: Int) {
        var text = Swift.abs(v).description  // e.g. "0.001", "1234.5", "1e-05", "1.2345e+20"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...])!
            text = String(text[..<e])
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = Array(parts[0])
        let fractionPart = parts.count > 1 ? Array(parts[1]) : []
        var digits = integerPart + fractionPart
        exponent += integerPart.count - 1
        while digits.first == "0" && digits.count > 1 {
            digits.removeFirst()
            exponent -= 1
        }
        while digits.last == "0" && digits.count > 1 { digits.removeLast() }
        return (v < 0, digits, exponent)
    }
}
