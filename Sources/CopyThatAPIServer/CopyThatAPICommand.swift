import ArgumentParser
import CopyThatAPI

/// `copythat-api`: the Copy That core API.
@main
struct CopyThatAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copythat-api",
        abstract:
            "The Copy That core API: accounts, API keys, projects, colour extraction, rate limits and AI budgets, on PostgreSQL and Redis.",
        discussion: """
            Configuration comes from the environment (each variable also as NAME_FILE, a file holding the value): \
            DATABASE_URL, REDIS_URL, SECRET_KEY (required, at least 32 random bytes), ENVIRONMENT \
            (local|staging|production), CORS_ORIGINS, RATE_LIMIT_PER_MINUTE, RATE_LIMIT_PER_HOUR, LOGIN_RATE_LIMIT, \
            TRUSTED_PROXIES, ACCESS_TOKEN_MINUTES, REFRESH_TOKEN_DAYS, METRICS_TOKEN, BCRYPT_COST, \
            HEALTH_PROBE_INTERVAL, DATABASE_POOL_SIZE, HTTP_IDLE_TIMEOUT, MAX_CONNECTIONS, SHUTDOWN_DELAY, \
            SHUTDOWN_GRACE, CLIENT_POLL_MICROSECONDS, LOG_LEVEL; extraction: ANTHROPIC_API_KEY (without it, the local provider), \
            ANTHROPIC_BASE_URL, ANTHROPIC_MODEL, EXTRACTION_RATE_LIMIT, EXTRACTION_FALLBACK (none|local), \
            EXTRACTION_CACHE_HOLD_SECONDS, EXTRACTION_CACHE_HIT_COMMIT (async|durable), USER_DAILY_BUDGET_USD, \
            DAILY_BUDGET_USD, IMAGE_FETCH_ALLOW. See docs/api.md.
            """,
        version: APIApplication.version,
        subcommands: [ServeCommand.self, MigrateCommand.self, CreateAdminCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
