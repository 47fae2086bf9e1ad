import Clients
public import CopyThatInstrumentation
public import Logging

/// Every SQL statement the API runs goes through here: the pool, the query instrumentation
/// (`db_query_duration_seconds`, errors by SQLSTATE class, the slow-query log) and one timeout.
///
/// A server error (`PostgresError` with a SQLSTATE) is rethrown for the caller to judge (a unique violation is a
/// 409, say); failing to reach the database at all is a 503 for the client, logged once here.
public struct Database: Sendable {
    /// The pool.
    public let pool: PostgresPool
    let queries: QueryInstrumentation
    let timeout: Duration
    let logger: Logger

    /// Creates the layer.
    public init(pool: PostgresPool, queries: QueryInstrumentation, timeout: Duration = .seconds(10), logger: Logger) {
        self.pool = pool
        self.queries = queries
        self.timeout = timeout
        self.logger = logger
    }

    /// Runs one statement on a pooled connection.
    public func query(_ sql: String, _ parameters: [String?] = []) async throws -> [Row] {
        do {
            let rows = try await self.queries.measure(sql: sql) {
                try await self.pool.withConnection { try await $0.query(sql, parameters, timeout: self.timeout, prepared: true) }
            }
            return rows.map(Row.init)
        } catch {
            throw self.translate(error)
        }
    }

    /// Runs `body` in one transaction on one connection: committed when it returns, rolled back when it throws.
    public func transaction<Result: Sendable>(_ body: (Transaction) async throws -> Result) async throws -> Result {
        do {
            return try await self.pool.withConnection { connection in
                let transaction = Transaction(connection: connection, queries: self.queries, timeout: self.timeout)
                _ = try await transaction.execute("BEGIN")
                do {
                    let result = try await body(transaction)
                    _ = try await transaction.execute("COMMIT")
                    return result
                } catch {
                    _ = try? await connection.query("ROLLBACK", timeout: self.timeout)
                    throw error
                }
            }
        } catch {
            throw self.translate(error)
        }
    }

    func translate(_ error: any Error) -> any Error {
        if let error = error as? PostgresError, error.code == .queryFailed { return error }
        if error is PostgresError || error is PostgresPoolError {
            self.logger.error("database unavailable", metadata: ["error.message": "\(error)"])
            return APIError.unavailable("Database unavailable, try again shortly")
        }
        return error
    }
}

/// Statements on one connection inside ``Database/transaction(_:)``.
public struct Transaction: Sendable {
    let connection: PostgresConnection
    let queries: QueryInstrumentation
    let timeout: Duration

    /// Runs one statement.
    public func execute(_ sql: String, _ parameters: [String?] = []) async throws -> [Row] {
        let rows = try await self.queries.measure(sql: sql) {
            try await self.connection.query(sql, parameters, timeout: self.timeout, prepared: true)
        }
        return rows.map(Row.init)
    }
}

/// One result row in PostgreSQL's text format, read by column position.
public struct Row: Sendable {
    let values: [String?]

    init(_ values: [String?]) { self.values = values }

    /// The text of column `index`, `nil` for SQL NULL.
    public subscript(_ index: Int) -> String? { index < self.values.count ? self.values[index] : nil }

    /// Column `index` as text, `""` for NULL.
    public func string(_ index: Int) -> String { self[index] ?? "" }

    /// Column `index` as an integer.
    public func int(_ index: Int) -> Int? { self[index].flatMap { Int($0) } }

    /// Column `index` as a boolean (`t`/`f`).
    public func bool(_ index: Int) -> Bool { self[index] == "t" }

    /// Column `index` as a one-dimensional text array of simple words (`{user,admin}`).
    public func array(_ index: Int) -> [String] {
        guard let text = self[index], text.count >= 2 else { return [] }
        return text.dropFirst().dropLast().split(separator: ",").map { item in
            item.hasPrefix("\"") && item.hasSuffix("\"") && item.count >= 2 ? String(item.dropFirst().dropLast()) : String(item)
        }
    }
}

extension PostgresError {
    /// Whether this is a unique-constraint violation (SQLSTATE 23505).
    var isUniqueViolation: Bool { self.sqlState == "23505" }
}
