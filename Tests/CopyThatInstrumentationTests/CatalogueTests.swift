import Foundation
import JSONLogging
import Logging
import PrometheusRegistry
import TestSupport
import Testing

@testable import CopyThatInstrumentation

@Suite struct CatalogueTests {
    @Test func theSeedsMetricsHaveTheirExactNamesTypesLabelsAndBuckets() async throws {
        let registry = PrometheusRegistry()
        let metrics = try CopyThatMetrics(registry: registry, version: "1.0.0", environment: "")
        try metrics.httpRequests.labels("GET", "/health", "200").inc()
        try metrics.httpRequestDuration.labels("GET", "/health").observe(0.02)
        try metrics.dbQueryDuration.labels("SELECT").observe(0.002)
        try metrics.dbPoolConnections.labels("idle").set(20)
        try metrics.aiExtractions.labels("gpt-4o", "success").inc()
        try metrics.aiExtractionDuration.labels("gpt-4o").observe(1.2)
        try metrics.aiTokens.labels("gpt-4o", "input").inc(by: 10)
        try metrics.aiCost.labels("gpt-4o").inc(by: 0.5)
        metrics.record(.hit)
        metrics.record(.miss)
        metrics.record(.set)
        metrics.record(.delete)
        metrics.record(.error(operation: "get"))
        metrics.recordRateLimitHit("per_user")
        let text = registry.renderString()
        for line in [
            "# TYPE http_requests_total counter", "# TYPE http_request_duration_seconds histogram",
            "# TYPE db_query_duration_seconds histogram",
            "# TYPE db_pool_connections gauge", "# TYPE ai_extraction_total counter", "# TYPE ai_extraction_duration_seconds histogram",
            "# TYPE ai_tokens_used_total counter", "# TYPE ai_cost_usd_total counter", "# TYPE cache_operations_total counter",
            "# TYPE rate_limit_hits_total counter", #"copythat_info{version="1.0.0",environment="local"} 1"#,
            #"http_request_duration_seconds_bucket{method="GET",endpoint="/health",le="0.01"} 0"#,
            #"http_request_duration_seconds_bucket{method="GET",endpoint="/health",le="0.05"} 1"#,
            #"db_query_duration_seconds_bucket{query_type="SELECT",le="0.001"} 0"#,
            #"db_query_duration_seconds_bucket{query_type="SELECT",le="0.005"} 1"#,
            #"cache_operations_total{operation="get",result="hit"} 1"#, #"cache_operations_total{operation="get",result="miss"} 1"#,
            #"cache_operations_total{operation="set",result="success"} 1"#,
            #"cache_operations_total{operation="delete",result="success"} 1"#,
            #"cache_operations_total{operation="get",result="error"} 1"#, #"rate_limit_hits_total{limit_type="per_user"} 1"#,
        ] {
            #expect(text.contains(line), "missing \(line)")
        }
        let bucketLines = text.split(separator: "\n").filter { $0.hasPrefix("http_request_duration_seconds_bucket") }
        #expect(bucketLines.count == 10)  // nine bounds and +Inf
        let output = try await ExternalTool.run("promtool", ["check", "metrics"], input: Data(registry.render()))
        #expect(output.status == 0, "\(output.standardOutput)\(output.standardError)")
    }
}

@Suite struct QueryTypeTests {
    @Test(arguments: [
        ("SELECT 1", QueryType.select),
        ("  select * from projects", .select),
        ("-- leading comment\nINSERT INTO t VALUES (1)", .insert),
        ("/* hint */ UPDATE t SET a = 1", .update),
        ("delete from t", .delete),
        ("WITH recent AS (SELECT * FROM t) DELETE FROM t WHERE id IN (SELECT id FROM recent)", .delete),
        ("WITH a AS (SELECT 1), b AS (SELECT 2) SELECT * FROM a, b", .select),
        ("WITH moved AS (DELETE FROM a RETURNING *) INSERT INTO b SELECT * FROM moved", .insert),
        ("BEGIN", .transaction), ("COMMIT", .transaction), ("ROLLBACK", .transaction), ("START TRANSACTION", .transaction),
        ("SAVEPOINT s1", .transaction),
        ("(SELECT 1) UNION (SELECT 2)", .select),
        ("VACUUM", .other), ("CREATE TABLE t (a int)", .other), ("", .other), ("'select'", .other),
    ])
    func classification(sql: String, expected: QueryType) {
        #expect(QueryType(sql: sql) == expected)
    }

    @Test func loggedStatementsLoseTheirLiteralsAndAreCut() {
        #expect(
            QueryInstrumentation.loggableStatement("SELECT * FROM users WHERE email = 'who@example.com' AND id = 42 AND t2.x = $1")
                == "SELECT * FROM users WHERE email = ? AND id = ? AND t2.x = $1"
        )
        let long = "SELECT " + String(repeating: "column_name, ", count: 20) + "x FROM t"
        let logged = QueryInstrumentation.loggableStatement(long)
        #expect(logged.count == 101)
        #expect(logged.hasSuffix("…"))
        #expect(QueryInstrumentation.loggableStatement("SELECT\n   a,\n\tb") == "SELECT a, b")
    }
}
