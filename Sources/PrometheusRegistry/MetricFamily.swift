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
    public var maxSeries: Int { self.store.maxSeries }
    let type: MetricType
    let names: FamilyNames
    let store: SeriesStore
    private let writeEntries: EntriesWriter
    private let labelIndex: [String: Int]

    /// Whether each series carries its own label names (the swift-metrics backend's families): keys then hold
    /// `name, value` pairs, sorted by name, instead of values in the order of ``labelNames``.
    var hasOpenLabels: Bool { self.store.hasOpenLabels }

    init(
        name: String,
        help: String,
        type: MetricType,
        unit: String,
        labelNames: [String],
        maxSeries: Int,
        hasOpenLabels: Bool = false,
        makeSeries: @escaping @Sendable () -> Series,
        writeEntries: @escaping EntriesWriter,
        onOverflow: @escaping @Sendable (String) -> Void
    ) {
        self.name = name
        self.help = help
        self.type = type
        self.unit = unit
        self.labelNames = labelNames
        self.names = FamilyNames(name: name, type: type)
        self.writeEntries = writeEntries
        self.labelIndex = Dictionary(uniqueKeysWithValues: labelNames.enumerated().map { ($1, $0) })
        self.store = SeriesStore(
            name: name,
            labelNames: labelNames,
            maxSeries: maxSeries,
            hasOpenLabels: hasOpenLabels,
            makeSeries: makeSeries,
            onOverflow: onOverflow
        )
        if labelNames.isEmpty && !hasOpenLabels {
            _ = self.store.series(for: LabelKey([]))
        }
    }

    /// The child for these label values, given in the order of ``labelNames``; created on first use.
    /// - Throws: ``MetricError/Code-swift.struct/wrongLabelCount`` when the number of values differs from ``labelNames``.
    public func labels(_ values: String...) throws(MetricError) -> Series {
        try self.labels(values)
    }

    /// The child of a one-label family; created on first use. Builds no array on the lookup path.
    /// - Throws: ``MetricError/Code-swift.struct/wrongLabelCount`` unless the family has exactly one label.
    public func labels(_ first: String) throws(MetricError) -> Series {
        guard self.labelNames.count == 1 else { return try self.labels([first]) }
        var hasher = LabelHasher()
        hasher.combine(first)
        return self.series(hash: hasher.value, matches: { $0.values[0] == first }, values: { [first] })
    }

    /// The child of a two-label family; created on first use. Builds no array on the lookup path.
    /// - Throws: ``MetricError/Code-swift.struct/wrongLabelCount`` unless the family has exactly two labels.
    public func labels(_ first: String, _ second: String) throws(MetricError) -> Series {
        guard self.labelNames.count == 2 else { return try self.labels([first, second]) }
        var hasher = LabelHasher()
        hasher.combine(first)
        hasher.combine(second)
        return self.series(hash: hasher.value, matches: { $0.values[0] == first && $0.values[1] == second }, values: { [first, second] })
    }

    /// The child of a three-label family; created on first use. Builds no array on the lookup path.
    /// - Throws: ``MetricError/Code-swift.struct/wrongLabelCount`` unless the family has exactly three labels.
    public func labels(_ first: String, _ second: String, _ third: String) throws(MetricError) -> Series {
        guard self.labelNames.count == 3 else { return try self.labels([first, second, third]) }
        var hasher = LabelHasher()
        hasher.combine(first)
        hasher.combine(second)
        hasher.combine(third)
        return self.series(
            hash: hasher.value,
            matches: { $0.values[0] == first && $0.values[1] == second && $0.values[2] == third },
            values: { [first, second, third] }
        )
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
        self.store.remove(LabelKey(values))
    }

    /// Removes every child (an unlabelled family keeps its single series).
    public func removeAll() {
        guard !self.labelNames.isEmpty || self.hasOpenLabels else { return }
        self.store.removeAll()
    }

    /// How many children exist now, the overflow series included.
    public var seriesCount: Int {
        self.store.count
    }

    /// The child with these label values if it exists, without creating it.
    public func existing(_ values: String...) -> Series? {
        self.store.existing(LabelKey(values)).map { unsafeDowncast($0, to: Series.self) }
    }

    @inline(__always)
    private func series(hash: UInt64, matches: (SeriesStore.Entry) -> Bool, values: () -> [String]) -> Series {
        unsafeDowncast(self.store.series(hash: hash, matches: matches, values: values), to: Series.self)
    }

    func series(for key: LabelKey) -> Series {
        // Only `init` creates this store's series, always of type `Series`.
        unsafeDowncast(self.store.series(for: key), to: Series.self)
    }

    func remove(key: LabelKey) -> Bool {
        self.store.remove(key)
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
        guard self.store.count > 0 else { return }
        writer.writeHeader(self.names, help: self.help, type: self.type, unit: self.unit)
        self.writeEntries(self.store, &writer, self.names)
    }
}
