import Clients
import CompressNIO
import Foundation
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import CopyThatExporter
@testable import ExporterConfig

/// The endpoints of an in-process exporter probing the real loopback servers and a stub AI endpoint.
@Suite struct EndpointTests {
    @Test func readinessFollowsTheLastRoundAndNeverLeaksSecrets() async throws {
        let stub = StubHTTPServer()
        let port = try await stub.start()
        defer { stub.stop() }
        let configuration = try ExporterFixture.configuration(stubPort: port)
        let fixture = try ExporterFixture(configuration)
        try await fixture.app.test(.router) { client async throws in
            // Not ready until the first round has finished.
            do {
                let response = try await client.execute(uri: "/health/ready", method: .get)
                #expect(response.status == .serviceUnavailable)
                #expect(try jsonObject(response.body)["status"] as? String == "unhealthy")
            }
            #expect(try await client.execute(uri: "/health/live", method: .get).status == .ok)
            do {
                let response = try await client.execute(uri: "/health", method: .get)
                #expect(try jsonObject(response.body)["status"] as? String == "healthy")
            }

            let outcomes = await fixture.runtime.scheduler.runRound()
            let allPassed = outcomes.values.allSatisfy { $0.success }
            #expect(allPassed, "\(outcomes)")
            let received = stub.receivedHeaders
            #expect(received.contains { $0["authorization"] == "Bearer sk-openai-test-secret-0123456789" })
            #expect(received.contains { $0["x-api-key"] == "sk-ant-test-secret-0123456789" && $0["anthropic-version"] == "2023-06-01" })
            do {
                let response = try await client.execute(uri: "/health/ready", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let body = try jsonObject(response.body)
                #expect(body["status"] as? String == "healthy")
                let checks = try #require(body["checks"] as? [String: [String: Any]])
                #expect(Set(checks.keys) == ["database", "redis", "anthropic", "openai"])
                let allHealthy = checks.values.allSatisfy { $0["status"] as? String == "healthy" }
                #expect(allHealthy)
                #expect(checks["database"]?["critical"] as? Bool == true)
                #expect(checks["anthropic"]?["critical"] as? Bool == false)
            }

            // A non-critical failure degrades but keeps the pod ready.
            stub.respond(status: 500)
            await fixture.runtime.scheduler.runRound()
            do {
                let response = try await client.execute(uri: "/health/ready?verbose", method: .get)
                #expect(response.status == .ok)
                let body = try jsonObject(response.body)
                #expect(body["status"] as? String == "degraded")
                let checks = try #require(body["checks"] as? [String: [String: Any]])
                #expect(checks["openai"]?["status"] as? String == "unhealthy")
                #expect((checks["openai"]?["error"] as? String)?.contains("unexpected status 500") == true)
                #expect(checks["database"]?["latency_ms"] is Double)
                #expect(checks["database"]?["last_success"] is String)
                #expect(checks["openai"]?["consecutive_failures"] as? Int == 1)
                #expect((checks["database"]?["details"] as? [String: String])?["server_version"] != nil)
            }

            var everything = String(decoding: fixture.logs.rawLines.joined(), as: UTF8.self)
            for uri in ["/health/ready", "/health/ready?verbose", "/metrics"] {
                everything += String(buffer: try await client.execute(uri: uri, method: .get).body)
            }
            for secret in ExporterFixture.secrets(of: configuration) {
                #expect(!everything.contains(secret), "a secret leaked")
            }
        }
    }

    @Test func probeMetricsCarryEveryDependency() async throws {
        let stub = StubHTTPServer()
        let port = try await stub.start()
        defer { stub.stop() }
        stub.respond(status: 503)
        let fixture = try ExporterFixture(try ExporterFixture.configuration(stubPort: port))
        await fixture.runtime.scheduler.runRound()
        try await fixture.app.test(.router) { client async throws in
            do {
                let response = try await client.execute(uri: "/metrics", method: .get)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let text = String(buffer: response.body)
                for line in [
                    #"probe_success{dependency="database",type="postgres"} 1"#,
                    #"probe_success{dependency="redis",type="redis"} 1"#,
                    #"probe_success{dependency="anthropic",type="http"} 0"#,
                    #"probe_http_status_code{dependency="anthropic"} 503"#,
                    #"copythat_exporter_build_info{version="0.1.0""#,
                    "process_resident_memory_bytes ",
                    #"probe_timeout_seconds{dependency="database",type="postgres"} 2"#,
                ] {
                    #expect(text.contains(line), "missing \(line)")
                }
                #expect(text.contains("probe_duration_seconds{dependency=\"database\",type=\"postgres\"} 0."))
            }
            // The exporter counts its own requests by route template.
            do {
                let response = try await client.execute(uri: "/metrics", method: .get)
                #expect(
                    String(buffer: response.body).contains(
                        #"copythat_exporter_http_requests_total{method="GET",endpoint="/metrics",status="200"} 1"#
                    )
                )
            }
        }
    }

