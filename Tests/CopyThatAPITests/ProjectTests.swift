import Clients
import Foundation
import Testing

@testable import CopyThatAPI

/// Projects: ownership on every route, the name allowlist, bounds one past each, body rules.
@Suite struct ProjectTests {
    @Test func everyProjectRouteChecksOwnershipAndAdminsMayOpenAny() async throws {
        try await APIFixture.with { api in
            let owner = try await api.newUser()
            let stranger = try await api.newUser()
            let admin = try await api.newUser(admin: true)
            let created = try await api.json(
                "POST",
                "/api/v1/projects",
                ["name": "Brand book", "description": "Colours"],
                headers: [owner.bearer]
            )
            #expect(created.status == 201)
            let id = try created.object()["id"] as? Int ?? 0
            let paths: [(String, String, [String: Any]?)] = [
                ("GET", "/api/v1/projects/\(id)", nil),
                ("PATCH", "/api/v1/projects/\(id)", ["name": "Taken over"]),
                ("GET", "/api/v1/projects/\(id)/colors", nil),
                ("DELETE", "/api/v1/projects/\(id)", nil),
            ]
            for (method, path, body) in paths {
                let response: HTTPClientResponse
                if let body {
                    response = try await api.json(method, path, body, headers: [stranger.bearer])
                } else {
                    response = try await api.request(method, path, headers: [stranger.bearer])
                }
                #expect(response.status == 403, "\(method) \(path)")
                #expect(try response.object()["detail"] as? String == "Not authorized to access this project")
            }
            #expect(try await api.request("GET", "/api/v1/projects", headers: [stranger.bearer]).array().isEmpty)
            let denied = try await api.sql(
                "SELECT count(*) FROM audit_logs WHERE action = 'ACCESS_DENIED' AND user_id = $1 AND resource_id = $2",
                [stranger.id, String(id)]
            )
            #expect(denied.first?.first == "4")
            let byAdmin = try await api.request("GET", "/api/v1/projects/\(id)", headers: [admin.bearer])
            #expect(byAdmin.status == 200)
            #expect(try await api.request("GET", "/api/v1/projects/\(id)/colors", headers: [admin.bearer]).array().isEmpty)
            #expect(
                try await api.json("PATCH", "/api/v1/projects/\(id)", ["description": NSNull()], headers: [owner.bearer]).object()[
                    "description"
                ] is NSNull
            )
            // PATCH: null is no name; an empty body changes nothing.
            #expect(try await api.json("PATCH", "/api/v1/projects/\(id)", ["name": NSNull()], headers: [owner.bearer]).status == 422)
            let unchanged = try await api.json("PATCH", "/api/v1/projects/\(id)", [String: Any](), headers: [owner.bearer])
            #expect(try unchanged.object()["name"] as? String == "Brand book")
            #expect(try await api.request("DELETE", "/api/v1/projects/\(id)", headers: [owner.bearer]).status == 204)
            let gone = try await api.request("GET", "/api/v1/projects/\(id)", headers: [owner.bearer])
            #expect(gone.status == 404)
            #expect(try gone.object()["detail"] as? String == "Project not found")
            let bad = try await api.request("GET", "/api/v1/projects/abc", headers: [owner.bearer])
            #expect(bad.status == 422)
            #expect((try bad.object()["errors"] as? [[String: String]])?.first?["field"] == "id")
            #expect(try await api.request("GET", "/api/v1/projects/0", headers: [owner.bearer]).status == 422)
            #expect(try await api.request("GET", "/api/v1/projects/99999999999", headers: [owner.bearer]).status == 422)
        }
    }

    @Test func namesFollowAnAllowlistAndEveryBoundHoldsOnePastIt() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let refused = [
                "<script>alert(1)</script>", "javascript:alert(1)", "\"quoted\"", "a\\b", "tab\there", " ", "", "-leading",
                "zero\u{200B}width",
            ]
            for name in refused {
                let response = try await api.json("POST", "/api/v1/projects", ["name": name], headers: [user.bearer])
                #expect(response.status == 422, "\(name)")
            }
            let accepted = ["Brand book", "Café Noir 2026", "R&D (web) #3", "日本のブランド", "Summer-Sale_v2.1 final!"]
            for name in accepted {
                let response = try await api.json("POST", "/api/v1/projects", ["name": name], headers: [user.bearer])
                #expect(response.status == 201, "\(name): \(response.text)")
                #expect(try response.object()["name"] as? String == name)
            }
            let trimmed = try await api.json("POST", "/api/v1/projects", ["name": "  Padded  "], headers: [user.bearer])
            #expect(try trimmed.object()["name"] as? String == "Padded")
            let bounds: [([String: Any], Int)] = [
                (["name": String(repeating: "n", count: 255)], 201),
                (["name": String(repeating: "n", count: 256)], 422),
                (["name": "D", "description": String(repeating: "d", count: 2000)], 201),
                (["name": "D", "description": String(repeating: "d", count: 2001)], 422),
                (["name": 42], 422),
                (["description": "no name"], 422),
            ]
            for (body, status) in bounds {
                #expect(try await api.json("POST", "/api/v1/projects", body, headers: [user.bearer]).status == status, "\(body.keys)")
            }
            for (query, status) in [("limit=100", 200), ("limit=101", 422), ("limit=0", 422), ("offset=-1", 422), ("limit=x", 422)] {
                #expect(try await api.request("GET", "/api/v1/projects?\(query)", headers: [user.bearer]).status == status, "\(query)")
            }
        }
    }

    @Test func malformedJSONWrongMediaTypesAndOversizedBodies() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let json = ("Content-Type", "application/json")
            let malformed = try await api.request(
                "POST",
                "/api/v1/projects",
                headers: [user.bearer, json],
                body: Array("{\"name\": ".utf8)
            )
            #expect(malformed.status == 422)
            let errors = try malformed.object()["errors"] as? [[String: String]]
            #expect(errors?.first?["field"] == "body")
            #expect(try await api.request("POST", "/api/v1/projects", headers: [user.bearer, json], body: Array("[1]".utf8)).status == 422)
            let form = try await api.request(
                "POST",
                "/api/v1/projects",
                headers: [user.bearer, ("Content-Type", "application/x-www-form-urlencoded")],
                body: Array("name=x".utf8)
            )
            #expect(form.status == 415)
            #expect(try await api.request("POST", "/api/v1/projects", headers: [user.bearer], body: Array("{}".utf8)).status == 415)
            let huge = Array("{\"name\":\"".utf8) + Array(repeating: UInt8(ascii: "a"), count: 1 << 20) + Array("\"}".utf8)
            let tooLarge = try await api.request("POST", "/api/v1/projects", headers: [user.bearer, json], body: huge)
            #expect(tooLarge.status == 413)
            #expect(try tooLarge.object()["request_id"] is String)
            let loginAsJSON = try await api.json("POST", "/api/v1/auth/token", ["username": user.email, "password": user.password])
            #expect(loginAsJSON.status == 415)
        }
    }
}
