import Foundation

/// An HTTP origin in a `python3` child that counts the connections it accepts, for tests that must show a request
/// never reached it (server-side request forgery). It listens on `host`:`port` (any 127/8 address, port 80 as root)
/// and answers `GET /<name>` with the route the test gave for it: a status, headers and a body.
public final class CountingOrigin: Sendable {
    /// One answer.
    public struct Route: Sendable {
        /// The status.
        public var status: Int
        /// Header lines, `Name: value`.
        public var headers: [String]
        /// The body.
        public var body: [UInt8]
        /// Whether the body is sent without a `Content-Length` and ends where the connection closes.
        public var lengthUndeclared: Bool

        /// A route.
        public init(status: Int = 200, headers: [String] = [], body: [UInt8] = [], lengthUndeclared: Bool = false) {
            self.status = status
            self.headers = headers
            self.body = body
            self.lengthUndeclared = lengthUndeclared
        }
    }

    /// The address it listens on.
    public let host: String
    /// The port it listens on.
    public let port: Int
    private let countFile: String
    private let child: ChildProcess

    /// Starts it with `routes` (path without the leading slash → answer) and waits until it accepts connections.
    public init(host: String = "127.0.0.1", port: Int? = nil, routes: [String: Route]) async throws {
        self.host = host
        self.port = port ?? refusedPort()
        self.countFile = NSTemporaryDirectory() + "origin-\(UUID().uuidString).count"
        let directory = NSTemporaryDirectory() + "origin-\(UUID().uuidString)"
        let token = UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, route) in routes {
            let length = route.lengthUndeclared ? [] : ["Content-Length: \(route.body.count)"]
            let head =
                (["HTTP/1.1 \(route.status) X"] + length + ["Connection: close"] + route.headers)
                .joined(separator: "\r\n") + "\r\n\r\n"
            try Data(Array(head.utf8) + route.body).write(to: URL(fileURLWithPath: directory + "/" + name))
        }
        let script = """
            import os, socket, threading, time
            directory, count_file = \(Self.pythonString(directory)), \(Self.pythonString(self.countFile))
            probe_file, token = count_file + ".probes", \(Self.pythonString(token)).encode()
            lock, probes = threading.Lock(), 0
            def serve(c):
                try:
                    request = b""
                    while b"\\r\\n\\r\\n" not in request:
                        chunk = c.recv(4096)
                        if not chunk: return
                        request += chunk
                    name = request.split(b" ")[1].decode().lstrip("/").split("?")[0]
                    if name == "__probe__":
                        global probes
                        with lock:
                            probes += 1
                            open(probe_file, "w").write(str(probes))
                        c.sendall(b"HTTP/1.1 200 X\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n%s" % (len(token), token))
                        return
                    path = os.path.join(directory, name)
                    c.sendall(open(path, "rb").read() if name and os.path.isfile(path) else b"HTTP/1.1 404 X\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n")
                finally:
                    c.close()
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            for attempt in range(400):  # an earlier origin on this port may still be exiting
                try:
                    s.bind((\(Self.pythonString(host)), \(self.port))); break
                except OSError:
                    if attempt == 399: raise
                    time.sleep(0.025)
            s.listen(64)
            count = 0
            while True:
                c, _ = s.accept(); count += 1
                open(count_file, "w").write(str(count))
                threading.Thread(target=serve, args=(c,), daemon=True).start()
            """
        self.child = try ChildProcess("python3", ["-c", script])
        // Probe until this origin answers (an earlier one on the same port may still be answering while it exits);
        // probes are counted apart, and taken off the count.
        for _ in 0..<400 {
            if let probe = try? RawConnection(host: host, port: self.port) {
                probe.send("GET /__probe__ HTTP/1.1\r\nHost: origin\r\n\r\n")
                let answer = await probe.read(timeout: .seconds(2))
                probe.close()
                if answer.text.hasSuffix(token) { return }
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        self.child.signal()
        throw ConnectFailed(errno: 111)
    }

    /// Connections accepted since it started answering (the start-up probes excluded).
    public var acceptedConnections: Int { Self.count(in: self.countFile) - Self.count(in: self.countFile + ".probes") }

    private static func count(in file: String) -> Int {
        (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { Int($0) } ?? 0
    }

    deinit {
        self.child.signal(9)
        try? FileManager.default.removeItem(atPath: self.countFile)
        try? FileManager.default.removeItem(atPath: self.countFile + ".probes")
    }

    private static func pythonString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
