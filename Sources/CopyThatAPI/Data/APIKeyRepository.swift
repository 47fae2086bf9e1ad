/// An API key as listed: never the key, never its hash.
public struct APIKeyRecord: Sendable, Hashable, Encodable {
    /// The id.
    public var id: String
    /// The owner's label.
    public var name: String
    /// The visible prefix (`ctk_` and 8 characters).
    public var keyPrefix: String
    /// Its scopes.
    public var scopes: [String]
    /// Whether it still works (false once revoked).
    public var isActive: Bool
    /// When it stops working, if ever (ISO 8601).
    public var expiresAt: String?
    /// When it was last used (to the minute).
    public var lastUsedAt: String?
    /// When it was made.
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, name, scopes
        case keyPrefix = "key_prefix"
        case isActive = "is_active"
        case expiresAt = "expires_at"
        case lastUsedAt = "last_used_at"
        case createdAt = "created_at"
    }

    /// Encodes absent dates as `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.id, forKey: .id)
        try container.encode(self.name, forKey: .name)
        try container.encode(self.keyPrefix, forKey: .keyPrefix)
        try container.encode(self.scopes, forKey: .scopes)
        try container.encode(self.isActive, forKey: .isActive)
        try container.encode(self.expiresAt, forKey: .expiresAt)
        try container.encode(self.lastUsedAt, forKey: .lastUsedAt)
        try container.encode(self.createdAt, forKey: .createdAt)
    }

    static let columns =
        "id::text, name, key_prefix, scopes, is_active, iso8601(expires_at), iso8601(last_used_at), iso8601(created_at)"

    init(row: Row) {
        self.id = row.string(0)
        self.name = row.string(1)
        self.keyPrefix = row.string(2)
        self.scopes = row.array(3)
        self.isActive = row.bool(4)
        self.expiresAt = row[5]
        self.lastUsedAt = row[6]
        self.createdAt = row.string(7)
    }
}

/// API keys in SQL.
public struct APIKeyRepository: Sendable {
    let database: Database

    /// Creates the repository.
    public init(database: Database) {
        self.database = database
    }

    /// Stores a new key's prefix and MAC.
    public func create(
        userID: String,
        name: String,
        prefix: String,
        hash: String,
        scopes: [String],
        expiresInDays: Int?
    ) async throws
        -> APIKeyRecord
    {
        let rows = try await self.database.query(
            """
            INSERT INTO api_keys (user_id, name, key_prefix, key_hash, scopes, expires_at)
            VALUES ($1::uuid, $2, $3, $4, $5::text[], CASE WHEN $6::int IS NULL THEN NULL ELSE now() + make_interval(days => $6::int) END)
            RETURNING \(APIKeyRecord.columns)
            """,
            [userID, name, prefix, hash, UserRepository.textArray(scopes), expiresInDays.map(String.init)]
        )
        return APIKeyRecord(row: rows[0])
    }

    /// The user's keys, newest first.
    public func list(userID: String, limit: Int, offset: Int) async throws -> [APIKeyRecord] {
        try await self.database.query(
            "SELECT \(APIKeyRecord.columns) FROM api_keys WHERE user_id = $1::uuid ORDER BY created_at DESC, id LIMIT $2 OFFSET $3",
            [userID, String(limit), String(offset)]
        ).map(APIKeyRecord.init)
    }

    /// Revokes the user's key `id`; `false` when the user has no such key.
    public func revoke(id: String, userID: String) async throws -> Bool {
        guard UUIDText.isValid(id) else { return false }
        return
            !(try await self.database.query(
                "UPDATE api_keys SET is_active = false WHERE id = $1::uuid AND user_id = $2::uuid RETURNING id",
                [id, userID]
            ).isEmpty)
    }

    /// What authenticating with a key needs, found by its prefix, with its owner, in one statement.
    public struct Candidate: Sendable {
        /// The key's id.
        public var id: String
        /// The stored MAC.
        public var hash: String
        /// Its scopes.
        public var scopes: [String]
        /// Active and not expired.
        public var usable: Bool
        /// Its owner.
        public var user: User
    }

    /// The key with `prefix` and its owner.
    public func candidate(prefix: String) async throws -> Candidate? {
        let rows = try await self.database.query(
            """
            SELECT u.id::text, u.email, u.full_name, u.roles, u.is_active, iso8601(u.created_at),
                   k.id::text, k.key_hash, k.scopes, (k.is_active AND (k.expires_at IS NULL OR k.expires_at > now()))
            FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_prefix = $1
            """,
            [prefix]
        )
        return rows.first.map { row in
            Candidate(id: row.string(6), hash: row.string(7), scopes: row.array(8), usable: row.bool(9), user: User(row: row))
        }
    }

    /// Records a use; written at most once a minute per key, so a busy key does not turn every read into a write.
    public func touch(id: String) async throws {
        _ = try await self.database.query(
            "UPDATE api_keys SET last_used_at = now() WHERE id = $1::uuid AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
            [id]
        )
    }
}
