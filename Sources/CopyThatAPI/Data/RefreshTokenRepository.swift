public import Foundation

/// Refresh tokens: each login starts a family; each refresh uses its token once and adds the next one. Presenting
/// a used token again means it was stolen (or replayed): the whole family is revoked, which also ends its access
/// tokens, since every authenticated request checks its family.
public struct RefreshTokenRepository: Sendable {
    let database: Database

    /// Creates the repository.
    public init(database: Database) {
        self.database = database
    }

    /// What presenting a refresh token did.
    public enum Redemption: Sendable, Hashable {
        /// The token was fresh and is now used; issue the next one in `family`.
        case redeemed(userID: String, family: String)
        /// The token had been used already: its family is now revoked.
        case reused
        /// The token is unknown, expired, or its family was revoked.
        case invalid
    }

    /// Starts a family for `userID` with its first token `jti`.
    public func startFamily(userID: String, family: String, jti: String, expiresAt: Date) async throws {
        try await self.database.transaction { transaction in
            _ = try await transaction.execute(
                "INSERT INTO refresh_token_families (id, user_id) VALUES ($1::uuid, $2::uuid)",
                [family, userID]
            )
            _ = try await transaction.execute(
                "INSERT INTO refresh_tokens (jti, family_id, expires_at) VALUES ($1::uuid, $2::uuid, to_timestamp($3))",
                [jti, family, String(expiresAt.timeIntervalSince1970)]
            )
        }
    }

    /// Adds the next token of `family`.
    public func add(jti: String, family: String, expiresAt: Date) async throws {
        _ = try await self.database.query(
            "INSERT INTO refresh_tokens (jti, family_id, expires_at) VALUES ($1::uuid, $2::uuid, to_timestamp($3))",
            [jti, family, String(expiresAt.timeIntervalSince1970)]
        )
    }

    /// Uses the token `jti` of `family` once. The first statement is atomic, so of two requests racing with the
    /// same token exactly one redeems it and the other revokes the family.
    public func redeem(jti: String, family: String) async throws -> Redemption {
        guard UUIDText.isValid(jti), UUIDText.isValid(family) else { return .invalid }
        let redeemed = try await self.database.query(
            """
            UPDATE refresh_tokens t SET used_at = now()
            FROM refresh_token_families f
            WHERE t.jti = $1::uuid AND t.family_id = $2::uuid AND f.id = t.family_id
              AND t.used_at IS NULL AND f.revoked_at IS NULL AND t.expires_at > now()
            RETURNING f.user_id::text
            """,
            [jti, family]
        )
        if let row = redeemed.first { return .redeemed(userID: row.string(0), family: family) }
        let revoked = try await self.database.query(
            """
            UPDATE refresh_token_families f SET revoked_at = now(), revoked_reason = 'refresh token reused'
            FROM refresh_tokens t
            WHERE t.jti = $1::uuid AND t.family_id = f.id AND f.id = $2::uuid AND t.used_at IS NOT NULL AND f.revoked_at IS NULL
            RETURNING f.id
            """,
            [jti, family]
        )
        return revoked.isEmpty ? .invalid : .reused
    }
}
