import Clients

/// The durable AI usage log (`api_usage_logs`) and the seeds' cost queries, written through the pool.
///
/// `total` is what was actually spent (calls not served from the cache); `cacheSavings` is what the cached calls
/// would have cost. Sums are computed by PostgreSQL over whole nanodollars, so they are exact.
public struct UsageLog: Sendable {
    /// One row to write.
    public struct Entry: Sendable {
        /// The usage, as given to ``AICostTracker``.
        public var usage: AICostTracker.Usage
        /// What the call cost (or, when cached, would have cost).
        public var cost: Money
        /// The user, if known.
        public var userID: String?
        /// The project, if known.
        public var projectID: Int?
        /// The API endpoint that made the call.
        public var endpoint: String?

        /// Creates an entry.
        public init(usage: AICostTracker.Usage, cost: Money, userID: String? = nil, projectID: Int? = nil, endpoint: String? = nil) {
            self.usage = usage
            self.cost = cost
            self.userID = userID
            self.projectID = projectID
            self.endpoint = endpoint
        }

        /// Whether the row moves the daily spending counters: a paid call (a cache hit is a saving, not spending).
        public var spends: Bool { !self.usage.cached && self.cost.nanodollars > 0 }
    }

    /// The seeds' cost report over the last N days.
    public struct CostReport: Sendable, Hashable {
        /// Spent on calls not served from the cache.
        public var total: Money
        /// Per model: spent and number of calls (cached ones included in the count).
        public var byModel: [String: (cost: Money, requests: Int)]
        /// What cached calls would have cost.
        public var cacheSavings: Money
        /// The period.
        public var periodDays: Int

        public static func == (lhs: CostReport, rhs: CostReport) -> Bool {
            lhs.total == rhs.total && lhs.cacheSavings == rhs.cacheSavings && lhs.periodDays == rhs.periodDays
                && lhs.byModel.mapValues(\.cost) == rhs.byModel.mapValues(\.cost)
                && lhs.byModel.mapValues(\.requests) == rhs.byModel.mapValues(\.requests)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(self.total)
            hasher.combine(self.cacheSavings)
        }
    }

    let pool: PostgresPool
    let timeout: Duration

    /// Creates the log over `pool`.
    public init(pool: PostgresPool, timeout: Duration = .seconds(10)) {
        self.pool = pool
        self.timeout = timeout
    }

    /// How many rows of `ai_daily_spend` share one day's spending of one scope.
    static let spendShards = 16

    /// Writes one row, and adds its spending to today's counters.
    public func write(_ entry: Entry) async throws {
        try await self.write([entry])
    }

    /// Writes the rows in one statement (one commit), and adds their spending to today's counters.
    public func write(_ entries: [Entry]) async throws {
        guard let clauses = Self.writeClauses(entries, firstParameter: 1) else { return }
        let timeout = self.timeout
        _ = try await self.pool.withConnection { connection in
            try await connection.query("WITH \(clauses.sql) SELECT 1", clauses.parameters, timeout: timeout)
        }
    }

    /// Writing `entries` as data-modifying `WITH` clauses (`name AS (…), …`) whose parameters are numbered from
    /// `$firstParameter`, so that a statement of another table can carry them and commit them at once: the log rows,
    /// and what was spent (cached calls cost nothing) added to the day's counters of the user and of everyone, each
    /// on one shard picked at random. `nil` for no entries.
    public static func writeClauses(_ entries: [Entry], firstParameter: Int) -> (sql: String, parameters: [String?])? {
        guard !entries.isEmpty else { return nil }
        var parameters: [String?] = []
        var rows: [String] = []
        for entry in entries {
            let first = firstParameter + parameters.count
            rows.append("(" + (first..<first + 10).map { "$\($0)" }.joined(separator: ", ") + ")")
            parameters += [
                entry.userID, entry.projectID.map(String.init), entry.usage.model, entry.endpoint, String(entry.usage.inputTokens),
                String(entry.usage.outputTokens), String(entry.cost.nanodollars), entry.usage.cached ? "true" : "false",
                entry.usage.errorType == nil ? "true" : "false", entry.usage.errorType,
            ]
        }
        let logged = """
            usage_logged AS (
                INSERT INTO api_usage_logs (user_id, project_id, model, endpoint, input_tokens, output_tokens, cost_nanodollars, cached, success, error_type)
                VALUES \(rows.joined(separator: ", "))
                RETURNING (timestamp AT TIME ZONE 'UTC')::date AS day, user_id, cost_nanodollars, cached
            )
            """
        // Only spending moves the counters: a statement of cache hits (savings) leaves them alone and skips the upsert.
        guard entries.contains(where: \.spends) else { return (logged, parameters) }
        let userShard = firstParameter + parameters.count
        parameters += [String(Int.random(in: 0..<Self.spendShards)), String(Int.random(in: 0..<Self.spendShards))]
        let sql = """
            \(logged),
            usage_spent AS (
                INSERT INTO ai_daily_spend AS spend (day, scope, shard, cost_nanodollars)
                SELECT day, scope.name, scope.shard, SUM(cost_nanodollars)
                FROM usage_logged,
                     LATERAL (VALUES (user_id, $\(userShard)::smallint), ('*', $\(userShard + 1)::smallint)) AS scope (name, shard)
                WHERE NOT cached AND cost_nanodollars > 0 AND scope.name IS NOT NULL
                GROUP BY day, scope.name, scope.shard
                ON CONFLICT (day, scope, shard) DO UPDATE SET cost_nanodollars = spend.cost_nanodollars + EXCLUDED.cost_nanodollars
            )
            """
        return (sql, parameters)
    }

