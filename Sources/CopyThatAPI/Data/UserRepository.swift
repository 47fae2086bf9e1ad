import Clients

/// Users and their logins, in SQL.
public struct UserRepository: Sendable {
    let database: Database

    /// Creates the repository.
    public init(database: Database) {
        self.database = database
    }

    /// Why an account could not be created.
    public enum CreateError: Error {
        /// Another account has this email (whatever its case).
        case emailTaken
    }

    /// Creates a user with `roles`.
    public func create(email: String, passwordHash: String, fullName: String?, roles: [String] = ["user"]) async throws -> User {
        do {
            let rows = try await self.database.query(
                """
                INSERT INTO users (email, hashed_password, full_name, roles) VALUES ($1, $2, $3, $4::text[])
                RETURNING id::text, email, full_name, roles, is_active, iso8601(created_at)
                """,
                [email, passwordHash, fullName, Self.textArray(roles)]
            )
            return User(row: rows[0])
        } catch let error as PostgresError where error.isUniqueViolation {
            throw CreateError.emailTaken
        }
    }

    /// The account with `email` (any case) and its password hash.
    public func byEmail(_ email: String) async throws -> (user: User, passwordHash: String)? {
        let rows = try await self.database.query(
            """
            SELECT id::text, email, full_name, roles, is_active, iso8601(created_at), hashed_password
            FROM users WHERE lower(email) = lower($1)
            """,
            [email]
        )
        return rows.first.map { (User(row: $0), $0.string(6)) }
    }

    /// The user behind an access token, whether its login was revoked, and the project `projectID` if one is asked
    /// for, in one statement (this runs on every request with a token). `nil` when the user no longer exists.
    public func forToken(
        userID: String,
        family: String,
        project projectID: Int? = nil
    ) async throws
        -> (user: User, familyRevoked: Bool, project: Project?)?
    {
        guard UUIDText.isValid(userID), UUIDText.isValid(family) else { return nil }
        let rows = try await self.database.query(
            """
            SELECT u.id::text, u.email, u.full_name, u.roles, u.is_active, iso8601(u.created_at),
                   COALESCE((SELECT f.revoked_at IS NOT NULL OR f.user_id <> u.id FROM refresh_token_families f WHERE f.id = $2::uuid), true),
                   p.id, p.name, p.description, p.owner_id::text, iso8601(p.created_at), iso8601(p.updated_at)
            FROM users u LEFT JOIN projects p ON p.id = $3::int
            WHERE u.id = $1::uuid
            """,
            [userID, family, projectID.map(String.init)]
        )
        guard let row = rows.first else { return nil }
        let project = row[7] == nil ? nil : Project(row: row, offset: 7)
        return (User(row: row), row.bool(6), project)
    }

    /// The project `id` (for callers whose user is already known).
    func project(_ id: Int) async throws -> Project? {
        try await ProjectRepository(database: self.database).find(id: id)
    }

    /// Records a successful login.
    public func recordLogin(userID: String) async throws {
        _ = try await self.database.query("UPDATE users SET last_login = now() WHERE id = $1::uuid", [userID])
    }

    /// Creates an admin, or gives an existing account the admin role and the new password; returns the user and
    /// whether it was created.
    public func upsertAdmin(email: String, passwordHash: String) async throws -> (user: User, created: Bool) {
        let rows = try await self.database.query(
            """
            INSERT INTO users (email, hashed_password, roles) VALUES ($1, $2, ARRAY['user', 'admin'])
            ON CONFLICT ((lower(email))) DO UPDATE SET
                hashed_password = EXCLUDED.hashed_password,
                roles = ARRAY(SELECT DISTINCT unnest(users.roles || ARRAY['admin'])),
                is_active = true,
                updated_at = now()
            RETURNING id::text, email, full_name, roles, is_active, iso8601(created_at), (xmax = 0)
            """,
            [email, passwordHash]
        )
        return (User(row: rows[0]), rows[0].bool(6))
    }

    /// Enables or disables an account.
    public func setActive(userID: String, _ active: Bool) async throws {
        _ = try await self.database.query(
            "UPDATE users SET is_active = $2, updated_at = now() WHERE id = $1::uuid",
            [userID, active ? "true" : "false"]
        )
    }

    static func textArray(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0 + "\"" }.joined(separator: ",") + "}"
    }
}

/// The canonical text form of a UUID, checked before it reaches SQL (a malformed one would be a server error).
enum UUIDText {
    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102) || (byte >= 65 && byte <= 70) else { return false }
            }
        }
        return true
    }
}
