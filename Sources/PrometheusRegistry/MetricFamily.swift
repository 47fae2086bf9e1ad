import Synchronization

/// A family of series that share a name, a type and label names, told apart by their label values.
///
/// Look a child up once with ``labels(_:)-(String...)`` and keep the handle: updating it is lock-free. The lookup
/// itself takes only this family's lock, never a registry-wide one. Past ``maxSeries`` children, new label sets fold
/// into one overflow series whose every label is ``overflowLabelValue``, and each fold is counted in the registry's
/// `registry_series_overflow_total{metric}`, so a runaway label can never exhaust memory.
public final class MetricFamily<Series: MetricSeries>: Sendable {
    /// The value every label of the overflow series carries.
    public static var overflowLabelValue: String { "__overflow__" }

    /// The metric name.
    public let name: String
    /// The HELP text.
    public let help: String
    /// The declared label names, in order.
    public let labelNames: [String]
    /// The unit (OpenMetrics `# UNIT`), or empty.
    public let unit: String
    /// The most children this family holds before folding new label sets into the overflow series.
    public let maxSeries: Int
    let type: MetricType
    let names: FamilyNames
    /// Whether each series carries its own label names (the swift-metrics backend's families): keys then hold
    /// `name, value` pairs, sorted by name, instead of values in the order of ``labelNames``.
    let hasOpenLabels: Bool

    private struct Entry {
        let values: [String]
        let renderedLabels: [UInt8]
        let series: Series
    }

    private struct State {
        var children: [LabelKey: Entry] = [:]
        var sorted: [Entry]?
        var overflow: Entry?
    }

    private let state = Mutex(State())
    private let makeSeries: @Sendable () -> Series
    private let writeSeries: @Sendable (Series, inout ExpositionWriter, FamilyNames, [UInt8]) -> Void
    private let onOverflow: @Sendable (String) -> Void
    private let labelIndex: [String: Int]

    init(
        name: String,
        help: String,
        type: MetricType,
        unit: String,
        labelNames: [String],
        maxSeries: Int,
        hasOpenLabels: Bool = false,
        makeSeries: @escaping @Sendable () -> Series,
        writeSeries: @escaping @Sendable (Series, inout ExpositionWriter, FamilyNames, [UInt8]) -> Void,
        onOverflow: @escaping @Sendable (String) -> Void
    ) {
        self.name = name
        self.help = help
        self.type = type
        self.unit = unit
        self.labelNames = labelNames
        self.maxSeries = maxSeries
        self.hasOpenLabels = hasOpenLabels
        self.names = FamilyNames(name: name, type: type)
        self.makeSeries = makeSeries
        self.writeSeries = writeSeries
        self.onOverflow = onOverflow
        self.labelIndex = Dictionary(uniqueKeysWithValues: labelNames.enumerated().map { ($1, $0) })
        if labelNames.isEmpty && !hasOpenLabels {
            _ = self.series(for: LabelKey([]))
        }
    }

    /// The child for these label values, given in the order of ``labelNames``; created on first use.
    /// - Throws: ``MetricError/Code-swift.struct/wrongLabelCount`` when the number of values differs from ``labelNames``.
    public func labels(_ values: String...) throws(MetricError) -> Series {
        try self.labels(values)
    }

    /// The child for these label values, given in the order of ``labelNames``; created on first use.
    /// - Throws: ``MetricError/Code-swift.struct/wrongLabelCount`` when the number of values differs from ``labelNames``.
    public func labels(_ values: [String]) throws(MetricError) -> Series {
        guard values.count == self.labelNames.count else {
            throw MetricError(
                code: .wrongLabelCount,
                metricName: self.name,
                reason: "expected \(self.labelNames.count) label values (\(self.labelNames.joined(separator: ", "))), got \(values.count)"
            )
        }
        return self.series(for: LabelKey(values))
    }

    /// The child for these `name: value` labels, in any order; created on first use.
    /// - Throws: ``MetricError`` when a name is missing, unknown or repeated.
    public func labels(_ labels: [String: String]) throws(MetricError) -> Series {
        try self.labels(self.orderedValues(labels))
    }

    /// Removes the child with these label values; returns whether it existed.
    @discardableResult
    public func remove(_ values: String...) -> Bool {
        self.state.withLock { state in
            guard state.children.removeValue(forKey: LabelKey(values)) != nil else { return false }
            state.sorted = nil
            return true
        }
    }

