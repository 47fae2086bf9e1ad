/// Where the API runs: `ENVIRONMENT`, which picks the default CORS origins and whether HSTS is sent.
public enum DeploymentEnvironment: String, Sendable, CaseIterable {
    /// A developer's machine: the seeds' localhost origins, no HSTS.
    case local
    /// The staging site.
    case staging
    /// Production.
    case production

    /// The seeds' CORS origins for this environment, used when `CORS_ORIGINS` is not set.
    public var defaultCORSOrigins: [String] {
        switch self {
        case .local: ["http://localhost:5173", "http://localhost:3000", "http://127.0.0.1:5173"]
        case .staging: ["https://staging.copythat.dev", "https://staging-admin.copythat.dev"]
        case .production: ["https://copythat.dev", "https://www.copythat.dev", "https://admin.copythat.dev"]
        }
    }

    /// Whether responses carry `Strict-Transport-Security` (everywhere but `local`, which is plain HTTP).
    public var sendsHSTS: Bool { self != .local }
}
