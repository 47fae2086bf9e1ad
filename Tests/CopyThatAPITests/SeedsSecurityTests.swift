import Foundation
import Hummingbird
import Testing

@testable import CopyThatAPI

/// The seeds' security test cases (with the contract's corrections), and the bounds not covered elsewhere.
@Suite struct SeedsSecurityTests {
    @Test func sqlInjectionReachesNoStatement() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let injection = "'; DROP TABLE projects; --"
            let listed = try await api.request("GET", "/api/v1/projects?name=\(APIFixture.formEscape(injection))", headers: [user.bearer])
            #expect(listed.status == 200)
            let created = try await api.json(
                "POST",
                "/api/v1/projects",
                ["name": "Safe", "description": injection],
                headers: [user.bearer]
            )
            #expect(created.status == 201)
            #expect(try created.object()["description"] as? String == injection)  // stored as text, bound as a parameter
            #expect(try await api.login("' OR '1'='1' --", "' OR '1'='1' --").status == 401)
            #expect(try await api.request("GET", "/api/v1/projects/1%20OR%201=1", headers: [user.bearer]).status == 422)
            #expect(try await api.sql("SELECT count(*) FROM projects WHERE owner_id = $1::uuid", [user.id]).first?.first == "1")
        }
    }

    @Test func adminRoutesAreForbiddenToOthersWithTheSeedsMessage() async throws {
        let adminOnly: @Sendable (RouterGroup<APIRequestContext>) -> Void = { group in
            group.get("/test/admin") { request, context -> Response in
                _ = try await context.requireRole("admin", for: request)
                return Response(status: .ok)
            }
        }
        try await APIFixture.with(extraRoutes: adminOnly) { api in
            let user = try await api.newUser()
            let refused = try await api.request("GET", "/api/v1/test/admin", headers: [user.bearer])
            #expect(refused.status == 403)
            #expect(try refused.object()["detail"] as? String == "Requires one of: admin")
            // Roles are read from the database on each request, not from the token: the same token works once the
            // account is promoted.
            _ = try await api.api.createAdmin(email: user.email, password: user.password)
            #expect(try await api.request("GET", "/api/v1/test/admin", headers: [user.bearer]).status == 200)
            #expect(try await api.request("GET", "/api/v1/test/admin").status == 401)
        }
    }

    @Test func theRemainingBoundsHoldOnePastEach() async throws {
        try await APIFixture.with { api in
            let local = UUID().uuidString.prefix(8).lowercased() + String(repeating: "e", count: 56)  // unique per run
            let domain =
                String(repeating: "d", count: 63) + "." + String(repeating: "d", count: 63) + "." + String(repeating: "d", count: 57)
                + ".com"
            let email254 = local + "@" + domain  // 64 + 1 + 189 = 254
            #expect(email254.count == 254)
            #expect(try await api.json("POST", "/api/v1/auth/register", ["email": email254, "password": "twelve chars"]).status == 201)
            #expect(
                try await api.json("POST", "/api/v1/auth/register", ["email": "x" + email254, "password": "twelve chars"]).status == 422
            )
            let name = String(repeating: "f", count: 255)
            #expect(
                try await api.json(
                    "POST",
                    "/api/v1/auth/register",
                    ["email": "n\(UUID().uuidString)@example.com", "password": "twelve chars", "full_name": name]
                )
                .status == 201
            )
            #expect(
                try await api.json(
                    "POST",
                    "/api/v1/auth/register",
                    ["email": "n\(UUID().uuidString)@example.com", "password": "twelve chars", "full_name": name + "f"]
                ).status == 422
            )
            #expect(
                try await api.json("POST", "/api/v1/auth/refresh", ["refresh_token": String(repeating: "t", count: 4096)]).status == 401
            )
            #expect(
                try await api.json("POST", "/api/v1/auth/refresh", ["refresh_token": String(repeating: "t", count: 4097)]).status == 422
            )
            #expect(try await api.login(String(repeating: "u", count: 255), "password").status == 422)
            #expect(try await api.login("u@example.com", String(repeating: "p", count: 1025)).status == 422)
            #expect(try await api.login("u@example.com", String(repeating: "p", count: 1024)).status == 401)
            let missing = try await api.request(
                "POST",
                "/api/v1/auth/token",
                headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array("username=&grant_type=password".utf8)
            )
            #expect(missing.status == 422)
            #expect((try missing.object()["errors"] as? [[String: String]])?.compactMap { $0["field"] } == ["username", "password"])
        }
    }
}
