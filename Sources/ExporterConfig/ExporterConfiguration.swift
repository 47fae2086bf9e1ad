package import Clients

/// Everything `copythat-exporter` is configured with, from a YAML file or the environment.
public struct ExporterConfiguration: Sendable {
    /// The address the HTTP server listens on.
    package var listen: ListenAddress = ListenAddress(host: "0.0.0.0", port: 9470)
    /// Time between probe rounds.
    package var probeInterval: Duration = .seconds(10)
    /// The default deadline of each probe.
    package var probeTimeout: Duration = .seconds(2)
    /// Consecutive failures before a healthy dependency turns unhealthy.
    package var failureThreshold = 1
    /// Consecutive successes before an unhealthy dependency turns healthy.
    package var successThreshold = 1
    /// After SIGTERM, how long readiness answers 503 before the server stops accepting requests, so that Kubernetes
    /// takes the pod out of its Service first.
    package var shutdownDelay: Duration = .zero
    /// The most time draining may take after SIGTERM.
    package var shutdownGrace: Duration = .seconds(25)
    /// The minimum log level.
    package var logLevel: String = "info"
    /// A connection with no request in progress, or still sending its headers (a slowloris), is closed after this.
    package var httpIdleTimeout: Duration = .seconds(60)
    /// At most this many client connections at once; past it the listener waits.
    package var maxConnections = 1024
    /// Optional protection of `/metrics`; the health endpoints stay open.
    package var metricsAuth: MetricsAuth?
    /// The dependencies to probe.
    package var dependencies: [Dependency] = []
    /// Rule evaluation and notification.
    package var alerting = AlertingConfiguration()

    /// One dependency.
    package struct Dependency: Sendable {
        package enum Kind: String, Sendable, CaseIterable {
            case postgres
            case redis
            case http
            case anthropic
            case openai
        }

        package var name: String
        package var kind: Kind
        /// For postgres and redis: the DSN; for http: the URL; for AI presets: the base URL.
        package var url: String
        package var critical: Bool
        package var timeout: Duration?
        package var apiKey: String?
        package var method: String = "GET"
        package var headers: [(name: String, value: String)] = []
        package var expectedStatus: Set<Int> = []

        /// The probe type label.
        package var typeLabel: String {
            switch self.kind {
            case .postgres: return "postgres"
            case .redis: return "redis"
            case .http, .anthropic, .openai: return "http"
            }
        }

        /// The URL as logs and outputs may show it.
        package var displayURL: String {
            (try? ConnectionURL(self.url).redacted) ?? "<invalid URL>"
        }
    }

    /// Bearer or basic authentication for `/metrics`.
    package enum MetricsAuth: Sendable {
        case bearer(token: String)
        case basic(username: String, password: String)
    }

    /// `host:port` (shared with `copythat-api`).
    package typealias ListenAddress = Clients.ListenAddress
}
