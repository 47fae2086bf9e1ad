public import PrometheusRegistry

/// The probe metrics: `probe_success` and `probe_duration_seconds` per dependency, as blackbox_exporter names
/// them, plus the HTTP status code and the time of the last success. Failure reasons go to logs, never to labels.
public struct ProbeMetrics: Sendable {
    let success: MetricFamily<Gauge>
    let duration: MetricFamily<Gauge>
    let httpStatus: MetricFamily<Gauge>
    let lastSuccess: MetricFamily<Gauge>
    let timeout: MetricFamily<Gauge>

    /// Registers the families in `registry`.
    public init(registry: PrometheusRegistry) throws(MetricError) {
        let labels = ["dependency", "type"]
        self.success = try registry.makeGaugeFamily(
            name: "probe_success",
            help: "Whether the last probe of the dependency succeeded (1) or failed (0).",
            labelNames: labels
        )
        self.duration = try registry.makeGaugeFamily(
            name: "probe_duration_seconds",
            help: "How long the last probe of the dependency took, in seconds.",
            labelNames: labels,
            unit: "seconds"
        )
        self.httpStatus = try registry.makeGaugeFamily(
            name: "probe_http_status_code",
            help: "The HTTP status code of the last probe of an HTTP dependency (0 when no response).",
            labelNames: ["dependency"]
        )
        self.lastSuccess = try registry.makeGaugeFamily(
            name: "probe_last_success_timestamp_seconds",
            help: "When the dependency last passed its probe, in Unix seconds.",
            labelNames: labels,
            unit: "seconds"
        )
        self.timeout = try registry.makeGaugeFamily(
            name: "probe_timeout_seconds",
            help: "The deadline of each probe of the dependency, in seconds.",
            labelNames: labels,
            unit: "seconds"
        )
    }

    /// Records one outcome.
    public func record(_ outcome: ProbeOutcome, name: String, type: String, timeoutSeconds: Double, at time: Double) {
        try? self.success.labels(name, type).set(outcome.success ? 1 : 0)
        try? self.duration.labels(name, type).set(outcome.durationSeconds)
        try? self.timeout.labels(name, type).set(timeoutSeconds)
        if outcome.success {
            try? self.lastSuccess.labels(name, type).set(time)
        }
        if type == "http" {
            try? self.httpStatus.labels(name).set(Double(outcome.httpStatus ?? 0))
        }
    }
}
