import Clients
import Foundation
import TestSupport
import Testing

@testable import CopyThatAPI

/// Rate limits in the real Redis, from outside: exact under concurrency, bursts, headers, login, proxies, outages.
@Suite struct RateLimitTests {
    @Test func ofAHundredConcurrentRequestsAgainstSixtyExactlySixtyPass() async throws {
        let configuration = try APIFixture.configuration { $0.rateLimitPerMinute = 60 }
        try await APIFixture.with(configuration) { api in
            let user = try await api.newUser()
            let responses = try await withThrowingTaskGroup(of: HTTPClientResponse.self) { group in
                for _ in 0..<100 {
                    group.addTask { try await api.request("GET", "/api/v1/auth/me", headers: [user.bearer]) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.filter { $0.status == 200 }.count == 60, "statuses: \(responses.map(\.status).sorted())")
            let limited = responses.filter { $0.status == 429 }
            #expect(limited.count == 40)
            for response in limited {
                #expect(response.header("X-RateLimit-Remaining") == "0")
                #expect(response.header("X-RateLimit-Limit") == "60")
                #expect(Int(response.header("Retry-After") ?? "") ?? 0 >= 1)
                #expect(try response.object()["detail"] as? String == "Rate limit exceeded (per minute)")
                #expect(response.header("X-Content-Type-Options") == "nosniff")
            }
            let hits = api.registry.renderString()
            #expect(hits.contains(#"rate_limit_hits_total{limit_type="minute"} 40"#))
            #expect(hits.contains(#"rate_limit_decisions_total{limit_type="minute+hour",decision="limited"} 40"#))
        }
    }

    @Test func aBurstOfElevenInOneSecondAgainstTenGetsOne429() async throws {
        let configuration = try APIFixture.configuration { $0.rateLimitPerMinute = 10 }
        try await APIFixture.with(configuration) { api in
            let token = try await Self.token(api)
            // All eleven at once: the seeds' limiter stores the second as the member, so a burst within one second
            // counts once and is never limited; here each request is its own member.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<11 {
                    group.addTask {
                        try await api.request("GET", "/api/v1/auth/me", headers: [("Authorization", "Bearer \(token)")]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }.sorted()
            #expect(statuses == Array(repeating: 200, count: 10) + [429])
        }
    }

    @Test func aDoubledOrTrailingSlashReachesTheSameRouteAndTheSameLimits() async throws {
        let configuration = try APIFixture.configuration { $0.rateLimitPerMinute = 5 }
        try await APIFixture.with(configuration) { api in
            let token = try await Self.token(api)
            let bearer = ("Authorization", "Bearer \(token)")
            // The router does not decode percent-escapes in paths: an escaped letter is another path, not a way round.
            let escaped = try await api.request("GET", "/api/v1/auth/%6De", headers: [bearer])
            #expect(escaped.status == 404)
            #expect(escaped.header("X-RateLimit-Remaining") == "4")
            // The router drops empty path components; the credentials and the limits are read for these paths too
            // (they were skipped for `//api/v1/…`, which reached the route unlimited and unauthenticated).
            var remaining: [String?] = []
            for path in ["/api/v1/auth/me", "//api/v1/auth/me", "/api/v1//auth/me/", "/api/v1/auth/me"] {
                let response = try await api.request("GET", path, headers: [bearer])
                #expect(response.status == 200, "\(path): \(response.text)")
                remaining.append(response.header("X-RateLimit-Remaining"))
            }
            #expect(remaining == ["3", "2", "1", "0"])
            #expect(try await api.request("GET", "//api/v1/auth/me", headers: [bearer]).status == 429)
        }
    }

    @Test func everyAPIResponseCarriesTheWindowWithTheLeastRemaining() async throws {
        let configuration = try APIFixture.configuration {
            $0.rateLimitPerMinute = 50
            $0.rateLimitPerHour = 20
        }
        try await APIFixture.with(configuration) { api in
            let token = try await Self.token(api)
            let bearer = ("Authorization", "Bearer \(token)")
            let first = try await api.request("GET", "/api/v1/auth/me", headers: [bearer])
            #expect(first.header("X-RateLimit-Limit") == "20")  // the hour's 19 left is less than the minute's 49
            #expect(first.header("X-RateLimit-Remaining") == "19")
            let reset = Int(first.header("X-RateLimit-Reset") ?? "") ?? 0
            let now = Int(Date().timeIntervalSince1970)
            #expect(reset >= now + 3590 && reset <= now + 3602)
            // Errors carry them too: 404 under /api/v1, 422.
            for (path, status) in [("/api/v1/nothing-here", 404), ("/api/v1/projects/abc", 422)] {
                let response = try await api.request("GET", path, headers: [bearer])
                #expect(response.status == status)
                #expect(response.header("X-RateLimit-Limit") == "20", "\(path)")
            }
            #expect(try await api.request("GET", "/api/v1/auth/me", headers: [bearer]).header("X-RateLimit-Remaining") == "16")
            // Health, metrics and the document are not limited and carry no rate-limit headers.
            for path in ["/health/live", "/health/ready", "/metrics", "/openapi.json"] {
                #expect(try await api.request("GET", path).header("X-RateLimit-Limit") == nil, "\(path)")
            }
        }
        let minute = try APIFixture.configuration { $0.rateLimitPerMinute = 7 }
        try await APIFixture.with(minute) { api in
            let token = try await Self.token(api)
            let response = try await api.request("GET", "/api/v1/auth/me", headers: [("Authorization", "Bearer \(token)")])
            #expect(response.header("X-RateLimit-Limit") == "7")
            #expect(response.header("X-RateLimit-Remaining") == "6")
            let reset = Int(response.header("X-RateLimit-Reset") ?? "") ?? 0
            let now = Int(Date().timeIntervalSince1970)
            #expect(reset >= now + 55 && reset <= now + 62)
        }
    }

    @Test func loginHasItsOwnLimitPerAccountAndAddress() async throws {
        let configuration = try APIFixture.configuration { $0.loginRateLimit = 3 }
        try await APIFixture.with(configuration) { api in
            let user = try await api.newUser()  // one attempt used
            #expect(try await api.login(user.email, "wrong password one").status == 401)
            #expect(try await api.login(user.email, "wrong password two").status == 401)
            let blocked = try await api.login(user.email, user.password)
            #expect(blocked.status == 429)
            #expect(blocked.header("Retry-After") != nil)
            #expect(try blocked.object()["detail"] as? String == "Too many login attempts; try again later")
            let other = try await api.newUser()
            #expect(try await api.login(other.email, other.password).status == 200)
            #expect(api.registry.renderString().contains(#"rate_limit_hits_total{limit_type="login"} 1"#))
        }
    }

    @Test func forwardedForIsBelievedOnlyFromTrustedProxiesAndReadFromTheRight() async throws {
        let trusted = try APIFixture.configuration {
            $0.rateLimitPerMinute = 2
            $0.trustedProxies = [IPNetwork("127.0.0.0/8")!]
        }
        try await APIFixture.with(trusted) { api in
            var statuses: [Int] = []
            for forwarded in [
                "203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.2",
                "198.51.100.1, 203.0.113.7", "198.51.100.2, 203.0.113.7", "198.51.100.3, 203.0.113.7",
            ] {
                statuses.append(try await api.request("GET", "/api/v1/projects", headers: [("X-Forwarded-For", forwarded)]).status)
            }
            // 203.0.113.2 is another client behind the proxy; what a client writes left of the proxy's entry does
            // not pick its bucket (the last three share 203.0.113.7's).
            #expect(statuses == [401, 401, 429, 401, 401, 401, 429])
        }
        let untrusted = try APIFixture.configuration { $0.rateLimitPerMinute = 2 }
        try await APIFixture.with(untrusted) { api in
            var statuses: [Int] = []
            for index in 1...3 {
                statuses.append(
                    try await api.request("GET", "/api/v1/projects", headers: [("X-Forwarded-For", "203.0.113.\(index)")]).status
                )
            }
            #expect(statuses == [401, 401, 429])  // spoofed headers share the peer's bucket
        }
    }

    @Test func withRedisDownGeneralLimitsFailOpenLoginFailsClosedAndReadinessIsDegraded() async throws {
        let deadPort = refusedPort()
        let configuration = try APIFixture.configuration { $0.redisURL = try! ConnectionURL("redis://127.0.0.1:\(deadPort)/0") }
        try await APIFixture.with(configuration) { api in
            let token = try await Self.token(api)
            let start = ContinuousClock.now
            let me = try await api.request("GET", "/api/v1/auth/me", headers: [("Authorization", "Bearer \(token)")])
            #expect(me.status == 200)
            #expect(me.header("X-RateLimit-Limit") == nil)
            #expect(ContinuousClock.now - start < .seconds(2))
            let login = try await api.login("someone@example.com", "some password here")
            #expect(login.status == 503)
            #expect(try login.object()["request_id"] is String)
            let ready = try await api.request("GET", "/health/ready")
            #expect(ready.status == 200)
            #expect(try ready.object()["status"] as? String == "degraded")
            let metrics = api.registry.renderString()
            #expect(metrics.contains(#"rate_limit_decisions_total{limit_type="minute+hour",decision="fail_open"}"#))
            #expect(metrics.contains(#"rate_limit_decisions_total{limit_type="login",decision="fail_closed"} 1"#))
        }
    }

    @Test func aRedisThatAcceptsAndNeverAnswersDelaysNoRequestBeyondItsTimeout() async throws {
        let hung = BlackholeListener()
        let configuration = try APIFixture.configuration { $0.redisURL = try! ConnectionURL("redis://127.0.0.1:\(hung.port)/0") }
        try await APIFixture.with(configuration) { api in
            let token = try await Self.token(api)
            for _ in 0..<3 {
                let start = ContinuousClock.now
                let me = try await api.request("GET", "/api/v1/auth/me", headers: [("Authorization", "Bearer \(token)")])
                #expect(me.status == 200)
                #expect(ContinuousClock.now - start < .seconds(2))  // hiredis's connect timeout is 0.5 s
            }
            let start = ContinuousClock.now
            #expect(try await api.login("someone@example.com", "some password here").status == 503)
            #expect(ContinuousClock.now - start < .seconds(2))
        }
    }

    /// An access token made directly (no login, which needs the limiter).
    static func token(_ api: APIFixture) async throws -> String {
        let email = "direct-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let hash = try await api.api.services.passwords.hash("a long enough password")
        let user = try await api.api.services.users.create(email: email, passwordHash: hash, fullName: nil)
        let family = UUID().uuidString.lowercased()
        let refresh = try await api.api.services.tokens.issue(.refresh, userID: user.id, email: email, roles: user.roles, family: family)
        try await api.api.services.refreshTokens.startFamily(userID: user.id, family: family, jti: refresh.id, expiresAt: refresh.expiresAt)
        return try await api.api.services.tokens.issue(.access, userID: user.id, email: email, roles: user.roles, family: family).token
    }
}
