import Clients
public import Logging
public import PrometheusRegistry

/// An error that carries a PostgreSQL SQLSTATE; ``QueryInstrumentation`` counts failures by its class.
public protocol SQLStateCarrying: Error {
    /// The five-character SQLSTATE, if the server sent one.
    var sqlState: String? { get }
}

extension PostgresError: SQLStateCarrying {}

/// Times queries for any database client: `db_query_duration_seconds{query_type}`, failures in
/// `db_query_errors_total{query_type,sqlstate_class}`, and a warning for each query slower than the threshold.
///
/// The slow-query log shows the statement cut to 100 characters with its string and number literals replaced by
/// `?`, and never a bound parameter, so no user data reaches the log.
public struct QueryInstrumentation: Sendable {
    let metrics: CopyThatMetrics
    let errors: MetricFamily<Counter>
    let logger: Logger
    /// Queries at least this slow are logged.
    public let slowThreshold: Duration

    /// Creates the instrumentation; registers `db_query_errors_total` in `registry`.
    public init(
        metrics: CopyThatMetrics,
        registry: PrometheusRegistry,
        logger: Logger,
        slowThreshold: Duration = .milliseconds(100)
    ) throws(MetricError) {
        self.metrics = metrics
        self.errors = try registry.makeCounterFamily(
            name: "db_query_errors_total",
            help: "Database queries that failed, by statement type and SQLSTATE class",
            labelNames: ["query_type", "sqlstate_class"]
        )
        self.logger = logger
        self.slowThreshold = slowThreshold
    }

    /// Runs `body` (which executes `sql`), recording its duration and outcome.
    public func measure<Result: Sendable>(
        sql: String,
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Result
    ) async throws -> Result {
        let type = QueryType(sql: sql)
        let start = ContinuousClock.now
        do {
            let result = try await body()
            self.finish(sql: sql, type: type, elapsed: ContinuousClock.now - start, failed: nil)
            return result
        } catch {
            self.finish(sql: sql, type: type, elapsed: ContinuousClock.now - start, failed: error)
            throw error
        }
    }

    private func finish(sql: String, type: QueryType, elapsed: Duration, failed error: (any Error)?) {
        try? self.metrics.dbQueryDuration.labels(type.rawValue).observe(elapsed)
        if let error {
            let sqlState = (error as? any SQLStateCarrying)?.sqlState
            let sqlClass = sqlState.map { String($0.prefix(2)) } ?? "none"
            try? self.errors.labels(type.rawValue, sqlClass).inc()
        }
        if elapsed >= self.slowThreshold {
            self.logger.warning(
                "slow query",
                metadata: [
                    "duration_ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
                    "query_type": "\(type.rawValue)",
                    "statement": "\(Self.loggableStatement(sql))",
                ]
            )
        }
    }

    /// `sql` without literals, cut to 100 characters (with `…` when cut).
    static func loggableStatement(_ sql: String) -> String {
        var result = ""
        var inQuote: Character?
        var previous: Character = " "
        for character in sql {
            if let quote = inQuote {
                if character == quote { inQuote = nil }
                continue
            }
            if character == "'" {
                inQuote = character
                result.append("?")
            } else if character.isNumber && !(previous.isLetter || previous == "_" || previous == "$" || previous.isNumber) {
                if result.last != "?" { result.append("?") }
                previous = "?"
                continue
            } else if character.isNumber && previous == "?" {
                continue
            } else if character.isWhitespace {
                if result.last != " " { result.append(" ") }
            } else {
                result.append(character)
            }
            previous = character
        }
        let trimmed = result.trimmingPrefix(" ")
        return trimmed.count > 100 ? String(trimmed.prefix(100)) + "…" : String(trimmed)
    }
}
