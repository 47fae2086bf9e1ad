import Atomics
import Synchronization

/// A collection of metric families and collectors that renders itself in text 0.0.4 or OpenMetrics.
///
/// Create metrics through the `make…` methods; a name that is already taken (including the `_total`, `_bucket`,
/// `_sum`, `_count` and `_created` names a family exposes) is a ``MetricError``, never a crash. Families and series
/// come out sorted by name and by label values, so two scrapes of the same state are byte-identical.
///
/// Use ``default`` for a process-wide registry or create your own (tests should).
public final class PrometheusRegistry: Sendable {
    /// Registry-wide settings.
    public struct Configuration: Sendable {
        /// The default ``MetricFamily/maxSeries`` of every family created here.
        public var maxSeriesPerFamily: Int

        /// Creates a configuration.
        /// - Parameter maxSeriesPerFamily: children per family before label sets fold into one overflow series
        ///   (default 10,000).
        public init(maxSeriesPerFamily: Int = 10_000) {
            self.maxSeriesPerFamily = maxSeriesPerFamily
        }
    }

    /// Identifies a registered ``Collector`` so that it can be unregistered.
    public struct CollectorID: Hashable, Sendable {
        fileprivate let value: Int
    }

    private struct State {
        var families: [String: any RegisteredFamily] = [:]
        var claimedNames: [String: String] = [:]
        var collectors: [CollectorID: (collector: any Collector, names: [String])] = [:]
        var nextCollectorID = 0
        var sorted: [any RegisteredFamily]?
    }

    /// The process-wide registry.
    public static let `default` = PrometheusRegistry()

    /// The settings this registry was created with.
    public let configuration: Configuration
    private let state = Mutex(State())
    /// The size of the last exposition, so the next one reserves its buffer once instead of growing it.
    private let lastRenderSize = ManagedAtomic<Int>(4096)
    private let selfMetrics = Mutex<[SelfEvent: MetricFamily<Counter>]>([:])

    /// Creates an empty registry.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    // MARK: Counters

    /// Registers an unlabelled counter.
    /// - Throws: ``MetricError`` when the name is invalid or taken, or the unit does not end the name.
    public func makeCounter(name: String, help: String, unit: String = "") throws(MetricError) -> Counter {
        try self.makeCounterFamily(name: name, help: help, labelNames: [], unit: unit).labels([])
    }

    /// Registers a counter family with these label names.
    /// - Throws: ``MetricError`` when a name is invalid, reserved or taken.
    public func makeCounterFamily(
        name: String,
        help: String,
        labelNames: [String],
        unit: String = "",
        maxSeries: Int? = nil
    ) throws(MetricError) -> MetricFamily<Counter> {
        try self.register(
            name: name,
            help: help,
            type: .counter,
            unit: unit,
            labelNames: labelNames,
            maxSeries: maxSeries,
            write: SeriesWriting.lineWriter(for: Counter.self)
        ) {
            Counter()
        }
    }

    // MARK: Gauges

    /// Registers an unlabelled gauge.
    /// - Throws: ``MetricError`` when the name is invalid or taken.
    public func makeGauge(name: String, help: String, unit: String = "") throws(MetricError) -> Gauge {
        try self.makeGaugeFamily(name: name, help: help, labelNames: [], unit: unit).labels([])
    }

    /// Registers a gauge family with these label names.
    /// - Throws: ``MetricError`` when a name is invalid, reserved or taken.
    public func makeGaugeFamily(
        name: String,
        help: String,
        labelNames: [String],
        unit: String = "",
        maxSeries: Int? = nil
    ) throws(MetricError) -> MetricFamily<Gauge> {
        try self.register(
            name: name,
            help: help,
            type: .gauge,
            unit: unit,
            labelNames: labelNames,
            maxSeries: maxSeries,
            write: SeriesWriting.lineWriter(for: Gauge.self)
        ) {
            Gauge()
        }
    }

    // MARK: Histograms

    /// Registers an unlabelled histogram.
    /// - Throws: ``MetricError`` when the name is invalid or taken, or the buckets are not sorted, unique and finite.
    public func makeHistogram(
        name: String,
        help: String,
        buckets: [Double] = Histogram.defaultBuckets,
        unit: String = ""
    ) throws(MetricError) -> Histogram {
        try self.makeHistogramFamily(name: name, help: help, labelNames: [], buckets: buckets, unit: unit).labels([])
    }

    /// Registers a histogram family with these label names and buckets (`+Inf` is implied).
    /// - Throws: ``MetricError`` when a name is invalid, reserved (`le`) or taken, or the buckets are invalid.
    public func makeHistogramFamily(
        name: String,
        help: String,
        labelNames: [String],
        buckets: [Double] = Histogram.defaultBuckets,
        unit: String = "",
        maxSeries: Int? = nil
    ) throws(MetricError) -> MetricFamily<Histogram> {
        let bounds = try Histogram.validatedBounds(buckets, metricName: name)
        return try self.register(
            name: name,
            help: help,
            type: .histogram,
            unit: unit,
            labelNames: labelNames,
            maxSeries: maxSeries,
            write: SeriesWriting.writer(for: Histogram.self)
        ) {
            Histogram(upperBounds: bounds)
        }
    }

