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
        if request.isUnderAPIv1 {
            context.users = self.users
            do {
                if let claims = try await self.verifiedToken(request) {
                    context.tokenClaims = claims
                } else {
                    context.identity = try await self.authenticate(request: request, context: context)
                }
            } catch let error as APIError {
                context.credentialFailure = error
            }
        }
        return try await next(request, context)
    }

    /// The claims of the request's access token, checked without the database (signature, pinned algorithm,
    /// expiry, kind); `nil` when the request carries an API key or no credentials; 401 for a bad token.
    func verifiedToken(_ request: Request) async throws -> TokenClaims? {
        guard request.headers[.apiKey] == nil, let credential = try Self.bearer(request), !credential.hasPrefix(APIKeyCodec.marker) else {
            return nil
        }
        guard let claims = await self.tokens.verify(credential, as: .access) else {
            throw APIError.unauthorized("Could not validate credentials")
        }
        return claims
    }

    /// The credential of `Authorization: Bearer …` (scheme in any case); 401 for another scheme.
    static func bearer(_ request: Request) throws -> String? {
        guard let authorization = request.headers[.authorization] else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("Could not validate credentials")
        }
        return String(parts[1])
    }

    /// The caller behind an API key (`X-API-Key` or `Authorization: Bearer ctk_…`), read with its user in one
    /// statement; `nil` without one; an ``APIError`` (401) for a bad, revoked or expired key.
    public func authenticate(request: Request, context: Context) async throws -> Identity? {
        if let key = request.headers[.apiKey] {
            return try await self.identify(apiKey: key)
        }
        guard let credential = try Self.bearer(request) else { return nil }
        return try await self.identify(apiKey: credential)
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
