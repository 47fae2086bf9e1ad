import CLibPQ
public import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One PostgreSQL connection over libpq.
///
/// Every libpq call runs on the given `NIOThreadPool`, never on an event loop or the cooperative pool. Connecting and
/// querying use libpq's non-blocking API with `poll(2)` bounded by a ``Deadline``, so a server that accepts the
/// connection and never answers fails at the deadline, to the millisecond. Call ``close()`` when done; `deinit`
/// frees a connection left open.
// @unchecked Sendable: the PGconn handle lives in a Mutex and is only used inside it, one call at a time.
public final class PostgresConnection: @unchecked Sendable {
    private let handle: Mutex<UnsafeSendableHandle?>
    /// Names of the statements prepared on this connection, by SQL text (guarded by `handle`'s lock: only read and
    /// written inside it).
    private nonisolated(unsafe) var prepared: [String: String] = [:]
    private let threadPool: NIOThreadPool
    /// The server's version as libpq reports it (`150004` for 15.4).
    public let serverVersion: Int

    private init(handle: OpaquePointer, threadPool: NIOThreadPool) {
        self.serverVersion = Int(PQserverVersion(handle))
        self.handle = Mutex(UnsafeSendableHandle(handle))
        self.threadPool = threadPool
    }

    deinit {
        self.handle.withLock { handle in
            if let handle { PQfinish(handle.pointer) }
        }
    }

    /// Connects to `url` (`postgres://` or `postgresql://`; `sslmode` and other parameters are passed to libpq).
    /// - Parameters:
    ///   - statementTimeout: set as the session's `statement_timeout`, so the server itself stops a runaway query.
    /// - Throws: ``PostgresError`` with the reason; the password never appears in it.
    public static func connect(
        url: ConnectionURL,
        timeout: Duration,
        statementTimeout: Duration? = nil,
        threadPool: NIOThreadPool
    ) async throws(PostgresError) -> PostgresConnection {
        guard url.scheme == "postgres" || url.scheme == "postgresql" else {
            throw PostgresError(code: .invalidURL, message: "expected a postgres:// or postgresql:// URL, got \(url.scheme)://")
        }
        let deadline = Deadline.after(timeout)
        let conninfo = Self.conninfo(url, statementTimeout: statementTimeout)
        let result: Result<UnsafeSendableHandle, PostgresError>
        do {
            result = try await threadPool.runIfActive { Self.connectBlocking(conninfo: conninfo, deadline: deadline, url: url) }
        } catch {
            throw PostgresError(code: .connectionFailed, message: "the probe thread pool is shut down")
        }
        let handle = try result.get().pointer
        return PostgresConnection(handle: handle, threadPool: threadPool)
    }

    /// Runs `sql` with `$1`… bound to `parameters` (text format; `nil` is SQL NULL) and returns the rows as text.
    /// - Parameters:
    ///   - prepared: prepare `sql` on this connection the first time it is run and execute the prepared statement
    ///     from then on, so the server parses and plans it once per connection rather than on every call (as
    ///     asyncpg's statement cache does). For the fixed statements of an application, not for SQL built at run
    ///     time.
    /// - Throws: ``PostgresError``: `.queryFailed` with the SQLSTATE for a server error, `.timeout` when the
    ///   deadline passes (the connection is then closed, since its state is unknown).
    public func query(
        _ sql: String,
        _ parameters: [String?] = [],
        timeout: Duration,
        prepared: Bool = false
    ) async throws(PostgresError) -> [[String?]] {
        let deadline = Deadline.after(timeout)
        let result: Result<[[String?]], PostgresError>
        do {
            result = try await self.threadPool.runIfActive {
                self.handle.withLock { handle -> Result<[[String?]], PostgresError> in
                    guard let connection = handle?.pointer else {
                        return .failure(PostgresError(code: .connectionClosed, message: "the connection is closed"))
                    }
                    let outcome: Result<[[String?]], PostgresError>
                    if prepared {
                        outcome = self.preparedQueryBlocking(connection, sql: sql, parameters: parameters, deadline: deadline)
                    } else {
                        outcome = Self.queryBlocking(connection, sql: sql, parameters: parameters, deadline: deadline)
                    }
                    if case .failure(let error) = outcome, error.code != .queryFailed {
                        PQfinish(connection)
                        handle = nil
                        self.prepared = [:]
                    }
                    return outcome
                }
            }
        } catch {
            throw PostgresError(code: .connectionClosed, message: "the probe thread pool is shut down")
        }
        return try result.get()
    }

