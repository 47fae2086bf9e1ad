import Clients
import Foundation
import TestSupport
import Testing

@testable import CopyThatAPI

/// What the API tells its operators: no secret anywhere, the catalogue by route template, audit rows and lines,
/// readiness, liveness under login load, and an OpenAPI document that matches the routes.
@Suite struct ObservabilityTests {
    @Test func noPasswordTokenOrKeyReachesALogLineAnErrorBodyOrTheMetrics() async throws {
        try await APIFixture.with { api in
            let password = "Sup3r-Secret-Passphrase!"
            let user = try await api.newUser(password: password)
            var bodies: [String] = []
            bodies.append(try await api.login(user.email, "Wrong-\(password)").text)
            let key = try await api.json("POST", "/api/v1/auth/api-keys", ["name": "deploy", "scopes": ["read"]], headers: [user.bearer])
            let apiKey = try key.object()["key"] as? String ?? ""
            bodies.append(try await api.request("GET", "/api/v1/projects", headers: [("X-API-Key", apiKey)]).text)
            bodies.append(try await api.request("GET", "/api/v1/projects", headers: [("X-API-Key", apiKey + "x")]).text)
            bodies.append(try await api.request("GET", "/api/v1/nope?token=\(user.accessToken)", headers: [user.bearer]).text)
            let refreshed = try await api.json("POST", "/api/v1/auth/refresh", ["refresh_token": user.refreshToken])
            let newRefresh = try refreshed.object()["refresh_token"] as? String ?? ""
            bodies.append(try await api.json("POST", "/api/v1/auth/refresh", ["refresh_token": user.refreshToken]).text)
            bodies.append(try await api.json("POST", "/api/v1/auth/register", ["email": user.email, "password": password]).text)
            bodies.append(try await api.request("GET", "/api/v1/auth/me", headers: [("Authorization", "Bearer \(user.refreshToken)")]).text)
            let metrics = try await api.request("GET", "/metrics").text
            let secretKey = String(decoding: api.configuration.secretKey, as: UTF8.self)
            let secrets = [password, user.accessToken, user.refreshToken, newRefresh, apiKey, String(apiKey.dropFirst(13)), secretKey]
            let lines = api.logs.lines
            #expect(lines.count > 10)
            #expect(lines.contains { $0.contains("AUTH_FAILURE") })
            for secret in secrets {
                #expect(!lines.contains { $0.contains(secret) }, "a log line holds \(secret.prefix(6))…")
                #expect(!bodies.contains { $0.contains(secret) }, "an error body holds \(secret.prefix(6))…")
                #expect(!metrics.contains(secret))
            }
            let rows = try await api.sql(
                "SELECT string_agg(row_to_json(a)::text, ' ') FROM audit_logs a WHERE user_id = $1 OR details->>'email' = $2",
                [user.id, user.email]
            )
            let audit = rows.first?.first.flatMap { $0 } ?? ""
            #expect(!audit.isEmpty)
            for secret in secrets { #expect(!audit.contains(secret)) }
        }
    }

    @Test func auditEventsAreRowsAndLinesWithUserResourceAddressAndRequestID() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            _ = try await api.login(user.email, "not the password at all")
            let created = try await api.json("POST", "/api/v1/projects", ["name": "Audited"], headers: [user.bearer])
            let projectID = String(try created.object()["id"] as? Int ?? 0)
            let requestID = created.header("X-Request-ID") ?? "?"
            _ = try await api.json("PATCH", "/api/v1/projects/\(projectID)", ["name": "Audited again"], headers: [user.bearer])
            let key = try await api.json("POST", "/api/v1/auth/api-keys", ["name": "audit", "scopes": ["read"]], headers: [user.bearer])
                .object()
            _ = try await api.request("DELETE", "/api/v1/auth/api-keys/\(key["id"] as? String ?? "")", headers: [user.bearer])
            _ = try await api.request("DELETE", "/api/v1/projects/\(projectID)", headers: [user.bearer])
            let rows = try await api.sql(
                "SELECT action, resource_type, resource_id, ip_address, request_id FROM audit_logs WHERE user_id = $1 ORDER BY id",
                [user.id]
            )
            let actions = rows.compactMap { $0[0] }
            #expect(
                actions == [
                    "USER_REGISTERED", "AUTH_SUCCESS", "PROJECT_CREATED", "PROJECT_UPDATED", "API_KEY_CREATED", "API_KEY_REVOKED",
                    "PROJECT_DELETED",
                ]
            )
            #expect(rows.allSatisfy { $0[3] == "127.0.0.1" && $0[4] != nil })
            let creation = rows.first { $0[0] == "PROJECT_CREATED" }
            #expect(creation?[2] == projectID)
            #expect(creation?[4] == requestID)
            let failure = try await api.sql(
                "SELECT details->>'email' FROM audit_logs WHERE action = 'AUTH_FAILURE' AND details->>'email' = $1",
                [user.email]
            )
            #expect(failure.count == 1)
            let line = api.logs.lines.first { $0.contains("PROJECT_CREATED") }
            #expect(line?.contains(#""logger":"audit""#) == true)
            #expect(line?.contains(requestID) == true)
            #expect(line?.contains(user.id) == true)
        }
    }

    @Test func metricsUseRouteTemplatesAndCountQueries() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let project = try await api.json("POST", "/api/v1/projects", ["name": "Metered"], headers: [user.bearer]).object()
            let id = project["id"] as? Int ?? 0
            _ = try await api.request("GET", "/api/v1/projects/\(id)", headers: [user.bearer])
            _ = try await api.request("GET", "/api/v1/projects/\(id + 100_000)", headers: [user.bearer])
            _ = try await api.request("GET", "/random/\(UUID().uuidString)")
            let text = try await api.request("GET", "/metrics").text
            #expect(text.contains(#"http_requests_total{method="GET",endpoint="/api/v1/projects/{id}",status="200"} 1"#))
            #expect(text.contains(#"http_requests_total{method="GET",endpoint="/api/v1/projects/{id}",status="404"} 1"#))
            #expect(!text.contains("/api/v1/projects/\(id)\""))
            #expect(!text.contains("/random/"))
            #expect(text.contains(#"db_query_duration_seconds_count{query_type="SELECT"}"#))
            #expect(text.contains(#"db_query_duration_seconds_count{query_type="INSERT"}"#))
            #expect(text.contains(#"db_pool_connections{state="idle"}"#))
            #expect(text.contains(#"copythat_info{version="1.0.0",environment="local"} 1"#))
            #expect(text.contains("process_resident_memory_bytes"))
            #expect(text.contains(#"rate_limit_decisions_total{limit_type="minute+hour",decision="allowed"}"#))
        }
    }

    @Test func metricsNeedTheTokenWhenOneIsSet() async throws {
        let configuration = try APIFixture.configuration { $0.metricsToken = "scrape-token-123" }
        try await APIFixture.with(configuration) { (api: APIFixture) async throws in
            #expect(try await api.request("GET", "/metrics").status == 401)
            #expect(try await api.request("GET", "/metrics", headers: [("Authorization", "Bearer scrape-token-12")]).status == 401)
            #expect(try await api.request("GET", "/metrics", headers: [("Authorization", "Bearer scrape-token-123")]).status == 200)
            #expect(try await api.request("GET", "/health/ready").status == 200)
        }
    }

    @Test func readinessIs503WithoutPostgreSQLAndLivenessStays200() async throws {
        let configuration = try APIFixture.configuration {
            $0.databaseURL = try! ConnectionURL("postgres://copythat:x@127.0.0.1:\(refusedPort())/copythat")
        }
        let fixture = try await APIFixture.start(configuration, migrate: false)
        do {
            let ready = try await fixture.request("GET", "/health/ready")
            #expect(ready.status == 503)
            #expect(try ready.object()["status"] as? String == "unhealthy")
            #expect(try await fixture.request("GET", "/health/live").status == 200)
            let register = try await fixture.json(
                "POST",
                "/api/v1/auth/register",
                ["email": "a@example.com", "password": "long enough password"]
            )
            #expect(register.status == 503)
            #expect(try register.object()["detail"] as? String == "Database unavailable, try again shortly")
            await fixture.stop()
        } catch {
            await fixture.stop()
            throw error
        }
    }

    /// bcrypt on an event loop or the cooperative pool would hold it for the whole hash; on its own pool it does not.
    @Test func livenessAnswersWithinHalfASecondWhileTwentyLoginsHash() async throws {
        let configuration = try APIFixture.configuration { $0.bcryptCost = 12 }
        try await APIFixture.with(configuration) { api in
            let user = try await api.newUser()
            let start = ContinuousClock.now
            let logins = Task {
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<20 { group.addTask { try await api.login(user.email, user.password).status } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            var slowest = Duration.zero
            var probes = 0
            try await Task.sleep(for: .milliseconds(100))
            while probes < 10 {
                let before = ContinuousClock.now
                #expect(try await api.request("GET", "/health/live", timeout: .seconds(5)).status == 200)
                slowest = max(slowest, ContinuousClock.now - before)
                probes += 1
                try await Task.sleep(for: .milliseconds(50))
            }
            let statuses = try await logins.value
            let elapsed = ContinuousClock.now - start
            #expect(statuses == Array(repeating: 200, count: 20))
            #expect(slowest < .milliseconds(500), "slowest /health/live \(slowest)")
            #expect(elapsed > .seconds(1), "20 bcrypt-12 logins took only \(elapsed): the test would not notice blocking")
        }
    }

    @Test func theServedDocumentIsTheRepositorysAndListsEveryRoute() async throws {
        try await APIFixture.with { api in
            let served = try await api.request("GET", "/openapi.json")
            #expect(served.status == 200)
            let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("docs/openapi.json")
            let file = try String(contentsOf: path, encoding: .utf8)
            #expect(served.text == file.trimmingCharacters(in: .newlines))
            let document = try served.object()
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = document["paths"] as? [String: [String: Any]] ?? [:]
            var documented: [String] = []
            for (path, operations) in paths {
                for method in operations.keys { documented.append("\(method.uppercased()) \(path)") }
            }
            #expect(documented.sorted() == api.api.routes.routes)
        }
    }
}
