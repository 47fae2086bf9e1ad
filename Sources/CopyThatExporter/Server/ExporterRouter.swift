import Alerting
import CopyThatInstrumentation
import ExporterConfig
import Hummingbird
import NIOPosix
import Probes
import PrometheusRegistry

/// The exporter's routes: `/health/live`, `/health/ready`, `/health`, `/metrics`, `/api/v1/alerts`, `/api/v1/rules`,
/// `/api/v1/query`, `/api/v1/query_range`, `/graph`, the landing page `/`, and `/-/healthy`, `/-/ready`, `/-/reload`.
enum ExporterRouter {
    /// Prometheus's lifecycle API: `POST /-/reload` only with `--web.enable-lifecycle`.
    struct Lifecycle: Sendable {
        /// Whether `--web.enable-lifecycle` was given.
        var enabled = false
        /// Reloads the rule files; the reason when they do not load. Nil without rule files.
        var reload: (@Sendable () -> String?)?
    }

    static func build(
        registry: PrometheusRegistry,
        store: HealthStore,
        metricsAuth: ExporterConfiguration.MetricsAuth?,
        ruleEngine: RuleEngine? = nil,
        lifecycle: Lifecycle = Lifecycle(),
        web: WebConfiguration = WebConfiguration(),
        bcryptThreads: NIOThreadPool? = nil
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
        // --web.config.file: its headers on every answer (a 401 too), then its users on every request, as exporter-toolkit.
        if !web.headers.isEmpty { router.add(middleware: ResponseHeadersMiddleware(headers: web.headers)) }
        if !web.basicAuthUsers.isEmpty {
            router.add(middleware: BasicAuthMiddleware(users: web.basicAuthUsers, threadPool: bcryptThreads ?? .singleton))
        }
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
        // Prometheus's lifecycle endpoints, worded as Prometheus words them.
        @Sendable func plain(_ status: HTTPResponse.Status, _ body: String) -> Response {
            Response(
                status: status,
                headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: body))
            )
        }
        router.get("/-/healthy") { _, _ in plain(.ok, "copythat-exporter is Healthy.\n") }
        router.get("/-/ready") { _, _ in
            store.answer.statusCode == 200 ? plain(.ok, "copythat-exporter is Ready.\n") : plain(.serviceUnavailable, "Service Unavailable")
        }
        let reload: @Sendable (Request, BasicRequestContext) async throws -> Response = { _, _ in
            guard lifecycle.enabled else { return plain(.forbidden, "Lifecycle API is not enabled.") }
            guard let reload = lifecycle.reload else { return plain(.ok, "no rule files to reload\n") }
            // Loading files is blocking work: off the event loop.
            let failure = try await NIOThreadPool.singleton.runIfActive { reload() }
            guard let failure else { return plain(.ok, "") }
            return plain(.internalServerError, "failed to reload rules: \(failure)")
        }
        router.post("/-/reload", use: reload)
        router.put("/-/reload", use: reload)
        router.get("/-/reload") { _, _ in plain(.methodNotAllowed, "Only POST or PUT requests allowed") }
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
        let html: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        router.get("/") { _, _ in
            Response(status: .ok, headers: html, body: .init(byteBuffer: ByteBuffer(string: Self.landingPage)))
        }
        router.get("/graph") { request, _ in
            let expression = Self.parameters(request)["g0.expr"] ?? ""
            let page: (status: Int, html: String)
            if let ruleEngine {
                let answer = ruleEngine.query { store, options, window in
                    let rendered = GraphPage.render(
                        expressionText: expression,
                        store: store,
                        options: options,
                        window: window,
                        now: RuleEvaluationService.now(),
                        step: max(1000, ruleEngine.settings.evaluationInterval)
                    )
                    return QueryAPI.Answer(status: rendered.status, body: Array(rendered.html.utf8))
                }
                page = (answer.status, String(decoding: answer.body, as: UTF8.self))
            } else {
                page = (200, "<!DOCTYPE html><p>No rule_files are configured, so the exporter stores nothing to graph.</p>")
            }
            return Response(
                status: HTTPResponse.Status(code: page.status),
                headers: html,
                body: .init(byteBuffer: ByteBuffer(string: page.html))
            )
        }
        router.get("/api/v1/query_range") { request, _ in
            Self.queryAnswer(ruleEngine) { store, options, window in
                QueryAPI.range(parameters: Self.parameters(request), store: store, options: options, window: window)
            }
        }
        return router
    }

    /// The query string's parameters (the first of each name), decoded as Go's `url.ParseQuery` decodes them (`+` is a
    /// space, then percent escapes), as Prometheus's generatorURLs are encoded.
    static func parameters(_ request: Request) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in (request.uri.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.formDecoded(parts[0]), parameters[name] == nil else { continue }
            parameters[name] = parts.count > 1 ? Self.formDecoded(parts[1]) ?? "" : ""
        }
        return parameters
    }

    /// `+` as a space and `%XX` as the byte; nil when an escape is malformed or the bytes are not UTF-8.
    static func formDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = utf8.popFirst().flatMap(Self.hexValue), let low = utf8.popFirst().flatMap(Self.hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `/`: what every exporter's landing page has, links to everything it serves.
    static let landingPage = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>copythat-exporter</title>
        <style>body { font-family: sans-serif; margin: 1.5em; } li { margin: 0.3em 0; }</style></head><body>
        <h1>copythat-exporter</h1>
        <p>Probes PostgreSQL, Redis and the AI endpoints, and evaluates the alert rules as Prometheus does.</p>
        <ul>
        <li><a href="/metrics">/metrics</a>: every metric, in the Prometheus text format</li>
        <li><a href="/health/ready?verbose">/health/ready?verbose</a>: readiness, with each dependency's state</li>
        <li><a href="/api/v1/rules">/api/v1/rules</a>: the rules and their health</li>
        <li><a href="/api/v1/alerts">/api/v1/alerts</a>: pending and firing alerts</li>
        <li><a href="/graph">/graph</a>: run an expression over what the exporter holds, and plot its last hour</li>
        </ul>
        </body></html>

        """

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
