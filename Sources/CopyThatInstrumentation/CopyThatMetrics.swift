public import PrometheusRegistry

/// The core API's metric catalogue: every metric the seeds' monitoring plan names, with their exact names, types,
/// labels and buckets, registered once and handed out as typed handles.
public struct CopyThatMetrics: Sendable {
    /// `http_requests_total{method,endpoint,status}`.
    public let httpRequests: MetricFamily<Counter>
    /// `http_request_duration_seconds{method,endpoint}`, buckets 0.01 … 10.
    public let httpRequestDuration: MetricFamily<Histogram>
    /// `db_query_duration_seconds{query_type}`, buckets 0.001 … 1.
    public let dbQueryDuration: MetricFamily<Histogram>
    /// `db_pool_connections{state}` (idle, in_use, overflow).
    public let dbPoolConnections: MetricFamily<Gauge>
    /// `ai_extraction_total{model,status}`.
    public let aiExtractions: MetricFamily<Counter>
    /// `ai_extraction_duration_seconds{model}` (Prometheus's default buckets, as the seeds leave them).
    public let aiExtractionDuration: MetricFamily<Histogram>
    /// `ai_tokens_used_total{model,type}` (type: input, output).
    public let aiTokens: MetricFamily<Counter>
    /// `ai_cost_usd_total{model}`.
    public let aiCost: MetricFamily<Counter>
    /// `cache_operations_total{operation,result}`.
    public let cacheOperations: MetricFamily<Counter>
    /// `rate_limit_hits_total{limit_type}`.
    public let rateLimitHits: MetricFamily<Counter>
    /// `copythat_info{version,environment}`.
    public let info: Info

    /// The seeds' HTTP latency buckets.
    public static let httpBuckets: [Double] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// The seeds' query latency buckets.
    public static let queryBuckets: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]

    /// Registers the catalogue in `registry`.
    /// - Parameters:
    ///   - registry: where the families are registered.
    ///   - version: the build's version, for `copythat_info`.
    ///   - environment: `ENVIRONMENT` (`local` when unset, as in the seeds).
    /// - Throws: `MetricError` when a name is already registered.
    public init(registry: PrometheusRegistry, version: String, environment: String) throws(MetricError) {
        self.httpRequests = try registry.makeCounterFamily(
            name: "http_requests_total",
            help: "Total HTTP requests",
            labelNames: ["method", "endpoint", "status"]
        )
        self.httpRequestDuration = try registry.makeHistogramFamily(
            name: "http_request_duration_seconds",
            help: "HTTP request duration",
            labelNames: ["method", "endpoint"],
            buckets: Self.httpBuckets,
            unit: "seconds"
        )
        self.dbQueryDuration = try registry.makeHistogramFamily(
            name: "db_query_duration_seconds",
            help: "Database query duration",
            labelNames: ["query_type"],
            buckets: Self.queryBuckets,
            unit: "seconds"
        )
        self.dbPoolConnections = try registry.makeGaugeFamily(
            name: "db_pool_connections",
            help: "Database pool connections",
            labelNames: ["state"]
        )
        self.aiExtractions = try registry.makeCounterFamily(
            name: "ai_extraction_total",
            help: "Total AI extractions",
            labelNames: ["model", "status"]
        )
        self.aiExtractionDuration = try registry.makeHistogramFamily(
            name: "ai_extraction_duration_seconds",
            help: "AI extraction duration",
            labelNames: ["model"],
            unit: "seconds"
        )
        self.aiTokens = try registry.makeCounterFamily(
            name: "ai_tokens_used_total",
            help: "Total AI tokens used",
            labelNames: ["model", "type"]
        )
        self.aiCost = try registry.makeCounterFamily(name: "ai_cost_usd_total", help: "Total AI cost in USD", labelNames: ["model"])
        self.cacheOperations = try registry.makeCounterFamily(
            name: "cache_operations_total",
            help: "Cache operations",
            labelNames: ["operation", "result"]
        )
        self.rateLimitHits = try registry.makeCounterFamily(
            name: "rate_limit_hits_total",
            help: "Rate limit hits",
            labelNames: ["limit_type"]
        )
        self.info = try registry.makeInfo(
            name: "copythat",
            help: "Copy That application info",
            labels: [Label("version", version), Label("environment", environment.isEmpty ? "local" : environment)]
        )
    }
}
