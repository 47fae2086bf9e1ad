/// The readiness verdict over every dependency, as a pure function of their health.
///
/// Ready (HTTP 200) when the first round of probes has finished, the process is not shutting down, and every
/// critical dependency is healthy. The overall status is `healthy` when every dependency is healthy, `degraded` when
/// only non-critical ones fail, and `unhealthy` otherwise (including before the first round and while draining).
public struct ReadinessReport: Sendable, Hashable {
    /// One dependency's part of the report.
    public struct Check: Sendable, Hashable {
        /// The dependency's name.
        public var name: String
        /// The probe type.
        public var type: String
        /// Whether it gates readiness.
        public var critical: Bool
        /// Its health.
        public var health: DependencyHealth
    }

    /// `healthy`, `degraded` or `unhealthy`.
    public var status: String
    /// Whether to answer 200.
    public var ready: Bool
    /// Whether the process is shutting down.
    public var draining: Bool
    /// Every dependency, in configuration order.
    public var checks: [Check]

    /// Evaluates readiness.
    public static func evaluate(checks: [Check], firstRoundDone: Bool, draining: Bool) -> ReadinessReport {
        let criticalHealthy = checks.filter(\.critical).allSatisfy { $0.health.status == .healthy }
        let allHealthy = checks.allSatisfy { $0.health.status == .healthy }
        let ready = firstRoundDone && !draining && criticalHealthy
        let status: String
        if !ready {
            status = "unhealthy"
        } else if allHealthy {
            status = "healthy"
        } else {
            status = "degraded"
        }
        return ReadinessReport(status: status, ready: ready, draining: draining, checks: checks)
    }
}
