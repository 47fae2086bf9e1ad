import Foundation
import Hummingbird
import HummingbirdTesting
import JSONLogging
import Logging
import PrometheusRegistry
import Testing

@testable import CopyThatInstrumentation

/// A small application with the three middlewares, as the core API wires them.
@Suite struct MiddlewareTests {
    struct Boom: Error {}

    func makeApp() throws -> (Application<RouterResponder<BasicRequestContext>>, PrometheusRegistry, InMemoryLogSink) {
        let registry = PrometheusRegistry()
        let metrics = try CopyThatMetrics(registry: registry, version: "test", environment: "test")
        let logs = InMemoryLogSink()
        let logger = Logger(label: "api") { JSONLogHandler(label: $0, sink: logs, logLevel: .debug) }
        let router = Router()
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: HTTPMetricsMiddleware(metrics: metrics))
        router.add(middleware: AccessLogMiddleware())
        router.get("/api/v1/projects/{id}") { _, context in
            context.logger.info("loading project")
            return "project \(try context.parameters.require("id"))"
        }
        router.post("/api/v1/projects") { _, _ in Response(status: .created) }
        router.get("/bad") { _, _ -> String in throw HTTPError(.badRequest, message: "no") }
        router.get("/crash") { _, _ -> String in throw Boom() }
        return (Application(router: router, logger: logger), registry, logs)
    }

    @Test func metricsUseRouteTemplatesAndTheStatusErrorsTurnInto() async throws {
        let (app, registry, _) = try self.makeApp()
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
    }

    @Test func requestIDsAreKeptWhenSafeGeneratedOtherwiseAndLogged() async throws {
        let (app, _, logs) = try self.makeApp()
        try await app.test(.router) { client async throws in
            let kept = try await client.execute(
                uri: "/api/v1/projects/7",
                method: .get,
                headers: [RequestIDMiddleware<BasicRequestContext>.headerName: "abc-123.X_y"]
            )
            #expect(kept.headers[RequestIDMiddleware<BasicRequestContext>.headerName] == "abc-123.X_y")
            let generated = try await client.execute(uri: "/api/v1/projects/7", method: .get)
            let id = try #require(generated.headers[RequestIDMiddleware<BasicRequestContext>.headerName])
            #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
            let hostile = try await client.execute(
                uri: "/api/v1/projects/7",
                method: .get,
                headers: [RequestIDMiddleware<BasicRequestContext>.headerName: "bad id\"<script>"]
            )
            #expect(hostile.headers[RequestIDMiddleware<BasicRequestContext>.headerName]?.count == 32)
            let errored = try await client.execute(
                uri: "/bad",
                method: .get,
                headers: [RequestIDMiddleware<BasicRequestContext>.headerName: "err-1"]
            )
            #expect(errored.headers[RequestIDMiddleware<BasicRequestContext>.headerName] == "err-1")
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
