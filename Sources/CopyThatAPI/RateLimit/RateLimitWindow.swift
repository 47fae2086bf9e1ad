/// One limit: at most `limit` requests in any `seconds`-long window (a sliding window, not a calendar one).
public struct RateLimitWindow: Sendable, Hashable {
    /// The `limit_type` label and key part (`minute`, `hour`, `login`, …).
    public var name: String
    /// Requests allowed per window.
    public var limit: Int
    /// The window's length.
    public var seconds: Int

    /// Creates a window.
    public init(name: String, limit: Int, seconds: Int) {
        self.name = name
        self.limit = limit
        self.seconds = seconds
    }
}

/// What the limiter decided for one request, and the headers that say so: a pure function of the counts Redis
/// returned, tested without Redis or a clock.
public struct RateLimitDecision: Sendable, Hashable {
    /// Whether the request may proceed.
    public var allowed: Bool
    /// The window reported in the headers: the one with the least remaining (the one that refused, when refused).
    public var window: RateLimitWindow
    /// `X-RateLimit-Remaining`.
    public var remaining: Int
    /// `X-RateLimit-Reset`: epoch seconds when the reported window next frees a request.
    public var resetEpochSeconds: Int
    /// `Retry-After` in whole seconds (refusals only): when every refusing window frees a request.
    public var retryAfterSeconds: Int?

    /// One window's state as the script saw it before this request.
    public struct Observation: Sendable, Hashable {
        /// Requests already in the window.
        public var count: Int
        /// Milliseconds since the epoch when the oldest of them leaves the window (now + window when empty).
        public var resetMilliseconds: Int

        /// Creates an observation.
        public init(count: Int, resetMilliseconds: Int) {
            self.count = count
            self.resetMilliseconds = resetMilliseconds
        }
    }

    /// Decides from what the script observed. The script admitted the request exactly when every window had room;
    /// `allowed` is that verdict.
    public static func evaluate(
        windows: [RateLimitWindow],
        observations: [Observation],
        allowed: Bool,
        nowMilliseconds: Int
    ) -> RateLimitDecision {
        precondition(!windows.isEmpty && windows.count == observations.count, "one observation per window")
        var best: (index: Int, remaining: Int)?
        var retryAfter: Int?
        for (index, (window, observation)) in zip(windows, observations).enumerated() {
            let remaining = max(0, window.limit - observation.count - (allowed ? 1 : 0))
            if best == nil || remaining < best!.remaining || (remaining == best!.remaining && !allowed && observation.count >= window.limit)
            {
                best = (index, remaining)
            }
            if !allowed, observation.count >= window.limit {
                let wait = max(1, Self.ceilSeconds(observation.resetMilliseconds - nowMilliseconds))
                retryAfter = max(retryAfter ?? 0, wait)
            }
        }
        let chosen = best!.index
        return RateLimitDecision(
            allowed: allowed,
            window: windows[chosen],
            remaining: best!.remaining,
            resetEpochSeconds: Self.ceilSeconds(observations[chosen].resetMilliseconds),
            retryAfterSeconds: retryAfter
        )
    }

    static func ceilSeconds(_ milliseconds: Int) -> Int {
        milliseconds <= 0 ? 0 : (milliseconds + 999) / 1000
    }
}