    /// Removes every child (an unlabelled family keeps its single series).
    public func removeAll() {
        guard !self.labelNames.isEmpty else { return }
        self.state.withLock { state in
            state = State()
        }
    }

    /// How many children exist now, the overflow series included.
    public var seriesCount: Int {
        self.state.withLock { $0.children.count + ($0.overflow == nil ? 0 : 1) }
    }

    /// The child with these label values if it exists, without creating it.
    public func existing(_ values: String...) -> Series? {
        self.state.withLock { $0.children[LabelKey(values)]?.series }
    }

    func series(for key: LabelKey) -> Series {
        let (series, overflowed) = self.state.withLock { state -> (Series, Bool) in
            if let entry = state.children[key] {
                return (entry.series, false)
            }
            if state.children.count >= self.maxSeries && !key.values.isEmpty {
                if let overflow = state.overflow {
                    return (overflow.series, true)
                }
                let values =
                    self.hasOpenLabels
                    ? ["series_overflow", Self.overflowLabelValue]
                    : Array(repeating: Self.overflowLabelValue, count: self.labelNames.count)
                let entry = self.makeEntry(values)
                state.overflow = entry
                state.sorted = nil
                return (entry.series, true)
            }
            let entry = self.makeEntry(key.values)
            state.children[key] = entry
            state.sorted = nil
            return (entry.series, false)
        }
        if overflowed {
            self.onOverflow(self.name)
        }
        return series
    }

    /// Removes the child with this key; returns whether it existed.
    func remove(key: LabelKey) -> Bool {
        self.state.withLock { state in
            guard state.children.removeValue(forKey: key) != nil else { return false }
            state.sorted = nil
            return true
        }
    }

    private func makeEntry(_ values: [String]) -> Entry {
        let rendered: [UInt8]
        if self.hasOpenLabels {
            let names = stride(from: 0, to: values.count, by: 2).map { values[$0] }
            let labelValues = stride(from: 1, to: values.count, by: 2).map { values[$0] }
            rendered = ExpositionWriter.renderLabels(names: names, values: labelValues)
        } else {
            rendered = ExpositionWriter.renderLabels(names: self.labelNames, values: values)
        }
        return Entry(values: values, renderedLabels: rendered, series: self.makeSeries())
    }

    private func orderedValues(_ labels: [String: String]) throws(MetricError) -> [String] {
        var values = Array(repeating: "", count: self.labelNames.count)
        var found = 0
        for (name, value) in labels {
            guard let index = self.labelIndex[name] else {
                throw MetricError(code: .unknownLabelName, metricName: self.name, reason: "label \"\(name)\" is not declared")
            }
            values[index] = value
            found += 1
        }
        guard found == self.labelNames.count else {
            throw MetricError(
                code: .wrongLabelCount,
                metricName: self.name,
                reason: "expected labels \(self.labelNames.joined(separator: ", ")), got \(labels.keys.sorted().joined(separator: ", "))"
            )
        }
        return values
    }

    private func sortedEntries() -> [Entry] {
        self.state.withLock { state in
            if let sorted = state.sorted { return sorted }
            var sorted = state.children.values.sorted { lhs, rhs in
                lhs.values.lexicographicallyPrecedes(rhs.values)
            }
            if let overflow = state.overflow { sorted.append(overflow) }
            state.sorted = sorted
            return sorted
        }
    }
}

extension MetricFamily: RegisteredFamily {
    var sampleNames: [String] {
        switch self.type {
        case .counter:
            return [self.names.text, self.names.openMetrics, self.names.openMetrics + "_total", self.names.openMetrics + "_created"]
        case .histogram:
            return [self.name, self.name + "_bucket", self.name + "_sum", self.name + "_count", self.name + "_created"]
        case .summary:
            return [self.name, self.name + "_sum", self.name + "_count", self.name + "_created"]
        default:
            return [self.name]
        }
    }

    func write(to writer: inout ExpositionWriter) {
        let entries = self.sortedEntries()
        guard !entries.isEmpty else { return }
        writer.writeHeader(self.names, help: self.help, type: self.type, unit: self.unit)
        for entry in entries {
            self.writeSeries(entry.series, &writer, self.names, entry.renderedLabels)
        }
    }
}
