import CHiredis
import NIOConcurrencyHelpers
public import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A Redis failure and a message safe to show.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public typealias Code = ClientErrorCode

    /// What kind of failure this is.
    public var code: Code
    /// The reason.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `<code>: <message>`.
    public var description: String { "\(self.code): \(self.message)" }
}

/// A reply from Redis.
public enum RedisReply: Sendable, Hashable {
    /// A simple or bulk string.
    case string(String)
    /// An integer.
    case integer(Int)
    /// An array of replies.
    case array([RedisReply])
    /// The null reply.
    case null

    /// The reply as a string, if it is one.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}

/// One Redis connection over hiredis (Debian's 0.14).
///
/// `redis://[user:password@]host:port/db` and unix sockets (`unix:///path/redis.sock?db=0&password=…`). Connecting,
/// `AUTH` (password or ACL user), `SELECT` and, with a `client_name` parameter, `CLIENT SETNAME` happen on the thread
/// pool in ``connect(url:timeout:threadPool:reactor:)``, bounded by the connect timeout. The socket is then made
/// non-blocking: each command is written without blocking and its reply awaited on ``IOReactor`` within the command's
/// own timeout, so a command holds no thread while Redis works.
// @unchecked Sendable: the redisContext lives behind a lock and is checked out by one command at a time.
public final class RedisConnection: @unchecked Sendable {
    private let lease: NIOLockedValueBox<HandleLease<UnsafeSendableContext>>
    private let threadPool: NIOThreadPool
    private let reactor: IOReactor

    private init(context: UnsafeMutablePointer<redisContext>, threadPool: NIOThreadPool, reactor: IOReactor) {
        self.lease = NIOLockedValueBox(HandleLease(UnsafeSendableContext(context)))
        self.threadPool = threadPool
        self.reactor = reactor
    }

    deinit {
        if let context = self.lease.withLockedValue({ $0.close() }) { redisFree(context.pointer) }
    }

    /// Connects, authenticates and selects the database named in `url`.
    /// - Throws: ``RedisError``; `rediss://` is refused with a clear message, since this build has no TLS to Redis.
    public static func connect(
        url: ConnectionURL,
        timeout: Duration,
        threadPool: NIOThreadPool,
        reactor: IOReactor = .shared
    ) async throws(RedisError) -> RedisConnection {
        let target = try Self.target(url)
        let deadline = Deadline.after(timeout)
        let result: Result<UnsafeSendableContext, RedisError>
        do {
            result = try await threadPool.runIfActive { Self.connectBlocking(target, deadline: deadline) }
        } catch {
            throw RedisError(code: .connectionFailed, message: "the probe thread pool is shut down")
        }
        return RedisConnection(context: try result.get().pointer, threadPool: threadPool, reactor: reactor)
    }

    /// Sends one command and returns its reply.
    /// - Throws: ``RedisError``: `.commandFailed` for an error reply; `.timeout` or `.connectionClosed` when the
    ///   connection is no longer usable (it is then closed).
    public func command(_ arguments: [String], timeout: Duration) async throws(RedisError) -> RedisReply {
        let deadline = Deadline.after(timeout)
        let context = try self.checkOut()
        let outcome = await self.exchange(context, arguments, deadline: deadline)
        var broken = false
        if case .failure(let error) = outcome, error.code != .commandFailed { broken = true }
        self.checkIn(context, broken: broken)
        return try outcome.get()
    }

    /// Borrows the context for one command.
    private func checkOut() throws(RedisError) -> UnsafeMutablePointer<redisContext> {
        switch self.lease.withLockedValue({ $0.checkOut() }) {
        case .lent(let context): return context.pointer
        case .closed: throw RedisError(code: .connectionClosed, message: "the connection is closed")
        case .busy: throw RedisError(code: .connectionClosed, message: "the connection is already running a command")
        }
    }

    /// Returns the context after a command; one in an unknown state, or closed meanwhile, is freed.
    private func checkIn(_ context: UnsafeMutablePointer<redisContext>, broken: Bool) {
        guard self.lease.withLockedValue({ $0.checkIn(broken: broken) }) != nil else { return }
        redisFree(context)  // closes a non-blocking socket: never waits
    }

