/// What kind of failure a client reports: the codes ``PostgresError``, ``RedisError`` and ``HTTPClientError`` share.
/// An open set: new codes may be added.
public struct ClientErrorCode: Hashable, Sendable, CustomStringConvertible {
    private let name: String
    private init(_ name: String) { self.name = name }

    /// The URL could not be used (for Redis, `rediss://` too: this build has no TLS to Redis).
    public static let invalidURL = ClientErrorCode("invalid_url")
    /// The name did not resolve.
    public static let resolveFailed = ClientErrorCode("resolve_failed")
    /// The connection could not be made (refused, authentication failed, …).
    public static let connectionFailed = ClientErrorCode("connection_failed")
    /// TLS failed (certificate not trusted, handshake error).
    public static let tlsFailed = ClientErrorCode("tls_failed")
    /// The deadline passed before the server answered.
    public static let timeout = ClientErrorCode("timeout")
    /// PostgreSQL reported an error for a statement.
    public static let queryFailed = ClientErrorCode("query_failed")
    /// Redis answered with an error reply (`-ERR …`, `-WRONGPASS …`).
    public static let commandFailed = ClientErrorCode("command_failed")
    /// The connection broke or was closed.
    public static let connectionClosed = ClientErrorCode("connection_closed")
    /// An HTTP response body was larger than allowed.
    public static let responseTooLarge = ClientErrorCode("response_too_large")
    /// The connection was not made because the request's ``ConnectFilter`` refused the address.
    public static let addressRefused = ClientErrorCode("address_refused")
    /// Anything else the library reported.
    public static let failed = ClientErrorCode("failed")

    /// The code's name.
    public var description: String { self.name }
}
