import Clients
import Hummingbird
import NIOCore
import Probes
import PrometheusRegistry

/// `/health/live`, `/health/ready`, `/health`, `/metrics`, `/openapi.json`: outside `/api/v1`, never rate limited.
struct SystemRoutes {
    let services: APIServices
    let health: HealthStore

    func add(to router: RecordingRoutes) {
        let json: HTTPFields = [.contentType: "application/json"]
        router.get("/health/live") { _, _ in
            Response(status: .ok, headers: json, body: .init(byteBuffer: ByteBuffer(string: #"{"status":"alive"}"#)))
        }
        router.get("/health") { _, _ in
            Response(status: .ok, headers: json, body: .init(byteBuffer: ByteBuffer(string: #"{"status":"healthy"}"#)))
        }
        router.get("/health/ready") { request, _ in
            let answer = self.health.answer
            let verbose = request.uri.queryParameters["verbose"] != nil
            return Response(
                status: HTTPResponse.Status(code: answer.statusCode),
                headers: json,
                body: .init(byteBuffer: ByteBuffer(bytes: verbose ? answer.verboseBody : answer.body))
            )
        }
        router.get("/metrics") { request, _ in
            if let token = self.services.configuration.metricsToken {
                guard Self.bearerMatches(request.headers[.authorization], token) else {
                    throw APIError.unauthorized("Metrics need the METRICS_TOKEN bearer token")
                }
            }
            let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
            return Response(
                status: .ok,
                headers: [.contentType: format.contentType],
                body: .init(byteBuffer: ByteBuffer(bytes: self.services.registry.render(format: format)))
            )
        }
        router.get("/openapi.json") { _, _ in
            var headers = json
            headers[.cacheControl] = "public, max-age=300"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }

    /// Whether `Authorization` is `Bearer <token>`, compared in constant time.
    static func bearerMatches(_ header: String?, _ token: String) -> Bool {
        guard let header else { return false }
        return ConstantTime.equals(Array(header.utf8), Array("Bearer \(token)".utf8))
    }
}