    // MARK: Summaries

    /// Registers an unlabelled summary.
    /// - Throws: ``MetricError`` when the name is invalid or taken, or the configuration is out of range.
    public func makeSummary(
        name: String,
        help: String,
        configuration: Summary.Configuration = .init(),
        unit: String = ""
    ) throws(MetricError) -> Summary {
        try self.makeSummaryFamily(name: name, help: help, labelNames: [], configuration: configuration, unit: unit).labels([])
    }

    /// Registers a summary family with these label names.
    /// - Parameters:
    ///   - name: the metric name, without `_sum`, `_count` or a unit suffix added for you.
    ///   - help: the `# HELP` text.
    ///   - labelNames: the labels every series has (never `quantile`).
    ///   - configuration: the quantiles, their error and the window they are computed over.
    ///   - unit: the OpenMetrics unit (`seconds`); the name must end with it.
    ///   - maxSeries: at most this many label sets (the registry's default when `nil`); past it, new ones share one `__overflow__` series.
    ///   - clock: monotonic seconds, for tests that move time by hand; the default reads the system clock.
    /// - Throws: ``MetricError`` when a name is invalid, reserved (`quantile`) or taken, or a quantile is out of range.
    public func makeSummaryFamily(
        name: String,
        help: String,
        labelNames: [String],
        configuration: Summary.Configuration = .init(),
        unit: String = "",
        maxSeries: Int? = nil,
        clock: (@Sendable () -> Double)? = nil
    ) throws(MetricError) -> MetricFamily<Summary> {
        let configuration = try configuration.validated(metricName: name)
        let origin = ContinuousClock.now
        let clock = clock ?? { (ContinuousClock.now - origin).seconds }
        return try self.register(
            name: name,
            help: help,
            type: .summary,
            unit: unit,
            labelNames: labelNames,
            maxSeries: maxSeries,
            write: SeriesWriting.writer(for: Summary.self)
        ) {
            Summary(configuration: configuration, clock: clock)
        }
    }

    // MARK: Info

    /// Registers an info metric: `name_info{labels} 1`.
    /// - Parameters:
    ///   - name: the name with or without its `_info` suffix (`copythat` exposes `copythat_info`).
    ///   - help: the `# HELP` text.
    ///   - labels: the constant labels the one series carries.
    /// - Throws: ``MetricError`` when a name is invalid or taken.
    public func makeInfo(name: String, help: String, labels: [Label]) throws(MetricError) -> Info {
        try MetricNaming.validateMetricName(name)
        let info = try Info(name: name, help: help, labels: labels)
        try self.state.withLock { state throws(MetricError) in try Self.insert(info, into: &state) }
        return info
    }

    // MARK: Collectors

    /// Registers a collector, whose families are computed on every scrape.
    /// - Throws: ``MetricError/Code-swift.struct/duplicateMetric`` when one of its families' names is taken.
    @discardableResult
    public func register(_ collector: any Collector) throws(MetricError) -> CollectorID {
        let names = collector.collect().flatMap(\.sampleNames)
        return try self.state.withLock { state throws(MetricError) in
            for name in names {
                if let owner = state.claimedNames[name] {
                    throw MetricError(code: .duplicateMetric, metricName: name, reason: "already registered by \"\(owner)\"")
                }
            }
            let id = CollectorID(value: state.nextCollectorID)
            state.nextCollectorID += 1
            for name in names { state.claimedNames[name] = "collector" }
            state.collectors[id] = (collector, names)
            return id
        }
    }

    /// Unregisters a collector; returns whether it was registered.
    @discardableResult
    public func unregister(_ id: CollectorID) -> Bool {
        self.state.withLock { state in
            guard let removed = state.collectors.removeValue(forKey: id) else { return false }
            for name in removed.names { state.claimedNames.removeValue(forKey: name) }
            return true
        }
    }

    /// Unregisters the metric named `name` (and every name it claimed); returns whether it was registered.
    @discardableResult
    public func unregister(metricNamed name: String) -> Bool {
        self.state.withLock { state in
            guard let family = state.families.removeValue(forKey: name) else { return false }
            for sampleName in family.sampleNames { state.claimedNames.removeValue(forKey: sampleName) }
            state.sorted = nil
            return true
        }
    }

    /// The names of every registered metric family, sorted (collectors not included).
    public var metricNames: [String] {
        self.state.withLock { $0.families.keys.sorted() }
    }

    // MARK: Exposition

    /// Renders every family and collector in `format`.
    public func render(format: ExpositionFormat = .text004) -> [UInt8] {
        var writer = ExpositionWriter(format: format, capacity: self.lastRenderSize.load(ordering: .relaxed) + 1024)
        self.write(to: &writer)
        self.lastRenderSize.store(writer.bytes.count, ordering: .relaxed)
        return writer.bytes
    }

