import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// An in-process HTTP server standing in for an AI provider (`GET /v1/models` answers with a status and after a
/// delay that the test sets, and remembers the headers it received), for a scrape target (`GET /metrics` serves the
/// text the test sets) and for an on-call webhook (`POST /hook` keeps every body).
public final class StubHTTPServer: Sendable {
    private struct Behaviour {
        var status = 200
        var delay: Duration = .zero
        var lastHeaders: [String: String] = [:]
        var allHeaders: [[String: String]] = []
        var requests = 0
        var metrics = ""
        var posts: [String] = []
    }

    private let behaviour = Mutex(Behaviour())
    private let portBox = Mutex<Int?>(nil)
    private let task = Mutex<Task<Void, any Error>?>(nil)

    /// Creates a stub; call ``start()``.
    public init() {}

    /// Starts listening on a free port; returns it.
    public func start() async throws -> Int {
        let router = Router()
        router.get("/v1/models") { request, _ -> Response in
            let (status, delay) = self.behaviour.withLock { behaviour -> (Int, Duration) in
                behaviour.requests += 1
                behaviour.lastHeaders = Dictionary(request.headers.map { ($0.name.canonicalName, $0.value) }, uniquingKeysWith: { $1 })
                behaviour.allHeaders.append(behaviour.lastHeaders)
                return (behaviour.status, behaviour.delay)
            }
            if delay > .zero { try? await Task.sleep(for: delay) }
            return Response(status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: #"{"data":[]}"#)))
        }
        router.get("/metrics") { _, _ -> Response in
            let body = self.behaviour.withLock { $0.metrics }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: body))
            )
        }
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            self.behaviour.withLock { $0.posts.append(String(buffer: body)) }
            return Response(status: .ok)
        }
        let (task, port) = await runOnLoopback(router, label: "stub")
        self.task.withLock { $0 = task }
        self.portBox.withLock { $0 = port }
        return port
    }

    /// The port, once started.
    public var port: Int { self.portBox.withLock { $0 ?? 0 } }

    /// Sets what the next requests get.
    public func respond(status: Int, after delay: Duration = .zero) {
        self.behaviour.withLock {
            $0.status = status
            $0.delay = delay
        }
    }

    /// The headers of the last request, names lower-cased.
    public var lastHeaders: [String: String] { self.behaviour.withLock { $0.lastHeaders } }

    /// The headers of every request so far, names lower-cased.
    public var receivedHeaders: [[String: String]] { self.behaviour.withLock { $0.allHeaders } }

    /// Sets the exposition `GET /metrics` serves.
    public func serveMetrics(_ text: String) { self.behaviour.withLock { $0.metrics = text } }

    /// The bodies posted to `/hook`, oldest first.
    public var posts: [String] { self.behaviour.withLock { $0.posts } }

    /// How many requests arrived.
    public var requestCount: Int { self.behaviour.withLock { $0.requests } }

    /// Stops the server.
    public func stop() {
        self.task.withLock { $0?.cancel() }
    }
}
