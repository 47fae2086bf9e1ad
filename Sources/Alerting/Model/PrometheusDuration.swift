/// Durations written the Prometheus way: `500ms`, `10s`, `1m`, `1h30m`, `2d`.
public enum PrometheusDuration {
    /// Units by the text that names them, with their size in milliseconds and rank (larger units rank higher). "ms"
    /// comes first so that it is not read as "m" followed by "s".
    private static let units: [(suffix: String, milliseconds: Int64, rank: Int)] = [
        ("ms", 1, 0), ("s", 1000, 1), ("m", 60_000, 2), ("h", 3_600_000, 3), ("d", 86_400_000, 4), ("w", 604_800_000, 5),
        ("y", 31_536_000_000, 6),
    ]

    /// Parses `text` into milliseconds; `nil` when it is not a duration. Units must go from largest to smallest, each
    /// at most once; `0` alone is zero.
    public static func milliseconds(_ text: some StringProtocol) -> Int64? {
        if text == "0" { return 0 }
        var rest = Substring(text)
        var total: Int64 = 0
        var previousRank = Int.max
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 12, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = self.units.first(where: { rest.hasPrefix($0.suffix) }), unit.rank < previousRank else { return nil }
            previousRank = unit.rank
            let (product, overflow) = value.multipliedReportingOverflow(by: unit.milliseconds)
            guard !overflow else { return nil }
            total += product
            rest = rest.dropFirst(unit.suffix.count)
        }
        return total
    }

    /// Parses `text` into a `Duration`; `nil` when it is not a duration.
    public static func parse(_ text: String) -> Duration? { self.milliseconds(text).map { .milliseconds($0) } }

    /// Formats milliseconds as Prometheus does (`model.Duration.String`): `1h30m`, `5m`, `500ms`, `0s`.
    public static func format(milliseconds: Int64) -> String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds
        var text = ""
        if rest < 0 {
            text = "-"
            rest = -rest
        }
        for (suffix, size, _) in self.units.reversed() where rest >= size {
            // Years and weeks only when nothing is left over, as Prometheus prints 90d rather than 12w6d.
            if (suffix == "w" || suffix == "y") && rest % size != 0 { continue }
            text += "\(rest / size)\(suffix)"
            rest %= size
        }
        return text
    }
}
