/// Durations written the Prometheus way: `500ms`, `10s`, `1m`, `1h30m`, `2d`.
enum PrometheusDuration {
    /// Units by the text that names them, with their size and rank (larger units rank higher). "ms" comes first so
    /// that it is not read as "m" followed by "s".
    private static let units: [(suffix: String, seconds: Double, rank: Int)] = [
        ("ms", 0.001, 0), ("s", 1, 1), ("m", 60, 2), ("h", 3600, 3), ("d", 86400, 4), ("w", 604_800, 5), ("y", 31_536_000, 6),
    ]

    /// Parses `text`; `nil` when it is not a duration. Units must go from largest to smallest, each at most once.
    static func parse(_ text: String) -> Duration? {
        var rest = Substring(text)
        var total = 0.0
        var previousRank = Int.max
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = self.units.first(where: { rest.hasPrefix($0.suffix) }), unit.rank < previousRank else { return nil }
            previousRank = unit.rank
            total += value * unit.seconds
            rest = rest.dropFirst(unit.suffix.count)
        }
        return .milliseconds(Int64((total * 1000).rounded()))
    }
}
