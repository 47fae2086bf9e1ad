public import Clients

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Everything `copythat-api` reads from its environment, checked once at start-up.
///
/// Every variable may instead be given as `NAME_FILE`, the path of a file holding the value (one trailing newline is
/// dropped), so secrets stay out of the environment. No secret has a default.
public struct APIConfiguration: Sendable {
    /// `DATABASE_URL`.
    public var databaseURL: ConnectionURL
    /// `REDIS_URL`.
    public var redisURL: ConnectionURL
    /// `SECRET_KEY`: signs tokens and keys the password pre-hash and the API-key hashes. At least 32 bytes.
    public var secretKey: [UInt8]
    /// `ENVIRONMENT`.
    public var environment: DeploymentEnvironment
    /// `CORS_ORIGINS`, or the environment's defaults.
    public var corsOrigins: [String]
    /// `RATE_LIMIT_PER_MINUTE` (60).
    public var rateLimitPerMinute: Int
    /// `RATE_LIMIT_PER_HOUR` (1000).
    public var rateLimitPerHour: Int
    /// `LOGIN_RATE_LIMIT`: attempts per 15 minutes per account and address (10).
    public var loginRateLimit: Int
    /// `TRUSTED_PROXIES`: networks whose `X-Forwarded-For` is believed.
    public var trustedProxies: [IPNetwork]
    /// `ACCESS_TOKEN_MINUTES` (30).
    public var accessTokenLifetime: Duration
    /// `REFRESH_TOKEN_DAYS` (7).
    public var refreshTokenLifetime: Duration
    /// `METRICS_TOKEN`: when set, `/metrics` needs `Authorization: Bearer <it>`.
    public var metricsToken: String?
    /// `BCRYPT_COST` (12; at least 12 in every environment but `local`, where tests may lower it to 4).
    public var bcryptCost: UInt8
    /// `HEALTH_PROBE_INTERVAL` in seconds (5): how often readiness re-checks PostgreSQL and Redis.
    public var healthProbeInterval: Duration
    /// `SHUTDOWN_DELAY` in seconds (5 outside `local`, 0 there): how long readiness is 503 before the listener closes.
    public var shutdownDelay: Duration
    /// `SHUTDOWN_GRACE` in seconds (25): after SIGTERM the process exits 0 by then, whatever is still running.
    public var shutdownGrace: Duration
    /// A prefix for every Redis key (`copythat:`); tests give each application its own.
    public var redisKeyPrefix: String
    /// `DATABASE_POOL_SIZE` (20, the seeds' `pool_size`): PostgreSQL connections kept open.
    public var databasePoolSize: Int
    /// `HTTP_IDLE_TIMEOUT` in seconds (60): a connection with no request in progress, or one still sending its
    /// headers (a slowloris), is closed after this long.
    public var httpIdleTimeout: Duration
    /// `MAX_CONNECTIONS` (4096): at most this many client connections at once; past it the listener waits.
    public var maxConnections: Int
    /// `ANTHROPIC_API_KEY` (+ `ANTHROPIC_BASE_URL`, `ANTHROPIC_MODEL`): the AI provider; `nil` without a key.
    public var anthropic: AnthropicSettings?
    /// `EXTRACTION_RATE_LIMIT` (10): extractions per 60 s per user.
    public var extractionRateLimit: Int
    /// `EXTRACTION_FALLBACK` (`none`): whether the local provider answers when the AI provider fails.
    public var extractionFallback: ExtractionFallback
    /// `EXTRACTION_CACHE_HIT_COMMIT` (`async`): whether a cache hit's answer waits for its commit to be flushed.
    public var cacheHitCommit: CacheHitCommit
    /// `EXTRACTION_CACHE_HOLD_SECONDS` (60; 0 turns it off): how long this process holds a result-cache entry it
    /// read or wrote, answering a repeated image without Redis.
    public var resultHold: Duration
    /// `CLIENT_POLL_MICROSECONDS` (500; 0 turns it off): how long a PostgreSQL or Redis wait polls for its answer on
    /// its own thread, when this is the one request in flight, before it sleeps (see `IOReactor.pollLimit`).
    public var clientPollLimit: Duration
    /// `USER_DAILY_BUDGET_USD` (10) and `DAILY_BUDGET_USD` (500): AI spending per UTC day.
    public var budgets: ExtractionBudgets
    /// `IMAGE_FETCH_ALLOW`: networks and host names an `image_url` may reach despite the address and port rules.
    public var imageFetchPolicy: ImageFetchPolicy

