public import HTTPTypes
public import Hummingbird

/// An error the API answers with: a status, the contract's body (`detail`, `request_id`, and `errors` for
/// validation failures), and headers such as `WWW-Authenticate` or `Retry-After`.
///
/// Its `detail` is written for the client; internal reasons never go in it (they go to the log).
public struct APIError: Error, Sendable {
    /// One field's problem, as the contract's `errors` list shows it.
    public struct FieldError: Sendable, Hashable, Encodable {
        /// The field, dotted for nested ones (`role_assignments.2.role`); `body` for the whole body.
        public var field: String
        /// What is wrong with it.
        public var message: String

        /// Creates a field error.
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    /// The status.
    public var status: HTTPResponse.Status
    /// The message for the client.
    public var detail: String
    /// Field errors (validation failures only).
    public var errors: [FieldError]
    /// Extra headers.
    public var headers: HTTPFields
    /// Extra top-level body members (numbers), such as a budget's `budget_usd`.
    public var extra: [(String, Double)]

    /// Creates an error.
    public init(
        _ status: HTTPResponse.Status,
        _ detail: String,
        errors: [FieldError] = [],
        headers: HTTPFields = [:],
        extra: [(String, Double)] = []
    ) {
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.extra = extra
    }

    /// 422 with the field errors.
    public static func validation(_ errors: [FieldError]) -> APIError {
        APIError(.unprocessableContent, "Invalid request data", errors: errors)
    }

    /// 401 with `WWW-Authenticate: Bearer`, the one answer to every kind of bad credential.
    public static func unauthorized(_ detail: String = "Could not validate credentials") -> APIError {
        APIError(.unauthorized, detail, headers: [.wwwAuthenticate: "Bearer"])
    }

    /// 403.
    public static func forbidden(_ detail: String) -> APIError { APIError(.forbidden, detail) }

    /// 404.
    public static func notFound(_ detail: String) -> APIError { APIError(.notFound, detail) }

    /// 503: a dependency the request cannot do without is down.
    public static func unavailable(_ detail: String) -> APIError { APIError(.serviceUnavailable, detail) }
}

extension APIError: HTTPResponseError {
    /// The JSON body with the task's request id.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        ErrorBody.response(
            status: self.status,
            detail: self.detail,
            errors: self.errors,
            extra: self.extra,
            headers: self.headers
        )
    }
}
