import Crypto
import Foundation
import JWTKit
import Testing

@testable import CopyThatAPI

/// Accounts and tokens, as a client (or an attacker) meets them over HTTP.
@Suite struct AuthFlowTests {
    @Test func registerLoginMeAndTheUserShape() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let me = try await api.request("GET", "/api/v1/auth/me", headers: [user.bearer])
            #expect(me.status == 200)
            let body = try me.object()
            #expect(Set(body.keys) == ["id", "email", "full_name", "roles", "is_active", "created_at"])
            #expect(body["email"] as? String == user.email)
            #expect(body["roles"] as? [String] == ["user"])
            #expect(body["full_name"] is NSNull)
            let login = try await api.login(user.email.uppercased(), user.password)  // emails match whatever their case
            #expect(login.status == 200)
            let tokens = try login.object()
            #expect(tokens["token_type"] as? String == "bearer")
            #expect(tokens["expires_in"] as? Int == 1800)
            #expect(login.header("Cache-Control") == "no-store")
        }
    }

    @Test func aTakenEmailIsAConflictWhateverItsCase() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let again = try await api.json(
                "POST",
                "/api/v1/auth/register",
                ["email": user.email.uppercased(), "password": "another long password"]
            )
            #expect(again.status == 409)
            #expect(try again.object()["detail"] as? String == "Email already registered")
        }
    }

    @Test func passwordsAre12To128CharactersAndEveryFieldErrorIsNamed() async throws {
        try await APIFixture.with { api in
            let short = try await api.json(
                "POST",
                "/api/v1/auth/register",
                ["email": "not-an-email", "password": String(repeating: "a", count: 11)]
            )
            #expect(short.status == 422)
            let fields = (try short.object()["errors"] as? [[String: String]])?.compactMap { $0["field"] }
            #expect(fields == ["email", "password"])
            let long = try await api.json(
                "POST",
                "/api/v1/auth/register",
                ["email": "long-\(UUID().uuidString)@example.com", "password": String(repeating: "b", count: 129)]
            )
            #expect(long.status == 422)
            let longest = try await api.json(
                "POST",
                "/api/v1/auth/register",
                ["email": "max-\(UUID().uuidString)@example.com", "password": String(repeating: "c", count: 128)]
            )
            #expect(longest.status == 201)
        }
    }

    /// bcrypt reads 72 bytes and the C code stops at a NUL: without the pre-hash, these would all log in.
    @Test func noPasswordIsTruncatedPastByte72OrAtANul() async throws {
        try await APIFixture.with { api in
            let stem = String(repeating: "x", count: 72)
            let user = try await api.newUser(password: stem + "-the-rest-matters")
            #expect(try await api.login(user.email, stem + "-something-else").status == 401)
            #expect(try await api.login(user.email, stem).status == 401)
            #expect(try await api.login(user.email, stem + "-the-rest-matters").status == 200)
            let nul = try await api.newUser(password: "before-the-nul\u{0}after-the-nul")
            #expect(try await api.login(nul.email, "before-the-nul\u{0}something-else").status == 401)
            #expect(try await api.login(nul.email, "before-the-nul\u{0}after-the-nul").status == 200)
        }
    }

    @Test func anUnknownEmailAndAWrongPasswordGetTheSame401() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let wrong = try await api.login(user.email, "not the right password")
            let unknown = try await api.login("nobody-\(UUID().uuidString)@example.com", "not the right password")
            #expect(wrong.status == 401)
            #expect(unknown.status == 401)
            #expect(wrong.header("WWW-Authenticate") == "Bearer")
            #expect(unknown.header("WWW-Authenticate") == "Bearer")
            #expect(try wrong.object()["detail"] as? String == "Incorrect email or password")
            #expect(try unknown.object()["detail"] as? String == "Incorrect email or password")
        }
    }

    @Test func aDisabledAccountIsRefusedAtOnceWithItsTokensAndKeys() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let key = try await api.json("POST", "/api/v1/auth/api-keys", ["name": "k", "scopes": ["read"]], headers: [user.bearer])
            let apiKey = try key.object()["key"] as? String ?? ""
            #expect(try await api.request("GET", "/api/v1/projects", headers: [("X-API-Key", apiKey)]).status == 200)
            try await api.api.services.users.setActive(userID: user.id, false)
            #expect(try await api.request("GET", "/api/v1/auth/me", headers: [user.bearer]).status == 403)
            let byKey = try await api.request("GET", "/api/v1/projects", headers: [("X-API-Key", apiKey)])
            #expect(byKey.status == 403)
            #expect(try byKey.object()["detail"] as? String == "User account is disabled")
            let login = try await api.login(user.email, user.password)
            #expect(login.status == 403)
            #expect(try await api.login(user.email, "a wrong password!").status == 401)  // no hint without the password
            let refresh = try await api.json("POST", "/api/v1/auth/refresh", ["refresh_token": user.refreshToken])
            #expect(refresh.status == 403)
        }
    }

    @Test func refreshTokensRotateAndAReusedOneRevokesTheWholeFamily() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let first = try await api.json("POST", "/api/v1/auth/refresh", ["refresh_token": user.refreshToken])
            #expect(first.status == 200)
            let pair = try first.object()
            let newAccess = pair["access_token"] as? String ?? ""
            let newRefresh = pair["refresh_token"] as? String ?? ""
            #expect(newRefresh != user.refreshToken)
            #expect(try await api.request("GET", "/api/v1/auth/me", headers: [("Authorization", "Bearer \(newAccess)")]).status == 200)

            let replay = try await api.json("POST", "/api/v1/auth/refresh", ["refresh_token": user.refreshToken])
            #expect(replay.status == 401)
            // The whole login is gone: the newest refresh token, the old access token and the new one.
            #expect(try await api.json("POST", "/api/v1/auth/refresh", ["refresh_token": newRefresh]).status == 401)
            #expect(try await api.request("GET", "/api/v1/auth/me", headers: [user.bearer]).status == 401)
            let revoked = try await api.request("GET", "/api/v1/auth/me", headers: [("Authorization", "Bearer \(newAccess)")])
            #expect(revoked.status == 401)
            #expect(revoked.header("WWW-Authenticate") == "Bearer")
            // Another login of the same user is untouched.
            let other = try await api.login(user.email, user.password)
            let otherAccess = try other.object()["access_token"] as? String ?? ""
            #expect(try await api.request("GET", "/api/v1/auth/me", headers: [("Authorization", "Bearer \(otherAccess)")]).status == 200)
            let rows = try await api.sql(
                "SELECT count(*) FROM audit_logs WHERE action = 'REFRESH_TOKEN_REUSED' AND user_id = $1",
                [user.id]
            )
            #expect(rows.first?.first == "1")
        }
    }

    /// Of two requests racing with one refresh token, at most one redeems it; the other is a reuse and revokes the
    /// login, so whatever the winner was given is dead too (when the revocation lands before the winner has issued
    /// its pair, both are 401).
    @Test func twoRacingRefreshesWithOneTokenRedeemItAtMostOnceAndRevokeTheFamily() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            async let a = api.json("POST", "/api/v1/auth/refresh", ["refresh_token": user.refreshToken])
            async let b = api.json("POST", "/api/v1/auth/refresh", ["refresh_token": user.refreshToken])
            let responses = try await [a, b]
            #expect(responses.filter { $0.status == 200 }.count <= 1)
            #expect(responses.contains { $0.status == 401 })
            #expect(try await api.request("GET", "/api/v1/auth/me", headers: [user.bearer]).status == 401)
            for winner in responses where winner.status == 200 {
                let pair = try winner.object()
                let access = pair["access_token"] as? String ?? ""
                #expect(try await api.request("GET", "/api/v1/auth/me", headers: [("Authorization", "Bearer \(access)")]).status == 401)
                #expect(
                    try await api.json("POST", "/api/v1/auth/refresh", ["refresh_token": pair["refresh_token"] as? String ?? ""]).status
                        == 401
                )
            }
            let rows = try await api.sql("SELECT revoked_at IS NOT NULL FROM refresh_token_families WHERE user_id = $1::uuid", [user.id])
            #expect(rows.map { $0.first ?? nil } == ["t"])
        }
    }

    @Test func aRefreshTokenIsNoAccessTokenAndTheReverse() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let asAccess = try await api.request("GET", "/api/v1/auth/me", headers: [("Authorization", "Bearer \(user.refreshToken)")])
            #expect(asAccess.status == 401)
            #expect(asAccess.header("WWW-Authenticate") == "Bearer")
            #expect(try await api.json("POST", "/api/v1/auth/refresh", ["refresh_token": user.accessToken]).status == 401)
        }
    }

    @Test func forgedTokensAre401() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let parts = user.accessToken.split(separator: ".").map(String.init)
            let claims = parts[1]
            let none = Self.encode(#"{"alg":"none","typ":"JWT"}"#) + "." + claims + "."
            let noneSigned = Self.encode(#"{"alg":"none","typ":"JWT"}"#) + "." + claims + "." + parts[2]
            let hs512 = try await Self.sign(claims: claims, header: #"{"alg":"HS512","typ":"JWT"}"#, key: api.configuration.secretKey)
            let foreign = try await Self.sign(
                claims: claims,
                header: #"{"alg":"HS256","typ":"JWT"}"#,
                key: Array("another-key-of-thirty-two-bytes-or-more!".utf8)
            )
            // Claims changed under the original signature (a different user id).
            let tampered =
                parts[0] + "."
                + Self.encode(
                    String(decoding: Self.decode(claims), as: UTF8.self).replacingOccurrences(
                        of: user.id,
                        with: UUID().uuidString.lowercased()
                    )
                ) + "." + parts[2]
            for token in [none, noneSigned, hs512, foreign, tampered, "garbage", user.accessToken + "x"] {
                let response = try await api.request("GET", "/api/v1/auth/me", headers: [("Authorization", "Bearer \(token)")])
                #expect(response.status == 401, "token \(token.prefix(40))")
                #expect(response.header("WWW-Authenticate") == "Bearer")
            }
            let basic = try await api.request("GET", "/api/v1/auth/me", headers: [("Authorization", "Basic dXNlcjpwYXNz")])
            #expect(basic.status == 401)
            #expect(try await api.request("GET", "/api/v1/auth/me").status == 401)
        }
    }

    @Test func anExpiredTokenIs401() async throws {
        try await APIFixture.with { api in
            let user = try await api.newUser()
            let tokens = api.api.services.tokens
            let family =
                try await api.sql("SELECT id::text FROM refresh_token_families WHERE user_id = $1::uuid", [user.id]).first?.first ?? ""
            let expired = try await tokens.issue(
                .access,
                userID: user.id,
                email: user.email,
                roles: ["user"],
                family: family ?? "",
                now: Date().addingTimeInterval(-3600)
            )
            let response = try await api.request("GET", "/api/v1/auth/me", headers: [("Authorization", "Bearer \(expired.token)")])
            #expect(response.status == 401)
            let fresh = try await tokens.issue(.access, userID: user.id, email: user.email, roles: ["user"], family: family ?? "")
            #expect(try await api.request("GET", "/api/v1/auth/me", headers: [("Authorization", "Bearer \(fresh.token)")]).status == 200)
        }
    }

    static func encode(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> [UInt8] {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Array(Data(base64Encoded: base64) ?? Data())
    }

    /// A token with `header` and `claims`, signed with HMAC under the key the API derives from `key`.
    static func sign(claims: String, header: String, key: [UInt8]) async throws -> String {
        let derived = KeyDerivation.key(from: key, purpose: "jwt-hs256")
        let input = Self.encode(header) + "." + claims
        let signature: [UInt8]
        if header.contains("HS512") {
            signature = Array(HMAC<SHA512>.authenticationCode(for: Array(input.utf8), using: derived))
        } else {
            signature = Array(HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: derived))
        }
        return input + "." + Self.base64URL(signature)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
