public import Hummingbird
public import Logging
public import PrometheusRegistry

/// ``RequestIDMiddleware``, ``HTTPMetricsMiddleware`` and ``AccessLogMiddleware`` in one: the same request id,
/// metrics and access line, for about half the cost of the three in a chain (one middleware frame, one clock
/// reading, one status and route lookup). The way to instrument the core API; the three remain for a subset.
public struct RequestInstrumentationMiddleware<Context: RequestContext>: RouterMiddleware {
    let requests: MetricFamily<Counter>
    let duration: MetricFamily<Histogram>
    let accessLogLevel: Logger.Level?

    /// Creates the middleware over the catalogue's HTTP families.
    /// - Parameter accessLogLevel: the level of the access line (default `info`); `nil` writes none.
    public init(metrics: CopyThatMetrics, accessLogLevel: Logger.Level? = .info) {
        self.init(requests: metrics.httpRequests, duration: metrics.httpRequestDuration, accessLogLevel: accessLogLevel)
    }

    /// Creates the middleware over any counter family labelled `method, endpoint, status` and histogram family
    /// labelled `method, endpoint`.
    public init(requests: MetricFamily<Counter>, duration: MetricFamily<Histogram>, accessLogLevel: Logger.Level? = .info) {
        self.requests = requests
        self.duration = duration
        self.accessLogLevel = accessLogLevel
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = RequestIDMiddleware<Context>.id(for: request)
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            guard let httpError = error as? any HTTPResponseError else {
                self.finish(request, context: context, status: 500, start: start)
                throw error
            }
            // Keep the id on error responses too: the client needs it most then.
            response = try httpError.response(from: request, context: context)
        }
        self.finish(request, context: context, status: response.status.code, start: start)
        response.headers[RequestIDMiddleware<Context>.headerName] = id
        return response
    }

    private func finish(_ request: Request, context: Context, status: Int, start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let route = HTTPMetricsMiddleware<Context>.endpoint(of: context)
        HTTPMetricsMiddleware<Context>.record(
            requests: self.requests,
            duration: self.duration,
            method: request.method.rawValue,
            endpoint: route,
            status: status,
            elapsed: elapsed
        )
        if let level = self.accessLogLevel {
            AccessLogMiddleware<Context>.log(request, context: context, level: level, route: route, status: status, elapsed: elapsed)
        }
    }
}
