import Foundation
import Testing

@testable import CopyThatAPI

/// API keys: shown once, stored as prefix and MAC, limited by scope, revocable.
@Suite struct APIKeyTests {
    func createKey(_ api: APIFixture, _ user: TestUser, scopes: [String], name: String = "ci") async throws -> [String: Any] {
        let response = try await api.json("POST", "/api/v1/auth/api-keys", ["name": name, "scopes": scopes], headers: [user.bearer])
        #expect(response.status == 201, "\(response.text)")
        return try response.object()
    }

    @Test func theKeyIsShownOnceAndStoredOnlyAsPrefixAndMAC() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let created = try await self.createKey(api, user, scopes: ["read", "write"])
            let key = created["key"] as? String ?? ""
            #expect(key.hasPrefix("ctk_"))
            #expect(key.count == 56)
            #expect(created["key_prefix"] as? String == String(key.prefix(12)))
            #expect(created["scopes"] as? [String] == ["read", "write"])
            let listed = try await api.request("GET", "/api/v1/auth/api-keys", headers: [user.bearer])
            #expect(listed.status == 200)
            #expect(!listed.text.contains(key))
            let items = try listed.array()
            #expect(items.count == 1)
            #expect(items.first?["key"] == nil)
            #expect(items.first?["key_hash"] == nil)
            let stored = try await api.sql("SELECT row_to_json(k)::text FROM api_keys k WHERE user_id = $1::uuid", [user.id])
            let row = stored.first?.first.flatMap { $0 } ?? ""
            #expect(!row.contains(String(key.dropFirst(13))))  // the secret part is nowhere in the row
            #expect(row.contains(String(key.prefix(12))))
        }
    }

    @Test func scopesLimitMethods() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let project = try await api.json("POST", "/api/v1/projects", ["name": "Scoped"], headers: [user.bearer]).object()
            let id = project["id"] as? Int ?? 0
            let read = try await self.createKey(api, user, scopes: ["read"])["key"] as? String ?? ""
            let write = try await self.createKey(api, user, scopes: ["write"])["key"] as? String ?? ""
            let delete = try await self.createKey(api, user, scopes: ["delete"])["key"] as? String ?? ""

            #expect(try await api.request("GET", "/api/v1/projects/\(id)", headers: [("X-API-Key", read)]).status == 200)
            #expect(try await api.request("GET", "/api/v1/projects/\(id)", headers: [("Authorization", "Bearer \(read)")]).status == 200)
            let readPatch = try await api.json("PATCH", "/api/v1/projects/\(id)", ["name": "Renamed"], headers: [("X-API-Key", read)])
            #expect(readPatch.status == 403)
            #expect(try readPatch.object()["detail"] as? String == "API key lacks the 'write' scope")
            #expect(try await api.request("DELETE", "/api/v1/projects/\(id)", headers: [("X-API-Key", read)]).status == 403)

            #expect(try await api.request("GET", "/api/v1/projects/\(id)", headers: [("X-API-Key", write)]).status == 403)
            #expect(
                try await api.json("PATCH", "/api/v1/projects/\(id)", ["name": "Renamed"], headers: [("X-API-Key", write)]).status == 200
            )
            #expect(try await api.request("DELETE", "/api/v1/projects/\(id)", headers: [("X-API-Key", write)]).status == 403)

            #expect(try await api.request("DELETE", "/api/v1/projects/\(id)", headers: [("X-API-Key", delete)]).status == 204)
        }
    }

    @Test func revokedExpiredForeignAndMalformedKeysAre401() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let created = try await self.createKey(api, user, scopes: ["read"])
            let key = created["key"] as? String ?? ""
            let id = created["id"] as? String ?? ""
            #expect(try await api.request("GET", "/api/v1/auth/me", headers: [("X-API-Key", key)]).status == 200)
            // A wrong secret behind a real prefix: found by prefix, refused by the MAC.
            let wrongSecret = String(key.prefix(13)) + String(repeating: "A", count: 43)
            #expect(try await api.request("GET", "/api/v1/auth/me", headers: [("X-API-Key", wrongSecret)]).status == 401)
            #expect(try await api.request("GET", "/api/v1/auth/me", headers: [("X-API-Key", "ctk_nothing")]).status == 401)

            let expiring = try await self.createKey(api, user, scopes: ["read"], name: "expiring")
            let expiringKey = expiring["key"] as? String ?? ""
            _ = try await api.sql(
                "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1::uuid",
                [expiring["id"] as? String]
            )
            #expect(try await api.request("GET", "/api/v1/auth/me", headers: [("X-API-Key", expiringKey)]).status == 401)

            let other = try await api.newUser()
            #expect(try await api.request("DELETE", "/api/v1/auth/api-keys/\(id)", headers: [other.bearer]).status == 404)
            #expect(try await api.request("DELETE", "/api/v1/auth/api-keys/\(id)", headers: [user.bearer]).status == 204)
            let revoked = try await api.request("GET", "/api/v1/auth/me", headers: [("X-API-Key", key)])
            #expect(revoked.status == 401)
            #expect(revoked.header("WWW-Authenticate") == "Bearer")
            #expect(try await api.request("DELETE", "/api/v1/auth/api-keys/not-a-uuid", headers: [user.bearer]).status == 404)
        }
    }

    @Test func aKeyCannotManageKeysAndLastUseIsRecorded() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let created = try await self.createKey(api, user, scopes: ["read", "write", "delete"])
            let key = created["key"] as? String ?? ""
            let minted = try await api.json(
                "POST",
                "/api/v1/auth/api-keys",
                ["name": "more", "scopes": ["read"]],
                headers: [("X-API-Key", key)]
            )
            #expect(minted.status == 403)
            #expect(try await api.request("GET", "/api/v1/auth/api-keys", headers: [("X-API-Key", key)]).status == 403)
            #expect(try await api.request("GET", "/api/v1/projects", headers: [("X-API-Key", key)]).status == 200)
            var used: String?? = nil
            for _ in 0..<50 {
                used = try await api.sql("SELECT last_used_at FROM api_keys WHERE id = $1::uuid", [created["id"] as? String]).first?.first
                if used != nil, used! != nil { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(used != nil && used! != nil)
        }
    }

    @Test func keyRequestsAreValidated() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let cases: [([String: Any], String)] = [
                (["name": "", "scopes": ["read"]], "name"),
                (["name": String(repeating: "n", count: 101), "scopes": ["read"]], "name"),
                (["name": "k", "scopes": []], "scopes"),
                (["name": "k", "scopes": ["read", "write", "delete", "read"]], "scopes"),
                (["name": "k", "scopes": ["admin"]], "scopes"),
                (["name": "k", "scopes": ["read", "read"]], "scopes"),
                (["name": "k", "scopes": ["read"], "expires_in_days": 0], "expires_in_days"),
                (["name": "k", "scopes": ["read"], "expires_in_days": 366], "expires_in_days"),
                (["name": "k", "scopes": ["read"], "expires_in_days": 1.5], "expires_in_days"),
            ]
            for (body, field) in cases {
                let response = try await api.json("POST", "/api/v1/auth/api-keys", body, headers: [user.bearer])
                #expect(response.status == 422, "\(body)")
                let fields = (try response.object()["errors"] as? [[String: String]])?.compactMap { $0["field"] }
                #expect(fields == [field], "\(body)")
            }
            let ok = try await api.json(
                "POST",
                "/api/v1/auth/api-keys",
                ["name": String(repeating: "n", count: 100), "scopes": ["delete", "read"], "expires_in_days": 365],
                headers: [user.bearer]
            )
            #expect(ok.status == 201)
            #expect(try ok.object()["expires_at"] is String)
        }
    }
}