    /// Whether the connection is still usable as far as libpq knows.
    public var isOpen: Bool {
        self.handle.withLock { handle in
            guard let handle else { return false }
            return PQstatus(handle.pointer) == CONNECTION_OK
        }
    }

    /// Closes the connection (on the thread pool: `PQfinish` may write a terminate message).
    public func close() async {
        let handle = self.handle.withLock { handle -> UnsafeSendableHandle? in
            defer { handle = nil }
            return handle
        }
        guard let handle else { return }
        _ = try? await self.threadPool.runIfActive { PQfinish(handle.pointer) }
    }

    // MARK: Blocking parts, run on the thread pool

    /// A libpq connection string from `url`. libpq takes URIs itself; the statement timeout goes into `options`.
    static func conninfo(_ url: ConnectionURL, statementTimeout: Duration?) -> String {
        var text = url.scheme + "://"
        if let user = url.user { text += ConnectionURL.encode(user) }
        if let password = url.password { text += ":" + ConnectionURL.encode(password) }
        if url.user != nil || url.password != nil { text += "@" }
        text += url.host.contains(":") ? "[\(url.host)]" : ConnectionURL.encode(url.host)
        if let port = url.port { text += ":\(port)" }
        text += "/" + ConnectionURL.encode(url.path)
        var parameters = url.query.filter { $0.name != "connect_timeout" }
        if let statementTimeout, !parameters.contains(where: { $0.name == "options" }) {
            parameters.append(("options", "-c statement_timeout=\(max(1, statementTimeout.wholeMilliseconds))"))
        }
        if !parameters.isEmpty {
            text += "?" + parameters.map { "\(ConnectionURL.encode($0.name))=\(ConnectionURL.encode($0.value))" }.joined(separator: "&")
        }
        return text
    }

