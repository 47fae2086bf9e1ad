/// The health of one dependency as a pure state machine: probe outcomes in, status and transitions out.
///
/// The first outcome decides the status at once. After that the status flips to unhealthy only after
/// ``Thresholds/failures`` consecutive failures, and back to healthy only after ``Thresholds/successes``
/// consecutive successes (Kubernetes' `failureThreshold` and `successThreshold`). No clocks or sockets: the caller
/// passes the time, so every rule is testable as plain values.
public struct DependencyHealth: Sendable, Hashable {
    /// The dependency's status.
    public enum Status: String, Sendable, Hashable {
        /// Not probed yet.
        case unknown
        /// Passing.
        case healthy
        /// Failing.
        case unhealthy
    }

    /// How many consecutive results flip the status.
    public struct Thresholds: Sendable, Hashable {
        /// Consecutive failures that turn a healthy dependency unhealthy (at least 1).
        public var failures: Int
        /// Consecutive successes that turn an unhealthy dependency healthy (at least 1).
        public var successes: Int

        /// Creates thresholds; both default to 1 (every result counts at once), and values below 1 count as 1.
        public init(failures: Int = 1, successes: Int = 1) {
            self.failures = max(1, failures)
            self.successes = max(1, successes)
        }
    }

    /// A change of status caused by an outcome.
    public enum Transition: Sendable, Hashable {
        /// The status did not change.
        case none
        /// The dependency became healthy (from unknown or unhealthy).
        case becameHealthy
        /// The dependency became unhealthy (from unknown or healthy).
        case becameUnhealthy
    }

    /// The thresholds in force.
    public let thresholds: Thresholds
    /// The current status.
    public private(set) var status: Status = .unknown
    /// Failures in a row, up to the last outcome.
    public private(set) var consecutiveFailures = 0
    /// Successes in a row, up to the last outcome.
    public private(set) var consecutiveSuccesses = 0
    /// The last outcome.
    public private(set) var lastOutcome: ProbeOutcome?
    /// When the last outcome arrived, in Unix seconds.
    public private(set) var lastCheckTime: Double?
    /// When the dependency last passed, in Unix seconds.
    public private(set) var lastSuccessTime: Double?

    /// Creates the state of a dependency not probed yet.
    public init(thresholds: Thresholds = Thresholds()) {
        self.thresholds = thresholds
    }

    /// Records `outcome`, observed at `time` (Unix seconds), and says whether the status changed.
    @discardableResult
    public mutating func record(_ outcome: ProbeOutcome, at time: Double) -> Transition {
        self.lastOutcome = outcome
        self.lastCheckTime = time
        if outcome.success {
            self.consecutiveSuccesses += 1
            self.consecutiveFailures = 0
            self.lastSuccessTime = time
        } else {
            self.consecutiveFailures += 1
            self.consecutiveSuccesses = 0
        }
        let next: Status
        switch self.status {
        case .unknown:
            next = outcome.success ? .healthy : .unhealthy
        case .healthy:
            next = self.consecutiveFailures >= self.thresholds.failures ? .unhealthy : .healthy
        case .unhealthy:
            next = self.consecutiveSuccesses >= self.thresholds.successes ? .healthy : .unhealthy
        }
        defer { self.status = next }
        guard next != self.status else { return .none }
        return next == .healthy ? .becameHealthy : .becameUnhealthy
    }
}
