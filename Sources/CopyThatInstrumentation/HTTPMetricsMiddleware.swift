public import Hummingbird
public import PrometheusRegistry

/// Counts and times every request into `http_requests_total{method,endpoint,status}` and
/// `http_request_duration_seconds{method,endpoint}`.
///
/// `endpoint` is the matched route template (`/api/v1/projects/{id}`), never the raw path; a request no route
/// matched is labelled ``unmatchedEndpoint``, so a scanner probing random paths adds no series. A thrown error is
/// counted with the status it turns into (500 unless it is an `HTTPResponseError`).
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The `endpoint` label of requests that matched no route.
    public static var unmatchedEndpoint: String { "unmatched" }

    let requests: MetricFamily<Counter>
    let duration: MetricFamily<Histogram>

    /// Creates the middleware over the catalogue's HTTP families.
    public init(metrics: CopyThatMetrics) {
        self.init(requests: metrics.httpRequests, duration: metrics.httpRequestDuration)
    }

    /// Creates the middleware over any counter family labelled `method, endpoint, status` and histogram family
    /// labelled `method, endpoint` (the exporter counts its own requests under its own names this way).
    public init(requests: MetricFamily<Counter>, duration: MetricFamily<Histogram>) {
        self.requests = requests
        self.duration = duration
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            self.record(request, context: context, status: response.status.code, start: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            self.record(request, context: context, status: status, start: start)
            throw error
        }
    }

    private func record(_ request: Request, context: Context, status: Int, start: ContinuousClock.Instant) {
        Self.record(
            requests: self.requests,
            duration: self.duration,
            method: request.method.rawValue,
            endpoint: Self.endpoint(of: context),
            status: status,
            elapsed: ContinuousClock.now - start
        )
    }

    /// Counts and times one request.
    static func record(
        requests: MetricFamily<Counter>,
        duration: MetricFamily<Histogram>,
        method: String,
        endpoint: String,
        status: Int,
        elapsed: Duration
    ) {
        try? requests.labels(method, endpoint, Self.statusText(status)).inc()
        try? duration.labels(method, endpoint).observe(elapsed)
    }

    /// The matched route template, or ``unmatchedEndpoint`` (Hummingbird records its own marker, not a path, when
    /// no route matched).
    static func endpoint(of context: Context) -> String {
        Self.endpoint(path: context.endpointPath)
    }

    /// The `endpoint` label for Hummingbird's `endpointPath`.
    static func endpoint(path: String?) -> String {
        guard let path, path.hasPrefix("/") else { return Self.unmatchedEndpoint }
        return path
    }

    /// Status codes as label values, without allocating for the common ones.
    static func statusText(_ status: Int) -> String {
        switch status {
        case 200: return "200"
        case 201: return "201"
        case 204: return "204"
        case 400: return "400"
        case 401: return "401"
        case 403: return "403"
        case 404: return "404"
        case 429: return "429"
        case 500: return "500"
        default: return String(status)
        }
    }
}
