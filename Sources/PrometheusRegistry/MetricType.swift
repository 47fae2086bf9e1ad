/// The type of a metric family, as the exposition formats name it.
public enum MetricType: String, Sendable, Hashable, CaseIterable {
    /// A monotonically increasing value.
    case counter
    /// A value that goes up and down.
    case gauge
    /// Observations counted into cumulative buckets, with a sum and a count.
    case histogram
    /// Observations summarised as quantiles over a sliding window, with a sum and a count.
    case summary
    /// Constant labels describing the target; exposed as a gauge of value 1 in text format 0.0.4.
    case info
    /// A value of unknown type (`untyped` in text format 0.0.4).
    case unknown

    /// The word after `# TYPE` in `format`.
    func typeWord(in format: ExpositionFormat) -> String {
        switch (self, format.isOpenMetrics) {
        case (.info, false): return "gauge"
        case (.unknown, false): return "untyped"
        default: return self.rawValue
        }
    }
}
