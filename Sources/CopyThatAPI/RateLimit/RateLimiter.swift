public import Clients
import Crypto
public import PrometheusRegistry

/// Sliding-window rate limits in Redis: one Lua script call per request checks every window and, only when all
/// have room, records the request in all of them, atomically.
///
/// Each window is a sorted set of request ids scored by the Redis server's clock in milliseconds, so limits are
/// exact under any concurrency and across any number of API instances: of 100 concurrent requests against a limit of
/// 60, exactly 60 pass. (The seeds store the second as both member and score, so every request within one second
/// counts once and a burst is never limited.) Refused requests are not recorded, so hammering does not extend a
/// block. Keys carry their subject as a hash tag (`rl:{user:42}:minute:60`); one call may hold windows of two
/// subjects (an API key's general limits and its user's extraction limit), which one Redis server (the project's
/// client speaks to one) decides atomically.
public struct RateLimiter: Sendable {
    /// What to do when Redis cannot answer.
    public enum FailurePolicy: Sendable {
        /// Let the request through (general limits: an outage of Redis must not take the API down).
        case open
        /// Refuse with 503 (login and extraction: the limit is what stands between an attacker and bcrypt or money).
        case closed
    }

    /// The outcome of a check.
    public enum Outcome: Sendable, Hashable {
        /// Redis decided.
        case decided(RateLimitDecision)
        /// Redis did not answer; the policy applies.
        case unavailable
    }

    static let script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local n = #KEYS
        local allowed = 1
        local reply = {0, now}
        for i = 1, n do
          local limit = tonumber(ARGV[2 * i])
          local window = tonumber(ARGV[2 * i + 1])
          redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
          local count = redis.call('ZCARD', KEYS[i])
          local reset = now + window
          local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
          if oldest[2] then reset = tonumber(oldest[2]) + window end
          if count >= limit then allowed = 0 end
          reply[#reply + 1] = count
          reply[#reply + 1] = reset
        end
        if allowed == 1 then
          for i = 1, n do
            redis.call('ZADD', KEYS[i], now, ARGV[1])
            redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 * i + 1]))
          end
        end
        reply[1] = allowed
        return reply
        """
    static let scriptSHA = Hex.encode(Insecure.SHA1.hash(data: Array(Self.script.utf8)))

    let redis: RedisConnectionPool
    let keyPrefix: String
    let timeout: Duration
    let decisions: MetricFamily<Counter>
    let hits: MetricFamily<Counter>

    /// Creates the limiter; registers `rate_limit_decisions_total{limit_type,decision}` (decision `allowed`,
    /// `limited`, `fail_open` or `fail_closed`); `hits` is the catalogue's `rate_limit_hits_total`.
    public init(
        redis: RedisConnectionPool,
        keyPrefix: String,
        timeout: Duration = .milliseconds(250),
        registry: PrometheusRegistry,
        hits: MetricFamily<Counter>
    ) throws(MetricError) {
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.timeout = timeout
        self.hits = hits
        self.decisions = try registry.makeCounterFamily(
            name: "rate_limit_decisions_total",
            help: "Rate-limit decisions by limit type: allowed, limited, or made without Redis (fail_open, fail_closed)",
            labelNames: ["limit_type", "decision"]
        )
    }

    /// Checks (and, when allowed, records) one request by `subject` against `windows`.
    public func check(subject: String, windows: [RateLimitWindow], policy: FailurePolicy) async -> Outcome {
        await self.check(windows.map { (subject, $0) }, policy: policy)
    }

    /// Checks (and, when allowed, records) one request against every window, each kept for its own subject, in one
    /// script call: the request is recorded in all of them or in none.
    public func check(_ entries: [(subject: String, window: RateLimitWindow)], policy: FailurePolicy) async -> Outcome {
        let windows = entries.map(\.window)
        let keys = entries.map { "\(self.keyPrefix)rl:{\($0.subject)}:\($0.window.name):\($0.window.seconds)" }
        var arguments = ["EVALSHA", Self.scriptSHA, String(keys.count)] + keys + [RequestMember.next()]
        for window in windows { arguments += [String(window.limit), String(window.seconds * 1000)] }
        let label = windows.map(\.name).joined(separator: "+")
        let reply: RedisReply
        do {
            do {
                reply = try await self.redis.command(arguments, timeout: self.timeout)
            } catch let error where error.code == .commandFailed && error.message.hasPrefix("NOSCRIPT") {
                arguments[0] = "EVAL"
                arguments[1] = Self.script
                reply = try await self.redis.command(arguments, timeout: self.timeout)
            }
        } catch {
            try? self.decisions.labels(label, policy == .open ? "fail_open" : "fail_closed").inc()
            return .unavailable
        }
        guard case .array(let values) = reply, values.count == 2 + 2 * windows.count else {
            try? self.decisions.labels(label, policy == .open ? "fail_open" : "fail_closed").inc()
            return .unavailable
        }
        let numbers = values.map { value -> Int in if case .integer(let number) = value { return number } else { return 0 } }
        let observations = windows.indices.map { index in
            RateLimitDecision.Observation(count: numbers[2 + 2 * index], resetMilliseconds: numbers[3 + 2 * index])
        }
        let decision = RateLimitDecision.evaluate(
            windows: windows,
            observations: observations,
            allowed: numbers[0] == 1,
            nowMilliseconds: numbers[1]
        )
        try? self.decisions.labels(label, decision.allowed ? "allowed" : "limited").inc()
        if !decision.allowed { try? self.hits.labels(decision.window.name).inc() }
        return .decided(decision)
    }
}
