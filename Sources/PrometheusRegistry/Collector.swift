/// A source of metrics computed at scrape time, such as readings of `/proc` or a connection pool's state.
///
/// The registry calls ``collect()`` on every scrape (and once at registration, to claim its names). Keep it cheap and
/// never block on I/O that can hang: serve cached values instead.
public protocol Collector: Sendable {
    /// The families to expose now.
    func collect() -> [CollectedFamily]
}

/// A family produced by a ``Collector``.
public struct CollectedFamily: Sendable {
    /// The metric name (a counter's name should end in `_total`).
    public var name: String
    /// The HELP text.
    public var help: String
    /// The metric type; collectors expose counters, gauges and untyped values.
    public var type: MetricType
    /// The unit, or empty.
    public var unit: String
    /// The samples.
    public var samples: [CollectedSample]

    /// Creates a family.
    public init(name: String, help: String, type: MetricType, unit: String = "", samples: [CollectedSample]) {
        self.name = name
        self.help = help
        self.type = type
        self.unit = unit
        self.samples = samples
    }
}

/// One sample of a ``CollectedFamily``.
public struct CollectedSample: Sendable {
    /// The labels.
    public var labels: [Label]
    /// The value.
    public var value: Double

    /// Creates a sample.
    public init(labels: [Label] = [], value: Double) {
        self.labels = labels
        self.value = value
    }
}

extension CollectedFamily {
    /// Renders this family; invalid names are sanitised rather than dropped, so nothing a collector reports is lost.
    func write(to writer: inout ExpositionWriter) {
        guard !self.samples.isEmpty else { return }
        let type: MetricType = [.counter, .gauge, .unknown].contains(self.type) ? self.type : .unknown
        let names = FamilyNames(name: MetricNaming.sanitizeMetricName(self.name), type: type)
        writer.writeHeader(names, help: self.help, type: type, unit: self.unit)
        for sample in self.samples.sorted(by: { $0.labels.map(\.value).lexicographicallyPrecedes($1.labels.map(\.value)) }) {
            let labels = ExpositionWriter.renderLabels(
                names: sample.labels.map { MetricNaming.sanitizeLabelName($0.name) },
                values: sample.labels.map(\.value)
            )
            if type == .counter && writer.format.isOpenMetrics {
                writer.writeSeriesPrefix(names.openMetricsStemBytes, suffix: "_total", labels: labels)
            } else {
                writer.writeSeriesPrefix(names.textBytes, labels: labels)
            }
            writer.appendDouble(sample.value)
            writer.endSample(exemplar: nil)
        }
    }

    var sampleNames: [String] {
        let names = FamilyNames(name: MetricNaming.sanitizeMetricName(self.name), type: self.type)
        return Array(Set([names.text, names.openMetrics, names.openMetricsStem + (self.type == .counter ? "_total" : "")]))
    }
}
