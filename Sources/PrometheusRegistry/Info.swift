import Synchronization

/// Constant labels that describe the target, such as its version and environment.
///
/// `Info(name: "copythat")` exposes `copythat_info{version="1.0.0",environment="prod"} 1`: a gauge in text 0.0.4,
/// which has no info type, and an `info` family in OpenMetrics.
public final class Info: Sendable {
    /// The sample name, ending in `_info`.
    public let name: String
    /// The HELP text.
    public let help: String
    private let names: FamilyNames
    private let rendered: Mutex<(labels: [Label], bytes: [UInt8])>

    init(name: String, help: String, labels: [Label]) throws(MetricError) {
        self.name = name.hasSuffix("_info") ? name : name + "_info"
        self.help = help
        self.names = FamilyNames(name: self.name, type: .info)
        self.rendered = Mutex((labels: [], bytes: []))
        try self.set(labels)
    }

    /// Replaces the labels.
    /// - Throws: ``MetricError`` when a label name is invalid, reserved or repeated.
    public func set(_ labels: [Label]) throws(MetricError) {
        let names = labels.map(\.name)
        try MetricNaming.validateLabelNames(names, metricName: self.name, type: .info)
        let bytes = ExpositionWriter.renderLabels(names: names, values: labels.map(\.value))
        self.rendered.withLock { $0 = (labels, bytes) }
    }

    /// The current labels.
    public var labels: [Label] {
        self.rendered.withLock { $0.labels }
    }
}

extension Info: RegisteredFamily {
    var type: MetricType { .info }
    var sampleNames: [String] { [self.name, self.names.openMetrics] }

    func write(to writer: inout ExpositionWriter) {
        let labels = self.rendered.withLock { $0.bytes }
        writer.writeHeader(self.names, help: self.help, type: .info, unit: "")
        writer.writeSeriesPrefix(self.names.textBytes, labels: labels)
        writer.appendUInt(1)
        writer.endSample(exemplar: nil)
    }
}
