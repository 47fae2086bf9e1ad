public import Hummingbird

/// A route's own limit per user, on top of the general ones (`POST /api/v1/colors/extract`: 10 a minute), decided in
/// the same Redis call as them by ``RateLimitMiddleware``: one round trip, and a refused request is recorded in none
/// of the windows.
public struct RouteRateLimit: Sendable {
    /// The route's method.
    public var method: HTTPRequest.Method
    /// The route's whole path (`/api/v1/colors/extract`), matched as the router matches it: a trailing or doubled
    /// slash is the same route, and the same limit.
    public var path: String
    /// The window, kept per user (`rl:{user:ID}:…`) whichever credential the user calls with.
    public var window: RateLimitWindow
    /// What happens when Redis cannot answer: `.closed` answers 503 with `unavailableDetail`.
    public var policy: RateLimiter.FailurePolicy
    /// The 429's `detail` when this window refuses.
    public var refusedDetail: String
    /// The 503's `detail` when failing closed.
    public var unavailableDetail: String

    /// Creates a route limit.
    public init(
        method: HTTPRequest.Method,
        path: String,
        window: RateLimitWindow,
        policy: RateLimiter.FailurePolicy,
        refusedDetail: String,
        unavailableDetail: String
    ) {
        self.method = method
        self.path = path
        self.window = window
        self.policy = policy
        self.refusedDetail = refusedDetail
        self.unavailableDetail = unavailableDetail
    }

    /// Whether `request` is this route's.
    func matches(_ request: Request) -> Bool {
        request.method == self.method && request.routeComponents == self.path.split(separator: "/")
    }
}