    /// Writes the command without blocking and reads its reply, waiting on the reactor, bounded by `deadline`.
    private func exchange(
        _ context: UnsafeMutablePointer<redisContext>,
        _ arguments: [String],
        deadline: Deadline
    ) async -> Result<RedisReply, RedisError> {
        let appended = Self.withArgv(arguments) { argc, argv, lengths in
            redisAppendCommandArgv(context, argc, argv, lengths)
        }
        guard appended == REDIS_OK else {
            return .failure(RedisError(code: .connectionClosed, message: Self.errorString(context)))
        }
        var done: Int32 = 0
        while true {
            guard redisBufferWrite(context, &done) == REDIS_OK else {
                return .failure(RedisError(code: .connectionClosed, message: Self.errorString(context)))
            }
            if done != 0 { break }
            guard await self.reactor.wait(for: context.pointee.fd, writable: true, deadline: deadline) else {
                return .failure(RedisError(code: .timeout, message: "no reply within the timeout"))
            }
        }
        while true {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReplyFromReader(context, &raw) == REDIS_OK else {
                return .failure(RedisError(code: .connectionClosed, message: Self.errorString(context)))
            }
            if let raw {
                let reply = raw.assumingMemoryBound(to: redisReply.self)
                defer { freeReplyObject(raw) }
                if reply.pointee.type == REDIS_REPLY_ERROR {
                    return .failure(RedisError(code: .commandFailed, message: Self.string(reply)))
                }
                return .success(Self.convert(reply))
            }
            guard await self.reactor.wait(for: context.pointee.fd, writable: false, deadline: deadline) else {
                return .failure(RedisError(code: .timeout, message: "no reply within the timeout"))
            }
            guard redisBufferRead(context) == REDIS_OK else {
                return .failure(RedisError(code: .connectionClosed, message: Self.errorString(context)))
            }
        }
    }

    /// `PING`, expecting `PONG`.
    public func ping(timeout: Duration) async throws(RedisError) {
        let reply = try await self.command(["PING"], timeout: timeout)
        guard reply.string == "PONG" else {
            throw RedisError(code: .commandFailed, message: "PING answered \(reply) instead of PONG")
        }
    }

    /// The server version from `INFO server` (`redis_version`).
    public func serverVersion(timeout: Duration) async throws(RedisError) -> String? {
        let reply = try await self.command(["INFO", "server"], timeout: timeout)
        for line in (reply.string ?? "").split(whereSeparator: \.isNewline) where line.hasPrefix("redis_version:") {
            return String(line.dropFirst("redis_version:".count))
        }
        return nil
    }

    /// Whether the connection is still open.
    public var isOpen: Bool { self.lease.withLockedValue { $0.isUsable } }

    /// Closes the connection. A command running meanwhile frees it when it returns.
    public func close() async {
        guard let context = self.lease.withLockedValue({ $0.close() }) else { return }
        _ = try? await self.threadPool.runIfActive { redisFree(context.pointer) }
    }

    // MARK: Parsing and blocking parts

    struct Target: Sendable {
        var host: String
        var port: Int
        var socketPath: String?
        var user: String?
        var password: String?
        var database: Int
        var clientName: String?
        var redacted: String
    }

    static func target(_ url: ConnectionURL) throws(RedisError) -> Target {
        switch url.scheme {
        case "rediss":
            throw RedisError(
                code: .invalidURL,
                message:
                    "rediss:// (TLS) is not supported by this build: hiredis 0.14 has no TLS; use a TLS-terminating sidecar or redis://"
            )
        case "redis":
            guard !url.host.isEmpty else { throw RedisError(code: .invalidURL, message: "redis:// URL without a host") }
            let database = url.path.isEmpty ? (url.parameter("db") ?? "0") : url.path
            guard let number = Int(database), number >= 0 else {
                throw RedisError(code: .invalidURL, message: "the database must be a number, got \"\(database)\"")
            }
            return Target(
                host: url.host,
                port: url.port ?? 6379,
                socketPath: nil,
                user: url.user,
                password: url.password ?? url.parameter("password"),
                database: number,
                clientName: try Self.clientName(url),
                redacted: url.redacted
            )
        case "unix", "redis+unix", "redis-socket":
            let path = url.host.isEmpty ? "/" + url.path : url.host + (url.path.isEmpty ? "" : "/" + url.path)
            guard path.count > 1 else { throw RedisError(code: .invalidURL, message: "unix socket URL without a path") }
            guard let number = Int(url.parameter("db") ?? "0"), number >= 0 else {
                throw RedisError(code: .invalidURL, message: "the db parameter must be a number")
            }
            return Target(
                host: "",
                port: 0,
                socketPath: path,
                user: url.user,
                password: url.password ?? url.parameter("password"),
                database: number,
                clientName: try Self.clientName(url),
                redacted: url.redacted
            )
        default:
            throw RedisError(code: .invalidURL, message: "expected redis:// or unix:// (a socket path), got \(url.scheme)://")
        }
    }

