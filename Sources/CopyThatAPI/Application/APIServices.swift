public import Clients
public import CopyThatInstrumentation
public import Logging
public import PrometheusRegistry

/// What the routes stand on, built once by ``APIApplication``.
public struct APIServices: Sendable {
    /// The configuration.
    public let configuration: APIConfiguration
    /// The database layer.
    public let database: Database
    /// Redis.
    public let redis: RedisConnectionPool
    /// Users.
    public let users: UserRepository
    /// Refresh-token families.
    public let refreshTokens: RefreshTokenRepository
    /// API keys.
    public let apiKeys: APIKeyRepository
    /// Projects.
    public let projects: ProjectRepository
    /// The audit trail.
    public let audit: AuditTrail
    /// Password hashing.
    public let passwords: PasswordHasher
    /// Tokens.
    public let tokens: TokenService
    /// API-key generation and checks.
    public let keyCodec: APIKeyCodec
    /// Rate limits.
    public let limiter: RateLimiter
    /// Colour extraction.
    public let extraction: ExtractionService
    /// Redis as a cache (colour lists, extraction results).
    public let cache: ResponseCache
    /// The registry `/metrics` renders.
    public let registry: PrometheusRegistry
    /// The catalogue.
    public let metrics: CopyThatMetrics
    /// The application's logger.
    public let logger: Logger
}
