/// A project: `{id, name, description, owner_id, created_at, updated_at}`.
public struct Project: Sendable, Hashable, Encodable {
    /// The id.
    public var id: Int
    /// The name.
    public var name: String
    /// The description, if any.
    public var description: String?
    /// The owner's user id.
    public var ownerID: String
    /// ISO 8601.
    public var createdAt: String
    /// ISO 8601.
    public var updatedAt: String
    /// Bumped whenever the project's colours change (not in the JSON): what a cached colour list is checked against.
    public var colorsVersion: Int

    enum CodingKeys: String, CodingKey {
        case id, name, description
        case ownerID = "owner_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// Encodes an absent description as `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.id, forKey: .id)
        try container.encode(self.name, forKey: .name)
        try container.encode(self.description, forKey: .description)
        try container.encode(self.ownerID, forKey: .ownerID)
        try container.encode(self.createdAt, forKey: .createdAt)
        try container.encode(self.updatedAt, forKey: .updatedAt)
    }

    static let columns = "id, name, description, owner_id::text, iso8601(created_at), iso8601(updated_at), colors_version"

    init(row: Row, offset: Int = 0) {
        self.id = row.int(offset) ?? 0
        self.name = row.string(offset + 1)
        self.description = row[offset + 2]
        self.ownerID = row.string(offset + 3)
        self.createdAt = row.string(offset + 4)
        self.updatedAt = row.string(offset + 5)
        self.colorsVersion = row.int(offset + 6) ?? 0
    }
}

/// Projects in SQL.
public struct ProjectRepository: Sendable {
    let database: Database

    /// Creates the repository.
    public init(database: Database) {
        self.database = database
    }

    /// Creates a project owned by `ownerID`.
    public func create(ownerID: String, name: String, description: String?) async throws -> Project {
        let rows = try await self.database.query(
            "INSERT INTO projects (owner_id, name, description) VALUES ($1::uuid, $2, $3) RETURNING \(Project.columns)",
            [ownerID, name, description]
        )
        return Project(row: rows[0])
    }

    /// The project `id`, whoever owns it.
    public func find(id: Int) async throws -> Project? {
        try await self.database.query("SELECT \(Project.columns) FROM projects WHERE id = $1", [String(id)]).first.map { Project(row: $0) }
    }

    /// Projects owned by `ownerID` (every project when `nil`), by id.
    public func list(ownerID: String?, limit: Int, offset: Int) async throws -> [Project] {
        if let ownerID {
            return try await self.database.query(
                "SELECT \(Project.columns) FROM projects WHERE owner_id = $1::uuid ORDER BY id LIMIT $2 OFFSET $3",
                [ownerID, String(limit), String(offset)]
            ).map { Project(row: $0) }
        }
        return try await self.database.query(
            "SELECT \(Project.columns) FROM projects ORDER BY id LIMIT $1 OFFSET $2",
            [String(limit), String(offset)]
        ).map { Project(row: $0) }
    }

    /// Changes the fields given; returns the project as it now is.
    public func update(id: Int, name: String?, description: String??) async throws -> Project? {
        let setDescription = description != nil
        let rows = try await self.database.query(
            """
            UPDATE projects SET name = COALESCE($2, name),
                description = CASE WHEN $3::boolean THEN $4 ELSE description END,
                updated_at = now()
            WHERE id = $1 RETURNING \(Project.columns)
            """,
            [String(id), name, setDescription ? "true" : "false", description ?? nil]
        )
        return rows.first.map { Project(row: $0) }
    }

    /// Deletes the project and, through the foreign keys, its jobs and colours.
    public func delete(id: Int) async throws -> Bool {
        !(try await self.database.query("DELETE FROM projects WHERE id = $1 RETURNING id", [String(id)]).isEmpty)
    }
}
