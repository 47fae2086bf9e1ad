/// `extraction_jobs` and the colour tokens each one finds.
public struct ExtractionRepository: Sendable {
    let database: Database

    /// Creates the repository.
    public init(database: Database) {
        self.database = database
    }

    /// Records a pending extraction; returns its id.
    public func start(
        projectID: Int,
        userID: String,
        sourceType: String,
        imageSHA256: String,
        maxColors: Int
    ) async throws -> Int {
        let rows = try await self.database.query(
            """
            INSERT INTO extraction_jobs (project_id, user_id, source_type, image_sha256, max_colors)
            VALUES ($1, $2, $3, $4, $5) RETURNING id
            """,
            [String(projectID), userID, sourceType, imageSHA256, String(maxColors)]
        )
        return rows.first?.int(0) ?? 0
    }

    /// Completes job `jobID` with `palette`: its colours inserted (in one statement) and the job marked completed,
    /// in one transaction. Returns the tokens as stored.
    public func complete(jobID: Int, projectID: Int, palette: Palette, provider: String, model: String) async throws -> [ColorToken] {
        let colors = palette.colors
        return try await self.database.transaction { transaction in
            let rows = try await transaction.execute(
                """
                INSERT INTO color_tokens (project_id, extraction_job_id, hex, name, design_intent, confidence, prominence, usage)
                SELECT $1, $2, c.hex, c.name, c.intent, c.confidence, c.prominence, c.usage
                FROM unnest($3::text[], $4::text[], $5::text[], $6::real[], $7::real[], $8::text[], $9::int[])
                    AS c (hex, name, intent, confidence, prominence, usage, position)
                ORDER BY c.position
                RETURNING id, hex, name, design_intent, role, confidence, prominence, usage, extraction_job_id, iso8601(created_at)
                """,
                [
                    String(projectID), String(jobID),
                    PostgresArrayLiteral.make(colors.map(\.hex)),
                    PostgresArrayLiteral.make(colors.map(\.name)),
                    PostgresArrayLiteral.make(colors.map(\.designIntent)),
                    PostgresArrayLiteral.make(colors.map { String($0.confidence) }),
                    PostgresArrayLiteral.make(colors.map { String($0.prominence) }),
                    PostgresArrayLiteral.make(colors.map(\.usage)),
                    PostgresArrayLiteral.make(colors.indices.map { String($0) }),
                ]
            )
            _ = try await transaction.execute(
                "UPDATE extraction_jobs SET status = 'completed', provider = $2, model = $3, completed_at = now() WHERE id = $1",
                [String(jobID), provider, model]
            )
            return rows.map(ColorRepository.token).sorted { $0.id < $1.id }
        }
    }

    /// Marks job `jobID` failed with `reason` (at most 500 characters; never the provider's own words).
    public func fail(jobID: Int, reason: String) async throws {
        _ = try await self.database.query(
            "UPDATE extraction_jobs SET status = 'failed', error = $2, completed_at = now() WHERE id = $1",
            [String(jobID), String(reason.prefix(500))]
        )
    }

    /// A job's status and error, for tests and reports.
    public func status(jobID: Int) async throws -> (status: String, error: String?, provider: String?)? {
        let rows = try await self.database.query("SELECT status, error, provider FROM extraction_jobs WHERE id = $1", [String(jobID)])
        return rows.first.map { ($0.string(0), $0[1], $0[2]) }
    }
}