    @Test func metricsNegotiateOpenMetricsAndGzip() async throws {
        let fixture = try ExporterFixture(ExporterConfiguration())
        try await fixture.app.test(.router) { client async throws in
            do {
                let response = try await client.execute(
                    uri: "/metrics",
                    method: .get,
                    headers: [.accept: "application/openmetrics-text;version=1.0.0"]
                )
                #expect(response.headers[.contentType] == "application/openmetrics-text; version=1.0.0; charset=utf-8")
                #expect(String(buffer: response.body).hasSuffix("# EOF\n"))
            }
            do {
                let response = try await client.execute(uri: "/metrics", method: .get, headers: [.acceptEncoding: "gzip, deflate"])
                #expect(response.headers[.contentEncoding] == "gzip")
                var body = response.body
                let plain = try body.decompress(with: .gzip())
                #expect(String(buffer: plain).contains("# TYPE process_cpu_seconds_total counter"))
            }
            do {
                let response = try await client.execute(uri: "/metrics", method: .get, headers: [.acceptEncoding: "gzip;q=0"])
                #expect(response.headers[.contentEncoding] == nil)
            }
        }
    }

    @Test func metricsCanRequireABearerTokenWhileHealthStaysOpen() async throws {
        var configuration = ExporterConfiguration()
        configuration.metricsAuth = .bearer(token: "scrape-token-123")
        let fixture = try ExporterFixture(configuration)
        try await fixture.app.test(.router) { client async throws in
            do {
                let response = try await client.execute(uri: "/metrics", method: .get)
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="metrics""#)
                #expect(!String(buffer: response.body).contains("process_"))
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer wrong-token-123"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer scrape-token-123"]) {
                #expect($0.status == .ok)
            }
            #expect(try await client.execute(uri: "/health/live", method: .get).status == .ok)
            await fixture.runtime.scheduler.runRound()
            #expect(try await client.execute(uri: "/health/ready", method: .get).status == .ok)
        }
    }

    @Test func basicAuth() async throws {
        var configuration = ExporterConfiguration()
        configuration.metricsAuth = .basic(username: "prometheus", password: "pw-123")
        let fixture = try ExporterFixture(configuration)
        try await fixture.app.test(.router) { client async throws in
            let good = "Basic " + Data("prometheus:pw-123".utf8).base64EncodedString()
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: good]).status == .ok)
            let bad = "Basic " + Data("prometheus:nope".utf8).base64EncodedString()
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: bad]).status == .unauthorized)
        }
    }

    @Test func aHungCriticalDependencyFailsAtItsTimeoutAndReadinessAnswersAtOnce() async throws {
        let blackhole = BlackholeListener()
        var configuration = ExporterConfiguration()
        configuration.dependencies = [
            .init(
                name: "database",
                kind: .postgres,
                url: "postgres://copythat:pw@127.0.0.1:\(blackhole.port)/copythat",
                critical: true,
                timeout: .milliseconds(600)
            ),
            .init(name: "redis", kind: .redis, url: try TestEnvironment.redisURL(), critical: true),
        ]
        let fixture = try ExporterFixture(configuration)
        try await fixture.app.test(.router) { client async throws in
            let round = Task { await fixture.runtime.scheduler.runRound() }
            // While the database probe hangs (for 4 s), readiness answers from the cached state: every answer comes
            // back long before the probe's deadline, and the handler's own work stays in the lowest buckets.
            try await Task.sleep(for: .milliseconds(100))
            let roundStart = ContinuousClock.now
            for _ in 0..<20 {
                let start = ContinuousClock.now
                #expect(try await client.execute(uri: "/health/ready", method: .get).status == .serviceUnavailable)
                #expect(ContinuousClock.now - start < .seconds(1))
            }
            #expect(ContinuousClock.now - roundStart < .seconds(3))
            let outcomes = await round.value
            let elapsed = ContinuousClock.now - roundStart
            #expect(outcomes["database"]?.success == false)
            #expect(outcomes["database"]?.error?.contains("timeout") == true, "\(String(describing: outcomes["database"]))")
            #expect(outcomes["redis"]?.success == true)
            #expect(elapsed < .seconds(5), "the round took \(elapsed): the probe outlived its deadline")
            do {
                let response = try await client.execute(uri: "/health/ready", method: .get)
                #expect(response.status == .serviceUnavailable)
                #expect(try jsonObject(response.body)["status"] as? String == "unhealthy")
            }
            do {
                let response = try await client.execute(uri: "/metrics", method: .get)
                let text = String(buffer: response.body)
                #expect(text.contains(#"probe_success{dependency="database",type="postgres"} 0"#))
                // All 21 readiness answers took under 10 ms of handler time.
                #expect(
                    text.contains(
                        #"copythat_exporter_http_request_duration_seconds_bucket{method="GET",endpoint="/health/ready",le="0.01"} 21"#
                    )
                )
            }
        }
        #expect(fixture.logs.lines.contains { $0.contains("dependency unhealthy") && $0.contains("database") })
        withExtendedLifetime(blackhole) {}
    }
}
