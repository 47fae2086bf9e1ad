public import Clients
import CopyThatInstrumentation
public import Hummingbird
import HummingbirdCore
import JSONLogging
public import Logging
public import NIOCore
public import NIOPosix
public import Probes
public import PrometheusRegistry

/// Builds the core API: its services, its router with the middleware in order, and the Hummingbird application,
/// as tests and `copythat-api serve` both use it.
///
/// Middleware, outermost first: request id, metrics and access log (`RequestInstrumentationMiddleware`, so every
/// answer is counted by route template); errors as the contract's JSON and the security headers on everything;
/// CORS; authentication; the general rate limits. Blocking C work runs on two thread pools: one for libpq and
/// hiredis, one (a thread per core) for bcrypt, so a storm of logins never delays a query.
public struct APIApplication: Sendable {
    /// The version reported in `copythat_info` and the OpenAPI document.
    public static let version = "1.0.0"

    /// The wired services.
    public let services: APIServices
    /// Readiness, from the PostgreSQL and Redis probes.
    public let health: HealthStore
    /// Probes PostgreSQL (critical) and Redis (not critical: without it the API is degraded, not down).
    public let scheduler: ProbeScheduler
    /// Every route registered (``extraRoutes`` excluded).
    public let routes: RouteTable
    /// The router's responder.
    public let responder: RouterResponder<APIRequestContext>
    let ioThreads: NIOThreadPool
    let hashingThreads: NIOThreadPool
    let httpThreads: NIOThreadPool
    let connectionCap: ConnectionCap

    /// Builds everything; nothing connects until used (the first probe round runs when the application starts).
    /// - Parameters:
    ///   - auditLogger: where audit lines go (default: a logger labelled `audit` from the bootstrapped system).
    ///   - extraRoutes: routes to add under `/api/v1` behind every middleware (for tests of the middleware itself).
    public static func build(
        configuration: APIConfiguration,
        logger: Logger,
        auditLogger: Logger? = nil,
        registry: PrometheusRegistry = PrometheusRegistry(),
        extraRoutes: ((RouterGroup<APIRequestContext>) -> Void)? = nil
    )
        async throws -> APIApplication
    {
        try registry.register(ProcessCollector())
        let metrics = try CopyThatMetrics(registry: registry, version: Self.version, environment: configuration.environment.rawValue)
        // Queries and commands wait on IOReactor.shared, holding no thread; these threads only connect and close.
        let ioThreads = NIOThreadPool(numberOfThreads: 8)
        ioThreads.start()
        let hashingThreads = NIOThreadPool(numberOfThreads: max(1, System.coreCount))
        hashingThreads.start()
        // Outbound HTTP (image fetches up to 10 s, AI calls up to 30 s) blocks a thread per call: its own pool, so
        // that slow origins never hold up a database connect.
        let httpThreads = NIOThreadPool(numberOfThreads: 16)
        httpThreads.start()
        let httpClient = CurlHTTPClient(threadPool: httpThreads, idleHandles: 8)

        let pool = try PostgresPool(
            // No overflow: an overflow connection is opened (SCRAM and all) and closed again for every request past
            // the pool's size, which under load costs far more than waiting a turn (the seeds' max_overflow=20
            // collapsed throughput from 1,700 to 130 requests per second at 32 connections). Idle connections are
            // pinged before use only after a second idle, not on every checkout.
            configuration: .init(
                url: configuration.databaseURL,
                poolSize: configuration.databasePoolSize,
                maxOverflow: 0,
                checkoutTimeout: .seconds(5),
                prePingIdleThreshold: .seconds(1),
                connectTimeout: .seconds(3)
            ),
            threadPool: ioThreads,
            metrics: metrics,
            registry: registry
        )
        let database = Database(
            pool: pool,
            queries: try QueryInstrumentation(metrics: metrics, registry: registry, logger: logger),
            logger: logger
        )
        let redis = RedisConnectionPool(url: configuration.redisURL, size: 16, threadPool: ioThreads)
        let costs = AICostTracker(metrics: metrics, logger: logger)
        if let model = configuration.anthropic?.model { costs.prepare(model: model) }
        let cache = ResponseCache(redis: redis, prefix: configuration.redisKeyPrefix, metrics: metrics, logger: logger)
        let extraction = ExtractionService(
            fetcher: ImageFetcher(client: httpClient, policy: configuration.imageFetchPolicy),
            provider: try configuration.anthropic.map {
                try AnthropicProvider(settings: $0, client: httpClient, costs: costs, registry: registry)
            },
            jobs: ExtractionRepository(database: database),
            usage: UsageLog(pool: pool),
            cache: cache,
            budgets: configuration.budgets,
            local: LocalPaletteProvider(decoder: ImageDecoder(threadPool: hashingThreads)),
            fallback: configuration.extractionFallback,
            cacheHitCommit: configuration.cacheHitCommit,
            resultHold: configuration.resultHold,
            logger: logger
        )
        var auditLogger = auditLogger ?? Logger(label: "audit")
        auditLogger.logLevel = .info
        let services = APIServices(
            configuration: configuration,
            database: database,
            redis: redis,
            users: UserRepository(database: database),
            refreshTokens: RefreshTokenRepository(database: database),
            apiKeys: APIKeyRepository(database: database),
            projects: ProjectRepository(database: database),
            audit: AuditTrail(database: database, logger: AuditLogger(logger: auditLogger), errors: logger),
            passwords: try await PasswordHasher(
                secretKey: configuration.secretKey,
                cost: configuration.bcryptCost,
                threadPool: hashingThreads
            ),
            tokens: await TokenService(
                secretKey: configuration.secretKey,
                accessLifetime: configuration.accessTokenLifetime,
                refreshLifetime: configuration.refreshTokenLifetime
            ),
            keyCodec: APIKeyCodec(secretKey: configuration.secretKey),
            limiter: try RateLimiter(
                redis: redis,
                keyPrefix: configuration.redisKeyPrefix,
                registry: registry,
                hits: metrics.rateLimitHits
            ),
            extraction: extraction,
            cache: cache,
            registry: registry,
            metrics: metrics,
            logger: logger
        )

        let health = HealthStore(dependencies: [
            (name: "database", type: "postgres", critical: true, thresholds: .init()),
            (name: "redis", type: "redis", critical: false, thresholds: .init()),
        ])
        let scheduler = ProbeScheduler(
            entries: [
                .init(probe: PostgresProbe(name: "database", url: configuration.databaseURL, threadPool: ioThreads), timeout: .seconds(2)),
                .init(probe: RedisProbe(name: "redis", url: configuration.redisURL, threadPool: ioThreads), timeout: .seconds(1)),
            ],
            interval: configuration.healthProbeInterval,
            store: health,
            metrics: nil,
            logger: logger
        )

        let router = Router(context: APIRequestContext.self)
        // The clients' reactor is the process's: its polling limit is set here for every connection of the process.
        IOReactor.shared.pollLimit = configuration.clientPollLimit
        router.add(middleware: RequestsInFlightMiddleware())
        router.add(middleware: RequestInstrumentationMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware(headers: SecurityHeaders(hsts: configuration.environment.sendsHSTS), logger: logger))
        router.add(middleware: CORSPolicyMiddleware(origins: configuration.corsOrigins))
        router.add(
            middleware: AuthenticationMiddleware(
                tokens: services.tokens,
                users: services.users,
                keys: services.apiKeys,
                codec: services.keyCodec,
                trustedProxies: configuration.trustedProxies
            )
        )
        router.add(
            middleware: RateLimitMiddleware(
                limiter: services.limiter,
                perMinute: configuration.rateLimitPerMinute,
                perHour: configuration.rateLimitPerHour,
                routeLimits: [ColorRoutes.limit(configuration)]
            )
        )
        let table = RouteTable()
        SystemRoutes(services: services, health: health).add(to: RecordingRoutes(router: router, table: table))
        let api = RecordingRoutes(group: router.group("/api/v1"), prefix: "/api/v1", table: table)
        AuthRoutes(services: services).add(to: api)
        APIKeyRoutes(services: services).add(to: api)
        ProjectRoutes(services: services).add(to: api)
        ColorRoutes(services: services, projects: ProjectRoutes(services: services)).add(to: api)
        AdminRoutes(services: services).add(to: api)
        if let extraRoutes { extraRoutes(router.group("/api/v1")) }

        return APIApplication(
            services: services,
            health: health,
            scheduler: scheduler,
            routes: table,
            responder: router.buildResponder(),
            ioThreads: ioThreads,
            hashingThreads: hashingThreads,
            httpThreads: httpThreads,
            connectionCap: try ConnectionCap(limit: configuration.maxConnections, registry: registry, prefix: "http_server")
        )
    }

