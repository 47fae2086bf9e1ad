public import Hummingbird
public import HummingbirdAuth
public import NIOCore

/// The request context of every route: Hummingbird's core storage, the peer's address, and who is calling once
/// ``AuthenticationMiddleware`` has looked at the credentials.
public struct APIRequestContext: AuthRequestContext, RemoteAddressRequestContext {
    /// Hummingbird's storage (logger, route, parameters).
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer (a proxy, when there is one).
    public let remoteAddress: SocketAddress?
    /// The caller behind a valid API key (its user read with the key).
    public var identity: Identity?
    /// The claims of a valid access token; the user is read when a route asks (``requireUser(for:)``).
    public var tokenClaims: TokenClaims?
    /// Where ``requireUser(for:)`` reads users.
    var users: UserRepository?
    /// Why the credentials presented were refused, answered when a route needs a caller.
    public var credentialFailure: APIError?
    /// The client's address after `TRUSTED_PROXIES` (see ``ClientAddress``).
    public var clientAddress: String?

    /// Creates the context for a request on `source`'s channel.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// Bodies are read through ``RequestBody`` with per-route limits; this bounds anything else.
    public var maxUploadSize: Int { RequestBody.jsonLimit }
}
