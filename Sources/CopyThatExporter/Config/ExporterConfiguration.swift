import Clients

/// Everything `copythat-exporter` is configured with, from a YAML file or the environment.
struct ExporterConfiguration: Sendable {
    /// The address the HTTP server listens on.
    var listen: ListenAddress = ListenAddress(host: "0.0.0.0", port: 9470)
    /// Time between probe rounds.
    var probeInterval: Duration = .seconds(10)
    /// The default deadline of each probe.
    var probeTimeout: Duration = .seconds(2)
    /// Consecutive failures before a healthy dependency turns unhealthy.
    var failureThreshold = 1
    /// Consecutive successes before an unhealthy dependency turns healthy.
    var successThreshold = 1
    /// After SIGTERM, how long readiness answers 503 before the server stops accepting requests, so that Kubernetes
    /// takes the pod out of its Service first.
    var shutdownDelay: Duration = .zero
    /// The most time draining may take after SIGTERM.
    var shutdownGrace: Duration = .seconds(25)
    /// The minimum log level.
    var logLevel: String = "info"
    /// A connection with no request in progress, or still sending its headers (a slowloris), is closed after this.
    var httpIdleTimeout: Duration = .seconds(60)
    /// At most this many client connections at once; past it the listener waits.
    var maxConnections = 1024
    /// Optional protection of `/metrics`; the health endpoints stay open.
    var metricsAuth: MetricsAuth?
    /// The dependencies to probe.
    var dependencies: [Dependency] = []
    /// Rule evaluation and notification.
    var alerting = AlertingConfiguration()

    /// One dependency.
    struct Dependency: Sendable {
        enum Kind: String, Sendable, CaseIterable {
            case postgres
            case redis
            case http
            case anthropic
            case openai
        }

        var name: String
        var kind: Kind
        /// For postgres and redis: the DSN; for http: the URL; for AI presets: the base URL.
        var url: String
        var critical: Bool
        var timeout: Duration?
        var apiKey: String?
        var method: String = "GET"
        var headers: [(name: String, value: String)] = []
        var expectedStatus: Set<Int> = []

        /// The probe type label.
        var typeLabel: String {
            switch self.kind {
            case .postgres: return "postgres"
            case .redis: return "redis"
            case .http, .anthropic, .openai: return "http"
            }
        }

        /// The URL as logs and outputs may show it.
        var displayURL: String {
            (try? ConnectionURL(self.url).redacted) ?? "<invalid URL>"
        }
    }

    /// Bearer or basic authentication for `/metrics`.
    enum MetricsAuth: Sendable {
        case bearer(token: String)
        case basic(username: String, password: String)
    }

    /// `host:port` (shared with `copythat-api`).
    typealias ListenAddress = Clients.ListenAddress
}
