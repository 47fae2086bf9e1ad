/// A misbehaving HTTP server in a `python3` child: each connection runs `serve(c)`, a Python function the test
/// writes (it gets the accepted socket), on a thread of its own, so that a connection held open never blocks the
/// next. For answers a real server would not give: bytes that are not UTF-8, a body that never ends, a length that
/// lies.
public final class RawHTTPTarget: Sendable {
    /// The port it listens on (127.0.0.1).
    public let port: Int
    private let child: ChildProcess

    /// Starts the server with `serve`, Python source defining `def serve(c):` (and any helpers it needs), and waits
    /// until it accepts connections.
    public init(serve: String) async throws {
        self.port = refusedPort()
        let script =
            "import socket, threading, time\n" + serve + "\n" + """
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", \(self.port))); s.listen(64)
                while True:
                    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
                """
        self.child = try ChildProcess("python3", ["-c", script])
        for _ in 0..<200 {
            if let probe = try? RawConnection(port: self.port) {
                probe.close()
                return
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        self.child.signal()
        throw ConnectFailed(errno: 111)
    }

    deinit {
        self.child.signal(9)
    }
}
