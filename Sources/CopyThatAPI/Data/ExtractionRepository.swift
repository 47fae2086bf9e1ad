public import CopyThatInstrumentation

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

    /// Completes pending job `jobID` with `palette`: its colours inserted, the job marked completed and `usage`
    /// logged in one statement (so at once, or not at), returning the tokens as stored.
    public func complete(
        jobID: Int,
        projectID: Int,
        palette: Palette,
        provider: String,
        model: String,
        usage: [UsageLog.Entry] = []
    ) async throws -> [ColorToken] {
        try await self.insertColors(
            job:
                "UPDATE extraction_jobs SET status = 'completed', provider = $10, model = $11, completed_at = now() WHERE id = $2 RETURNING id",
            jobID: jobID,
            jobParameters: [provider, model],
            projectID: projectID,
            palette: palette,
            usage: usage,
            durable: true
        )
    }

    /// Records an extraction that needs no pending state (a cached answer, the local provider): the job, completed,
    /// its colours and `usage` in one statement. Returns the job's id and the tokens. With `durable` false the
    /// statement returns before its commit is flushed (`synchronous_commit = off` for this transaction alone).
    public func record(
        projectID: Int,
        userID: String,
        sourceType: String,
        imageSHA256: String,
        maxColors: Int,
        palette: Palette,
        provider: String,
        model: String,
        usage: [UsageLog.Entry] = [],
        durable: Bool = true
    ) async throws -> (jobID: Int, tokens: [ColorToken]) {
        let tokens = try await self.insertColors(
            job: """
                INSERT INTO extraction_jobs (project_id, user_id, source_type, image_sha256, max_colors, status, provider, model, completed_at)
                VALUES ($1, $10::uuid, $11, $12, $13::int, 'completed', $14, $15, now()) RETURNING id
                """,
            jobID: nil,
            jobParameters: [userID, sourceType, imageSHA256, String(maxColors), provider, model],
            projectID: projectID,
            palette: palette,
            usage: usage,
            durable: durable
        )
        return (tokens.first?.extractionJobID ?? 0, tokens)
    }

    /// One statement: `job` (an UPDATE or INSERT of the job, `RETURNING id`, with its own parameters from $10 on;
    /// `$2` is `jobID`, for an UPDATE), the palette's colours as tokens of that job, and the usage log's rows; not
    /// `durable`, the transaction's commit is asynchronous (`set_config` with `is_local`, read the moment it commits).
    private func insertColors(
        job: String,
        jobID: Int?,
        jobParameters: [String?],
        projectID: Int,
        palette: Palette,
        usage: [UsageLog.Entry],
        durable: Bool
    ) async throws -> [ColorToken] {
        let colors = palette.colors
        let logged = UsageLog.writeClauses(usage, firstParameter: 10 + jobParameters.count)
        let commit = durable ? "" : "commit_mode AS (SELECT set_config('synchronous_commit', 'off', true)),"
        let rows = try await self.database.query(
            """
            WITH \(commit)\(logged.map { $0.sql + "," } ?? "") job AS (\(job))
            INSERT INTO color_tokens (project_id, extraction_job_id, hex, name, design_intent, confidence, prominence, usage)
            SELECT $1, job.id, c.hex, c.name, c.intent, c.confidence, c.prominence, c.usage
            FROM job, \(durable ? "" : "commit_mode, ")unnest($3::text[], $4::text[], $5::text[], $6::real[], $7::real[], $8::text[], $9::int[])
                AS c (hex, name, intent, confidence, prominence, usage, position)
            WHERE $2::int IS NOT NULL
            ORDER BY c.position
            RETURNING id, hex, name, design_intent, role, confidence, prominence, usage, extraction_job_id, iso8601(created_at)
            """,
            [
                String(projectID), String(jobID ?? 0),
                PostgresArrayLiteral.make(colors.map(\.hex)),
                PostgresArrayLiteral.make(colors.map(\.name)),
                PostgresArrayLiteral.make(colors.map(\.designIntent)),
                PostgresArrayLiteral.make(colors.map { String($0.confidence) }),
                PostgresArrayLiteral.make(colors.map { String($0.prominence) }),
                PostgresArrayLiteral.make(colors.map(\.usage)),
                PostgresArrayLiteral.make(colors.indices.map { String($0) }),
            ] + jobParameters + (logged?.parameters ?? [])
        )
        return rows.map(ColorRepository.token).sorted { $0.id < $1.id }
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
