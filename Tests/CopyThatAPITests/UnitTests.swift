import Foundation
import Testing

@testable import CopyThatAPI

/// The pure parts, without sockets or clocks.
@Suite struct RateLimitDecisionTests {
    let minute = RateLimitWindow(name: "minute", limit: 60, seconds: 60)
    let hour = RateLimitWindow(name: "hour", limit: 1000, seconds: 3600)

    @Test func anAllowedRequestReportsTheWindowWithTheLeastRemaining() {
        let decision = RateLimitDecision.evaluate(
            windows: [self.minute, self.hour],
            observations: [.init(count: 10, resetMilliseconds: 1_000_060_000), .init(count: 995, resetMilliseconds: 1_003_600_000)],
            allowed: true,
            nowMilliseconds: 1_000_000_000
        )
        #expect(decision.allowed)
        #expect(decision.window == self.hour)
        #expect(decision.remaining == 4)
        #expect(decision.resetEpochSeconds == 1_003_600)
        #expect(decision.retryAfterSeconds == nil)
    }

    @Test func aRefusalWaitsForEveryFullWindowAndRoundsUp() {
        let decision = RateLimitDecision.evaluate(
            windows: [self.minute, self.hour],
            observations: [.init(count: 60, resetMilliseconds: 1_000_012_345), .init(count: 1000, resetMilliseconds: 1_000_900_001)],
            allowed: false,
            nowMilliseconds: 1_000_000_000
        )
        #expect(!decision.allowed)
        #expect(decision.remaining == 0)
        #expect(decision.retryAfterSeconds == 901)  // the hour frees a slot later than the minute
        let minuteOnly = RateLimitDecision.evaluate(
            windows: [self.minute, self.hour],
            observations: [.init(count: 60, resetMilliseconds: 1_000_000_001), .init(count: 100, resetMilliseconds: 1_003_000_000)],
            allowed: false,
            nowMilliseconds: 1_000_000_000
        )
        #expect(minuteOnly.window == self.minute)
        #expect(minuteOnly.retryAfterSeconds == 1)  // never 0: a client told 0 retries at once
        #expect(minuteOnly.resetEpochSeconds == 1_000_001)
    }
}

@Suite struct ClientAddressTests {
    let proxies = [IPNetwork("10.0.0.0/8")!, IPNetwork("127.0.0.1")!]

    @Test func thePeerIsTheClientUnlessItIsATrustedProxy() {
        #expect(ClientAddress.resolve(peer: "203.0.113.5", forwardedFor: ["198.51.100.1"], trustedProxies: self.proxies) == "203.0.113.5")
        #expect(ClientAddress.resolve(peer: "10.1.2.3", forwardedFor: ["198.51.100.1"], trustedProxies: self.proxies) == "198.51.100.1")
        #expect(ClientAddress.resolve(peer: "10.1.2.3", forwardedFor: ["198.51.100.1"], trustedProxies: []) == "10.1.2.3")
    }

    @Test func theRightmostUntrustedHopWins() {
        let chain = ["6.6.6.6, 198.51.100.1", "10.0.0.9"]
        #expect(ClientAddress.resolve(peer: "10.1.2.3", forwardedFor: chain, trustedProxies: self.proxies) == "198.51.100.1")
        #expect(ClientAddress.resolve(peer: "10.1.2.3", forwardedFor: ["10.0.0.1, 10.0.0.2"], trustedProxies: self.proxies) == "10.0.0.1")
        #expect(ClientAddress.resolve(peer: "10.1.2.3", forwardedFor: ["garbage, 10.0.0.2"], trustedProxies: self.proxies) == "10.0.0.2")
        #expect(ClientAddress.resolve(peer: "10.1.2.3", forwardedFor: ["[2001:db8::1]:443"], trustedProxies: self.proxies) == "2001:db8::1")
        #expect(
            ClientAddress.resolve(peer: "10.1.2.3", forwardedFor: ["198.51.100.1:8080"], trustedProxies: self.proxies) == "198.51.100.1"
        )
    }

    @Test func networksMatchByPrefixAndMappedAddressesAreIPv4() {
        #expect(IPNetwork("10.0.0.0/8")!.contains(IPAddress("10.255.0.1")!))
        #expect(!IPNetwork("10.0.0.0/8")!.contains(IPAddress("11.0.0.1")!))
        #expect(IPNetwork("10.0.0.0/8")!.contains(IPAddress("::ffff:10.1.1.1")!))
        #expect(!IPNetwork("10.0.0.0/8")!.contains(IPAddress("2001:db8::1")!))
        #expect(IPNetwork("2001:db8::/32")!.contains(IPAddress("2001:db8:ffff::1")!))
        #expect(IPNetwork("192.168.1.77/24")!.description == "192.168.1.0/24")
        #expect(IPNetwork("10.0.0.0/33") == nil)
        #expect(IPNetwork("10.0.0.0/-1") == nil)
        #expect(IPNetwork("10.0.0/8") == nil)
        #expect(IPAddress("127.1") == nil)  // inet_pton is strict: no shorthand forms
    }
}

