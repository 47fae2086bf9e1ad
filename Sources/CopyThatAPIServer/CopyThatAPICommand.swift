import ArgumentParser
import CopyThatAPI

/// `copythat-api`: the Copy That core API.
@main
struct CopyThatAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copythat-api",
        abstract: "The Copy That core API: accounts, API keys, projects, rate limits, on PostgreSQL and Redis.",
        discussion: """
            Configuration comes from the environment (each variable also as NAME_FILE, a file holding the value): \
            DATABASE_URL, REDIS_URL, SECRET_KEY (required, at least 32 random bytes), ENVIRONMENT \
            (local|staging|production), CORS_ORIGINS, RATE_LIMIT_PER_MINUTE, RATE_LIMIT_PER_HOUR, LOGIN_RATE_LIMIT, \
            TRUSTED_PROXIES, ACCESS_TOKEN_MINUTES, REFRESH_TOKEN_DAYS, METRICS_TOKEN, BCRYPT_COST, \
            HEALTH_PROBE_INTERVAL, SHUTDOWN_DELAY, SHUTDOWN_GRACE, LOG_LEVEL. See docs/api.md.
            """,
        version: APIApplication.version,
        subcommands: [ServeCommand.self, MigrateCommand.self, CreateAdminCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
