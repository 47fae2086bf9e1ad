public import Clients
public import NIOPosix

/// Checks an HTTP endpoint: a request, and the status codes that count as healthy.
///
/// ``anthropic(name:apiKey:baseURL:threadPool:)`` and ``openai(name:apiKey:baseURL:threadPool:)`` are the AI provider
/// presets (`GET /v1/models` with the provider's authentication); any compatible gateway works through `baseURL`.
/// The response body is never kept in the outcome, and header values (keys, tokens) never appear in it.
public final class HTTPProbe: Probe {
    public let name: String
    public var type: String { "http" }
    private let request: HTTPClientRequest
    private let expectedStatus: Set<Int>
    private let client: CurlHTTPClient
    /// The URL as shown in outcomes and logs, with any credentials masked.
    public let displayURL: String

    /// Creates a probe.
    /// - Parameter expectedStatus: the codes that pass; empty means any 2xx.
    public init(name: String, request: HTTPClientRequest, expectedStatus: Set<Int> = [], threadPool: NIOThreadPool) {
        self.name = name
        self.request = request
        self.expectedStatus = expectedStatus
        self.client = CurlHTTPClient(threadPool: threadPool)
        self.displayURL = (try? ConnectionURL(request.url).redacted) ?? request.url
    }

    /// Anthropic: `GET {baseURL}/v1/models` with `x-api-key` and `anthropic-version: 2023-06-01`.
    public static func anthropic(
        name: String,
        apiKey: String,
        baseURL: String = "https://api.anthropic.com",
        threadPool: NIOThreadPool
    ) -> HTTPProbe {
        HTTPProbe(
            name: name,
            request: HTTPClientRequest(
                url: Self.join(baseURL, "/v1/models"),
                headers: [("x-api-key", apiKey), ("anthropic-version", "2023-06-01"), ("accept", "application/json")]
            ),
            expectedStatus: [200],
            threadPool: threadPool
        )
    }

    /// OpenAI: `GET {baseURL}/v1/models` with `Authorization: Bearer`.
    public static func openai(
        name: String,
        apiKey: String,
        baseURL: String = "https://api.openai.com",
        threadPool: NIOThreadPool
    ) -> HTTPProbe {
        HTTPProbe(
            name: name,
            request: HTTPClientRequest(
                url: Self.join(baseURL, "/v1/models"),
                headers: [("authorization", "Bearer \(apiKey)"), ("accept", "application/json")]
            ),
            expectedStatus: [200],
            threadPool: threadPool
        )
    }

    public func run(deadline: Deadline) async -> ProbeOutcome {
        let start = ContinuousClock.now
        var request = self.request
        request.timeout = deadline.remaining
        request.connectTimeout = min(request.connectTimeout, deadline.remaining)
        do throws(HTTPClientError) {
            let response = try await self.client.perform(request)
            let passed = self.expectedStatus.isEmpty ? (200..<300).contains(response.status) : self.expectedStatus.contains(response.status)
            let details = [
                "status_code": String(response.status),
                "resolve_seconds": String(response.resolveSeconds),
                "connect_seconds": String(response.connectSeconds),
                "tls_seconds": String(response.tlsSeconds),
                "first_byte_seconds": String(response.firstByteSeconds),
            ]
            return ProbeOutcome(
                success: passed,
                durationSeconds: (ContinuousClock.now - start).seconds,
                error: passed ? nil : "unexpected status \(response.status) from \(self.displayURL)",
                details: details,
                httpStatus: response.status
            )
        } catch {
            return ProbeOutcome(success: false, durationSeconds: (ContinuousClock.now - start).seconds, error: error.description)
        }
    }

    public func shutdown() async {}

    static func join(_ base: String, _ path: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/v1") && path.hasPrefix("/v1/") {
            return base + path.dropFirst(3)
        }
        return base + path
    }
}
