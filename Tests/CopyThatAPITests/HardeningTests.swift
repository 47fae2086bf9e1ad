import Clients
import Foundation
import Hummingbird
import Testing

@testable import CopyThatAPI

/// Security headers, the error shape and CORS on every kind of answer.
@Suite struct HardeningTests {
    struct Boom: Error, CustomStringConvertible {
        var description: String { "connection to 10.0.0.7 failed: password=hunter2 at /srv/app/secret.swift:42" }
    }

    static func failingRoute(_ group: RouterGroup<APIRequestContext>) {
        group.get("/test/boom") { _, _ -> Response in throw Boom() }
    }

    static func expectSecurityHeaders(_ response: HTTPClientResponse, hsts: Bool = false, _ what: String) {
        #expect(response.header("X-Content-Type-Options") == "nosniff", "\(what)")
        #expect(response.header("X-Frame-Options") == "DENY", "\(what)")
        #expect(response.header("Referrer-Policy") == "strict-origin-when-cross-origin", "\(what)")
        #expect(response.header("Content-Security-Policy") == "default-src 'none'; frame-ancestors 'none'", "\(what)")
        #expect(response.header("X-XSS-Protection") == "0", "\(what)")
        #expect(response.header("X-Request-ID")?.isEmpty == false, "\(what)")
        #expect((response.header("Strict-Transport-Security") != nil) == hsts, "\(what)")
    }

    @Test func everyAnswerCarriesTheSecurityHeadersAndTheErrorShape() async throws {
        let configuration = try APIFixture.configuration { $0.rateLimitPerMinute = 3 }
        try await APIFixture.with(configuration, extraRoutes: Self.failingRoute) { api in
            Self.expectSecurityHeaders(try await api.request("GET", "/health/live"), "200")
            let notFound = try await api.request("GET", "/no/such/route")
            #expect(notFound.status == 404)
            Self.expectSecurityHeaders(notFound, "404")
            #expect(try notFound.object()["detail"] as? String == "Not Found")
            #expect(try notFound.object()["request_id"] as? String == notFound.header("X-Request-ID"))
            let invalid = try await api.json("POST", "/api/v1/auth/register", ["email": "x"])
            #expect(invalid.status == 422)
            Self.expectSecurityHeaders(invalid, "422")
            let crash = try await api.request("GET", "/api/v1/test/boom")
            #expect(crash.status == 500)
            Self.expectSecurityHeaders(crash, "500")
            let body = try crash.object()
            #expect(Set(body.keys) == ["detail", "request_id"])
            #expect(body["detail"] as? String == "An internal error occurred")
            #expect(!crash.text.contains("hunter2") && !crash.text.contains("10.0.0.7") && !crash.text.contains("secret.swift"))
            // The error itself is in the log, with the request id the client was given.
            let id = crash.header("X-Request-ID") ?? "?"
            let line = api.logs.lines.first { $0.contains("unhandled error") }
            #expect(line?.contains(id) == true)
            #expect(line?.contains("Boom") == true)
            #expect(line?.contains("hunter2") == false)  // the log handler masks what looks like a credential
            _ = try await api.request("GET", "/api/v1/projects")
            let limited = try await api.request("GET", "/api/v1/projects")
            #expect(limited.status == 429)
            Self.expectSecurityHeaders(limited, "429")
            #expect(limited.header("Retry-After") != nil)
        }
    }

    @Test func hstsOutsideLocalOnly() async throws {
        let production = try APIFixture.configuration { $0.environment = .production }
        try await APIFixture.with(production) { api in
            let response = try await api.request("GET", "/health/live")
            Self.expectSecurityHeaders(response, hsts: true, "production")
            #expect(response.header("Strict-Transport-Security") == "max-age=31536000; includeSubDomains")
            #expect(try await api.request("GET", "/nope").header("Strict-Transport-Security") != nil)
        }
    }

    @Test func corsAllowsListedOriginsOnlyAndNeverReflectsOrAcceptsNull() async throws {
        let configuration = try APIFixture.configuration { $0.corsOrigins = ["https://app.example.com"] }
        try await APIFixture.with(configuration) { api in
            let preflight: (String) async throws -> HTTPClientResponse = { origin in
                try await api.request(
                    "OPTIONS",
                    "/api/v1/projects",
                    headers: [
                        ("Origin", origin), ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "authorization"),
                    ]
                )
            }
            let allowed = try await preflight("https://app.example.com")
            #expect(allowed.status == 204)
            #expect(allowed.header("Access-Control-Allow-Origin") == "https://app.example.com")
            #expect(allowed.header("Access-Control-Allow-Methods") == "GET, POST, PUT, DELETE, PATCH")
            #expect(allowed.header("Access-Control-Allow-Headers") == "Authorization, Content-Type, X-Request-ID, X-API-Key")
            #expect(allowed.header("Access-Control-Allow-Credentials") == "true")
            #expect(allowed.header("Access-Control-Max-Age") == "600")
            #expect(allowed.header("X-RateLimit-Limit") == nil)  // preflights are not limited
            Self.expectSecurityHeaders(allowed, "preflight")
            for origin in ["https://evil.example.com", "null", "https://app.example.com.evil.com", "http://app.example.com"] {
                let refused = try await preflight(origin)
                #expect(refused.status == 403, "\(origin)")
                #expect(refused.header("Access-Control-Allow-Origin") == nil, "\(origin)")
            }
            let user = try await api.newUser()
            let fromApp = try await api.request("GET", "/api/v1/projects", headers: [user.bearer, ("Origin", "https://app.example.com")])
            #expect(fromApp.header("Access-Control-Allow-Origin") == "https://app.example.com")
            #expect(fromApp.header("Access-Control-Expose-Headers")?.contains("X-RateLimit-Remaining") == true)
            #expect(fromApp.header("Vary") == "Origin")
            let fromEvil = try await api.request("GET", "/api/v1/projects", headers: [user.bearer, ("Origin", "https://evil.example.com")])
            #expect(fromEvil.header("Access-Control-Allow-Origin") == nil)
            #expect(fromEvil.header("Access-Control-Allow-Credentials") == nil)
            // Errors from a listed origin are readable by it too.
            let error = try await api.request("GET", "/api/v1/projects/abc", headers: [user.bearer, ("Origin", "https://app.example.com")])
            #expect(error.status == 422)
            #expect(error.header("Access-Control-Allow-Origin") == "https://app.example.com")
        }
    }
}
