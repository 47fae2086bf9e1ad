/// An error thrown by the registry when a metric, a label or a value is not acceptable.
///
/// The ``code`` says what went wrong; ``description`` names the metric and the reason.
/// Label *values* never appear in the description, so an error message cannot leak request data.
public struct MetricError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem this is. An open set: new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidMetricName
            case invalidLabelName
            case reservedLabelName
            case duplicateLabelName
            case wrongLabelCount
            case unknownLabelName
            case duplicateMetric
            case invalidBuckets
            case invalidQuantile
            case invalidValue
            case invalidConfiguration
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A metric name that does not match `[a-zA-Z_:][a-zA-Z0-9_:]*`.
        public static let invalidMetricName = Code(.invalidMetricName)
        /// A label name that does not match `[a-zA-Z_][a-zA-Z0-9_]*`.
        public static let invalidLabelName = Code(.invalidLabelName)
        /// A label name reserved by the format (`__*`, `le` on histograms, `quantile` on summaries).
        public static let reservedLabelName = Code(.reservedLabelName)
        /// The same label name given twice.
        public static let duplicateLabelName = Code(.duplicateLabelName)
        /// A child looked up with more or fewer label values than the family declares.
        public static let wrongLabelCount = Code(.wrongLabelCount)
        /// A child looked up by a label name the family does not declare.
        public static let unknownLabelName = Code(.unknownLabelName)
        /// A metric whose name (or one of the sample names it exposes) is already registered.
        public static let duplicateMetric = Code(.duplicateMetric)
        /// Histogram buckets that are not sorted, unique and finite.
        public static let invalidBuckets = Code(.invalidBuckets)
        /// A summary quantile outside `[0, 1]` or an invalid error bound.
        public static let invalidQuantile = Code(.invalidQuantile)
        /// A value a metric cannot take, such as a negative or NaN counter increment.
        public static let invalidValue = Code(.invalidValue)
        /// A registry or family setting that is out of range.
        public static let invalidConfiguration = Code(.invalidConfiguration)

        /// The code's name.
        public var description: String { self.base.rawValue }
    }

    /// What kind of problem this is.
    public var code: Code
    /// The metric the problem concerns, when known.
    public var metricName: String?
    /// A human-readable reason.
    public var reason: String

    /// Creates an error.
    public init(code: Code, metricName: String? = nil, reason: String) {
        self.code = code
        self.metricName = metricName
        self.reason = reason
    }

    /// `metric "name": reason`, or only the reason when no metric is known.
    public var description: String {
        if let metricName {
            return "metric \"\(metricName)\": \(self.reason)"
        }
        return self.reason
    }
}