    private static func connectBlocking(
        conninfo: String,
        deadline: Deadline,
        url: ConnectionURL
    ) -> Result<UnsafeSendableHandle, PostgresError> {
        guard let connection = PQconnectStart(conninfo) else {
            return .failure(PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection"))
        }
        if PQstatus(connection) == CONNECTION_BAD {
            let message = Self.errorMessage(connection, url: url)
            PQfinish(connection)
            return .failure(PostgresError(code: .connectionFailed, message: message))
        }
        var state = PGRES_POLLING_WRITING
        while true {
            switch state {
            case PGRES_POLLING_OK:
                // Notices ("relation already exists, skipping") would go to stderr as plain text, outside the JSON
                // logs; they are informational, so they are dropped.
                PQsetNoticeProcessor(connection, { _, _ in }, nil)
                return .success(UnsafeSendableHandle(connection))
            case PGRES_POLLING_FAILED:
                let message = Self.errorMessage(connection, url: url)
                PQfinish(connection)
                return .failure(PostgresError(code: .connectionFailed, message: message))
            default:
                let socket = PQsocket(connection)
                guard socket >= 0, waitForDescriptor(socket, writable: state == PGRES_POLLING_WRITING, deadline: deadline) else {
                    PQfinish(connection)
                    return .failure(PostgresError(code: .timeout, message: "no answer from \(url.host) within the connect timeout"))
                }
                state = PQconnectPoll(connection)
            }
        }
    }

    private static func queryBlocking(
        _ connection: OpaquePointer,
        sql: String,
        parameters: [String?],
        deadline: Deadline
    ) -> Result<[[String?]], PostgresError> {
        let sent = Self.withCStrings(parameters) { values in
            PQsendQueryParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard sent == 1 else {
            return .failure(PostgresError(code: .connectionClosed, message: Self.errorMessage(connection, url: nil)))
        }
        return Self.collectResults(connection, deadline: deadline)
    }

    /// Prepares `sql` the first time (under the lock), then executes the prepared statement.
    private func preparedQueryBlocking(
        _ connection: OpaquePointer,
        sql: String,
        parameters: [String?],
        deadline: Deadline
    ) -> Result<[[String?]], PostgresError> {
        let name: String
        if let known = self.prepared[sql] {
            name = known
        } else {
            name = "ct_\(self.prepared.count + 1)"
            guard PQsendPrepare(connection, name, sql, Int32(parameters.count), nil) == 1 else {
                return .failure(PostgresError(code: .connectionClosed, message: Self.errorMessage(connection, url: nil)))
            }
            if case .failure(let error) = Self.collectResults(connection, deadline: deadline) { return .failure(error) }
            self.prepared[sql] = name
        }
        let sent = Self.withCStrings(parameters) { values in
            PQsendQueryPrepared(connection, name, Int32(parameters.count), values, nil, nil, 0)
        }
        guard sent == 1 else {
            return .failure(PostgresError(code: .connectionClosed, message: Self.errorMessage(connection, url: nil)))
        }
        return Self.collectResults(connection, deadline: deadline)
    }

    /// Flushes what was sent and reads every result, bounded by `deadline`.
    private static func collectResults(_ connection: OpaquePointer, deadline: Deadline) -> Result<[[String?]], PostgresError> {
        // Flush the query, then read until libpq has every result.
        while true {
            let flushed = PQflush(connection)
            if flushed == 0 { break }
            if flushed < 0 { return .failure(PostgresError(code: .connectionClosed, message: Self.errorMessage(connection, url: nil))) }
            guard waitForDescriptor(PQsocket(connection), writable: true, deadline: deadline) else {
                return .failure(PostgresError(code: .timeout, message: "the query did not complete within its timeout"))
            }
        }
        var rows: [[String?]] = []
        var failure: PostgresError?
        while true {
            while PQisBusy(connection) == 1 {
                guard waitForDescriptor(PQsocket(connection), writable: false, deadline: deadline) else {
                    return .failure(PostgresError(code: .timeout, message: "the query did not complete within its timeout"))
                }
                guard PQconsumeInput(connection) == 1 else {
                    return .failure(PostgresError(code: .connectionClosed, message: Self.errorMessage(connection, url: nil)))
                }
            }
            guard let result = PQgetResult(connection) else { break }
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_TUPLES_OK:
                for row in 0..<PQntuples(result) {
                    rows.append(
                        (0..<PQnfields(result)).map { column in
                            PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                        }
                    )
                }
            case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                break
            default:
                let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
                let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
                failure = failure ?? PostgresError(code: .queryFailed, sqlState: sqlState, message: primary ?? "the statement failed")
            }
        }
        if let failure { return .failure(failure) }
        return .success(rows)
    }

    private static func errorMessage(_ connection: OpaquePointer, url: ConnectionURL?) -> String {
        var message = String(cString: PQerrorMessage(connection))
        while message.last?.isWhitespace == true { message.removeLast() }
        if let password = url?.password, !password.isEmpty {
            message = message.replacingAll(password, with: "****")
        }
        return message.isEmpty ? "unknown libpq error" : message
    }

    private static func withCStrings<Result>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> Result) -> Result {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(1, buffer.count)) {
                body(strings.isEmpty ? nil : $0)
            }
        }
    }
}

/// A C handle moved between the caller and a thread-pool job, never used by both at once.
struct UnsafeSendableHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

extension String {
    /// Every occurrence of `target` replaced by `replacement` (no Foundation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