    /// Creates a configuration directly; the defaults are the contract's.
    public init(
        databaseURL: ConnectionURL,
        redisURL: ConnectionURL,
        secretKey: [UInt8],
        environment: DeploymentEnvironment = .local,
        corsOrigins: [String]? = nil,
        rateLimitPerMinute: Int = 60,
        rateLimitPerHour: Int = 1000,
        loginRateLimit: Int = 10,
        trustedProxies: [IPNetwork] = [],
        accessTokenLifetime: Duration = .seconds(30 * 60),
        refreshTokenLifetime: Duration = .seconds(7 * 86_400),
        metricsToken: String? = nil,
        bcryptCost: UInt8 = 12,
        healthProbeInterval: Duration = .seconds(5),
        shutdownDelay: Duration? = nil,
        redisKeyPrefix: String = "copythat:",
        databasePoolSize: Int = 20,
        httpIdleTimeout: Duration = .seconds(60),
        maxConnections: Int = 4096,
        shutdownGrace: Duration = .seconds(25),
        imageFetchPolicy: ImageFetchPolicy = ImageFetchPolicy(),
        anthropic: AnthropicSettings? = nil,
        budgets: ExtractionBudgets = ExtractionBudgets(),
        extractionFallback: ExtractionFallback = .none,
        extractionRateLimit: Int = 10,
        cacheHitCommit: CacheHitCommit = .asynchronous,
        resultHold: Duration = .seconds(60),
        clientPollLimit: Duration = IOReactor.defaultPollLimit
    ) {
        self.databaseURL = databaseURL
        self.redisURL = redisURL
        self.secretKey = secretKey
        self.environment = environment
        self.corsOrigins = corsOrigins ?? environment.defaultCORSOrigins
        self.rateLimitPerMinute = rateLimitPerMinute
        self.rateLimitPerHour = rateLimitPerHour
        self.loginRateLimit = loginRateLimit
        self.trustedProxies = trustedProxies
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.metricsToken = metricsToken
        self.bcryptCost = bcryptCost
        self.healthProbeInterval = healthProbeInterval
        self.shutdownDelay = shutdownDelay ?? (environment == .local ? .zero : .seconds(5))
        self.redisKeyPrefix = redisKeyPrefix
        self.databasePoolSize = databasePoolSize
        self.httpIdleTimeout = httpIdleTimeout
        self.maxConnections = maxConnections
        self.shutdownGrace = shutdownGrace
        self.imageFetchPolicy = imageFetchPolicy
        self.anthropic = anthropic
        self.budgets = budgets
        self.extractionFallback = extractionFallback
        self.extractionRateLimit = extractionRateLimit
        self.cacheHitCommit = cacheHitCommit
        self.resultHold = resultHold
        self.clientPollLimit = clientPollLimit
    }

    /// `DATABASE_URL` alone (or the file `DATABASE_URL_FILE` names): what `copythat-api migrate` needs, without the
    /// signing key or Redis the server needs.
    public static func databaseURL(
        fromEnvironment environment: [String: String],
        readFile: @escaping (String) throws -> String = Self.readFile
    ) throws(APIConfigurationError) -> ConnectionURL {
        try EnvironmentReader(environment: environment, readFile: readFile).url("DATABASE_URL")
    }

