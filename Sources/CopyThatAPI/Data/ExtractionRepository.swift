public import CopyThatInstrumentation

/// `extraction_jobs` and the colour tokens each one finds.
public struct ExtractionRepository: Sendable {
    let database: Database
    let cacheHits: StatementCoalescer<CompletedExtraction, (jobID: Int, tokens: [ColorToken])>

    /// Creates the repository.
    public init(database: Database) {
        self.database = database
        self.cacheHits = StatementCoalescer(
            runBatch: { records in try await Self.recordCacheHits(records, on: database) },
            runOne: { record in try await Self.recordAlone(record, on: database) }
        )
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
        try await Self.insertColors(
            on: self.database,
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

    /// Records an extraction that needs no pending state (the local provider's answer, a cached one): the job,
    /// completed, its colours and its usage rows in one statement. Returns the job's id and the tokens. Not `durable`,
    /// the statement returns before its commit is flushed (`synchronous_commit = off` for this transaction alone).
    public func record(_ extraction: CompletedExtraction) async throws -> (jobID: Int, tokens: [ColorToken]) {
        try await Self.recordAlone(extraction, on: self.database)
    }

    /// Records a cache hit: like ``record(_:)``, but hits that arrive together share one statement
    /// (``StatementCoalescer``: each hit still gets its own job, colours and usage row, and one bad hit fails only
    /// itself). A hit that spends (never one from the cache, but the type allows it) goes alone.
    public func recordCacheHit(_ hit: CompletedExtraction) async throws -> (jobID: Int, tokens: [ColorToken]) {
        if hit.spends { return try await Self.recordAlone(hit, on: self.database) }
        return try await self.cacheHits.run(hit)
    }

    /// ``record(_:)``, in one statement of its own.
    static func recordAlone(_ record: CompletedExtraction, on database: Database) async throws -> (jobID: Int, tokens: [ColorToken]) {
        let tokens = try await Self.insertColors(
            on: database,
            job: """
                INSERT INTO extraction_jobs (project_id, user_id, source_type, image_sha256, max_colors, status, provider, model, completed_at)
                VALUES ($1, $10::uuid, $11, $12, $13::int, 'completed', $14, $15, now()) RETURNING id
                """,
            jobID: nil,
            jobParameters: [record.userID, record.sourceType, record.imageSHA256, String(record.maxColors), record.provider, record.model],
            projectID: record.projectID,
            palette: record.palette,
            usage: record.usage,
            durable: record.durable
        )
        return (tokens.first?.extractionJobID ?? 0, tokens)
    }

    /// Several cache hits in one statement: the jobs' ids drawn first (so each colour and each answer is matched to
    /// its hit), then the projects' colour versions bumped (their rows locked in id order, so that two batches from
    /// two instances cannot deadlock), the usage rows, the jobs and their colours; returns each hit's job id and
    /// tokens, in order. The commit is asynchronous unless a hit asks for a durable one. Usage rows here never spend
    /// (the caller checks).
    static func recordCacheHits(
        _ records: [CompletedExtraction],
        on database: Database
    ) async throws -> [(jobID: Int, tokens: [ColorToken])] {
        let hits = records.indices.map(String.init)
        let usage = records.flatMap(\.usage)
        let colors = records.enumerated().flatMap { index, record in
            record.palette.colors.enumerated().map { position, color in (index, position, color) }
        }
        let durable = records.contains(where: \.durable)
        let commit = durable ? "" : "commit_mode AS (SELECT set_config('synchronous_commit', 'off', true)),"
        let array = PostgresArrayLiteral.make
        let rows = try await database.query(
            """
            WITH \(commit)
            hit AS MATERIALIZED (
                SELECT h.*, nextval('extraction_jobs_id_seq')::int AS job_id
                FROM unnest($1::int[], $2::int[], $3::uuid[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[])
                    AS h (hit, project_id, user_id, source_type, image_sha256, max_colors, provider, model)
            ),
            bumped AS (
                UPDATE projects p SET colors_version = p.colors_version + 1
                FROM (SELECT id FROM projects WHERE id IN (SELECT project_id FROM hit) ORDER BY id FOR NO KEY UPDATE) locked
                WHERE p.id = locked.id
            ),
            usage_logged AS (
                INSERT INTO api_usage_logs (user_id, project_id, model, endpoint, input_tokens, output_tokens, cost_nanodollars, cached, success, error_type)
                SELECT * FROM unnest($9::text[], $10::int[], $11::text[], $12::text[], $13::int[], $14::int[], $15::bigint[], $16::boolean[], $17::boolean[], $18::text[])
                RETURNING id
            ),
            job AS (
                INSERT INTO extraction_jobs (id, project_id, user_id, source_type, image_sha256, max_colors, status, provider, model, completed_at)
                SELECT job_id, project_id, user_id, source_type, image_sha256, max_colors, 'completed', provider, model, now() FROM hit
                RETURNING id
            ),
            token AS (
                INSERT INTO color_tokens (project_id, extraction_job_id, hex, name, design_intent, confidence, prominence, usage)
                SELECT hit.project_id, job.id, c.hex, c.name, c.intent, c.confidence, c.prominence, c.usage
                FROM \(durable ? "" : "commit_mode, ")job JOIN hit ON hit.job_id = job.id
                    JOIN unnest($19::int[], $20::int[], $21::text[], $22::text[], $23::text[], $24::real[], $25::real[], $26::text[])
                        AS c (hit, position, hex, name, intent, confidence, prominence, usage) ON c.hit = hit.hit
                ORDER BY c.hit, c.position
                RETURNING id, hex, name, design_intent, role, confidence, prominence, usage, extraction_job_id, iso8601(created_at)
            )
            SELECT token.*, hit.hit FROM token JOIN hit ON hit.job_id = token.extraction_job_id
            """,
            [
                array(hits),
                array(records.map { String($0.projectID) }),
                array(records.map(\.userID)),
                array(records.map(\.sourceType)),
                array(records.map(\.imageSHA256)),
                array(records.map { String($0.maxColors) }),
                array(records.map(\.provider)),
                array(records.map(\.model)),
                array(usage.map(\.userID)),
                array(usage.map { $0.projectID.map(String.init) }),
                array(usage.map(\.usage.model)),
                array(usage.map(\.endpoint)),
                array(usage.map { String($0.usage.inputTokens) }),
                array(usage.map { String($0.usage.outputTokens) }),
                array(usage.map { String($0.cost.nanodollars) }),
                array(usage.map { $0.usage.cached ? "true" : "false" }),
                array(usage.map { $0.usage.errorType == nil ? "true" : "false" }),
                array(usage.map(\.usage.errorType)),
                array(colors.map { String($0.0) }),
                array(colors.map { String($0.1) }),
                array(colors.map(\.2.hex)),
                array(colors.map(\.2.name)),
                array(colors.map(\.2.designIntent)),
                array(colors.map { String($0.2.confidence) }),
                array(colors.map { String($0.2.prominence) }),
                array(colors.map(\.2.usage)),
            ]
        )
        var tokens = [[ColorToken]](repeating: [], count: records.count)
        for row in rows {
            guard let hit = row.int(10), tokens.indices.contains(hit) else { continue }
            tokens[hit].append(ColorRepository.token(row))
        }
        // Committed: a hit without all its colours here is a defect to report, never to retry (it would be recorded twice).
        guard zip(tokens, records).allSatisfy({ $0.count == $1.palette.colors.count }) else {
            throw BatchMismatch(expected: colors.count, got: rows.count)
        }
        return tokens.map { found in
            let sorted = found.sorted { $0.id < $1.id }
            return (sorted.first?.extractionJobID ?? 0, sorted)
        }
    }

    /// One statement: `job` (an UPDATE or INSERT of the job, `RETURNING id`, with its own parameters from $10 on;
    /// `$2` is `jobID`, for an UPDATE), the palette's colours as tokens of that job, the project's colour version
    /// bumped, and the usage log's rows; not
    /// `durable`, the transaction's commit is asynchronous (`set_config` with `is_local`, read the moment it commits).
    private static func insertColors(
        on database: Database,
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
        let rows = try await database.query(
            """
            WITH \(commit)\(logged.map { $0.sql + "," } ?? "")
            bumped AS (UPDATE projects SET colors_version = colors_version + 1 WHERE id = $1),
            job AS (\(job))
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
