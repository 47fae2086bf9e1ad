import CoreMetrics

/// A swift-metrics handler backed by a registry series.
protocol SwiftMetricsHandler: AnyObject, Sendable {
    var metric: HandlerMetric? { get }
}

/// Counter and floating-point counter handler over a ``Counter``.
final class SwiftMetricsCounter: CounterHandler, FloatingPointCounterHandler, SwiftMetricsHandler {
    let series: Counter?
    let metric: HandlerMetric?

    init(series: Counter?, metric: HandlerMetric?) {
        self.series = series
        self.metric = metric
    }

    func increment(by amount: Int64) {
        guard amount >= 0 else { return self.reject() }
        self.series?.addInteger(UInt64(amount))
    }

    func increment(by amount: Double) {
        guard amount >= 0, amount.isFinite else { return self.reject() }
        self.series?.addFloating(amount)
    }

    func reset() {
        self.series?.reset()
    }

    private func reject() {
        guard let metric else { return }
        metric.family.registry.countSelfEvent(.rejectedUpdate, metric: metric.family.metrics.name)
    }
}

/// Meter and non-aggregating recorder handler over a ``Gauge``.
final class SwiftMetricsGauge: MeterHandler, RecorderHandler, SwiftMetricsHandler {
    let series: Gauge?
    let metric: HandlerMetric?

    init(series: Gauge?, metric: HandlerMetric?) {
        self.series = series
        self.metric = metric
    }

    func set(_ value: Int64) { self.series?.set(Double(value)) }
    func set(_ value: Double) { self.series?.set(value) }
    func increment(by amount: Double) { self.series?.inc(by: amount) }
    func decrement(by amount: Double) { self.series?.dec(by: amount) }
    func record(_ value: Int64) { self.series?.set(Double(value)) }
    func record(_ value: Double) { self.series?.set(value) }
}

/// Timer and aggregating recorder handler over a ``Histogram``; timers record seconds.
final class SwiftMetricsHistogram: TimerHandler, RecorderHandler, SwiftMetricsHandler {
    let series: Histogram?
    let metric: HandlerMetric?

    init(series: Histogram?, metric: HandlerMetric?) {
        self.series = series
        self.metric = metric
    }

    func recordNanoseconds(_ duration: Int64) { self.series?.observe(Double(duration) / 1_000_000_000) }
    func record(_ value: Int64) { self.series?.observe(Double(value)) }
    func record(_ value: Double) { self.series?.observe(value) }
}