    /// Spent today (UTC), optionally for one user: a read of today's counters.
    public func dailyCost(userID: String? = nil) async throws -> Money {
        let timeout = self.timeout
        let rows = try await self.pool.withConnection { connection in
            try await connection.query(
                """
                SELECT COALESCE(SUM(cost_nanodollars), 0) FROM ai_daily_spend
                WHERE day = (now() AT TIME ZONE 'UTC')::date AND scope = COALESCE($1, '*')
                """,
                [userID],
                timeout: timeout
            )
        }
        return Money(nanodollars: Int64(rows.first?.first.flatMap { $0 } ?? "0") ?? 0)
    }

    /// Spent today (UTC) by `userID` and by everyone, in one read: what a budget check needs.
    public func dailySpending(userID: String) async throws -> (user: Money, everyone: Money) {
        let timeout = self.timeout
        let rows = try await self.pool.withConnection { connection in
            try await connection.query(
                """
                SELECT COALESCE(SUM(cost_nanodollars) FILTER (WHERE scope = $1), 0),
                       COALESCE(SUM(cost_nanodollars) FILTER (WHERE scope = '*'), 0)
                FROM ai_daily_spend WHERE day = (now() AT TIME ZONE 'UTC')::date AND scope IN ($1, '*')
                """,
                [userID],
                timeout: timeout
            )
        }
        let row = rows.first ?? []
        func money(_ index: Int) -> Money {
            Money(nanodollars: index < row.count ? row[index].flatMap { Int64($0) } ?? 0 : 0)
        }
        return (money(0), money(1))
    }

    /// The cost report over the last `days` days.
    public func costReport(days: Int = 30) async throws -> CostReport {
        let timeout = self.timeout
        let rows = try await self.pool.withConnection { connection in
            try await connection.query(
                """
                SELECT model,
                       COALESCE(SUM(cost_nanodollars) FILTER (WHERE NOT cached), 0),
                       COALESCE(SUM(cost_nanodollars) FILTER (WHERE cached), 0),
                       COUNT(*)
                FROM api_usage_logs
                WHERE timestamp >= now() - make_interval(days => $1::int)
                GROUP BY model
                """,
                [String(days)],
                timeout: timeout
            )
        }
        var report = CostReport(total: .zero, byModel: [:], cacheSavings: .zero, periodDays: days)
        for row in rows {
            guard row.count == 4, let model = row[0], let spent = row[1].flatMap({ Int64($0) }), let saved = row[2].flatMap({ Int64($0) }),
                let count = row[3].flatMap({ Int($0) })
            else { continue }
            report.byModel[model] = (Money(nanodollars: spent), count)
            report.total = report.total + Money(nanodollars: spent)
            report.cacheSavings = report.cacheSavings + Money(nanodollars: saved)
        }
        return report
    }

    /// Spending per UTC day over the last `days` days, oldest first: the date (`YYYY-MM-DD`), what was spent (cached
    /// calls excluded) and how many calls were logged (cached ones included). Days without calls are left out.
    public func dailyCosts(days: Int = 7) async throws -> [(date: String, cost: Money, requests: Int)] {
        let timeout = self.timeout
        let rows = try await self.pool.withConnection { connection in
            try await connection.query(
                """
                SELECT to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
                       COALESCE(SUM(cost_nanodollars) FILTER (WHERE NOT cached), 0), COUNT(*)
                FROM api_usage_logs
                WHERE timestamp >= now() - make_interval(days => $1::int)
                GROUP BY day ORDER BY day
                """,
                [String(days)],
                timeout: timeout
            )
        }
        return rows.compactMap { row in
            guard row.count == 3, let day = row[0], let spent = row[1].flatMap({ Int64($0) }), let count = row[2].flatMap({ Int($0) })
            else {
                return nil
            }
            return (day, Money(nanodollars: spent), count)
        }
    }
}