    /// Renders every family and collector in `format`, as a `String`.
    public func renderString(format: ExpositionFormat = .text004) -> String {
        String(decoding: self.render(format: format), as: UTF8.self)
    }

    func write(to writer: inout ExpositionWriter) {
        let (families, collectors) = self.state.withLock { state in
            if state.sorted == nil {
                state.sorted = state.families.values.sorted { $0.name < $1.name }
            }
            return (state.sorted ?? [], state.collectors.values.map(\.collector))
        }
        let collected = collectors.flatMap { $0.collect() }.sorted { $0.name < $1.name }
        var familyIndex = 0
        var collectedIndex = 0
        while familyIndex < families.count || collectedIndex < collected.count {
            if collectedIndex >= collected.count
                || (familyIndex < families.count && families[familyIndex].name < collected[collectedIndex].name)
            {
                families[familyIndex].write(to: &writer)
                familyIndex += 1
            } else {
                collected[collectedIndex].write(to: &writer)
                collectedIndex += 1
            }
        }
        writer.finish()
    }

    // MARK: Registration

    func register<Series: MetricSeries>(
        name: String,
        help: String,
        type: MetricType,
        unit: String,
        labelNames: [String],
        maxSeries: Int?,
        reuseExisting: Bool = false,
        hasOpenLabels: Bool = false,
        write: @escaping EntriesWriter,
        make: @escaping @Sendable () -> Series
    ) throws(MetricError) -> MetricFamily<Series> {
        try MetricNaming.validateMetricName(name)
        try MetricNaming.validateLabelNames(labelNames, metricName: name, type: type)
        let maxSeries = maxSeries ?? self.configuration.maxSeriesPerFamily
        guard maxSeries >= 1 else {
            throw MetricError(code: .invalidConfiguration, metricName: name, reason: "maxSeries must be at least 1")
        }
        if !unit.isEmpty {
            let familyName = FamilyNames(name: name, type: type).openMetrics
            guard MetricNaming.isValidLabelName(unit), familyName.hasSuffix("_" + unit) else {
                throw MetricError(
                    code: .invalidMetricName,
                    metricName: name,
                    reason: "with unit \"\(unit)\" the name must end in \"_\(unit)\" (OpenMetrics)"
                )
            }
        }
        return try self.state.withLock { state throws(MetricError) in
            if reuseExisting, let existing = state.families[name] {
                if let family = existing as? MetricFamily<Series>, family.type == type, family.labelNames == labelNames,
                    family.hasOpenLabels == hasOpenLabels
                {
                    return family
                }
                throw MetricError(
                    code: .duplicateMetric,
                    metricName: name,
                    reason: "already registered as a \(existing.type.rawValue) with other labels"
                )
            }
            let family = MetricFamily<Series>(
                name: name,
                help: help,
                type: type,
                unit: unit,
                labelNames: labelNames,
                maxSeries: maxSeries,
                hasOpenLabels: hasOpenLabels,
                makeSeries: make,
                writeEntries: write,
                onOverflow: { [weak self] name in self?.countSelfEvent(.seriesOverflow, metric: name) }
            )
            try Self.insert(family, into: &state)
            return family
        }
    }

    private static func insert(_ family: any RegisteredFamily, into state: inout State) throws(MetricError) {
        for sampleName in family.sampleNames {
            if let owner = state.claimedNames[sampleName] {
                throw MetricError(
                    code: .duplicateMetric,
                    metricName: family.name,
                    reason: owner == family.name ? "is already registered" : "exposes \"\(sampleName)\", already claimed by \"\(owner)\""
                )
            }
        }
        for sampleName in family.sampleNames { state.claimedNames[sampleName] = family.name }
        state.families[family.name] = family
        state.sorted = nil
    }

    /// Events the registry counts about itself, each in its own `registry_*_total{metric}` counter.
    enum SelfEvent: String, CaseIterable {
        case seriesOverflow = "registry_series_overflow_total"
        case rejectedUpdate = "registry_rejected_updates_total"
        case typeConflict = "registry_type_conflicts_total"

        var help: String {
            switch self {
            case .seriesOverflow: return "Label sets folded into a family's overflow series because it reached its series limit."
            case .rejectedUpdate: return "Updates refused because the value is invalid for the metric (a negative counter increment)."
            case .typeConflict: return "swift-metrics handlers whose name is registered with another type; their updates are not recorded."
            }
        }
    }

    /// Counts one `event` concerning the family `metric`, creating the self-metric on first use.
    func countSelfEvent(_ event: SelfEvent, metric: String) {
        guard SelfEvent(rawValue: metric) == nil else { return }
        let family = self.selfMetrics.withLock { families -> MetricFamily<Counter>? in
            if let family = families[event] { return family }
            let family = try? self.makeCounterFamily(name: event.rawValue, help: event.help, labelNames: ["metric"])
            families[event] = family
            return family
        }
        (try? family?.labels(metric))?.inc()
    }
}
