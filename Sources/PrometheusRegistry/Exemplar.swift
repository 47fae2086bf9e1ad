/// An exemplar: a reference (such as a trace id) attached to one counter increment or histogram observation,
/// exposed in OpenMetrics only.
public struct Exemplar: Sendable, Hashable {
    /// The exemplar's labels, as `(name, value)` pairs.
    public let labels: [Label]
    /// The observed value or increment.
    public let value: Double
    /// When it was observed, in seconds since the Unix epoch, if known.
    public let timestamp: Double?
    let renderedLabels: [UInt8]

    /// The most UTF-8 characters the labels of one exemplar may have, names and values together (OpenMetrics).
    public static let maxLabelCharacters = 128

    /// Creates an exemplar.
    /// - Parameters:
    ///   - labels: label pairs, usually `[Label("trace_id", id)]`; names must be valid label names.
    ///   - value: the observation or increment this exemplar stands for.
    ///   - timestamp: seconds since the Unix epoch, if known.
    /// - Throws: ``MetricError`` when a label name is invalid or the labels exceed ``maxLabelCharacters``.
    public init(labels: [Label], value: Double, timestamp: Double? = nil) throws(MetricError) {
        var characters = 0
        for label in labels {
            guard MetricNaming.isValidLabelName(label.name) else {
                throw MetricError(code: .invalidLabelName, reason: "exemplar label name \"\(label.name)\" is invalid")
            }
            characters += label.name.unicodeScalars.count + label.value.unicodeScalars.count
        }
        guard characters <= Self.maxLabelCharacters else {
            throw MetricError(
                code: .invalidValue,
                reason: "exemplar labels have \(characters) characters; OpenMetrics allows \(Self.maxLabelCharacters)"
            )
        }
        self.labels = labels
        self.value = value
        self.timestamp = timestamp
        self.renderedLabels = ExpositionWriter.renderLabels(names: labels.map(\.name), values: labels.map(\.value))
    }
}

/// A label: a name and a value.
public struct Label: Sendable, Hashable {
    /// The label name.
    public var name: String
    /// The label value; any UTF-8.
    public var value: String

    /// Creates a label.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
