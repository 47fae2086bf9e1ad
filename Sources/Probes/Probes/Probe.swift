public import Clients

/// One dependency check: a PostgreSQL `SELECT 1`, a Redis `PING`, an HTTP request.
public protocol Probe: Sendable {
    /// The dependency's name (`database`, `redis`, `anthropic`, …), used as the `dependency` label.
    var name: String { get }
    /// The probe type (`postgres`, `redis`, `http`), used as the `type` label.
    var type: String { get }
    /// Runs once. Implementations bound their own blocking work by `deadline`; the scheduler also stops waiting
    /// at the deadline, whatever the probe does.
    func run(deadline: Deadline) async -> ProbeOutcome
    /// Releases connections kept between rounds.
    func shutdown() async
}

/// What one probe run found.
public struct ProbeOutcome: Sendable, Hashable {
    /// Whether the dependency passed.
    public var success: Bool
    /// How long the run took, in seconds.
    public var durationSeconds: Double
    /// Why it failed, safe to show: no password, key or token.
    public var error: String?
    /// Extra facts (`server_version`, `status_code`), for the verbose readiness body and `probe` output.
    public var details: [String: String]
    /// The HTTP status code, for HTTP probes.
    public var httpStatus: Int?

    /// Creates an outcome.
    public init(success: Bool, durationSeconds: Double, error: String? = nil, details: [String: String] = [:], httpStatus: Int? = nil) {
        self.success = success
        self.durationSeconds = durationSeconds
        self.error = error
        self.details = details
        self.httpStatus = httpStatus
    }

    /// A failure at the deadline.
    public static func timedOut(after seconds: Double) -> ProbeOutcome {
        ProbeOutcome(success: false, durationSeconds: seconds, error: "timeout: no answer within \(Self.format(seconds))")
    }

    static func format(_ seconds: Double) -> String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded()))ms" : "\((seconds * 100).rounded() / 100)s"
    }
}
