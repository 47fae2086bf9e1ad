public import Clients
public import CopyThatInstrumentation
public import Logging
import NIOConcurrencyHelpers

/// JSON values in Redis with a time to live, through the project's hiredis pool. Every get (hit or miss) and set is
/// counted in `cache_operations_total`; a Redis failure is counted as an error and logged once per
/// outage (and its end once), and the caller carries on without the cache (a miss, a write skipped): never a failed request.
public struct ResponseCache: Sendable {
    let redis: RedisConnectionPool
    let prefix: String
    let metrics: CopyThatMetrics
    let logger: Logger
    let timeout: Duration
    /// Whether the last operation failed: the warning is logged when Redis starts failing, not at every request.
    private let failing = NIOLockedValueBox(false)

    /// A cache whose keys start with `prefix` (the configuration's `REDIS_KEY_PREFIX`, `copythat:`).
    public init(
        redis: RedisConnectionPool,
        prefix: String,
        metrics: CopyThatMetrics,
        logger: Logger,
        timeout: Duration = .milliseconds(250)
    ) {
        self.redis = redis
        self.prefix = prefix
        self.metrics = metrics
        self.logger = logger
        self.timeout = timeout
    }

    /// The key of a project's colour list (`copythat:colors:project:{id}`).
    public func projectColorsKey(_ projectID: Int) -> String { "\(self.prefix)colors:project:\(projectID)" }

    /// The key of an extraction result: the image's SHA-256, the model, the colour count and the prompt version
    /// (the seeds' key had the image only, so a request for 5 colours could get a cached answer of 10).
    public func extractionKey(imageSHA256: String, model: String, maxColors: Int, promptVersion: String) -> String {
        "\(self.prefix)colors:extract:\(imageSHA256):\(model):\(maxColors):\(promptVersion)"
    }

    /// What `usable` makes of the text at `key`, or `nil` on a miss, when Redis fails, or when `usable` refuses the
    /// text (counted as a miss: a stale entry saves nothing).
    public func get<Value>(_ key: String, usable: (String) -> Value?) async -> Value? {
        do {
            let reply = try await self.redis.command(["GET", key], timeout: self.timeout)
            guard let text = reply.string, let value = usable(text) else {
                self.metrics.record(.miss)
                self.recovered()
                return nil
            }
            self.metrics.record(.hit)
            self.recovered()
            return value
        } catch {
            self.failed("get", error)
            return nil
        }
    }

    /// Counts a get answered from a copy the process holds of what Redis has (``RecentResults``): a hit of the same
    /// cache, with no round trip.
    func countHeldHit() {
        self.metrics.record(.hit)
    }

    /// Stores `text` at `key` for `ttl`.
    public func set(_ key: String, _ text: String, ttl: Duration) async {
        do {
            _ = try await self.redis.command(["SET", key, text, "PX", String(max(1, ttl.wholeMilliseconds))], timeout: self.timeout)
            self.metrics.record(.set)
            self.recovered()
        } catch {
            self.failed("set", error)
        }
    }

    private func failed(_ operation: String, _ error: RedisError) {
        self.metrics.record(.error(operation: operation))
        guard
            !self.failing.withLockedValue({ state in
                defer { state = true }
                return state
            })
        else { return }
        self.logger.warning("cache unavailable; carrying on without it", metadata: ["operation": "\(operation)", "error": "\(error.code)"])
    }

    private func recovered() {
        guard
            self.failing.withLockedValue({ state in
                defer { state = false }
                return state
            })
        else { return }
        self.logger.notice("cache available again")
    }
}
