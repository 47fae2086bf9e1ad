public import Hummingbird
import Logging

/// The general limits on every `/api/v1` request (per minute and per hour, by caller or address), with the
/// contract's headers on every answer (errors included) and a 429 past either. When Redis cannot answer the
/// request goes through (fail open) without rate-limit headers, and the decision is counted.
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = APIRequestContext

    let limiter: RateLimiter
    let windows: [RateLimitWindow]

    /// Creates the middleware for `perMinute` and `perHour`.
    public init(limiter: RateLimiter, perMinute: Int, perHour: Int) {
        self.limiter = limiter
        self.windows = [
            RateLimitWindow(name: "minute", limit: perMinute, seconds: 60),
            RateLimitWindow(name: "hour", limit: perHour, seconds: 3600),
        ]
    }

    /// Checks the limits, then answers through `next` with the headers.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/api/v1/") else { return try await next(request, context) }
        let subject = context.rateLimitSubject
        let outcome = await self.limiter.check(subject: subject, windows: self.windows, policy: .open)
        guard case .decided(let decision) = outcome else { return try await next(request, context) }
        var response =
            decision.allowed
            ? try await ErrorMiddleware<Context>.answer(request, context, next, logger: context.logger)
            : Self.limited(decision, detail: "Rate limit exceeded (per \(decision.window.name))")
        Self.setHeaders(decision, on: &response.headers)
        return response
    }

    /// The 429 for a refusal.
    static func limited(_ decision: RateLimitDecision, detail: String) -> Response {
        var response = ErrorBody.response(status: .tooManyRequests, detail: detail)
        Self.setHeaders(decision, on: &response.headers)
        return response
    }

    /// `X-RateLimit-Limit`, `-Remaining`, `-Reset`, and `Retry-After` on refusals.
    static func setHeaders(_ decision: RateLimitDecision, on headers: inout HTTPFields) {
        headers[.rateLimitLimit] = String(decision.window.limit)
        headers[.rateLimitRemaining] = String(decision.remaining)
        headers[.rateLimitReset] = String(decision.resetEpochSeconds)
        if let retry = decision.retryAfterSeconds { headers[.retryAfter] = String(retry) }
    }
}
