public import CoreMetrics
import Synchronization

/// A swift-metrics backend that reports into a ``PrometheusRegistry``.
///
/// Bootstrap it once (`MetricsSystem.bootstrap(RegistryMetricsFactory(registry: registry))`) and every library
/// instrumented with swift-metrics, Hummingbird's `MetricsMiddleware` among them, appears on the registry's scrape:
///
/// | swift-metrics | Prometheus |
/// | --- | --- |
/// | `Counter`, `FloatingPointCounter` | counter |
/// | `Meter`, `Recorder(aggregate: false)` | gauge |
/// | `Recorder(aggregate: true)` | histogram (``Configuration/recorderBuckets``) |
/// | `Timer` | histogram in seconds (``Configuration/timerBuckets``) |
///
/// Labels and dimension names are sanitised (`http.route` becomes `http_route`), never rejected. Dimensions become
/// labels, so the same dimensions in another order reach the same series. Asking for an existing series is a cached
/// lookup under two small locks (one of 16 shards by name, then the family's), so calling the factory per request
/// is cheap. A name already registered with another type gets a handler that records nothing and counts the
/// mismatch in `registry_type_conflicts_total{metric}`; a negative counter increment is refused and counted in
/// `registry_rejected_updates_total{metric}`.
public final class RegistryMetricsFactory: MetricsFactory {
    /// Buckets for the histograms the factory creates.
    public struct Configuration: Sendable {
        /// Buckets, in seconds, for timers.
        public var timerBuckets: [Double]
        /// Buckets for aggregating recorders.
        public var recorderBuckets: [Double]
        /// Buckets for particular metrics, by sanitised name; they take precedence over the two defaults.
        public var bucketsByName: [String: [Double]]

        /// Creates a configuration; every parameter defaults to Prometheus's default buckets.
        public init(
            timerBuckets: [Double] = Histogram.defaultBuckets,
            recorderBuckets: [Double] = Histogram.defaultBuckets,
            bucketsByName: [String: [Double]] = [:]
        ) {
            self.timerBuckets = timerBuckets
            self.recorderBuckets = recorderBuckets
            self.bucketsByName = bucketsByName
        }
    }

    /// The registry handlers report into.
    public let registry: PrometheusRegistry
    /// The bucket settings.
    public let configuration: Configuration
    private let shards: [FactoryShard]

    /// Creates a factory over `registry`.
    public init(registry: PrometheusRegistry = .default, configuration: Configuration = Configuration()) {
        self.registry = registry
        self.configuration = configuration
        self.shards = (0..<16).map { _ in FactoryShard() }
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        self.handler(label: label, kind: .counter, dimensions: dimensions) { series, metric in
            SwiftMetricsCounter(series: series as? Counter, metric: metric)
        }
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        self.handler(label: label, kind: .counter, dimensions: dimensions) { series, metric in
            SwiftMetricsCounter(series: series as? Counter, metric: metric)
        }
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        self.handler(label: label, kind: .gauge, dimensions: dimensions) { series, metric in
            SwiftMetricsGauge(series: series as? Gauge, metric: metric)
        }
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        if aggregate {
            return self.handler(label: label, kind: .recorderHistogram, dimensions: dimensions) { series, metric in
                SwiftMetricsHistogram(series: series as? Histogram, metric: metric)
            }
        }
        return self.handler(label: label, kind: .gauge, dimensions: dimensions) { series, metric in
            SwiftMetricsGauge(series: series as? Gauge, metric: metric)
        }
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        self.handler(label: label, kind: .timerHistogram, dimensions: dimensions) { series, metric in
            SwiftMetricsHistogram(series: series as? Histogram, metric: metric)
        }
    }

    public func destroyCounter(_ handler: any CounterHandler) { self.destroy(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { self.destroy(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { self.destroy(handler) }
    public func destroyRecorder(_ handler: any RecorderHandler) { self.destroy(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { self.destroy(handler) }

    private func destroy(_ handler: AnyObject) {
        guard let handler = handler as? any SwiftMetricsHandler, let metric = handler.metric else { return }
        metric.family.remove(handler: handler)
    }

    private func handler<Handler: SwiftMetricsHandler>(
        label: String,
        kind: FactoryFamily.Kind,
        dimensions: [(String, String)],
        make: (any MetricSeries, HandlerMetric?) -> Handler
    ) -> Handler {
        let shard = self.shards[Self.shardIndex(label)]
        let family = shard.family(label: label, kind: kind) { self.makeFamily(label: label, kind: kind) }
        guard let family else {
            self.registry.countSelfEvent(.typeConflict, metric: MetricNaming.sanitizeMetricName(label))
            return make(Gauge(), nil)
        }
        return family.handler(dimensions: dimensions) { series, key in
            make(series, HandlerMetric(family: family, key: key))
        }
    }

    /// A cheap spread of names over 16 shards: length, first and last byte.
    private static func shardIndex(_ label: String) -> Int {
        let utf8 = label.utf8
        let mixed = utf8.count &* 31 &+ Int(utf8.first ?? 0) &* 7 &+ Int(utf8.last ?? 0)
        return mixed & 15
    }

    private static func help(_ label: String, _ kind: String) -> String {
        "swift-metrics \(kind) \"\(label)\""
    }

    private func makeFamily(label: String, kind: FactoryFamily.Kind) -> FactoryFamily? {
        let name = MetricNaming.sanitizeMetricName(label)
        let registry = self.registry
        let metrics: any FactoryMetricFamily
        do {
            switch kind {
            case .counter:
                metrics = try registry.register(
                    name: name,
                    help: "",
                    type: .counter,
                    unit: "",
                    labelNames: [],
                    maxSeries: nil,
                    reuseExisting: true,
                    hasOpenLabels: true,
                    write: SeriesWriting.lineWriter(for: Counter.self)
                ) { Counter() }
            case .gauge:
                metrics = try registry.register(
                    name: name,
                    help: "",
                    type: .gauge,
                    unit: "",
                    labelNames: [],
                    maxSeries: nil,
                    reuseExisting: true,
                    hasOpenLabels: true,
                    write: SeriesWriting.lineWriter(for: Gauge.self)
                ) { Gauge() }
            case .timerHistogram, .recorderHistogram:
                let requested =
                    self.configuration.bucketsByName[name]
                    ?? (kind == .timerHistogram ? self.configuration.timerBuckets : self.configuration.recorderBuckets)
                let bounds = (try? Histogram.validatedBounds(requested, metricName: name)) ?? Histogram.defaultBuckets
                metrics = try registry.register(
                    name: name,
                    help: "",
                    type: .histogram,
                    unit: "",
                    labelNames: [],
                    maxSeries: nil,
                    reuseExisting: true,
                    hasOpenLabels: true,
                    write: SeriesWriting.writer(for: Histogram.self)
                ) { Histogram(upperBounds: bounds) }
            }
        } catch {
            return nil
        }
        return FactoryFamily(metrics: metrics, registry: registry)
    }
}

/// One of the factory's 16 name shards: swift-metrics label (and kind) to family.
private final class FactoryShard: Sendable {
    private struct Key: Hashable {
        let label: String
        let kind: FactoryFamily.Kind
    }

    private let families = Mutex<[Key: FactoryFamily?]>([:])

    func family(label: String, kind: FactoryFamily.Kind, create: () -> FactoryFamily?) -> FactoryFamily? {
        self.families.withLock { families in
            let key = Key(label: label, kind: kind)
            if let cached = families[key] { return cached }
            let family = create()
            families[key] = family
            return family
        }
    }
}
