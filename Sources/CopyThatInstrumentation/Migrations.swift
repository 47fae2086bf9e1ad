public import Clients

/// Schema migrations applied once and in order, each in its own transaction, recorded in `schema_migrations`.
public struct Migrations: Sendable {
    /// One migration.
    public struct Migration: Sendable {
        /// Its version; versions must increase.
        public var version: Int
        /// A short name, recorded beside the version.
        public var name: String
        /// The statements, run in one transaction.
        public var statements: [String]

        /// Creates a migration.
        public init(version: Int, name: String, statements: [String]) {
            self.version = version
            self.name = name
            self.statements = statements
        }
    }

    /// The migrations, in order.
    public let migrations: [Migration]

    /// The seeds' usage log: `api_usage_logs` with its two indexes. Money is kept as whole nanodollars
    /// (`cost_nanodollars BIGINT`), never as a float; `cost_usd` is derived from it as `NUMERIC` for reports.
    /// `user_id` and `project_id` are plain columns here: the users and projects tables belong to the core API.
    public static let copyThat = Migrations(migrations: [
        Migration(
            version: 1,
            name: "create api_usage_logs",
            statements: [
                """
                CREATE TABLE api_usage_logs (
                    id BIGSERIAL PRIMARY KEY,
                    timestamp TIMESTAMPTZ NOT NULL DEFAULT now(),
                    user_id VARCHAR(36),
                    project_id INTEGER,
                    model VARCHAR(100) NOT NULL,
                    endpoint VARCHAR(255),
                    input_tokens INTEGER NOT NULL,
                    output_tokens INTEGER NOT NULL,
                    cost_nanodollars BIGINT NOT NULL,
                    cost_usd NUMERIC(20, 9) GENERATED ALWAYS AS (cost_nanodollars / 1000000000.0) STORED,
                    cached BOOLEAN NOT NULL DEFAULT false,
                    success BOOLEAN NOT NULL DEFAULT true,
                    error_type VARCHAR(100)
                )
                """,
                "CREATE INDEX ix_api_usage_logs_timestamp ON api_usage_logs (timestamp)",
                "CREATE INDEX ix_api_usage_user_date ON api_usage_logs (user_id, timestamp)",
                "CREATE INDEX ix_api_usage_model ON api_usage_logs (model)",
            ]
        ),
        // Version 8 (2–7 are the core API's tables): what budgets read, so that a budget check is a few rows, not a
        // sum over the day's log. Each day's spending in nanodollars per user and for everyone (`scope` '*'),
        // spread over `shard`s so that concurrent writers of one user do not queue for one row; today's rows
        // are filled from the log when this is first applied.
        Migration(
            version: 8,
            name: "create ai_daily_spend",
            statements: [
                """
                CREATE TABLE ai_daily_spend (
                    day DATE NOT NULL,
                    scope VARCHAR(36) NOT NULL,
                    shard SMALLINT NOT NULL DEFAULT 0,
                    cost_nanodollars BIGINT NOT NULL DEFAULT 0,
                    PRIMARY KEY (day, scope, shard)
                )
                """,
                """
                INSERT INTO ai_daily_spend (day, scope, shard, cost_nanodollars)
                SELECT (timestamp AT TIME ZONE 'UTC')::date AS day, COALESCE(user_id, '*'), 0, SUM(cost_nanodollars)
                FROM api_usage_logs WHERE NOT cached AND user_id IS NOT NULL GROUP BY 1, 2
                UNION ALL
                SELECT (timestamp AT TIME ZONE 'UTC')::date, '*', 0, SUM(cost_nanodollars)
                FROM api_usage_logs WHERE NOT cached GROUP BY 1
                """,
            ]
        ),
    ])

    /// Creates a list; versions must be strictly increasing.
    public init(migrations: [Migration]) {
        precondition(zip(migrations, migrations.dropFirst()).allSatisfy { $0.version < $1.version }, "migration versions must increase")
        self.migrations = migrations
    }

    /// Applies every migration not yet recorded; returns the versions it applied.
    @discardableResult
    public func apply(on connection: PostgresConnection, timeout: Duration = .seconds(30)) async throws -> [Int] {
        _ = try await connection.query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
            timeout: timeout
        )
        let applied = Set(
            try await connection.query("SELECT version FROM schema_migrations", timeout: timeout).compactMap {
                $0.first.flatMap { $0 }.flatMap(Int.init)
            }
        )
        var done: [Int] = []
        for migration in self.migrations where !applied.contains(migration.version) {
            _ = try await connection.query("BEGIN", timeout: timeout)
            do {
                // Serialises concurrent appliers: the second waits, then finds the version recorded and fails the insert.
                _ = try await connection.query("LOCK TABLE schema_migrations IN EXCLUSIVE MODE", timeout: timeout)
                for statement in migration.statements {
                    _ = try await connection.query(statement, timeout: timeout)
                }
                _ = try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    [String(migration.version), migration.name],
                    timeout: timeout
                )
                _ = try await connection.query("COMMIT", timeout: timeout)
            } catch {
                _ = try? await connection.query("ROLLBACK", timeout: timeout)
                throw error
            }
            done.append(migration.version)
        }
        return done
    }
}
