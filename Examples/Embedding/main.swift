import Clients
// How the core API embeds the observability layer: JSON logs, the metric catalogue, the three middlewares, query
// instrumentation, the pool and the AI cost tracker. Run it with DATABASE_URL set (scripts/postgres.sh start DIR
// writes one), then: curl -i localhost:8000/api/v1/projects/42; curl localhost:8000/metrics
import CopyThatInstrumentation
import Foundation
import Hummingbird
import JSONLogging
import Logging
import NIOPosix
import PrometheusRegistry

LoggingSystem.bootstrap { label in JSONLogHandler(label: label) }  // one JSON object per line, secrets masked
let logger = Logger(label: "copythat.api")

let registry = PrometheusRegistry()
try registry.register(ProcessCollector())
let metrics = try CopyThatMetrics(
    registry: registry,
    version: "1.0.0",
    environment: ProcessInfo.processInfo.environment["ENVIRONMENT"] ?? "local"
)
let queries = try QueryInstrumentation(metrics: metrics, registry: registry, logger: logger)
let costs = AICostTracker(metrics: metrics, logger: logger)

let threads = NIOThreadPool(numberOfThreads: 4)
threads.start()
let databaseURL = ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "postgres://copythat@127.0.0.1:5432/copythat"
let pool = try PostgresPool(
    configuration: .init(url: try ConnectionURL(databaseURL)),  // pool_size 20, max_overflow 20, timeout 30 s, recycle 1800 s
    threadPool: threads,
    metrics: metrics,
    registry: registry
)

let router = Router()
// Request id, HTTP metrics and the access line in one middleware; first, so everything after logs the request id.
router.add(middleware: RequestInstrumentationMiddleware(metrics: metrics))
router.get("/api/v1/projects/{id}") { _, context -> String in
    let id = try context.parameters.require("id", as: Int.self)
    let sql = "SELECT $1::int AS id"
    let rows = try await queries.measure(sql: sql) {
        try await pool.withConnection { try await $0.query(sql, [String(id)], timeout: .seconds(5)) }
    }
    metrics.record(.miss)  // a cache lookup that missed
    costs.record(.init(model: "claude-sonnet-4-5-20250929", inputTokens: 1200, outputTokens: 300, duration: .seconds(2)))
    return "project \(rows.first?.first.flatMap { $0 } ?? "?")"
}
router.get("/metrics") { request, _ -> Response in
    let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
    return Response(
        status: .ok,
        headers: [.contentType: format.contentType],
        body: .init(byteBuffer: ByteBuffer(bytes: registry.render(format: format)))
    )
}

let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 8000)), logger: logger)
try await app.runService()
await pool.close()
try await threads.shutdownGracefully()