    /// The Hummingbird application on `address`, with the probe scheduler as one of its services.
    public func application(
        address: BindAddress,
        logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        // Idle connections, and a slowloris sending its headers a byte at a time, are closed after
        // HTTP_IDLE_TIMEOUT; at most MAX_CONNECTIONS are open at once, counted in http_server_connections; an HTTP/1.0
        // request is answered as HTTP/1.0 and closed unless it asks for keep-alive.
        let idle = self.services.configuration.httpIdleTimeout
        return Application(
            responder: self.responder,
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: HTTP1KeepAlive.channelHandlers(),
                    idleTimeout: .milliseconds(Int64(idle.components.seconds * 1000))
                )
            ),
            configuration: .init(address: address, serverName: nil, availableConnectionsDelegate: self.connectionCap),
            services: [self.scheduler],
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    /// Applies pending migrations on a connection of its own; returns the versions applied.
    public func migrate() async throws -> [Int] {
        try await Self.migrate(url: self.services.configuration.databaseURL, threadPool: self.ioThreads)
    }

    /// Applies pending migrations at `url`.
    public static func migrate(url: ConnectionURL, threadPool: NIOThreadPool) async throws -> [Int] {
        let connection = try await PostgresConnection.connect(url: url, timeout: .seconds(10), threadPool: threadPool)
        do {
            let applied = try await Schema.migrations.apply(on: connection)
            await connection.close()
            return applied
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Closes the pools and stops the thread pools; call after the application has stopped.
    public func shutdown() async {
        for probe in self.scheduler.probes { await probe.shutdown() }
        await self.services.database.pool.close()
        await self.services.redis.close()
        try? await self.ioThreads.shutdownGracefully()
        try? await self.hashingThreads.shutdownGracefully()
        try? await self.httpThreads.shutdownGracefully()
    }
}
