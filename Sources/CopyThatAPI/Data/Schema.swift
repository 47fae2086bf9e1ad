public import CopyThatInstrumentation

/// The core API's schema: the instrumentation's `api_usage_logs` (version 1) and `ai_daily_spend` (8) around the
/// API's own tables (2–7, 9, 10).
///
/// Ids of users and keys are UUIDs (the seeds' `String(36)`, typed); project, job and colour ids are integers as in
/// the seeds' requests. Emails are unique whatever their case (`lower(email)`), roles and scopes are checked by the
/// database as well as the code, and every foreign key has an index.
public enum Schema {
    /// Every migration, in order of version (the instrumentation's and the API's interleave).
    public static let migrations = Migrations(
        migrations: (Migrations.copyThat.migrations + Self.apiMigrations).sorted { $0.version < $1.version }
    )

    static let apiMigrations: [Migrations.Migration] = [
        .init(
            version: 2,
            name: "create users",
            statements: [
                """
                CREATE FUNCTION iso8601(value timestamptz) RETURNS text LANGUAGE sql STABLE
                AS $$ SELECT to_char(value AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$
                """,
                """
                CREATE TABLE users (
                    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
                    email VARCHAR(254) NOT NULL,
                    hashed_password VARCHAR(255) NOT NULL,
                    full_name VARCHAR(255),
                    roles TEXT[] NOT NULL DEFAULT ARRAY['user'],
                    is_active BOOLEAN NOT NULL DEFAULT true,
                    is_verified BOOLEAN NOT NULL DEFAULT false,
                    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    last_login TIMESTAMPTZ,
                    CONSTRAINT users_roles_known CHECK (roles <@ ARRAY['user', 'admin']::text[] AND cardinality(roles) > 0)
                )
                """,
                "CREATE UNIQUE INDEX ux_users_email_lower ON users (lower(email))",
            ]
        ),
        .init(
            version: 3,
            name: "create api_keys",
            statements: [
                """
                CREATE TABLE api_keys (
                    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
                    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    name VARCHAR(100) NOT NULL,
                    key_prefix VARCHAR(16) NOT NULL,
                    key_hash CHAR(64) NOT NULL,
                    scopes TEXT[] NOT NULL,
                    is_active BOOLEAN NOT NULL DEFAULT true,
                    expires_at TIMESTAMPTZ,
                    last_used_at TIMESTAMPTZ,
                    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    CONSTRAINT api_keys_scopes_known
                        CHECK (scopes <@ ARRAY['read', 'write', 'delete']::text[] AND cardinality(scopes) > 0)
                )
                """,
                "CREATE UNIQUE INDEX ux_api_keys_prefix ON api_keys (key_prefix)",
                "CREATE INDEX ix_api_keys_user_id ON api_keys (user_id)",
            ]
        ),
        .init(
            version: 4,
            name: "create refresh token families",
            statements: [
                """
                CREATE TABLE refresh_token_families (
                    id UUID PRIMARY KEY,
                    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    revoked_at TIMESTAMPTZ,
                    revoked_reason VARCHAR(50)
                )
                """,
                "CREATE INDEX ix_refresh_token_families_user_id ON refresh_token_families (user_id)",
                """
                CREATE TABLE refresh_tokens (
                    jti UUID PRIMARY KEY,
                    family_id UUID NOT NULL REFERENCES refresh_token_families (id) ON DELETE CASCADE,
                    expires_at TIMESTAMPTZ NOT NULL,
                    used_at TIMESTAMPTZ
                )
                """,
                "CREATE INDEX ix_refresh_tokens_family_id ON refresh_tokens (family_id)",
            ]
        ),
        .init(
            version: 5,
            name: "create projects",
            statements: [
                """
                CREATE TABLE projects (
                    id SERIAL PRIMARY KEY,
                    owner_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    name VARCHAR(255) NOT NULL,
                    description VARCHAR(2000),
                    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX ix_projects_owner_id ON projects (owner_id, id)",
            ]
        ),
        .init(
            version: 6,
            name: "create extraction_jobs and color_tokens",
            statements: [
                """
                CREATE TABLE extraction_jobs (
                    id SERIAL PRIMARY KEY,
                    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
                    user_id UUID REFERENCES users (id) ON DELETE SET NULL,
                    status VARCHAR(20) NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'completed', 'failed')),
                    source_type VARCHAR(10) NOT NULL CHECK (source_type IN ('url', 'base64')),
                    image_sha256 CHAR(64),
                    provider VARCHAR(20),
                    model VARCHAR(100),
                    max_colors INTEGER NOT NULL CHECK (max_colors BETWEEN 1 AND 50),
                    error VARCHAR(500),
                    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    completed_at TIMESTAMPTZ
                )
                """,
                "CREATE INDEX ix_extraction_jobs_project_id ON extraction_jobs (project_id)",
                "CREATE INDEX ix_extraction_jobs_status ON extraction_jobs (status)",
                """
                CREATE TABLE color_tokens (
                    id SERIAL PRIMARY KEY,
                    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
                    extraction_job_id INTEGER REFERENCES extraction_jobs (id) ON DELETE SET NULL,
                    hex CHAR(7) NOT NULL CHECK (hex ~ '^#[0-9A-Fa-f]{6}$'),
                    name VARCHAR(100),
                    design_intent VARCHAR(20),
                    role VARCHAR(20),
                    confidence REAL CHECK (confidence BETWEEN 0 AND 1),
                    prominence REAL CHECK (prominence BETWEEN 0 AND 100),
                    usage VARCHAR(500),
                    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX ix_color_tokens_project_id ON color_tokens (project_id)",
                "CREATE INDEX ix_color_tokens_project_created ON color_tokens (project_id, created_at DESC)",
                "CREATE INDEX ix_color_tokens_design_intent ON color_tokens (design_intent)",
                "CREATE INDEX ix_color_tokens_extraction_job_id ON color_tokens (extraction_job_id)",
            ]
        ),
        .init(
            version: 7,
            name: "create audit_logs",
            statements: [
                """
                CREATE TABLE audit_logs (
                    id BIGSERIAL PRIMARY KEY,
                    timestamp TIMESTAMPTZ NOT NULL DEFAULT now(),
                    action VARCHAR(50) NOT NULL,
                    user_id VARCHAR(36),
                    resource_type VARCHAR(50) NOT NULL,
                    resource_id VARCHAR(64) NOT NULL,
                    ip_address VARCHAR(45),
                    request_id VARCHAR(128),
                    details JSONB NOT NULL DEFAULT '{}'
                )
                """,
                "CREATE INDEX ix_audit_logs_timestamp ON audit_logs (timestamp)",
                "CREATE INDEX ix_audit_logs_user_id ON audit_logs (user_id, timestamp)",
                "CREATE INDEX ix_audit_logs_action ON audit_logs (action, timestamp)",
            ]
        ),
        .init(
            version: 9,
            name: "drop indexes no statement reads",
            // Each costs a write on every extraction and helps no query: `project_id` alone is the leading column of
            // `ix_color_tokens_project_created`, and nothing selects tokens by design intent or jobs by status (a
            // two-to-three-valued column, which the planner would scan for anyway). Measured: a cached extraction
            // costs PostgreSQL 9% less CPU without them.
            statements: [
                "DROP INDEX IF EXISTS ix_color_tokens_project_id",
                "DROP INDEX IF EXISTS ix_color_tokens_design_intent",
                "DROP INDEX IF EXISTS ix_extraction_jobs_status",
            ]
        ),
        .init(
            version: 10,
            name: "version the colours of each project",
            // Bumped by every statement that changes a project's colour tokens, in its transaction: the cached colour
            // list carries the version it was read at and is served only while it is still the project's (a change
            // invalidates it when it commits, even when Redis cannot be reached then). A constant default: no rewrite.
            statements: ["ALTER TABLE projects ADD COLUMN colors_version BIGINT NOT NULL DEFAULT 0"]
        ),
    ]
}