@Suite struct CredentialTests {
    @Test func apiKeysHaveTheirShapeAndMatchOnlyTheirOwnMAC() {
        let codec = APIKeyCodec(secretKey: Array("a-secret-key-of-at-least-32-bytes!!".utf8))
        let generated = codec.generate()
        #expect(APIKeyCodec.prefix(of: generated.key) == generated.prefix)
        #expect(generated.hash.count == 64)
        #expect(codec.matches(generated.key, storedHash: generated.hash))
        #expect(!codec.matches(generated.key + "x", storedHash: generated.hash))
        #expect(!codec.matches(generated.key, storedHash: String(generated.hash.dropLast()) + "0") || generated.hash.last == "0")
        let other = APIKeyCodec(secretKey: Array("another-secret-key-of-32-bytes-or-more".utf8))
        #expect(!other.matches(generated.key, storedHash: generated.hash))
        #expect(APIKeyCodec.prefix(of: "ctk_ABCDEFGH_" + String(repeating: "a", count: 43)) == nil)  // upper case is not a prefix
        #expect(APIKeyCodec.prefix(of: "sk_live_123") == nil)
        #expect(codec.generate().key != generated.key)
    }

    @Test func theTokenHeaderIsPinnedToHS256() {
        func token(_ header: String) -> String {
            Data(header.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "") + ".e30.c2ln"
        }
        #expect(TokenService.headerIsPinned(token(#"{"alg":"HS256","typ":"JWT"}"#)))
        #expect(TokenService.headerIsPinned(token(#"{"alg":"HS256"}"#)))
        #expect(!TokenService.headerIsPinned(token(#"{"alg":"none","typ":"JWT"}"#)))
        #expect(!TokenService.headerIsPinned(token(#"{"alg":"HS512","typ":"JWT"}"#)))
        #expect(!TokenService.headerIsPinned(token(#"{"alg":"RS256","typ":"JWT"}"#)))
        #expect(!TokenService.headerIsPinned(token(#"{"alg":"HS256","crit":["exp"]}"#)))
        #expect(!TokenService.headerIsPinned(token(#"{"alg":"HS256","typ":"JOSE+JSON"}"#)))
        #expect(!TokenService.headerIsPinned(String(token(#"{"alg":"HS256"}"#).dropLast(4))))  // no signature
        #expect(!TokenService.headerIsPinned("a.b"))
    }

    @Test func tokensCarryTheSeedsClaimsAndTheirKind() async throws {
        let tokens = await TokenService(
            secretKey: Array("a-secret-key-of-at-least-32-bytes!!".utf8),
            accessLifetime: .seconds(60),
            refreshLifetime: .seconds(600)
        )
        let user = UUID().uuidString.lowercased()
        let access = try await tokens.issue(.access, userID: user, email: "a@example.com", roles: ["user", "admin"], family: "f")
        let claims = try #require(await tokens.verify(access.token, as: .access))
        #expect(claims.sub.value == user)
        #expect(claims.roles == ["user", "admin"])
        #expect(claims.type == "access")
        #expect(claims.exp.value.timeIntervalSince(claims.iat.value) == 60)
        #expect(claims.jti.value == access.id)
        #expect(await tokens.verify(access.token, as: .refresh) == nil)
        let other = await TokenService(
            secretKey: Array("another-secret-key-of-32-bytes-or-more".utf8),
            accessLifetime: .seconds(60),
            refreshLifetime: .seconds(600)
        )
        #expect(await other.verify(access.token, as: .access) == nil)
    }
}

@Suite struct VerifiedTokenCacheTests {
    /// The verified-token memory skips the signature check, never the expiry or the kind.
    @Test func aRememberedTokenStillExpiresAndKeepsItsKind() async throws {
        let tokens = await TokenService(
            secretKey: Array("a-secret-key-of-at-least-32-bytes!!".utf8),
            accessLifetime: .seconds(60),
            refreshLifetime: .seconds(600)
        )
        let user = UUID().uuidString.lowercased()
        let soon = try await tokens.issue(
            .access,
            userID: user,
            email: "a@example.com",
            roles: ["user"],
            family: "f",
            now: Date().addingTimeInterval(-58)
        )
        #expect(await tokens.verify(soon.token, as: .access) != nil)  // verified and remembered
        #expect(await tokens.verify(soon.token, as: .refresh) == nil)  // remembered, but the wrong kind
        try await Task.sleep(for: .milliseconds(2500))
        #expect(await tokens.verify(soon.token, as: .access) == nil)  // remembered, but expired now
        let tampered = String(soon.token.dropLast()) + (soon.token.hasSuffix("A") ? "B" : "A")
        #expect(await tokens.verify(tampered, as: .access) == nil)
    }
}

@Suite struct ValidationTests {
    @Test func emails() {
        for good in ["a@example.com", "first.last+tag@sub.example.co.uk", "x@xn--bcher-kva.example", "ü@bücher.de"] {
            #expect(Validation.isEmail(good), "\(good)")
        }
        for bad in [
            "", "a", "a@", "@example.com", "a@example", "a b@example.com", "a@exa mple.com", "a@@example.com", ".a@example.com",
            "a..b@example.com", "a@-example.com", "a@example..com", "<a>@example.com",
        ] {
            #expect(!Validation.isEmail(bad), "\(bad)")
        }
    }

    @Test func projectNamesAreAnAllowlist() {
        #expect(Validation.isProjectName("Brand 2026 (v2) & more!"))
        #expect(Validation.isProjectName("ブランド"))
        for bad in [
            "<script>", "javascript:alert(1)", "a\"b", "a/b", "a\\b", "new\nline", "-dash", " space", "zero\u{200B}width",
            "rtl\u{202E}gpj.exe", "a;b",
        ] {
            #expect(!Validation.isProjectName(bad), "\(bad)")
        }
    }
}
