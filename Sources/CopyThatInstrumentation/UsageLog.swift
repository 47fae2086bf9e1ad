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

    /// Writes one row.
    public func write(_ entry: Entry) async throws {
        let timeout = self.timeout
        _ = try await self.pool.withConnection { connection in
            try await connection.query(
                """
                INSERT INTO api_usage_logs (user_id, project_id, model, endpoint, input_tokens, output_tokens, cost_nanodollars, cached, success, error_type)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                """,
                [
                    entry.userID, entry.projectID.map(String.init), entry.usage.model, entry.endpoint, String(entry.usage.inputTokens),
                    String(entry.usage.outputTokens), String(entry.cost.nanodollars), entry.usage.cached ? "true" : "false",
                    entry.usage.errorType == nil ? "true" : "false", entry.usage.errorType,
                ],
                timeout: timeout
            )
        }
    }

    /// Spent today (UTC), optionally for one user.
    public func dailyCost(userID: String? = nil) async throws -> Money {
        let timeout = self.timeout
        let rows = try await self.pool.withConnection { connection in
            try await connection.query(
                """
                SELECT COALESCE(SUM(cost_nanodollars), 0) FROM api_usage_logs
                WHERE timestamp >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                  AND NOT cached AND ($1::text IS NULL OR user_id = $1)
                """,
                [userID],
                timeout: timeout
            )
        }
        return Money(nanodollars: Int64(rows.first?.first.flatMap { $0 } ?? "0") ?? 0)
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
