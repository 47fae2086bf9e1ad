import Hummingbird
import PrometheusRegistry

/// Counts and times the exporter's own HTTP requests by method, route template and status.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let requests: MetricFamily<Counter>
    let duration: MetricFamily<Histogram>

    init(registry: PrometheusRegistry) throws {
        self.requests = try registry.makeCounterFamily(
            name: "copythat_exporter_http_requests_total",
            help: "HTTP requests served by the exporter, by method, route and status.",
            labelNames: ["method", "endpoint", "status"]
        )
        self.duration = try registry.makeHistogramFamily(
            name: "copythat_exporter_http_request_duration_seconds",
            help: "Time the exporter took to answer, by method and route.",
            labelNames: ["method", "endpoint"],
            buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
            unit: "seconds"
        )
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let method = request.method.rawValue
        do {
            let response = try await next(request, context)
            self.record(method: method, endpoint: context.endpointPath ?? "unmatched", status: response.status.code, since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            self.record(method: method, endpoint: context.endpointPath ?? "unmatched", status: status, since: start)
            throw error
        }
    }

    private func record(method: String, endpoint: String, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        try? self.requests.labels(method, endpoint, String(status)).inc()
        try? self.duration.labels(method, endpoint).observe(seconds)
    }
}
