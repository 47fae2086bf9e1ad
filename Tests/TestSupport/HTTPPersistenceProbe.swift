/// What a server does with connection persistence (RFC 9112 §9.3), seen over raw sockets: the status line and
/// `Connection` header of each answer and whether the server closed afterwards.
public struct HTTPPersistenceProbe: Sendable {
    /// One exchange.
    public struct Answer: Sendable {
        /// The status line, e.g. `HTTP/1.0 200 OK`.
        public var statusLine: String
        /// The `Connection` header's value, lower-cased (`nil` when absent).
        public var connection: String?
        /// Whether the server closed the connection after answering (within the read's timeout).
        public var closed: Bool
    }

    /// HTTP/1.0 without `Connection`.
    public var http10: Answer
    /// HTTP/1.0 with `Connection: keep-alive`, then a second request on the same connection.
    public var http10KeepAlive: Answer
    /// The second answer on that connection.
    public var http10KeepAliveSecond: Answer
    /// HTTP/1.1 with `Connection: close`.
    public var http11Close: Answer
    /// HTTP/1.1 without `Connection`.
    public var http11: Answer

    /// Asks `path` on `port` each way.
    public static func observe(port: Int, path: String = "/health/live") async throws -> HTTPPersistenceProbe {
        let plain = try await Self.exchange(try RawConnection(port: port), "GET \(path) HTTP/1.0\r\n\r\n", expectClose: true)
        let kept = try RawConnection(port: port)
        let first = try await Self.exchange(kept, "GET \(path) HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", expectClose: false)
        let second = try await Self.exchange(kept, "GET \(path) HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", expectClose: false)
        let closing = try await Self.exchange(
            try RawConnection(port: port),
            "GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            expectClose: true
        )
        let persistent = try await Self.exchange(
            try RawConnection(port: port),
            "GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n",
            expectClose: false
        )
        return HTTPPersistenceProbe(
            http10: plain,
            http10KeepAlive: first,
            http10KeepAliveSecond: second,
            http11Close: closing,
            http11: persistent
        )
    }

    /// Sends `request` and reads: until the close (up to 3 s) when one is expected, else for 700 ms.
    private static func exchange(_ connection: RawConnection, _ request: String, expectClose: Bool) async throws -> Answer {
        connection.send(request)
        let (text, closed) = await connection.read(timeout: expectClose ? .seconds(3) : .milliseconds(700))
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        let header = lines.first { $0.lowercased().hasPrefix("connection:") }
        return Answer(
            statusLine: lines.first.map(String.init) ?? "",
            connection: header.map { $0.dropFirst("connection:".count).trimmingCharacters(in: .whitespaces).lowercased() },
            closed: closed
        )
    }
}
