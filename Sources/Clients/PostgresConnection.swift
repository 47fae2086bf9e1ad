import CLibPQ
import NIOConcurrencyHelpers
public import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// One PostgreSQL connection over libpq.
///
/// Connecting and closing run on the given `NIOThreadPool`, never on an event loop or the cooperative pool. Once
/// connected the connection is in libpq's non-blocking mode: a query is sent with non-blocking writes and its answer
/// awaited on ``IOReactor``, bounded by a ``Deadline``, so a query holds no thread while the server works, and a server
/// that accepts the connection and never answers fails at the deadline, to the millisecond. Call ``close()`` when done;
/// `deinit` frees a connection left open.
// @unchecked Sendable: the PGconn handle lives behind a lock and is checked out by one query at a time.
public final class PostgresConnection: @unchecked Sendable {
    private let lease: NIOLockedValueBox<HandleLease<UnsafeSendableHandle>>
    /// Names of the statements prepared on this connection, by SQL text (only used by the query that has the handle
    /// checked out).
    private nonisolated(unsafe) var prepared: [String: String] = [:]
    private let threadPool: NIOThreadPool
    private let reactor: IOReactor
    /// The server's version as libpq reports it (`150004` for 15.4).
    public let serverVersion: Int

    private init(handle: OpaquePointer, threadPool: NIOThreadPool, reactor: IOReactor) {
        self.serverVersion = Int(PQserverVersion(handle))
        self.lease = NIOLockedValueBox(HandleLease(UnsafeSendableHandle(handle)))
        self.threadPool = threadPool
        self.reactor = reactor
    }

    deinit {
        if let handle = self.lease.withLockedValue({ $0.close() }) { PQfinish(handle.pointer) }
    }

    /// Connects to `url` (`postgres://` or `postgresql://`; `sslmode` and other parameters are passed to libpq).
    /// - Parameters:
    ///   - url: the server, database, user and password.
    ///   - timeout: the deadline for the whole connection, TLS and authentication included.
    ///   - statementTimeout: set as the session's `statement_timeout`, so the server itself stops a runaway query.
    ///   - threadPool: where libpq's blocking calls run (never an event loop or the cooperative pool).
    ///   - reactor: the `epoll` loop that wakes the connection when its socket is ready.
    /// - Throws: ``PostgresError`` with the reason; the password never appears in it.
    public static func connect(
        url: ConnectionURL,
        timeout: Duration,
        statementTimeout: Duration? = nil,
        threadPool: NIOThreadPool,
        reactor: IOReactor = .shared
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
        return PostgresConnection(handle: handle, threadPool: threadPool, reactor: reactor)
    }

