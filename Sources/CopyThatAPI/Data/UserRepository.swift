import Clients

/// Users and their logins, in SQL.
public struct UserRepository: Sendable {
    let database: Database
    let tokenLookups: StatementCoalescer<TokenLookup, TokenUser?>

    /// Creates the repository.
    public init(database: Database) {
        self.database = database
        self.tokenLookups = StatementCoalescer(
            runBatch: { lookups in try await Self.lookUp(lookups, on: database) },
            runOne: { lookup in try await Self.lookUpAlone(lookup, on: database) }
        )
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
    ///
    /// Lookups that arrive together share a statement (``StatementCoalescer``); each is read when its request is
    /// already waiting, so a login revoked or an account disabled before it is seen at once, as alone.
    public func forToken(
        userID: String,
        family: String,
        project projectID: Int? = nil
    ) async throws -> TokenUser? {
        guard UUIDText.isValid(userID), UUIDText.isValid(family) else { return nil }
        return try await self.tokenLookups.run(TokenLookup(userID: userID, family: family, projectID: projectID))
    }

    /// What ``forToken(userID:family:project:)`` answers.
    public typealias TokenUser = (user: User, familyRevoked: Bool, project: Project?)

    /// One request's lookup: a verified token's user and login, and the project its route names.
    struct TokenLookup: Sendable {
        var userID: String
        var family: String
        var projectID: Int?
    }

    /// The columns of a lookup's answer after its user's: whether the login is revoked (or not the user's), then the
    /// project's columns, `NULL` when it does not exist or none was asked for.
    private static let tokenColumns = """
        u.id::text, u.email, u.full_name, u.roles, u.is_active, iso8601(u.created_at),
        COALESCE((SELECT f.revoked_at IS NOT NULL OR f.user_id <> u.id FROM refresh_token_families f WHERE f.id = r.family), true),
        p.id, p.name, p.description, p.owner_id::text, iso8601(p.created_at), iso8601(p.updated_at), p.colors_version
        """

    /// ``forToken(userID:family:project:)`` in a statement of its own.
    static func lookUpAlone(_ lookup: TokenLookup, on database: Database) async throws -> TokenUser? {
        let rows = try await database.query(
            """
            SELECT \(Self.tokenColumns)
            FROM (SELECT $1::uuid AS user_id, $2::uuid AS family, $3::int AS project_id) r
                JOIN users u ON u.id = r.user_id LEFT JOIN projects p ON p.id = r.project_id
            """,
            [lookup.userID, lookup.family, lookup.projectID.map(String.init)]
        )
        return rows.first.flatMap { Self.tokenUser($0, offset: 0, for: lookup) }
    }

    /// Several lookups in one statement, answered in order: each row carries the position of the lookup it answers.
    static func lookUp(_ lookups: [TokenLookup], on database: Database) async throws -> [TokenUser?] {
        let array = PostgresArrayLiteral.make
        let rows = try await database.query(
            """
            SELECT r.position, \(Self.tokenColumns)
            FROM unnest($1::uuid[], $2::uuid[], $3::int[]) WITH ORDINALITY AS r (user_id, family, project_id, position)
                JOIN users u ON u.id = r.user_id LEFT JOIN projects p ON p.id = r.project_id
            """,
            [
                array(lookups.map(\.userID)), array(lookups.map(\.family)), array(lookups.map { $0.projectID.map(String.init) }),
            ]
        )
        var answers = [TokenUser?](repeating: nil, count: lookups.count)
        for row in rows {
            guard let position = row.int(0), (1...lookups.count).contains(position) else {
                throw BatchMismatch(expected: lookups.count, got: rows.count)
            }
            answers[position - 1] = Self.tokenUser(row, offset: 1, for: lookups[position - 1])
        }
        return answers
    }

    /// A lookup's answer from `row` (its columns from `offset`), or `nil` when the row is another user's: a batch's
    /// rows are matched to their lookups by position, and this makes sure no caller is ever given someone else.
    private static func tokenUser(_ row: Row, offset: Int, for lookup: TokenLookup) -> TokenUser? {
        let user = User(row: row, offset: offset)
        guard user.id == lookup.userID.lowercased() else { return nil }
        let project = row[offset + 7] == nil ? nil : Project(row: row, offset: offset + 7)
        return (user, row.bool(offset + 6), project)
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
