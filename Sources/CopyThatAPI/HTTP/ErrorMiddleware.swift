public import Hummingbird
public import Logging

/// Turns every error into the contract's JSON error body and puts the security headers on every response.
///
/// An ``APIError`` answers as it says; Hummingbird's own errors (404 for an unknown route, 413 past the body limit,
/// 405) keep their status with a generic detail; anything else is a 500 whose body holds only the generic message
/// and the request id, while the error itself goes to the log with that id.
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let headers: SecurityHeaders
    let logger: Logger

    /// Creates the middleware with the headers to set.
    public init(headers: SecurityHeaders, logger: Logger) {
        self.headers = headers
        self.logger = logger
    }

    /// Answers through `next`; converts what it throws.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await Self.answer(request, context, next, logger: self.logger)
        self.headers.apply(to: &response.headers)
        return response
    }

    /// What `next` answers, or the response for what it throws (cancellation excepted): for the middleware
    /// inside this one that must put headers on error answers too (CORS, rate limits).
    static func answer(
        _ request: Request,
        _ context: Context,
        _ next: (Request, Context) async throws -> Response,
        logger: Logger
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return Self.response(for: error, request: request, context: context, logger: logger)
        }
    }

    /// The response for `error`; logs what is not an HTTP error.
    static func response(for error: any Error, request: Request, context: Context, logger: Logger) -> Response {
        if let error = error as? APIError, let response = try? error.response(from: request, context: context) {
            return response
        }
        if let error = error as? any HTTPResponseError {
            return ErrorBody.response(status: error.status, detail: Self.genericDetail(error.status))
        }
        logger.error(
            "unhandled error",
            metadata: [
                "error.type": "\(type(of: error))",
                "error.message": "\(String(reflecting: error))",
                "route": "\(context.endpointPath ?? "unmatched")",
            ]
        )
        return ErrorBody.response(status: .internalServerError, detail: "An internal error occurred")
    }

    static func genericDetail(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 413: "Request body too large"
        case 400: "Bad Request"
        default: status.reasonPhrase.isEmpty ? "Error" : status.reasonPhrase
        }
    }
}
