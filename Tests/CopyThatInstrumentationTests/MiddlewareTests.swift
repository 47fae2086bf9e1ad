import Foundation
import Hummingbird
import HummingbirdTesting
import JSONLogging
import Logging
import NIOCore
import PrometheusRegistry
import Synchronization
import Testing

@testable import CopyThatInstrumentation

/// How the tests wire the instrumentation: the three middlewares in a chain, or the one that does all three.
enum Wiring: CaseIterable, Sendable {
    case chain
    case combined

    /// Adds the instrumentation to `router` this way.
    func instrument<Context: RequestContext>(_ router: Router<Context>, metrics: CopyThatMetrics) {
        switch self {
        case .chain:
            router.add(middleware: RequestIDMiddleware())
            router.add(middleware: HTTPMetricsMiddleware(metrics: metrics))
            router.add(middleware: AccessLogMiddleware())
        case .combined:
            router.add(middleware: RequestInstrumentationMiddleware(metrics: metrics))
        }
    }
}

extension Wiring {
    /// A router of `Context` with the instrumentation wired this way, and the registry its metrics go to.
    func router<Context: RequestContext>(
        context: Context.Type = BasicRequestContext.self
    ) throws -> (Router<Context>, PrometheusRegistry) {
        let registry = PrometheusRegistry()
        let router = Router(context: Context.self)
        self.instrument(router, metrics: try CopyThatMetrics(registry: registry, version: "test", environment: "test"))
        return (router, registry)
    }
}

/// A logger writing JSON lines to `sink`, at `debug`.
func jsonLogger(_ label: String, to sink: InMemoryLogSink) -> Logger {
    Logger(label: label) { JSONLogHandler(label: $0, sink: sink, logLevel: .debug) }
}

/// The lines of `sink` that are JSON objects, decoded.
func jsonObjects(_ sink: InMemoryLogSink) -> [[String: Any]] {
    sink.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}

/// A context that knows the client's address, as an application's own context would.
struct AddressContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}

/// A small application with the request id, metrics and access log middleware, as the core API wires them.
@Suite struct MiddlewareTests {
    struct Boom: Error {}

    @Test(arguments: Wiring.allCases)
    func theAccessLineCarriesTheClientAddressWhenTheContextKnowsIt(wiring: Wiring) async throws {
        let logs = InMemoryLogSink()
        let logger = jsonLogger("api", to: logs)
        let (router, _) = try wiring.router(context: AddressContext.self)
        router.get("/ping") { _, _ in "pong" }
        try await Application(router: router, logger: logger).test(.live) { client async throws in
            #expect(try await client.execute(uri: "/ping", method: .get).status == .ok)
        }
        let access = jsonObjects(logs).filter { $0["message"] as? String == "request" }
        #expect(access.count == 1)
        #expect(access.first?["client_address"] as? String == "127.0.0.1")
        #expect(access.first?["route"] as? String == "/ping")
    }

    func makeApp(_ wiring: Wiring) throws -> (Application<RouterResponder<BasicRequestContext>>, PrometheusRegistry, InMemoryLogSink) {
        let logs = InMemoryLogSink()
        let logger = jsonLogger("api", to: logs)
        let (router, registry) = try wiring.router()
        router.get("/api/v1/projects/{id}") { _, context in
            context.logger.info("loading project")
            return "project \(try context.parameters.require("id"))"
        }
        router.post("/api/v1/projects") { _, _ in Response(status: .created) }
        router.get("/bad") { _, _ -> String in throw HTTPError(.badRequest, message: "no") }
        router.get("/crash") { _, _ -> String in throw Boom() }
        router.get("/own-id") { _, _ in
            Response(status: .ok, headers: [RequestIDMiddleware<BasicRequestContext>.headerName: "set-by-route"])
        }
        return (Application(router: router, logger: logger), registry, logs)
    }

