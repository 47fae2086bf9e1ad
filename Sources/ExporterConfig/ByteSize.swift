/// A size as Prometheus's configuration writes one: a byte count, or a number with `B`, `KB`, `MB`, `GB` (powers of
/// 1,000) or `KiB`, `MiB`, `GiB` (powers of 1,024).
package enum ByteSize {
    /// The bytes `text` names, or `nil` when it is not a size (negative, fractional or unknown unit).
    package static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingWhitespace()
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int(digits) else { return nil }
        let units: [String: Int] = [
            "": 1, "B": 1, "KB": 1000, "MB": 1_000_000, "GB": 1_000_000_000,
            "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30,
        ]
        guard let unit = units[String(trimmed.dropFirst(digits.count))] else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: unit)
        return overflow ? nil : bytes
    }
}
