/// A cache operation's outcome, for `cache_operations_total{operation,result}`.
public enum CacheOperation: Sendable, Hashable {
    /// A read that found the key (`get`, `hit`).
    case hit
    /// A read that did not (`get`, `miss`).
    case miss
    /// A write (`set`, `success`).
    case set
    /// A removal (`delete`, `success`).
    case delete
    /// Any operation that failed (`<operation>`, `error`).
    case error(operation: String)

    var labels: (operation: String, result: String) {
        switch self {
        case .hit: return ("get", "hit")
        case .miss: return ("get", "miss")
        case .set: return ("set", "success")
        case .delete: return ("delete", "success")
        case .error(let operation): return (operation, "error")
        }
    }
}

extension CopyThatMetrics {
    /// Counts one cache operation.
    public func record(_ operation: CacheOperation) {
        let labels = operation.labels
        try? self.cacheOperations.labels(labels.operation, labels.result).inc()
    }

    /// Counts one request refused by the rate limiter `limitType` (`per_user`, `per_ip`, `ai_extraction`, …).
    public func recordRateLimitHit(_ limitType: String) {
        try? self.rateLimitHits.labels(limitType).inc()
    }
}