    @Test(arguments: Wiring.allCases)
    func metricsUseRouteTemplatesAndTheStatusErrorsTurnInto(wiring: Wiring) async throws {
        let (app, registry, logs) = try self.makeApp(wiring)
        try await app.test(.router) { client async throws in
            for id in ["1", "2", "3"] {
                #expect(try await client.execute(uri: "/api/v1/projects/\(id)", method: .get).status == .ok)
            }
            #expect(try await client.execute(uri: "/api/v1/projects", method: .post).status == .created)
            #expect(try await client.execute(uri: "/bad", method: .get).status == .badRequest)
            #expect(try await client.execute(uri: "/crash", method: .get).status == .internalServerError)
            // A scanner: many random paths, one series.
            for path in ["/wp-admin", "/.env", "/admin.php", "/x/\(UUID().uuidString)"] {
                #expect(try await client.execute(uri: path, method: .get).status == .notFound)
            }
        }
        let text = registry.renderString()
        for line in [
            #"http_requests_total{method="GET",endpoint="/api/v1/projects/{id}",status="200"} 3"#,
            #"http_requests_total{method="POST",endpoint="/api/v1/projects",status="201"} 1"#,
            #"http_requests_total{method="GET",endpoint="/bad",status="400"} 1"#,
            #"http_requests_total{method="GET",endpoint="/crash",status="500"} 1"#,
            #"http_requests_total{method="GET",endpoint="unmatched",status="404"} 4"#,
            #"http_request_duration_seconds_count{method="GET",endpoint="/api/v1/projects/{id}"} 3"#,
        ] {
            #expect(text.contains(line), "missing \(line)")
        }
        #expect(!text.contains("wp-admin"))
        #expect(!text.contains("/api/v1/projects/1\""))
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("http_requests_total{") }.count == 5)
        // One access line per request, each with the status it ended with.
        let statuses = logs.lines.filter { $0.contains("\"message\":\"request\"") }.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["status"] as? String
        }
        #expect(statuses.sorted() == ["200", "200", "200", "201", "400", "404", "404", "404", "404", "500"])
    }

    @Test(arguments: Wiring.allCases)
    func requestIDsAreKeptWhenSafeGeneratedOtherwiseAndLogged(wiring: Wiring) async throws {
        let (app, _, logs) = try self.makeApp(wiring)
        try await app.test(.router) { client async throws in
            let kept = try await client.get("/api/v1/projects/7", requestID: "abc-123.X_y")
            #expect(kept.headers[RequestIDMiddleware<BasicRequestContext>.headerName] == "abc-123.X_y")
            let generated = try await client.execute(uri: "/api/v1/projects/7", method: .get)
            let id = try #require(generated.headers[RequestIDMiddleware<BasicRequestContext>.headerName])
            #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
            let hostile = try await client.get("/api/v1/projects/7", requestID: "bad id\"<script>")
            #expect(hostile.headers[RequestIDMiddleware<BasicRequestContext>.headerName]?.count == 32)
            let errored = try await client.get("/bad", requestID: "err-1")
            #expect(errored.headers[RequestIDMiddleware<BasicRequestContext>.headerName] == "err-1")
            // A route that sets an X-Request-ID of its own: the response carries the request's, once.
            let own = try await client.get("/own-id", requestID: "rid-own")
            #expect(own.headers[values: RequestIDMiddleware<BasicRequestContext>.headerName] == ["rid-own"])
            #expect(kept.headers[values: RequestIDMiddleware<BasicRequestContext>.headerName] == ["abc-123.X_y"])
        }
        let lines = logs.lines
        // The handler's own line and the access-log line both carry the id.
        #expect(lines.filter { $0.contains("\"request_id\":\"abc-123.X_y\"") }.count == 2)
        let access = try #require(lines.first { $0.contains("\"message\":\"request\"") && $0.contains("abc-123.X_y") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(access.utf8)) as? [String: Any])
        #expect(object["method"] as? String == "GET")
        #expect(object["route"] as? String == "/api/v1/projects/{id}")
        #expect(object["path"] as? String == "/api/v1/projects/7")
        #expect(object["status"] as? String == "200")
        #expect(object["duration_ms"] != nil)
        #expect(!lines.joined().contains("<script>"))
    }

    /// Any logger used while serving a request (a database layer's, a cost tracker's) writes the request's id, not
    /// only the request's own logger; after the request, none does.
    @Test(arguments: Wiring.allCases)
    func everyLoggerInTheRequestsTaskWritesItsID(wiring: Wiring) async throws {
        let logs = InMemoryLogSink()
        let database = jsonLogger("db", to: logs)
        let (router, _) = try wiring.router()
        router.get("/work") { _, _ in
            database.info("query")
            return "done"
        }
        let app = Application(router: router, logger: jsonLogger("api", to: logs))
        try await app.test(.router) { client async throws in
            let response = try await client.get("/work", requestID: "req-db-1")
            #expect(response.headers[RequestIDMiddleware<BasicRequestContext>.headerName] == "req-db-1")
        }
        database.info("later")
        let objects = jsonObjects(logs)
        let query = try #require(objects.first { $0["message"] as? String == "query" })
        #expect(query["logger"] as? String == "db")
        #expect(query["request_id"] as? String == "req-db-1")
        let access = try #require(objects.first { $0["message"] as? String == "request" })
        #expect(access["request_id"] as? String == "req-db-1")
        #expect(objects.first { $0["message"] as? String == "later" }?["request_id"] == nil)
    }

    /// With a handler other than ``JSONLogHandler`` the route's own lines carry the id in the request logger's
    /// metadata, and the access line carries every field, as call metadata.
    @Test(arguments: Wiring.allCases)
    func otherHandlersGetTheIDAndTheAccessFieldsAsMetadata(wiring: Wiring) async throws {
        let recorder = RecordingHandler.Storage()
        let (router, _) = try wiring.router()
        router.get("/api/v1/projects/{id}") { _, context in
            context.logger.info("working")
            return "ok"
        }
        let app = Application(router: router, logger: Logger(label: "api") { _ in RecordingHandler(storage: recorder) })
        try await app.test(.router) { client async throws in
            _ = try await client.get("/api/v1/projects/9", requestID: "rid-9")
        }
        let working = try #require(recorder.events.first { $0.message == "working" })
        #expect(working.metadata["request_id"] == "rid-9")
        let access = try #require(recorder.events.first { $0.message == "request" })
        #expect(access.metadata["method"] == "GET")
        #expect(access.metadata["route"] == "/api/v1/projects/{id}")
        #expect(access.metadata["path"] == "/api/v1/projects/9")
        #expect(access.metadata["status"] == "200")
        #expect(access.metadata["request_id"] == "rid-9")
        #expect(access.metadata["duration_ms"].flatMap { Double($0) } != nil)
    }

    @Test(arguments: ["a", String(repeating: "x", count: 128), "A-Z_a.z-0"])
    func wellFormedIDs(id: String) {
        #expect(RequestIDMiddleware<BasicRequestContext>.isWellFormed(id))
    }

    @Test(arguments: ["", String(repeating: "x", count: 129), "with space", "new\nline", "ünï", "a;b"])
    func illFormedIDs(id: String) {
        #expect(!RequestIDMiddleware<BasicRequestContext>.isWellFormed(id))
    }
}

@Suite struct RequestIDSequenceTests {
    @Test func generatedIDsNeverRepeat() {
        let ids = (0..<50_000).map { _ in RequestIDMiddleware<BasicRequestContext>.generate() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) })
    }
}

/// A swift-log handler that keeps each line's message and merged metadata as strings.
struct RecordingHandler: LogHandler {
    final class Storage: Sendable {
        private let lines = Mutex<[(message: String, metadata: [String: String])]>([])
        var events: [(message: String, metadata: [String: String])] { self.lines.withLock { $0 } }
        func append(_ event: (message: String, metadata: [String: String])) { self.lines.withLock { $0.append(event) } }
    }

    let storage: Storage
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = self.metadata.merging(event.metadata ?? [:]) { _, new in new }
        self.storage.append((event.message.description, merged.mapValues { $0.description }))
    }
}

extension TestClientProtocol {
    /// `GET uri` with `X-Request-ID: id`.
    func get(_ uri: String, requestID id: String) async throws -> TestResponse {
        try await self.execute(uri: uri, method: .get, headers: [RequestIDMiddleware<BasicRequestContext>.headerName: id])
    }
}
