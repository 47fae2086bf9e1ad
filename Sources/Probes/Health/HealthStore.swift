import JSONLogging
import NIOConcurrencyHelpers

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The latest health of every dependency, with the `/health/ready` answers encoded ahead of time.
///
/// The scheduler writes after each probe; the HTTP handlers only read, so readiness costs one lock and no
/// encoding, whatever a dependency is doing.
public final class HealthStore: Sendable {
    /// A pre-encoded readiness answer.
    public struct Answer: Sendable {
        /// 200 or 503.
        public var statusCode: Int
        /// The contract body.
        public var body: [UInt8]
        /// The body with latency, last success, consecutive failures and the sanitised error per dependency.
        public var verboseBody: [UInt8]
    }

    private struct Dependency {
        var type: String
        var critical: Bool
        var health: DependencyHealth
    }

    private struct State {
        var order: [String]
        var dependencies: [String: Dependency]
        var firstRoundDone = false
        var draining = false
        var answer: Answer
    }

    // A pthread mutex (NIOLockedValueBox) rather than Synchronization's Mutex, whose futex ThreadSanitizer cannot see: CI
    // runs the concurrency tests of this type under TSan (scripts/tsan.sh).
    private let state: NIOLockedValueBox<State>

    /// Creates a store for dependencies given as `(name, type, critical, thresholds)`, in display order.
    public init(dependencies: [(name: String, type: String, critical: Bool, thresholds: DependencyHealth.Thresholds)]) {
        var table: [String: Dependency] = [:]
        for dependency in dependencies {
            table[dependency.name] = Dependency(
                type: dependency.type,
                critical: dependency.critical,
                health: DependencyHealth(thresholds: dependency.thresholds)
            )
        }
        let placeholder = Answer(statusCode: 503, body: [], verboseBody: [])
        var state = State(order: dependencies.map(\.name), dependencies: table, answer: placeholder)
        state.answer = Self.encode(Self.report(state))
        self.state = NIOLockedValueBox(state)
    }

    /// Records an outcome; returns the transition so the caller can log it once.
    @discardableResult
    public func record(_ outcome: ProbeOutcome, for name: String, at time: Double) -> DependencyHealth.Transition {
        self.update { state in
            state.dependencies[name]?.health.record(outcome, at: time) ?? .none
        }
    }

    /// Marks the first round as finished: readiness may now turn 200.
    public func markFirstRoundDone() {
        self.update { $0.firstRoundDone = true }
    }

    /// Marks the process as shutting down: readiness turns 503 at once.
    public func markDraining() {
        self.update { $0.draining = true }
    }

    /// The current readiness answer.
    public var answer: Answer {
        self.state.withLockedValue { $0.answer }
    }

    /// The current report.
    public var report: ReadinessReport {
        self.state.withLockedValue { Self.report($0) }
    }

    private func update<Result>(_ body: (inout State) -> Result) -> Result {
        self.state.withLockedValue { state in
            let result = body(&state)
            state.answer = Self.encode(Self.report(state))
            return result
        }
    }

    private static func report(_ state: State) -> ReadinessReport {
        let checks = state.order.compactMap { name in
            state.dependencies[name].map { ReadinessReport.Check(name: name, type: $0.type, critical: $0.critical, health: $0.health) }
        }
        return ReadinessReport.evaluate(checks: checks, firstRoundDone: state.firstRoundDone, draining: state.draining)
    }

    private static func encode(_ report: ReadinessReport) -> Answer {
        Answer(
            statusCode: report.ready ? 200 : 503,
            body: ReadinessJSON.encode(report, verbose: false),
            verboseBody: ReadinessJSON.encode(report, verbose: true)
        )
    }
}

/// The JSON shapes of `/health/ready`.
public enum ReadinessJSON {
    /// One dependency's entry under `checks`; absent fields are left out of the JSON.
    package struct Check: Encodable {
        var status: String
        var critical: Bool
        var type: String
        var target: String?
        var state: String?
        var consecutiveFailures: Int?
        var latencyMilliseconds: Double?
        var error: String?
        var details: [String: String]?
        var lastSuccess: String?
        var lastCheck: String?

        package init(
            status: String,
            critical: Bool,
            type: String,
            target: String? = nil,
            latencyMilliseconds: Double? = nil,
            error: String? = nil,
            details: [String: String]? = nil
        ) {
            self.status = status
            self.critical = critical
            self.type = type
            self.target = target
            self.latencyMilliseconds = latencyMilliseconds
            self.error = error
            self.details = details
        }

        enum CodingKeys: String, CodingKey {
            case status, critical, type, target, state, error, details
            case consecutiveFailures = "consecutive_failures"
            case latencyMilliseconds = "latency_ms"
            case lastSuccess = "last_success"
            case lastCheck = "last_check"
        }
    }

    /// The whole body.
    package struct Body: Encodable {
        var status: String
        var checks: [String: Check]
        var draining: Bool?

        package init(status: String, checks: [String: Check], draining: Bool? = nil) {
            self.status = status
            self.checks = checks
            self.draining = draining
        }
    }

    /// `{"status": …, "checks": {"<name>": {"status": …, "critical": …, "type": …}}}`, plus latency, last success,
    /// consecutive failures and the sanitised error per check when `verbose`.
    public static func encode(_ report: ReadinessReport, verbose: Bool) -> [UInt8] {
        var checks: [String: Check] = [:]
        for check in report.checks {
            var entry = Check(status: check.health.status == .healthy ? "healthy" : "unhealthy", critical: check.critical, type: check.type)
            if verbose {
                let health = check.health
                entry.state = health.status.rawValue
                entry.consecutiveFailures = health.consecutiveFailures
                if let outcome = health.lastOutcome {
                    entry.latencyMilliseconds = Self.milliseconds(outcome.durationSeconds)
                    entry.error = outcome.error
                    entry.details = outcome.details.isEmpty ? nil : outcome.details
                }
                entry.lastSuccess = health.lastSuccessTime.map(Self.timestamp)
                entry.lastCheck = health.lastCheckTime.map(Self.timestamp)
            }
            checks[check.name] = entry
        }
        let body = Body(status: report.status, checks: checks, draining: report.draining ? true : nil)
        return Self.json(body, pretty: false) ?? Array(#"{"status":"unhealthy"}"#.utf8)
    }

    /// `value` as JSON with sorted keys and unescaped slashes; pretty-printed when `pretty`.
    package static func json(_ value: some Encodable, pretty: Bool) -> [UInt8]? {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map(Array.init)
    }

    /// Seconds as milliseconds to the microsecond.
    package static func milliseconds(_ seconds: Double) -> Double {
        (seconds * 1_000_000).rounded() / 1000
    }

    static func timestamp(_ seconds: Double) -> String {
        RFC3339.format(secondsSinceEpoch: seconds)
    }
}