    /// Reads the configuration from `environment` (and the files its `*_FILE` variables name).
    /// - Throws: ``APIConfigurationError`` naming the variable and what is wrong with it; never its value.
    public static func fromEnvironment(
        _ environment: [String: String],
        readFile: @escaping (String) throws -> String = Self.readFile
    ) throws(APIConfigurationError) -> APIConfiguration {
        let reader = EnvironmentReader(environment: environment, readFile: readFile)
        let deployment =
            try reader.value("ENVIRONMENT").map { text throws(APIConfigurationError) in
                guard let value = DeploymentEnvironment(rawValue: text) else {
                    throw APIConfigurationError(variable: "ENVIRONMENT", reason: "must be local, staging or production, got \"\(text)\"")
                }
                return value
            } ?? .local
        let secret = try SecretKeyPolicy.validate(try reader.value("SECRET_KEY"))
        let corsText = try reader.value("CORS_ORIGINS")
        let corsOrigins = corsText == nil ? nil : try CORSOriginList.parse(corsText!)
        let bcryptCost = try reader.integer("BCRYPT_COST", default: 12, range: (deployment == .local ? 4 : 12)...31)
        return APIConfiguration(
            databaseURL: try reader.url("DATABASE_URL"),
            redisURL: try reader.url("REDIS_URL"),
            secretKey: secret,
            environment: deployment,
            corsOrigins: corsOrigins,
            rateLimitPerMinute: try reader.integer("RATE_LIMIT_PER_MINUTE", default: 60, range: 1...1_000_000_000),
            rateLimitPerHour: try reader.integer("RATE_LIMIT_PER_HOUR", default: 1000, range: 1...1_000_000_000),
            loginRateLimit: try reader.integer("LOGIN_RATE_LIMIT", default: 10, range: 1...1_000_000_000),
            trustedProxies: try reader.networks("TRUSTED_PROXIES"),
            accessTokenLifetime: .seconds(try reader.integer("ACCESS_TOKEN_MINUTES", default: 30, range: 1...1440) * 60),
            refreshTokenLifetime: .seconds(try reader.integer("REFRESH_TOKEN_DAYS", default: 7, range: 1...365) * 86_400),
            metricsToken: try reader.value("METRICS_TOKEN").flatMap { $0.isEmpty ? nil : $0 },
            bcryptCost: UInt8(bcryptCost),
            healthProbeInterval: .seconds(try reader.integer("HEALTH_PROBE_INTERVAL", default: 5, range: 1...3600)),
            shutdownDelay: try reader.value("SHUTDOWN_DELAY") == nil
                ? nil : Duration.seconds(try reader.integer("SHUTDOWN_DELAY", default: 0, range: 0...600)),
            databasePoolSize: try reader.integer("DATABASE_POOL_SIZE", default: 20, range: 1...500),
            httpIdleTimeout: .seconds(try reader.integer("HTTP_IDLE_TIMEOUT", default: 60, range: 1...3600)),
            maxConnections: try reader.integer("MAX_CONNECTIONS", default: 4096, range: 1...1_000_000),
            shutdownGrace: .seconds(try reader.integer("SHUTDOWN_GRACE", default: 25, range: 1...3600)),
            imageFetchPolicy: try reader.imageFetchPolicy("IMAGE_FETCH_ALLOW"),
            anthropic: try reader.anthropic(),
            budgets: ExtractionBudgets(
                perUser: try reader.dollars("USER_DAILY_BUDGET_USD", default: ExtractionBudgets().perUser),
                global: try reader.dollars("DAILY_BUDGET_USD", default: ExtractionBudgets().global)
            ),
            extractionFallback: try reader.value("EXTRACTION_FALLBACK").map { text throws(APIConfigurationError) in
                guard let fallback = ExtractionFallback(rawValue: text) else {
                    throw APIConfigurationError(variable: "EXTRACTION_FALLBACK", reason: "must be none or local, got \"\(text)\"")
                }
                return fallback
            } ?? .none,
            extractionRateLimit: try reader.integer("EXTRACTION_RATE_LIMIT", default: 10, range: 1...1_000_000_000),
            cacheHitCommit: try reader.value("EXTRACTION_CACHE_HIT_COMMIT").map { text throws(APIConfigurationError) in
                guard let mode = CacheHitCommit(rawValue: text) else {
                    throw APIConfigurationError(
                        variable: "EXTRACTION_CACHE_HIT_COMMIT",
                        reason: "must be async or durable, got \"\(text)\""
                    )
                }
                return mode
            } ?? .asynchronous,
            resultHold: .seconds(try reader.integer("EXTRACTION_CACHE_HOLD_SECONDS", default: 60, range: 0...3600)),
            clientPollLimit: .microseconds(
                try reader.integer(
                    "CLIENT_POLL_MICROSECONDS",
                    default: IOReactor.defaultPollLimit.wholeMicroseconds,
                    range: 0...IOReactor.longestPollLimit.wholeMicroseconds
                )
            )
        )
    }

    /// Reads a secret file, dropping one trailing newline.
    public static func readFile(_ path: String) throws -> String {
        Self.readFileDropsOneNewline(try String(contentsOfFile: path, encoding: .utf8))
    }

    /// `text` without one trailing `\n` or `\r\n` (what `echo` and editors add to a secret file).
    static func readFileDropsOneNewline(_ text: String) -> String {
        var bytes = Array(text.utf8)
        if bytes.last == UInt8(ascii: "\n") {
            bytes.removeLast()
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A configuration variable is missing or wrong; the message names it and never shows a secret's value.
public struct APIConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The variable (`SECRET_KEY`, `DATABASE_URL_FILE`, …).
    public var variable: String
    /// What is wrong.
    public var reason: String

    /// `VARIABLE: reason`.
    public var description: String { "\(self.variable): \(self.reason)" }
}
