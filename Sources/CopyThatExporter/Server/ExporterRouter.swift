import Alerting
import CopyThatInstrumentation
import ExporterConfig
import Hummingbird
import Probes
import PrometheusRegistry

/// The exporter's routes: `/health/live`, `/health/ready`, `/health`, `/metrics`, `/api/v1/alerts` and `/api/v1/rules`.
enum ExporterRouter {
    static func build(
        registry: PrometheusRegistry,
        store: HealthStore,
        metricsAuth: ExporterConfiguration.MetricsAuth?,
        ruleEngine: RuleEngine? = nil
    ) throws -> Router<BasicRequestContext> {
        let router = Router()
        router.add(
            middleware: HTTPMetricsMiddleware(
                requests: try registry.makeCounterFamily(
                    name: "copythat_exporter_http_requests_total",
                    help: "HTTP requests served by the exporter, by method, route and status.",
                    labelNames: ["method", "endpoint", "status"]
                ),
                duration: try registry.makeHistogramFamily(
                    name: "copythat_exporter_http_request_duration_seconds",
                    help: "Time the exporter took to answer, by method and route.",
                    labelNames: ["method", "endpoint"],
                    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
                    unit: "seconds"
                )
            )
        )
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
        // Prometheus's alerts and rules APIs, answered from the engine's memory.
        router.get("/api/v1/alerts") { _, _ in
            let body = RulesAPI.alerts(ruleEngine?.groups ?? [])
            return Response(status: .ok, headers: json, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("/api/v1/rules") { request, _ in
            let type = request.uri.queryParameters["type"].map(String.init)
            guard type == nil || type == "alert" || type == "record" else {
                let error = #"{"status":"error","errorType":"bad_data","error":"unsupported type, must be alert or record"}"#
                return Response(status: .badRequest, headers: json, body: .init(byteBuffer: ByteBuffer(string: error)))
            }
            let body = RulesAPI.rules(
                ruleEngine?.groups ?? [],
                defaultInterval: ruleEngine?.settings.evaluationInterval ?? 60_000,
                type: type
            )
            return Response(status: .ok, headers: json, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        // Prometheus's query API over the engine's store: what every alert's generatorURL and /graph read.
        router.get("/api/v1/query") { request, _ in
            Self.queryAnswer(ruleEngine) { store, options, window in
                QueryAPI.instant(
                    parameters: Self.parameters(request),
                    store: store,
                    options: options,
                    window: window,
                    now: RuleEvaluationService.now()
                )
            }
        }
        router.get("/api/v1/query_range") { request, _ in
            Self.queryAnswer(ruleEngine) { store, options, window in
                QueryAPI.range(parameters: Self.parameters(request), store: store, options: options, window: window)
            }
        }
        return router
    }

    /// The query string's parameters (the first of each name), percent-decoded.
    static func parameters(_ request: Request) -> [String: String] {
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters where parameters[String(name)] == nil {
            parameters[String(name)] = String(value)
        }
        return parameters
    }

    private static func queryAnswer(
        _ engine: RuleEngine?,
        _ body: (SampleStore, EvaluationOptions, QueryAPI.Window) -> QueryAPI.Answer
    ) -> Response {
        let answer =
            engine?.query(body)
            ?? QueryAPI.Answer(
                status: 422,
                body: Array(
                    #"{"status":"error","errorType":"unavailable","error":"no rule_files are configured, so nothing is stored to query"}"#
                        .utf8
                )
            )
        return Response(
            status: HTTPResponse.Status(code: answer.status),
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: answer.body))
        )
    }
}