    /// Runs `sql` with `$1`… bound to `parameters` (text format; `nil` is SQL NULL) and returns the rows as text.
    /// - Parameters:
    ///   - sql: one statement, with `$1`… placeholders.
    ///   - parameters: the placeholders' values, in order.
    ///   - timeout: the deadline for sending, running and reading the result.
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
        let connection = try self.checkOut()
        let outcome: Result<[[String?]], PostgresError>
        if prepared {
            outcome = await self.preparedQuery(connection, sql: sql, parameters: parameters, deadline: deadline)
        } else {
            outcome = await self.plainQuery(connection, sql: sql, parameters: parameters, deadline: deadline)
        }
        var broken = false
        if case .failure(let error) = outcome, error.code != .queryFailed { broken = true }
        self.checkIn(connection, broken: broken)
        return try outcome.get()
    }

    /// Borrows the handle for one query.
    private func checkOut() throws(PostgresError) -> OpaquePointer {
        switch self.lease.withLockedValue({ $0.checkOut() }) {
        case .lent(let handle): return handle.pointer
        case .closed: throw PostgresError(code: .connectionClosed, message: "the connection is closed")
        case .busy: throw PostgresError(code: .connectionClosed, message: "the connection is already running a query")
        }
    }

    /// Returns the handle after a query; a connection in an unknown state, or closed meanwhile, is finished.
    private func checkIn(_ connection: OpaquePointer, broken: Bool) {
        guard self.lease.withLockedValue({ $0.checkIn(broken: broken) }) != nil else { return }
        self.prepared = [:]
        PQfinish(connection)  // non-blocking mode: the terminate message is sent without waiting
    }

    /// Whether the connection is still usable as far as libpq knows.
    public var isOpen: Bool {
        self.lease.withLockedValue { lease in
            guard lease.isUsable else { return false }
            guard let handle = lease.idleHandle else { return true }  // lent: the query reports its own failure
            return PQstatus(handle.pointer) == CONNECTION_OK
        }
    }

    /// Closes the connection (on the thread pool: `PQfinish` may write a terminate message). A query running meanwhile
    /// finishes the connection when it returns.
    public func close() async {
        guard let handle = self.lease.withLockedValue({ $0.close() }) else { return }
        _ = try? await self.threadPool.runIfActive { PQfinish(handle.pointer) }
    }

    // MARK: Connecting (blocking, on the thread pool) and querying (non-blocking, on the reactor)

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
                guard PQsetnonblocking(connection, 1) == 0 else {
                    let message = Self.errorMessage(connection, url: url)
                    PQfinish(connection)
                    return .failure(PostgresError(code: .connectionFailed, message: message))
                }
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

    private func plainQuery(
        _ connection: OpaquePointer,
        sql: String,
        parameters: [String?],
        deadline: Deadline
    ) async -> Result<[[String?]], PostgresError> {
        let sent = Self.withCStrings(parameters) { values in
            PQsendQueryParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard sent == 1 else {
            return .failure(PostgresError(code: .connectionClosed, message: Self.errorMessage(connection, url: nil)))
        }
        return await self.collectResults(connection, deadline: deadline)
    }

    /// Prepares `sql` the first time, then executes the prepared statement.
    private func preparedQuery(
        _ connection: OpaquePointer,
        sql: String,
        parameters: [String?],
        deadline: Deadline
    ) async -> Result<[[String?]], PostgresError> {
        let name: String
        if let known = self.prepared[sql] {
            name = known
        } else {
            name = "ct_\(self.prepared.count + 1)"
            guard PQsendPrepare(connection, name, sql, Int32(parameters.count), nil) == 1 else {
                return .failure(PostgresError(code: .connectionClosed, message: Self.errorMessage(connection, url: nil)))
            }
            if case .failure(let error) = await self.collectResults(connection, deadline: deadline) { return .failure(error) }
            self.prepared[sql] = name
        }
        let sent = Self.withCStrings(parameters) { values in
            PQsendQueryPrepared(connection, name, Int32(parameters.count), values, nil, nil, 0)
        }
        guard sent == 1 else {
            return .failure(PostgresError(code: .connectionClosed, message: Self.errorMessage(connection, url: nil)))
        }
        return await self.collectResults(connection, deadline: deadline)
    }

    /// Flushes what was sent and reads every result, waiting on the reactor, bounded by `deadline`.
    private func collectResults(_ connection: OpaquePointer, deadline: Deadline) async -> Result<[[String?]], PostgresError> {
        let socket = UnsafeSendableHandle(connection)
        while true {
            let flushed = PQflush(socket.pointer)
            if flushed == 0 { break }
            if flushed < 0 {
                return .failure(PostgresError(code: .connectionClosed, message: Self.errorMessage(socket.pointer, url: nil)))
            }
            guard await self.reactor.wait(for: PQsocket(socket.pointer), writable: true, deadline: deadline) else {
                return .failure(PostgresError(code: .timeout, message: "the query did not complete within its timeout"))
            }
        }
        var rows: [[String?]] = []
        var failure: PostgresError?
        while true {
            while PQisBusy(socket.pointer) == 1 {
                guard await self.reactor.wait(for: PQsocket(socket.pointer), writable: false, deadline: deadline) else {
                    return .failure(PostgresError(code: .timeout, message: "the query did not complete within its timeout"))
                }
                guard PQconsumeInput(socket.pointer) == 1 else {
                    return .failure(PostgresError(code: .connectionClosed, message: Self.errorMessage(socket.pointer, url: nil)))
                }
            }
            guard let result = PQgetResult(socket.pointer) else { break }
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

/// A C handle moved between tasks and thread-pool jobs, never used by two at once.
struct UnsafeSendableHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

extension String {
    /// Every occurrence of `target` replaced by `replacement` (no Foundation), compared byte by byte in UTF-8: a
    /// search by `Character` misses a secret that begins with a combining mark, which joins the character before it.
    func replacingAll(_ target: String, with replacement: String) -> String {
        let needle = Array(target.utf8)
        guard !needle.isEmpty else { return self }
        let haystack = Array(self.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(haystack.count)
        var index = 0
        while index < haystack.count {
            if index + needle.count <= haystack.count && haystack[index..<(index + needle.count)].elementsEqual(needle) {
                result += replacement.utf8
                index += needle.count
            } else {
                result.append(haystack[index])
                index += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
