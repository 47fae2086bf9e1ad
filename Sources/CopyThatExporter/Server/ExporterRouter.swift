import Hummingbird
import Probes
import PrometheusRegistry

/// The exporter's routes: `/health/live`, `/health/ready`, `/health` and `/metrics`.
enum ExporterRouter {
    static func build(
        registry: PrometheusRegistry,
        store: HealthStore,
        metricsAuth: ExporterConfiguration.MetricsAuth?
    ) throws -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: try RequestMetricsMiddleware(registry: registry))
        let json: HTTPFields = [.contentType: "application/json"]

        // Liveness depends on nothing outside the process: a wrong liveness probe restarts pods in cascade.
        router.get("/health/live") { _, _ in
            Response(status: .ok, headers: json, body: .init(byteBuffer: ByteBuffer(string: #"{"status":"alive"}"#)))
        }
        router.get("/health") { _, _ in
            Response(status: .ok, headers: json, body: .init(byteBuffer: ByteBuffer(string: #"{"status":"healthy"}"#)))
        }
        // Served from the last probe results: never waits on a dependency.
        router.get("/health/ready") { request, _ in
            let answer = store.answer
            let verbose =
                request.uri.queryParameters["verbose"] != nil || request.uri.query?.split(separator: "&").contains("verbose") == true
            return Response(
                status: HTTPResponse.Status(code: answer.statusCode),
                headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: verbose ? answer.verboseBody : answer.body))
            )
        }
        let metrics = MetricsEndpoint(registry: registry, authorization: metricsAuth.map(MetricsEndpoint.Authorization.init))
        router.get("/metrics") { request, _ in
            metrics.respond(to: request)
        }
        return router
    }
}
