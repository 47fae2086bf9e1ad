/// A colour token of a project.
public struct ColorToken: Sendable, Hashable, Encodable {
    /// The id.
    public var id: Int
    /// `#RRGGBB`.
    public var hex: String
    /// A name, if known.
    public var name: String?
    /// One of the ten design intents, if known.
    public var designIntent: String?
    /// The role assigned to it, if any.
    public var role: String?
    /// 0–1.
    public var confidence: Double?
    /// Percentage of the image, 0–100.
    public var prominence: Double?
    /// Where it is used.
    public var usage: String?
    /// The extraction that found it.
    public var extractionJobID: Int?
    /// ISO 8601.
    public var createdAt: String

    enum CodingKeys: String, CodingKey {
        case id, hex, name, role, confidence, prominence, usage
        case designIntent = "design_intent"
        case extractionJobID = "extraction_job_id"
        case createdAt = "created_at"
    }

    /// Encodes absent values as `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.id, forKey: .id)
        try container.encode(self.hex, forKey: .hex)
        try container.encode(self.name, forKey: .name)
        try container.encode(self.designIntent, forKey: .designIntent)
        try container.encode(self.role, forKey: .role)
        try container.encode(self.confidence, forKey: .confidence)
        try container.encode(self.prominence, forKey: .prominence)
        try container.encode(self.usage, forKey: .usage)
        try container.encode(self.extractionJobID, forKey: .extractionJobID)
        try container.encode(self.createdAt, forKey: .createdAt)
    }
}

/// Colour tokens in SQL.
public struct ColorRepository: Sendable {
    let database: Database

    /// Creates the repository.
    public init(database: Database) {
        self.database = database
    }

    /// The project's colours, newest first (at most 500).
    public func list(projectID: Int) async throws -> [ColorToken] {
        try await self.database.query(
            """
            SELECT id, hex, name, design_intent, role, confidence, prominence, usage, extraction_job_id, iso8601(created_at)
            FROM color_tokens WHERE project_id = $1 ORDER BY created_at DESC, id LIMIT 500
            """,
            [String(projectID)]
        ).map(Self.token)
    }

    /// A token from a row of `id, hex, name, design_intent, role, confidence, prominence, usage, extraction_job_id,
    /// iso8601(created_at)`.
    static func token(_ row: Row) -> ColorToken {
        ColorToken(
            id: row.int(0) ?? 0,
            hex: row.string(1),
            name: row[2],
            designIntent: row[3],
            role: row[4],
            confidence: row[5].flatMap(Double.init),
            prominence: row[6].flatMap(Double.init),
            usage: row[7],
            extractionJobID: row.int(8),
            createdAt: row.string(9)
        )
    }

    /// Sets the roles of the project's tokens in one statement (the seeds' N+1 fixed): nothing is changed when any id
    /// is not a token of this project, and the project's colour version is bumped when any is; returns the ids changed
    /// and the ids that are not the project's.
    public func assignRoles(projectID: Int, _ assignments: [(tokenID: Int, role: String)]) async throws -> (updated: [Int], foreign: [Int])
    {
        let rows = try await self.database.query(
            """
            WITH wanted AS (SELECT * FROM unnest($2::int[], $3::text[]) AS w (id, role)),
                 foreign_ids AS (
                     SELECT w.id FROM wanted w LEFT JOIN color_tokens t ON t.id = w.id AND t.project_id = $1
                     WHERE t.id IS NULL
                 ),
                 changed AS (
                     UPDATE color_tokens t SET role = w.role FROM wanted w
                     WHERE t.id = w.id AND t.project_id = $1 AND NOT EXISTS (SELECT 1 FROM foreign_ids)
                     RETURNING t.id
                 ),
                 bumped AS (UPDATE projects SET colors_version = colors_version + 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM changed))
            SELECT 'foreign', id FROM foreign_ids UNION ALL SELECT 'updated', id FROM changed
            """,
            [
                String(projectID),
                PostgresArrayLiteral.make(assignments.map { String($0.tokenID) }),
                PostgresArrayLiteral.make(assignments.map(\.role)),
            ]
        )
        let foreign = rows.filter { $0.string(0) == "foreign" }.compactMap { $0.int(1) }
        let updated = rows.filter { $0.string(0) == "updated" }.compactMap { $0.int(1) }
        return (updated, foreign)
    }
}
