/// Prometheus's per-scrape limits, with its semantics: past any of them the whole scrape fails (`up` 0) and nothing
/// of it is stored. Each counts what is kept (series the rules never read are dropped first, as a
/// `metric_relabel_configs` drop would be), and a label count includes `__name__`, `job` and `instance`. Zero turns a
/// limit off, as in Prometheus.
public struct ScrapeLimits: Sendable, Hashable {
    /// Samples kept from one scrape (`sample_limit`, 50,000).
    public var sampleLimit: Int
    /// Labels on one series (`label_limit`, 64).
    public var labelLimit: Int
    /// Bytes in one label name (`label_name_length_limit`, 128).
    public var labelNameLengthLimit: Int
    /// Bytes in one label value, the metric name included (`label_value_length_limit`, 2,048).
    public var labelValueLengthLimit: Int
    /// Bytes of one (uncompressed) response (`body_size_limit`, 32 MiB).
    public var bodySizeLimit: Int

    /// The defaults.
    public init(
        sampleLimit: Int = 50_000,
        labelLimit: Int = 64,
        labelNameLengthLimit: Int = 128,
        labelValueLengthLimit: Int = 2048,
        bodySizeLimit: Int = 32 << 20
    ) {
        self.sampleLimit = sampleLimit
        self.labelLimit = labelLimit
        self.labelNameLengthLimit = labelNameLengthLimit
        self.labelValueLengthLimit = labelValueLengthLimit
        self.bodySizeLimit = bodySizeLimit
    }

    /// No limit at all (for the exporter's own registry and for tests).
    public static let unlimited = ScrapeLimits(
        sampleLimit: 0,
        labelLimit: 0,
        labelNameLengthLimit: 0,
        labelValueLengthLimit: 0,
        bodySizeLimit: 0
    )

    /// The body size limit as a byte count for the HTTP client (`Int.max` when off).
    public var bodyBytes: Int { self.bodySizeLimit > 0 ? self.bodySizeLimit : Int.max }
}

/// Which limit a scrape went past; the raw value is the configuration key and the metric's `limit` label.
public enum ScrapeLimit: String, Sendable, Hashable, CaseIterable {
    case sampleLimit = "sample_limit"
    case labelLimit = "label_limit"
    case labelNameLengthLimit = "label_name_length_limit"
    case labelValueLengthLimit = "label_value_length_limit"
    case bodySizeLimit = "body_size_limit"
}

/// Why an exposition was refused: malformed, or past a limit.
public struct ExpositionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reason, with the line where there is one.
    public var message: String
    /// The limit exceeded, when that is why.
    public var limit: ScrapeLimit?

    /// An error.
    public init(message: String, limit: ScrapeLimit? = nil) {
        self.message = message
        self.limit = limit
    }

    /// The reason.
    public var description: String { self.message }
}
