public import Hummingbird
import Logging

/// The general limits on every `/api/v1` request (per minute and per hour, by caller or address), with the
/// contract's headers on every answer (errors included) and a 429 past either. When Redis cannot answer the
/// request goes through (fail open) without rate-limit headers, and the decision is counted.
///
/// A route's own per-user limit (``RouteRateLimit``) is decided in the same Redis call when the caller is known
/// (a valid token or key): one round trip for all of a request's windows, its 429 worded for the route, and its
/// failure policy (extraction fails closed: 503).
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = APIRequestContext

    let limiter: RateLimiter
    let windows: [RateLimitWindow]
    let routeLimits: [RouteRateLimit]

    /// Creates the middleware for `perMinute` and `perHour`, and the routes' own limits.
    public init(limiter: RateLimiter, perMinute: Int, perHour: Int, routeLimits: [RouteRateLimit] = []) {
        self.limiter = limiter
        self.windows = [
            RateLimitWindow(name: "minute", limit: perMinute, seconds: 60),
            RateLimitWindow(name: "hour", limit: perHour, seconds: 3600),
        ]
        self.routeLimits = routeLimits
    }

    /// Checks the limits, then answers through `next` with the headers.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.isUnderAPIv1 else { return try await next(request, context) }
        var entries = self.windows.map { (subject: context.rateLimitSubject, window: $0) }
        let userID = context.verifiedUserID
        let routed = userID == nil ? nil : self.routeLimits.first { $0.matches(request) }
        if let routed, let userID {
            entries.append((subject: "user:\(userID)", window: routed.window))
        }
        let outcome = await self.limiter.check(entries, policy: routed?.policy ?? .open)
        guard case .decided(let decision) = outcome else {
            if let routed, routed.policy == .closed { throw APIError.unavailable(routed.unavailableDetail) }
            return try await next(request, context)
        }
        var detail = "Rate limit exceeded (per \(decision.window.name))"
        if let routed, decision.window == routed.window { detail = routed.refusedDetail }
        var response =
            decision.allowed
            ? try await ErrorMiddleware<Context>.answer(request, context, next, logger: context.logger)
            : Self.limited(decision, detail: detail)
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