    /// The `client_name` parameter, which Redis shows in `CLIENT LIST`; it may not contain spaces or newlines.
    private static func clientName(_ url: ConnectionURL) throws(RedisError) -> String? {
        guard let name = url.parameter("client_name") else { return nil }
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.value > 32 && $0.value < 127 }) else {
            throw RedisError(code: .invalidURL, message: "client_name must be printable ASCII without spaces, got \"\(name)\"")
        }
        return name
    }

    private static func connectBlocking(_ target: Target, deadline: Deadline) -> Result<UnsafeSendableContext, RedisError> {
        let milliseconds = deadline.remainingMilliseconds
        guard milliseconds > 0 else { return .failure(RedisError(code: .timeout, message: "connect timeout already passed")) }
        let context: UnsafeMutablePointer<redisContext>?
        if let socketPath = target.socketPath {
            context = chiredis_connect_unix(socketPath, Int(milliseconds))
        } else {
            context = chiredis_connect_tcp(target.host, Int32(target.port), Int(milliseconds))
        }
        guard let context else {
            return .failure(RedisError(code: .connectionFailed, message: "hiredis could not allocate a context"))
        }
        if context.pointee.err != 0 {
            let message = Self.errorString(context)
            let timedOut = context.pointee.err == REDIS_ERR_IO && (message.contains("timed out") || message.contains("in progress"))
            redisFree(context)
            return .failure(RedisError(code: timedOut ? .timeout : .connectionFailed, message: message))
        }
        var commands: [[String]] = []
        if let password = target.password {
            commands.append(target.user.map { ["AUTH", $0, password] } ?? ["AUTH", password])
        }
        if target.database != 0 {
            commands.append(["SELECT", String(target.database)])
        }
        if let name = target.clientName {
            commands.append(["CLIENT", "SETNAME", name])
        }
        for command in commands {
            chiredis_set_timeout_ms(context, Int(max(1, deadline.remainingMilliseconds)))
            if case .failure(let error) = Self.commandBlocking(context, command) {
                redisFree(context)
                var error = error
                if let password = target.password { error.message = error.message.replacingAll(password, with: "****") }
                return .failure(error)
            }
        }
        // From here on every command is written and read without blocking (hiredis checks REDIS_BLOCK for EAGAIN).
        let flags = fcntl(context.pointee.fd, F_GETFL)
        guard flags >= 0, fcntl(context.pointee.fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
            redisFree(context)
            return .failure(RedisError(code: .connectionFailed, message: "could not make the socket non-blocking (errno \(errno))"))
        }
        context.pointee.flags &= ~Int32(REDIS_BLOCK)
        return .success(UnsafeSendableContext(context))
    }

    private static func commandBlocking(
        _ context: UnsafeMutablePointer<redisContext>,
        _ arguments: [String]
    ) -> Result<RedisReply, RedisError> {
        let raw = Self.withArgv(arguments) { argc, argv, lengths in
            redisCommandArgv(context, argc, argv, lengths)
        }
        guard let raw else {
            let message = Self.errorString(context)
            let timedOut = message.contains("timed out") || message.contains("temporarily unavailable")
            return .failure(
                RedisError(code: timedOut ? .timeout : .connectionClosed, message: timedOut ? "no reply within the timeout" : message)
            )
        }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        if reply.pointee.type == REDIS_REPLY_ERROR {
            return .failure(RedisError(code: .commandFailed, message: Self.string(reply)))
        }
        return .success(Self.convert(reply))
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        switch reply.pointee.type {
        case REDIS_REPLY_STRING, REDIS_REPLY_STATUS:
            return .string(Self.string(reply))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(reply.pointee.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<Int(reply.pointee.elements)).compactMap { index in reply.pointee.element[index].map(Self.convert) })
        default:
            return .null
        }
    }

    private static func string(_ reply: UnsafeMutablePointer<redisReply>) -> String {
        guard let bytes = reply.pointee.str else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: bytes, count: Int(reply.pointee.len)), as: UTF8.self)
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        var errstr = context.pointee.errstr
        let message = withUnsafeBytes(of: &errstr) { buffer in
            String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
        }
        return message.isEmpty ? "connection error \(context.pointee.err)" : message
    }

    private static func withArgv<Result>(
        _ arguments: [String],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> Result
    ) -> Result {
        let copies: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        defer { for copy in copies { free(copy) } }
        var pointers: [UnsafePointer<CChar>?] = copies.map { UnsafePointer($0) }
        let lengths = arguments.map { $0.utf8.count }
        return pointers.withUnsafeMutableBufferPointer { argv in
            lengths.withUnsafeBufferPointer { body(Int32(arguments.count), argv.baseAddress!, $0.baseAddress!) }
        }
    }
}

/// A hiredis context moved between tasks and thread-pool jobs, never used by two at once.
struct UnsafeSendableContext: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<redisContext>
    init(_ pointer: UnsafeMutablePointer<redisContext>) { self.pointer = pointer }
}
