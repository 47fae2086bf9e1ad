import Clients
public import NIOPosix
import Synchronization

/// Fetches targets over HTTP with libcurl (on the thread pool, never on an event loop), one handle per target so that
/// a slow target never delays another, each bounded by the target's timeout and its `body_size_limit`.
public final class HTTPScrapeSource: ScrapeSource {
    private let threadPool: NIOThreadPool
    private let clients = Mutex<[String: CurlHTTPClient]>([:])

    /// A source that runs libcurl on `threadPool`.
    public init(threadPool: NIOThreadPool) {
        self.threadPool = threadPool
    }

    /// Fetches `target.url`; anything but a 2xx answer is an error.
    public func fetch(_ target: ScrapeTarget) async throws -> [UInt8] {
        let client = self.clients.withLock { clients in
            if let client = clients[target.url] { return client }
            let client = CurlHTTPClient(threadPool: self.threadPool)
            clients[target.url] = client
            return client
        }
        var headers: [(name: String, value: String)] = [("Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1")]
        headers += target.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let response = try await client.perform(
            HTTPClientRequest(url: target.url, headers: headers, timeout: target.timeout, maxResponseBytes: target.limits.bodyBytes)
        )
        guard (200..<300).contains(response.status) else { throw ScrapeError(message: "server returned HTTP status \(response.status)") }
        return response.body
    }
}

/// A failed scrape.
public struct ScrapeError: Error, Sendable, CustomStringConvertible {
    /// Why.
    public var message: String
    /// Why.
    public var description: String { self.message }

    /// An error.
    public init(message: String) { self.message = message }
}
