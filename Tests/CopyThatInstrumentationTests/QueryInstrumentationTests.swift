import Clients
import JSONLogging
import Logging
import NIOPosix
import PrometheusRegistry
import TestSupport
import Testing

@testable import CopyThatInstrumentation

/// Query instrumentation around the project's PostgreSQL client, against the real server.
@Suite struct QueryInstrumentationTests {
    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    @Test func queryTypesFailuresAndTheSlowQueryLog() async throws {
        let registry = PrometheusRegistry()
        let metrics = try CopyThatMetrics(registry: registry, version: "test", environment: "test")
        let logs = InMemoryLogSink()
        let logger = Logger(label: "db") { JSONLogHandler(label: $0, sink: logs, logLevel: .debug) }
        let instrumentation = try QueryInstrumentation(
            metrics: metrics,
            registry: registry,
            logger: logger,
            slowThreshold: .milliseconds(100)
        )
        let connection = try await PostgresConnection.connect(
            url: try ConnectionURL(try TestEnvironment.databaseURL()),
            timeout: .seconds(5),
            threadPool: Self.pool
        )
        func run(_ sql: String, _ parameters: [String?] = []) async throws -> [[String?]] {
            try await instrumentation.measure(sql: sql) { try await connection.query(sql, parameters, timeout: .seconds(5)) }
        }
        // Not measured: a fresh server's first statements load its catalogue and can pass the slow threshold.
        _ = try await connection.query("CREATE TEMP TABLE warm_up (id int)", [], timeout: .seconds(5))
        _ = try await run("CREATE TEMP TABLE notes (id int, body text)")
        _ = try await run("INSERT INTO notes VALUES ($1, $2)", ["1", "first"])
        _ = try await run("INSERT INTO notes VALUES ($1, $2)", ["2", "second"])
        _ = try await run("UPDATE notes SET body = $1 WHERE id = $2", ["changed", "1"])
        #expect(try await run("SELECT body FROM notes ORDER BY id") == [["changed"], ["second"]])
        _ = try await run("WITH gone AS (DELETE FROM notes WHERE id = 2 RETURNING id) SELECT count(*) FROM gone")
        _ = try await run("SELECT pg_sleep($1::float), $2::text", ["0.15", "secret-parameter-value"])
        await #expect(throws: PostgresError.self) { _ = try await run("SELECT 1 / 0") }
        await connection.close()

        let text = registry.renderString()
        #expect(text.contains(#"db_query_duration_seconds_count{query_type="INSERT"} 2"#))
        #expect(text.contains(#"db_query_duration_seconds_count{query_type="UPDATE"} 1"#))
        #expect(text.contains(#"db_query_duration_seconds_count{query_type="SELECT"} 4"#))
        #expect(text.contains(#"db_query_duration_seconds_count{query_type="OTHER"} 1"#))
        #expect(text.contains(#"db_query_errors_total{query_type="SELECT",sqlstate_class="22"} 1"#))
        // pg_sleep(0.15) lands above the 0.1 bucket.
        #expect(text.contains(#"db_query_duration_seconds_bucket{query_type="SELECT",le="0.1"} 3"#))

        // Only pg_sleep is slow by design; on a loaded machine another statement may pass 100 ms too.
        let slow = logs.lines.filter { $0.contains("\"message\":\"slow query\"") && $0.contains("pg_sleep") }
        #expect(slow.count == 1)
        #expect(slow.first?.contains("pg_sleep") == true)
        #expect(slow.first?.contains("\"level\":\"WARNING\"") == true)
        #expect(!logs.lines.joined().contains("secret-parameter-value"))
        #expect(!logs.lines.joined().contains("0.15::"))
    }
}
