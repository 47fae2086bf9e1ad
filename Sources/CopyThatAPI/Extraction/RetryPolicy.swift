/// When to call a provider again after a 429, a 5xx or a timeout: at most `maxAttempts` calls, waiting
/// `base × 2^(attempt − 1)` with jitter between (or what `retry-after` asks, if longer; past `cap`, no further
/// call), and never past the total deadline. A pure value: the caller passes the time and the random number.
public struct RetryPolicy: Sendable, Hashable {
    /// Calls in all, the first included.
    public var maxAttempts: Int
    /// The first wait.
    public var base: Duration
    /// The longest wait.
    public var cap: Duration
    /// From the first call's start to the last call's end.
    public var totalDeadline: Duration

    /// A policy; the defaults suit a call that takes seconds.
    public init(
        maxAttempts: Int = 3,
        base: Duration = .milliseconds(500),
        cap: Duration = .seconds(8),
        totalDeadline: Duration = .seconds(60)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.base = base
        self.cap = cap
        self.totalDeadline = totalDeadline
    }

    /// How long to wait before call `attempt + 1`, after call `attempt` (1-based) failed in a way worth retrying;
    /// `nil` when no call is left or the wait would pass the deadline (`remaining`: time left before it).
    /// `jitter` in 0..<1 spreads the wait over its upper half, so that many clients do not retry in step.
    public func delay(after attempt: Int, retryAfter: Duration?, remaining: Duration, jitter: Double) -> Duration? {
        guard attempt < self.maxAttempts else { return nil }
        let exponential = self.base * (1 << min(attempt - 1, 20))
        let backoff = min(self.cap, exponential) * (0.5 + 0.5 * min(max(jitter, 0), 1))
        // A retry-after longer than the cap is respected by not calling again rather than by calling early.
        let wait = max(backoff, retryAfter ?? .zero)
        guard wait <= self.cap, wait < remaining else { return nil }
        return wait
    }
}
