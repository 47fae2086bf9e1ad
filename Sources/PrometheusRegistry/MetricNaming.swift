/// Validation and sanitisation of metric and label names, as the Prometheus data model defines them.
public enum MetricNaming {
    /// Whether `name` matches `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    public static func isValidMetricName(_ name: String) -> Bool {
        self.matches(name, allowColon: true)
    }

    /// Whether `name` matches `[a-zA-Z_][a-zA-Z0-9_]*`.
    public static func isValidLabelName(_ name: String) -> Bool {
        self.matches(name, allowColon: false)
    }

    /// Turns any string into a valid metric name: invalid characters (dots, dashes, spaces) become `_`,
    /// and a leading digit gets a `_` in front. A name that is already valid is returned unchanged.
    public static func sanitizeMetricName(_ name: String) -> String {
        self.sanitize(name, allowColon: true)
    }

    /// Turns any string into a valid label name, as ``sanitizeMetricName(_:)`` does; a leading `__`
    /// (reserved for Prometheus) becomes a single `_`.
    public static func sanitizeLabelName(_ name: String) -> String {
        var result = self.sanitize(name, allowColon: false)
        while result.utf8.starts(with: "__".utf8) {
            result.removeFirst()
        }
        return result
    }

    static func validateMetricName(_ name: String) throws(MetricError) {
        guard self.isValidMetricName(name) else {
            throw MetricError(
                code: .invalidMetricName,
                metricName: name,
                reason: "a metric name must match [a-zA-Z_:][a-zA-Z0-9_:]*"
            )
        }
    }

    /// Checks label names for a family of `type`: valid, unique, not reserved.
    static func validateLabelNames(_ labelNames: [String], metricName: String, type: MetricType) throws(MetricError) {
        var seen = Set<String>()
        for label in labelNames {
            guard self.isValidLabelName(label) else {
                throw MetricError(
                    code: .invalidLabelName,
                    metricName: metricName,
                    reason: "label name \"\(label)\" must match [a-zA-Z_][a-zA-Z0-9_]*"
                )
            }
            if label.utf8.starts(with: "__".utf8) {
                throw MetricError(
                    code: .reservedLabelName,
                    metricName: metricName,
                    reason: "label names starting with \"__\" are reserved for Prometheus"
                )
            }
            if label == "le" && type == .histogram {
                throw MetricError(code: .reservedLabelName, metricName: metricName, reason: "\"le\" is reserved in histograms")
            }
            if label == "quantile" && type == .summary {
                throw MetricError(code: .reservedLabelName, metricName: metricName, reason: "\"quantile\" is reserved in summaries")
            }
            guard seen.insert(label).inserted else {
                throw MetricError(
                    code: .duplicateLabelName,
                    metricName: metricName,
                    reason: "label name \"\(label)\" is declared twice"
                )
            }
        }
    }

    private static func matches(_ name: String, allowColon: Bool) -> Bool {
        var isFirst = true
        for byte in name.utf8 {
            guard self.isAllowed(byte, allowColon: allowColon, isFirst: isFirst) else { return false }
            isFirst = false
        }
        return !isFirst
    }

    @inline(__always)
    private static func isAllowed(_ byte: UInt8, allowColon: Bool, isFirst: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            return true
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return !isFirst
        case UInt8(ascii: ":"):
            return allowColon
        default:
            return false
        }
    }

    private static func sanitize(_ name: String, allowColon: Bool) -> String {
        if self.matches(name, allowColon: allowColon) {
            return name
        }
        if name.isEmpty {
            return "_"
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count + 1)
        for byte in name.utf8 {
            if bytes.isEmpty, UInt8(ascii: "0")...UInt8(ascii: "9") ~= byte {
                bytes.append(UInt8(ascii: "_"))
            }
            bytes.append(self.isAllowed(byte, allowColon: allowColon, isFirst: bytes.isEmpty) ? byte : UInt8(ascii: "_"))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
