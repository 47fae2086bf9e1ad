import Crypto
import ExtrasBase64
public import Foundation
public import JWTKit
import Synchronization

/// The claims of the API's tokens: the seeds' `sub`, `email`, `roles`, `iat`, `exp`, `jti`, `type`, plus `fam`, the
/// login (refresh-token family) the token belongs to, so that revoking a family stops its access tokens too.
public struct TokenClaims: JWTPayload, Sendable {
    /// The user's id.
    public var sub: SubjectClaim
    /// The user's email when the token was issued.
    public var email: String
    /// The user's roles when the token was issued (authorisation reads the current ones from the database).
    public var roles: [String]
    /// Issued at.
    public var iat: IssuedAtClaim
    /// Expires at.
    public var exp: ExpirationClaim
    /// The token's own id.
    public var jti: IDClaim
    /// `access` or `refresh`.
    public var type: String
    /// The refresh-token family.
    public var fam: String

    /// Checks the expiry (jwt-kit leaves that to the payload).
    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try self.exp.verifyNotExpired()
    }
}

/// Signs and checks HS256 tokens with jwt-kit, with the algorithm pinned.
///
/// jwt-kit does not compare the header's `alg` with the key's by itself, so the header is read first and anything
/// but `HS256` (`none` included) is refused before any signature check.
public struct TokenService: Sendable {
    /// What kind of token a route accepts.
    public enum Kind: String, Sendable {
        case access
        case refresh
    }

    let keys: JWTKeyCollection
    let accessLifetime: Duration
    let refreshLifetime: Duration
    /// Tokens whose signature and header were verified, with their claims: a client sends the same access token
    /// for its whole life, and its bytes verify the same way every time, so only the expiry is checked again.
    /// (Revocation and the account's state are read from the database on every request regardless.) Cleared when
    /// it reaches ``verifiedCacheLimit`` entries.
    let verified = VerifiedTokens()
    /// At most this many tokens are remembered.
    static let verifiedCacheLimit = 10_000

    /// Creates the service; the signing key is derived from `secretKey` for this purpose only.
    public init(secretKey: [UInt8], accessLifetime: Duration, refreshLifetime: Duration) async {
        let key = KeyDerivation.key(from: secretKey, purpose: "jwt-hs256")
        self.keys = JWTKeyCollection()
        await self.keys.add(hmac: HMACKey(key: key), digestAlgorithm: .sha256)
        self.accessLifetime = accessLifetime
        self.refreshLifetime = refreshLifetime
    }

    /// Seconds an access token lives (the token response's `expires_in`).
    public var accessLifetimeSeconds: Int { Int(self.accessLifetime.components.seconds) }

    /// A signed token of `kind` for `user` in `family`; returns it with its id and expiry.
    public func issue(
        _ kind: Kind,
        userID: String,
        email: String,
        roles: [String],
        family: String,
        now: Date = Date()
    ) async throws -> (token: String, id: String, expiresAt: Date) {
        let lifetime = kind == .access ? self.accessLifetime : self.refreshLifetime
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))  // NumericDate in whole seconds
        let expires = now.addingTimeInterval(TimeInterval(lifetime.components.seconds))
        let id = UUID().uuidString.lowercased()
        let claims = TokenClaims(
            sub: SubjectClaim(value: userID),
            email: email,
            roles: roles,
            iat: IssuedAtClaim(value: now),
            exp: ExpirationClaim(value: expires),
            jti: IDClaim(value: id),
            type: kind.rawValue,
            fam: family
        )
        return (try await self.keys.sign(claims), id, expires)
    }

    /// The claims of a valid, unexpired token of `kind`; `nil` for anything else (bad structure, another
    /// algorithm, a bad signature, expired, the wrong kind).
    public func verify(_ token: String, as kind: Kind) async -> TokenClaims? {
        if let claims = self.verified.claims(for: token) {
            guard claims.type == kind.rawValue, claims.exp.value > Date() else { return nil }
            return claims
        }
        guard token.utf8.count <= 8192, Self.headerIsPinned(token) else { return nil }
        guard let claims = try? await self.keys.verify(token, as: TokenClaims.self) else { return nil }
        self.verified.remember(token, claims, limit: Self.verifiedCacheLimit)
        return claims.type == kind.rawValue ? claims : nil
    }

    /// Whether the token has three parts and a header of exactly `alg: HS256` (and `typ: JWT` if any), no `crit`.
    static func headerIsPinned(_ token: String) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[2].isEmpty,
            let headerBytes = try? Base64.decode(string: String(parts[0]), options: [.base64UrlAlphabet, .omitPaddingCharacter]),
            let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any]
        else { return false }
        guard header["alg"] as? String == "HS256", header["crit"] == nil else { return false }
        if let type = header["typ"], type as? String != "JWT" { return false }
        return true
    }
}

/// The verified-token memory of ``TokenService``.
final class VerifiedTokens: Sendable {
    private let entries = Mutex<[String: TokenClaims]>([:])

    func claims(for token: String) -> TokenClaims? {
        self.entries.withLock { $0[token] }
    }

    func remember(_ token: String, _ claims: TokenClaims, limit: Int) {
        self.entries.withLock { entries in
            if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[token] = claims
        }
    }
}
