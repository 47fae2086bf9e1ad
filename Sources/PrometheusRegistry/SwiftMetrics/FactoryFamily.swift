import Synchronization

/// A registry family as the swift-metrics factory sees it: dimensions as given, mapped to cached handlers.
///
/// The cache is keyed by the raw dimensions (unsanitised, in the caller's order) so that a repeated lookup costs one
/// hash and no string work. A miss sanitises and sorts the dimensions once and resolves the canonical series.
final class FactoryFamily: Sendable {
    enum Kind: Hashable, Sendable {
        case counter
        case gauge
        case timerHistogram
        case recorderHistogram
    }

    let metrics: any FactoryMetricFamily
    let registry: PrometheusRegistry
    private let handlers = Mutex<[LabelKey: any SwiftMetricsHandler]>([:])

    init(metrics: any FactoryMetricFamily, registry: PrometheusRegistry) {
        self.metrics = metrics
        self.registry = registry
    }

    func handler<Handler: SwiftMetricsHandler>(
        dimensions: [(String, String)],
        make: (any MetricSeries, LabelKey) -> Handler
    ) -> Handler {
        var raw: [String] = []
        raw.reserveCapacity(dimensions.count * 2)
        for (name, value) in dimensions {
            raw.append(name)
            raw.append(value)
        }
        let rawKey = LabelKey(raw)
        if let cached = self.handlers.withLock({ $0[rawKey] }) as? Handler {
            return cached
        }
        let canonical = Self.canonicalKey(dimensions)
        let handler = make(self.metrics.anySeries(for: canonical), canonical)
        self.handlers.withLock { handlers in
            // Bounded: past twice the family's series limit, lookups are no longer cached (but still correct).
            if handlers.count < 2 * self.metrics.maxSeries {
                handlers[rawKey] = handler
            }
        }
        return handler
    }

    func remove(handler: any SwiftMetricsHandler) {
        guard let key = handler.metric?.key else { return }
        _ = self.metrics.removeSeries(key: key)
        self.handlers.withLock { $0.removeAll() }
    }

    /// Sanitised names, sorted, one value per name (the last given wins), as `name, value` pairs.
    static func canonicalKey(_ dimensions: [(String, String)]) -> LabelKey {
        var byName: [String: String] = [:]
        for (name, value) in dimensions {
            byName[MetricNaming.sanitizeLabelName(name)] = value
        }
        var pairs: [String] = []
        for name in byName.keys.sorted() {
            pairs.append(name)
            pairs.append(byName[name] ?? "")
        }
        return LabelKey(pairs)
    }
}

/// The type-erased view of a `MetricFamily` that the factory needs.
protocol FactoryMetricFamily: Sendable {
    var name: String { get }
    var maxSeries: Int { get }
    func anySeries(for key: LabelKey) -> any MetricSeries
    func removeSeries(key: LabelKey) -> Bool
}

extension MetricFamily: FactoryMetricFamily {
    func anySeries(for key: LabelKey) -> any MetricSeries {
        self.series(for: key)
    }

    func removeSeries(key: LabelKey) -> Bool {
        self.remove(key: key)
    }
}

/// Where a handler's series lives, so that `destroy` can remove it.
struct HandlerMetric: Sendable {
    let family: FactoryFamily
    let key: LabelKey
}
