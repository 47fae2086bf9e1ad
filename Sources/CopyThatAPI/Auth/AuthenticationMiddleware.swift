public import Hummingbird
public import HummingbirdAuth
import Logging

/// Works out who is calling before anything else looks at the request: the client's address (``ClientAddress``)
/// for every request, and on `/api/v1` the caller behind an access token or an API key.
///
/// Credentials are `Authorization: Bearer <access token or API key>` or `X-API-Key: <key>`. Bad credentials do not
/// fail here: the refusal is kept in the context and answered (401) by the routes that need a caller, so that
/// rate limiting still applies to the request, by address. (HummingbirdAuth's default `handle` would either throw at
/// once or drop the reason; this one keeps it. The `Bearer` scheme is matched without regard to case, as RFC 7235
/// says, where `headers.bearer` wants it exactly.)
public struct AuthenticationMiddleware: AuthenticatorMiddleware {
    public typealias Context = APIRequestContext

    let tokens: TokenService
    let users: UserRepository
    let keys: APIKeyRepository
    let codec: APIKeyCodec
    let trustedProxies: [IPNetwork]

    /// Creates the middleware.
    public init(tokens: TokenService, users: UserRepository, keys: APIKeyRepository, codec: APIKeyCodec, trustedProxies: [IPNetwork]) {
        self.tokens = tokens
        self.users = users
        self.keys = keys
        self.codec = codec
        self.trustedProxies = trustedProxies
    }

    /// Fills the context's address and identity, then answers through `next`.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.clientAddress = ClientAddress.resolve(
            peer: ClientAddress.peer(context.remoteAddress),
            forwardedFor: request.headers[values: .forwardedFor],
            trustedProxies: self.trustedProxies
        )
        if request.uri.path.hasPrefix("/api/v1/") {
            do {
                context.identity = try await self.authenticate(request: request, context: context)
            } catch let error as APIError {
                context.credentialFailure = error
            }
        }
        return try await next(request, context)
    }

    /// The caller behind the request's credentials; `nil` without credentials; an ``APIError`` (401) for bad ones.
    public func authenticate(request: Request, context: Context) async throws -> Identity? {
        if let key = request.headers[.apiKey] {
            return try await self.identify(apiKey: key)
        }
        guard let authorization = request.headers[.authorization] else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("Could not validate credentials")
        }
        let credential = String(parts[1])
        if credential.hasPrefix(APIKeyCodec.marker) {
            return try await self.identify(apiKey: credential)
        }
        guard let claims = await self.tokens.verify(credential, as: .access) else {
            throw APIError.unauthorized("Could not validate credentials")
        }
        guard let (user, revoked) = try await self.users.forToken(userID: claims.sub.value, family: claims.fam) else {
            throw APIError.unauthorized("Could not validate credentials")
        }
        guard !revoked else { throw APIError.unauthorized("Token has been revoked") }
        return Identity(user: user, credential: .accessToken(family: claims.fam))
    }

    func identify(apiKey: String) async throws -> Identity {
        guard let prefix = APIKeyCodec.prefix(of: apiKey), let candidate = try await self.keys.candidate(prefix: prefix),
            self.codec.matches(apiKey, storedHash: candidate.hash)
        else {
            throw APIError.unauthorized("Invalid API key")
        }
        guard candidate.usable else { throw APIError.unauthorized("API key revoked or expired") }
        let keys = self.keys
        let id = candidate.id
        Task { try? await keys.touch(id: id) }  // at most one write a minute; the request does not wait for it
        return Identity(user: candidate.user, credential: .apiKey(id: candidate.id, scopes: Set(candidate.scopes.compactMap(Scope.init))))
    }
}
