public import Hummingbird

/// CORS from an allowlist of exact origins: never a reflected origin, never `*`, never `null`.
///
/// A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) from a listed origin answers 204 with
/// the seeds' methods, headers and max-age; from any other origin it answers 403 and grants nothing. Other requests
/// from a listed origin get `Access-Control-Allow-Origin` with that origin, credentials allowed and the rate-limit
/// headers exposed; every response says `Vary: Origin`, so no cache serves one origin's answer to another.
public struct CORSPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: Set<String>

    static var allowedMethods: String { "GET, POST, PUT, DELETE, PATCH" }
    static var allowedHeaders: String { "Authorization, Content-Type, X-Request-ID, X-API-Key" }
    static var exposedHeaders: String { "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-Request-ID, Retry-After" }

    /// Creates the policy over the exact origins allowed.
    public init(origins: [String]) {
        self.origins = Set(origins.map { $0.lowercased() })
    }

    /// Answers preflights and marks cross-origin responses.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else {
            return try await next(request, context)
        }
        let allowed = self.origins.contains(origin.lowercased()) && origin.lowercased() != "null"
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard allowed else {
                return ErrorBody.response(status: .forbidden, detail: "Origin not allowed")
            }
            var headers: HTTPFields = [
                .accessControlAllowOrigin: origin,
                .accessControlAllowMethods: Self.allowedMethods,
                .accessControlAllowHeaders: Self.allowedHeaders,
                .accessControlAllowCredentials: "true",
                .accessControlMaxAge: "600",
            ]
            headers[.vary] = "Origin"
            return Response(status: .noContent, headers: headers)
        }
        var response = try await ErrorMiddleware<Context>.answer(request, context, next, logger: context.logger)
        response.headers[.vary] = "Origin"
        if allowed {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlAllowCredentials] = "true"
            response.headers[.accessControlExposeHeaders] = Self.exposedHeaders
        }
        return response
    }
}
