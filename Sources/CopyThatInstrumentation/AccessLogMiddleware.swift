public import Hummingbird
public import Logging

/// Writes one access-log line per request through the request's logger (so it carries `request_id` when
/// ``RequestIDMiddleware`` runs first): method, route template, raw path, status, duration and client address.
public struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let level: Logger.Level

    /// Creates the middleware; lines are written at `level` (default `info`).
    public init(level: Logger.Level = .info) {
        self.level = level
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            self.log(request, context: context, status: response.status.code, start: start)
            return response
        } catch {
            self.log(request, context: context, status: (error as? any HTTPResponseError)?.status.code ?? 500, start: start)
            throw error
        }
    }

    private func log(_ request: Request, context: Context, status: Int, start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let milliseconds = (Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue),
            "route": .string(HTTPMetricsMiddleware<Context>.endpoint(of: context)),
            "path": .string(request.uri.path),
            "status": .stringConvertible(status),
            "duration_ms": .stringConvertible((milliseconds * 1000).rounded() / 1000),
        ]
        if let address = (context as? any RemoteAddressRequestContext)?.remoteAddress {
            metadata["client_address"] = .string(address.ipAddress ?? address.description)
        }
        context.logger.log(level: self.level, "request", metadata: metadata)
    }
}
